//! The Python row: vod-source-ingest and alert-publisher written plainly in Python with boto3
//! (`bench/python/`), started through awslambdaric as Lambda's Python runtime starts a handler,
//! and measured by the same code as the Rust binaries ([`crate::cold`]) on the same event,
//! environment and emulator. It answers what the Rust functions save against the usual way of
//! writing them.
//!
//! The bench makes its own venv under `target/`, from `bench/python/requirements.txt` (every
//! package pinned, wheels only), and reuses it while the requirements and the interpreter are
//! unchanged; making it is never timed. Without Python, `venv` or pip, the row says why instead
//! of failing the bench.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::building::{self, target_dir};
use crate::cold::Target;

/// The functions with a Python version, and their modules in `bench/python/`.
pub const FUNCTIONS: [(&str, &str); 2] =
    [("vod-source-ingest", "vod_source_ingest"), ("alert-publisher", "alert_publisher")];
/// Bound of the venv's creation and of pip's install.
const INSTALL_BOUND: Duration = Duration::from_secs(15 * 60);
/// The file in the venv that says what it was made from.
const STAMP: &str = "tailorflow-bench-stamp";

/// A ready venv.
#[derive(Debug, Clone)]
pub struct Venv {
    /// Its interpreter.
    pub python: PathBuf,
    /// `MAJOR.MINOR.PATCH` of that interpreter.
    pub version: String,
}

impl Venv {
    /// `MAJOR.MINOR`, as Lambda names its Python runtimes (`python3.11`).
    pub fn minor(&self) -> &str {
        self.version.rsplit_once('.').map_or(self.version.as_str(), |(minor, _)| minor)
    }
}

/// `bench/python/`: the handlers, Lambda's task root for the Python row.
pub fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python")
}

/// Where the venv lives.
fn venv_dir() -> PathBuf {
    target_dir().join("bench-python-venv")
}

/// The interpreter that makes the venv: `BENCH_PYTHON`, else `python3`.
fn base_python() -> String {
    std::env::var("BENCH_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// The version of `python`, or why it cannot run.
fn version_of(python: &str) -> Result<String, String> {
    let out = Command::new(python)
        .args(["-c", "import sys, venv; print('%d.%d.%d' % sys.version_info[:3])"])
        .output()
        .map_err(|e| format!("`{python}` cannot be started ({e}); install Python 3 or set BENCH_PYTHON"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!("`{python}` has no venv module: {}", stderr.trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The venv, made (or remade) when it is missing or was made from other requirements or
/// another interpreter; `Err` says why the Python row cannot run.
pub async fn prepare() -> Result<Venv, String> {
    let base = base_python();
    let version = version_of(&base)?;
    let requirements = source_dir().join("requirements.txt");
    let pinned =
        std::fs::read_to_string(&requirements).map_err(|e| format!("cannot read {}: {e}", requirements.display()))?;
    let stamp = format!("python {version}\n{pinned}");
    let dir = venv_dir();
    let python = dir.join("bin").join("python");
    if python.is_file() && std::fs::read_to_string(dir.join(STAMP)).is_ok_and(|s| s == stamp) {
        return Ok(Venv { python, version });
    }
    eprintln!("bench: making the Python venv {} (not timed)", dir.display());
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("cannot remove the old venv {}: {e}", dir.display()))?;
    }
    let dir_arg = dir.display().to_string();
    building::run(&base, &["-m", "venv", &dir_arg], &[], INSTALL_BOUND).await.map_err(|e| e.to_string())?;
    let python_arg = python.display().to_string();
    let requirements_arg = requirements.display().to_string();
    let pip = [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--only-binary",
        ":all:",
        "-r",
        &requirements_arg,
    ];
    building::run(&python_arg, &pip, &[], INSTALL_BOUND)
        .await
        .map_err(|e| format!("{e} (pip needs PyPI or a wheel mirror, and a wheel of every pinned package)"))?;
    std::fs::write(dir.join(STAMP), &stamp).map_err(|e| format!("cannot stamp the venv: {e}"))?;
    Ok(Venv { python, version })
}

/// The Python version of `rust`: the same name, settings and event, started as
/// `python -m awslambdaric MODULE.handler` in `bench/python/`, as Lambda's Python runtime does.
pub fn target(rust: &Target, module: &str, venv: &Venv) -> Target {
    let handler = format!("{module}.handler");
    let task_root = source_dir().display().to_string();
    let mut env = rust.env.clone();
    env.extend([
        ("_HANDLER".to_owned(), handler.clone()),
        ("AWS_EXECUTION_ENV".to_owned(), format!("AWS_Lambda_python{}", venv.minor())),
        ("LAMBDA_TASK_ROOT".to_owned(), task_root),
        // The task root is read-only on Lambda: the handler is compiled at import, as there.
        ("PYTHONDONTWRITEBYTECODE".to_owned(), "1".to_owned()),
    ]);
    Target {
        name: rust.name.clone(),
        program: venv.python.clone(),
        args: vec!["-m".to_owned(), "awslambdaric".to_owned(), handler],
        dir: Some(source_dir()),
        env,
        event: rust.event.clone(),
        event_label: rust.event_label.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_python_function_has_its_module() {
        for (_, module) in FUNCTIONS {
            assert!(source_dir().join(format!("{module}.py")).is_file(), "bench/python/{module}.py is missing");
        }
        assert!(source_dir().join("requirements.txt").is_file());
    }

    #[test]
    fn names_the_lambda_runtime_by_minor_version() {
        let venv = Venv { python: PathBuf::from("python"), version: "3.11.7".to_owned() };
        assert_eq!(venv.minor(), "3.11");
    }
}
