//! Child processes that are killed when dropped, and their memory from `/proc/PID/status`
//! (Linux).

use std::process::{Child, ExitStatus};
use std::time::Duration;

use tokio::time::Instant;

/// A child process, killed and reaped when dropped (also on an early return or a panic).
#[derive(Debug)]
pub struct Guard(pub Child);

impl Guard {
    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.0.id()
    }

    /// Its exit status, if it has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.0.try_wait().ok().flatten()
    }

    /// Waits for it to exit, checking every `every`, until `deadline`: `None` when it is still
    /// running then.
    pub async fn wait_until(&mut self, deadline: Instant, every: Duration) -> Option<ExitStatus> {
        loop {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(every).await;
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.exited().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// A scratch folder under the system's temporary folder, removed when dropped.
#[derive(Debug)]
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    /// Creates `tailorflow-bench-PID-NAME` under the temporary folder, empty.
    pub fn new(name: &str) -> std::io::Result<Self> {
        let path = std::env::temp_dir().join(format!("tailorflow-bench-{}-{name}", std::process::id()));
        if path.exists() {
            std::fs::remove_dir_all(&path)?;
        }
        std::fs::create_dir_all(&path)?;
        Ok(Self(path))
    }

    /// Its path.
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A `kB` field of `/proc/PID/status` (`VmHWM`: peak RSS, `VmRSS`: current RSS), in KiB.
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status_field(&status, field)
}

fn status_field(status: &str, field: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().trim_end_matches("kB").trim().parse().ok()
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_kib_fields() {
        let status = "Name:\tx\nVmHWM:\t   12345 kB\nVmRSS:\t    999 kB\n";
        assert_eq!(status_field(status, "VmHWM"), Some(12345));
        assert_eq!(status_field(status, "VmRSS"), Some(999));
        assert_eq!(status_field(status, "VmSwap"), None);
    }

    #[test]
    fn scratch_folders_are_removed() {
        let dir = TempDir::new("test").unwrap();
        let path = dir.path().to_path_buf();
        std::fs::write(path.join("f"), "x").unwrap();
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn reads_this_process() {
        assert!(status_kib(std::process::id(), "VmRSS").is_some_and(|kib| kib > 0));
    }
}
