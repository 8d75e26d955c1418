//! Cold start: a function started as Lambda starts it (a release binary, or Python through
//! awslambdaric), timed from process start to its first `next` (init) and to its first
//! response, with its peak RSS and the calls the emulator answered for it. Rust and Python go
//! through this same code, so their figures compare.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use mediatailor_local::Emulator;
use serde_json::Value;
use std::process::Command;

use tokio::time::Instant;

use crate::error::{BenchError, Result};
use crate::proc::{self, Guard};
use crate::runtime_api::{RuntimeApi, Seen};

/// How long one start may take, from spawn to the runtime's second `next`.
const START_BOUND: Duration = Duration::from_secs(20);

/// One binary to start.
#[derive(Debug, Clone)]
pub struct Target {
    /// The function's name (`AWS_LAMBDA_FUNCTION_NAME`).
    pub name: String,
    /// The program started: the release binary, or the venv's Python.
    pub program: PathBuf,
    /// Its arguments (none for a binary; `-m awslambdaric MODULE.handler` for Python).
    pub args: Vec<String>,
    /// Its working folder (Lambda's task root), when it matters.
    pub dir: Option<PathBuf>,
    /// Its settings, beside the Lambda environment (they override it).
    pub env: Vec<(String, String)>,
    /// The event it is invoked with.
    pub event: Value,
    /// Where the event came from, for the report.
    pub event_label: String,
}

/// One start.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Process start to the first `GET /runtime/invocation/next`.
    pub init: Duration,
    /// Process start to the first `POST /runtime/invocation/{id}/response`.
    pub response: Duration,
    /// Peak RSS (`VmHWM`) once the response was sent, KiB.
    pub peak_kib: u64,
    /// Calls the emulator answered from spawn to the second `next`, per operation.
    pub calls: Calls,
}

/// Calls per operation.
pub type Calls = BTreeMap<String, u64>;

/// The medians over several starts.
#[derive(Debug, Clone)]
pub struct Measured {
    /// Median init.
    pub init: Duration,
    /// Median time to the first response.
    pub response: Duration,
    /// Median peak RSS, KiB.
    pub peak_kib: u64,
    /// The calls of the last measured start.
    pub calls: Calls,
    /// Whether every measured start made the same calls.
    pub calls_same: bool,
}

impl Target {
    /// A release binary, started as the `provided.al2023` runtime starts `bootstrap`.
    pub fn binary(name: &str, bin: PathBuf, env: Vec<(String, String)>, event: Value, event_label: String) -> Self {
        Self { name: name.to_owned(), program: bin, args: Vec::new(), dir: None, env, event, event_label }
    }
}

/// The median of `values` (the lower middle one for an even count).
pub fn median<T: Copy + Ord>(values: &mut [T]) -> Option<T> {
    values.sort();
    values.get(values.len().saturating_sub(1) / 2).copied()
}

/// Starts `target` once unmeasured, then `runs` times, and returns the medians. `prepare` runs
/// before each start, untimed (e.g. to delete what the last start created, so every start does
/// the same work); `emulator` counts the calls of each start.
pub async fn measure(
    target: &Target,
    runs: usize,
    scratch: &Path,
    emulator: Option<&Emulator>,
    prepare: impl AsyncFn() -> Result<()>,
) -> Result<Measured> {
    prepare().await?;
    once(target, scratch, emulator).await?;
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        prepare().await?;
        samples.push(once(target, scratch, emulator).await?);
    }
    let mut init: Vec<Duration> = samples.iter().map(|s| s.init).collect();
    let mut response: Vec<Duration> = samples.iter().map(|s| s.response).collect();
    let mut peak: Vec<u64> = samples.iter().map(|s| s.peak_kib).collect();
    let none = || BenchError::step(format!("{}: no start was measured", target.name));
    let calls = samples.last().map(|s| s.calls.clone()).unwrap_or_default();
    Ok(Measured {
        init: median(&mut init).ok_or_else(none)?,
        response: median(&mut response).ok_or_else(none)?,
        peak_kib: median(&mut peak).ok_or_else(none)?,
        calls_same: samples.iter().all(|s| s.calls == calls),
        calls,
    })
}

