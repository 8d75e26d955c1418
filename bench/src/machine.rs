//! The machine a run measured.

use std::process::Command;

/// What the report says of the machine.
#[derive(Debug, Clone)]
pub struct Machine {
    /// Logical CPUs available.
    pub nproc: usize,
    /// `model name` of /proc/cpuinfo.
    pub model: String,
    /// `MemTotal` of /proc/meminfo, KiB.
    pub memory_kib: u64,
    /// The kernel release.
    pub kernel: String,
    /// `rustc --version`.
    pub rustc: String,
    /// The load average when the run started.
    pub load: String,
}

fn first_value(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_owned())
    })
}

impl Machine {
    /// Reads /proc and asks rustc.
    pub fn describe() -> Self {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let cpuinfo = read("/proc/cpuinfo");
        let meminfo = read("/proc/meminfo");
        let memory_kib = first_value(&meminfo, "MemTotal")
            .and_then(|v| v.trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_default();
        let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
        let rustc = Command::new(rustc)
            .arg("--version")
            .output()
            .ok()
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
            .unwrap_or_else(|| "unknown".to_owned());
        Self {
            nproc: std::thread::available_parallelism().map(usize::from).unwrap_or(1),
            model: first_value(&cpuinfo, "model name").unwrap_or_else(|| "unknown".to_owned()),
            memory_kib,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
            rustc,
            load: read("/proc/loadavg").split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_value_of_a_key() {
        let text = "processor\t: 0\nmodel name\t: Some CPU @ 2.0GHz\nmodel name\t: other\n";
        assert_eq!(first_value(text, "model name").as_deref(), Some("Some CPU @ 2.0GHz"));
        assert_eq!(first_value(text, "flags"), None);
    }
}
