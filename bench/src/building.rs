//! Builds what the benchmark measures, with the workspace's release profile.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{BenchError, Result};
use crate::proc::Guard;

/// The functions, by package and binary name.
pub const FUNCTIONS: [&str; 5] =
    ["vod-source-ingest", "program-scheduler", "alert-publisher", "playback-config-api", "channel-guide"];
/// The hello-world baseline binary.
pub const HELLO: &str = "bench-hello";
/// Hello-world plus tracing and the AWS SDK clients, as every function sets them up.
pub const HELLO_SDK: &str = "bench-hello-sdk";
/// `bench-hello-sdk` started with `SSL_CERT_DIR` at an empty folder: only the CA bundle is read.
pub const HELLO_SDK_ONE_BUNDLE: &str = "bench-hello-sdk-one-bundle";
/// The emulator binary.
pub const EMULATOR: &str = "mediatailor-local";
/// A release build from cold takes minutes on a small machine; this bounds it.
const BUILD_BOUND: Duration = Duration::from_secs(60 * 60);

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

/// `target/release/NAME`, honouring `CARGO_TARGET_DIR`.
pub fn release_bin(name: &str) -> PathBuf {
    target_dir().join("release").join(name)
}

/// The target directory.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| if dir.is_absolute() { dir } else { workspace_root().join(dir) })
        .unwrap_or_else(|| workspace_root().join("target"))
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Runs a command in the workspace root, its output shown, bounded by `bound`.
pub async fn run(program: &str, args: &[&str], envs: &[(&str, String)], bound: Duration) -> Result<()> {
    let line = format!("{program} {}", args.join(" "));
    eprintln!("bench: {line}");
    let child = Command::new(program)
        .args(args)
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(BenchError::io(format!("running {line}")))?;
    let mut child = Guard(child);
    let Some(status) = child.wait_until(Instant::now() + bound, Duration::from_millis(100)).await else {
        return Err(BenchError::Timeout(line, bound));
    };
    if !status.success() {
        return Err(BenchError::Command { command: line, status });
    }
    Ok(())
}

/// Builds the functions' binaries, the emulator's and the hello-world baselines, in release.
///
/// Each function is its own `cargo build -p NAME`: features unify within one build, so building
/// them together would give every function every SDK client any of them enables in
/// tailorflow-shared. Dependencies whose features agree are compiled once and reused.
pub async fn build_all() -> Result<()> {
    let cargo = cargo();
    for function in FUNCTIONS {
        run(&cargo, &["build", "--release", "--locked", "-p", function, "--bin", function], &[], BUILD_BOUND).await?;
    }
    run(
        &cargo,
        &[
            "build",
            "--release",
            "--locked",
            "-p",
            EMULATOR,
            "--bin",
            EMULATOR,
            "-p",
            "bench",
            "--bin",
            HELLO,
            "--bin",
            HELLO_SDK,
        ],
        &[],
        BUILD_BOUND,
    )
    .await
}

/// Whether an ELF file has a symbol table (`SHT_SYMTAB`): `Some(false)` when it is stripped.
pub fn has_symtab(path: &Path) -> Option<bool> {
    let bytes = std::fs::read(path).ok()?;
    elf_has_symtab(&bytes)
}

fn elf_has_symtab(bytes: &[u8]) -> Option<bool> {
    // 64-bit little-endian ELF only (x86_64 and aarch64 Linux).
    if bytes.get(..4)? != b"\x7fELF" || *bytes.get(4)? != 2 || *bytes.get(5)? != 1 {
        return None;
    }
    let u16_at = |at: usize| bytes.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |at: usize| bytes.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    let u64_at = |at: usize| bytes.get(at..at + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
    let shoff = usize::try_from(u64_at(0x28)?).ok()?;
    let shentsize = usize::from(u16_at(0x3A)?);
    let shnum = usize::from(u16_at(0x3C)?);
    const SHT_SYMTAB: u32 = 2;
    Some((0..shnum).any(|i| u32_at(shoff + i * shentsize + 4) == Some(SHT_SYMTAB)))
}

/// The arm64 build through cargo-lambda: `Ok` with the output folder, or why it was not built.
pub async fn build_arm64() -> std::result::Result<PathBuf, String> {
    let root = workspace_root();
    let venv_bin = root.join(".venv/bin");
    let path = std::env::var("PATH").unwrap_or_default();
    let path = format!("{}:{path}", venv_bin.display());
    let has_cargo_lambda = std::env::split_paths(&path).any(|dir| dir.join("cargo-lambda").is_file());
    if !has_cargo_lambda {
        return Err("not built: cargo-lambda is not installed (run `bash scripts/test.sh` once)".into());
    }
    let installed = Command::new("rustup").args(["target", "list", "--installed"]).output();
    let targets = match installed {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        _ => return Err("not built: rustup is not available to tell the installed targets".into()),
    };
    if !targets.lines().any(|t| t.trim() == "aarch64-unknown-linux-gnu") {
        return Err("not built: the aarch64-unknown-linux-gnu target is not installed here \
             (`rustup target add aarch64-unknown-linux-gnu`, then rerun)"
            .into());
    }
    let cargo = cargo();
    // One function per build, as for x86_64, so that features do not unify.
    for function in FUNCTIONS {
        let args = ["lambda", "build", "--release", "--arm64", "--locked", "-p", function];
        run(&cargo, &args, &[("PATH", path.clone())], BUILD_BOUND).await.map_err(|e| format!("not built: {e}"))?;
    }
    Ok(target_dir().join("lambda"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_a_stripped_binary() {
        // This test binary is a debug build: it has a symbol table.
        let exe = std::env::current_exe().ok();
        assert_eq!(exe.as_deref().and_then(has_symtab), Some(true));
        assert_eq!(elf_has_symtab(b"not an elf"), None);
    }
}