/// The environment Lambda gives a function (no credentials of any real account).
fn lambda_env(name: &str, runtime_api: &str, home: &Path) -> Vec<(String, String)> {
    let pairs = [
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_owned()),
        ("AWS_LAMBDA_FUNCTION_NAME", name.to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}")),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/25/[$LATEST]bench".to_owned()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
        ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023".to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_DEFAULT_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "mediatailor-local".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "mediatailor-local".to_owned()),
        ("AWS_SESSION_TOKEN", "mediatailor-local".to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ("LAMBDA_TASK_ROOT", "/var/task".to_owned()),
        ("LAMBDA_RUNTIME_DIR", "/var/runtime".to_owned()),
        ("_HANDLER", "bootstrap".to_owned()),
        ("TZ", ":UTC".to_owned()),
        ("LANG", "en_US.UTF-8".to_owned()),
        ("PATH", "/usr/local/bin:/usr/bin:/bin".to_owned()),
        ("HOME", home.display().to_string()),
        ("NO_PROXY", "127.0.0.1,localhost".to_owned()),
    ];
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// The process Lambda would start: a clean environment, the Lambda variables, then the target's.
fn command(target: &Target, runtime_api: &str, scratch: &Path, log: std::fs::File) -> Command {
    let mut command = Command::new(&target.program);
    if let Some(dir) = &target.dir {
        command.current_dir(dir);
    }
    command
        .args(&target.args)
        .env_clear()
        .envs(lambda_env(&target.name, runtime_api, scratch))
        .envs(target.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    command
}

async fn once(target: &Target, scratch: &Path, emulator: Option<&Emulator>) -> Result<Sample> {
    if !target.program.is_file() {
        return Err(BenchError::Missing(target.program.clone()));
    }
    let mut api = RuntimeApi::start(&target.name, &target.event).await?;
    let program = target.program.file_name().unwrap_or_default().to_string_lossy();
    let log_path = scratch.join(format!("{}.{program}.log", target.name));
    let log = std::fs::File::create(&log_path).map_err(BenchError::io("creating the function's log"))?;
    let mut command = command(target, &api.host_port(), scratch, log);
    if let Some(emulator) = emulator {
        emulator.reset_call_counts();
    }
    let started = Instant::now();
    let mut child = Guard(command.spawn().map_err(BenchError::io(format!("starting {}", target.program.display())))?);
    let pid = child.pid();
    let deadline = started + START_BOUND;
    let mut init = None;
    let mut response = None;
    let outcome: Result<Sample> = loop {
        let seen = tokio::select! {
            seen = tokio::time::timeout_at(deadline, api.seen.recv()) => seen,
            // The runtime's requests wake the branch above at once; this only notices a crash.
            status = child.wait_until(deadline, Duration::from_millis(5)) => match status {
                Some(status) => break Err(BenchError::step(format!("{} exited early ({status})", target.name))),
                None => break Err(BenchError::Timeout(format!("{} cold start", target.name), START_BOUND)),
            },
        };
        let Ok(Some((at, seen))) = seen else {
            break Err(BenchError::Timeout(format!("{} cold start", target.name), START_BOUND));
        };
        match seen {
            Seen::Next if init.is_none() => init = Some(at - started),
            Seen::Next => {
                // Idle, waiting for the next invocation: everything the first one needed is done.
                let peak_kib = proc::status_kib(pid, "VmHWM")
                    .ok_or_else(|| BenchError::step(format!("cannot read /proc/{pid}/status")))?;
                match (init, response) {
                    (Some(init), Some(response)) => {
                        let calls = emulator.map(Emulator::call_counts).unwrap_or_default();
                        break Ok(Sample { init, response, peak_kib, calls });
                    }
                    _ => break Err(BenchError::step(format!("{}: a second next before a response", target.name))),
                }
            }
            Seen::Response => response = Some(at - started),
            Seen::Error(body) => break Err(BenchError::step(format!("{} answered an error: {body}", target.name))),
            Seen::InitError(body) => break Err(BenchError::step(format!("{} failed to init: {body}", target.name))),
        }
    };
    drop(child);
    outcome.map_err(|err| {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let tail: String = log.chars().rev().take(2000).collect::<Vec<_>>().into_iter().rev().collect();
        BenchError::step(format!("{err}\n--- {} log (tail) ---\n{tail}", target.name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_is_the_middle_value() {
        assert_eq!(median(&mut [5, 1, 3]), Some(3));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
        assert_eq!(median::<u32>(&mut []), None);
    }
}
