//! The report's "Rust against Python" section and its targets: each function's Rust cold start
//! beside its Python version's, from the same run, with the ratios the issue sets targets for.

use std::fmt::Write as _;

use crate::cold::Measured;
use crate::report::{
    PYTHON_MEMORY_TARGET, PYTHON_RESPONSE_TARGET, PythonRun, Report, calls_list, mb, ms, one_line, verdict,
};

/// One function measured both ways.
struct Pair<'a> {
    name: &'a str,
    rust: &'a Measured,
    python: &'a Measured,
}

impl Pair<'_> {
    /// How many times Rust's first response is quicker.
    fn response_ratio(&self) -> f64 {
        self.python.response.as_secs_f64() / self.rust.response.as_secs_f64().max(f64::EPSILON)
    }

    /// How many times Rust's init is quicker: the part of a cold start that is the runtime's own.
    fn init_ratio(&self) -> f64 {
        self.python.init.as_secs_f64() / self.rust.init.as_secs_f64().max(f64::EPSILON)
    }

    /// How many times Rust's peak RSS is smaller.
    fn memory_ratio(&self) -> f64 {
        self.python.peak_kib as f64 / (self.rust.peak_kib as f64).max(1.0)
    }

    fn same_calls(&self) -> String {
        let total = |m: &Measured| m.calls.values().sum::<u64>();
        if self.rust.calls == self.python.calls {
            format!("yes ({})", total(self.rust))
        } else {
            format!(
                "**no**: Rust {} ({}); Python {} ({})",
                calls_list(&self.rust.calls),
                total(self.rust),
                calls_list(&self.python.calls),
                total(self.python)
            )
        }
    }
}

impl Report {
    /// The Rust row of `name`, when it was measured.
    fn rust(&self, name: &str) -> Option<&Measured> {
        self.cold.iter().find(|row| row.target.name == name).and_then(|row| row.measured.as_ref().ok())
    }

    /// Every function measured both ways; the others with why not.
    fn pairs<'a>(&'a self, run: &'a PythonRun) -> (Vec<Pair<'a>>, Vec<(&'a str, String)>) {
        let mut pairs = Vec::new();
        let mut missing = Vec::new();
        for row in &run.rows {
            let name = row.target.name.as_str();
            match (self.rust(name), &row.measured) {
                (Some(rust), Ok(python)) => pairs.push(Pair { name, rust, python }),
                (None, _) => missing.push((name, "the Rust row was not measured".to_owned())),
                (_, Err(err)) => missing.push((name, format!("the Python row failed: {}", one_line(&err.to_string())))),
            }
        }
        (pairs, missing)
    }

    pub(crate) fn python_section(&self, out: &mut String) {
        let _ = writeln!(out, "## Rust against Python\n");
        let run = match &self.python {
            Ok(run) => run,
            Err(why) => {
                let _ = writeln!(out, "Not run: {}\n", one_line(why));
                return;
            }
        };
        let _ = writeln!(
            out,
            "vod-source-ingest and alert-publisher are also written plainly in Python {} with boto3 \
             (`bench/python/`, clients created at import, the same calls for the same event), and started as \
             Lambda's Python runtime starts a handler: `python -m awslambdaric MODULE.handler` with `bench/python/` \
             as task root, from a venv the bench makes under `target/bench-python-venv` from the pinned \
             `bench/python/requirements.txt` (made once and reused; never timed). Each Python row runs right after \
             its Rust row with the same Lambda environment, settings, sample event, emulator and state before each \
             start, and is measured by the same code: one unmeasured start, then the median of {} starts (the Rust \
             rows: {}). *Same calls* compares the calls mediatailor-local counted for one start of each. Targets: \
             Rust's first response at least {PYTHON_RESPONSE_TARGET}× quicker, its peak RSS at least \
             {PYTHON_MEMORY_TARGET}× smaller.\n",
            run.version, run.runs, self.cold_runs
        );
        let _ = writeln!(
            out,
            "| Function | Rust first response | Python first response | Python / Rust | Rust peak RSS | Python peak RSS \
             | Python / Rust | Rust init | Python init | Python / Rust | Same calls | Targets |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        let (pairs, missing) = self.pairs(run);
        for pair in &pairs {
            let (response, memory) = (pair.response_ratio(), pair.memory_ratio());
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {response:.1}× | {} | {} | {memory:.1}× | {} | {} | {:.1}× | {} | response {}, RSS {} |",
                pair.name,
                ms(pair.rust.response),
                ms(pair.python.response),
                mb(pair.rust.peak_kib * 1024),
                mb(pair.python.peak_kib * 1024),
                ms(pair.rust.init),
                ms(pair.python.init),
                pair.init_ratio(),
                pair.same_calls(),
                verdict(response >= PYTHON_RESPONSE_TARGET),
                verdict(memory >= PYTHON_MEMORY_TARGET),
            );
        }
        for (name, why) in &missing {
            let _ = writeln!(out, "| `{name}` | | | | | | | | | | | **not measured**: {why} |");
        }
        let _ = writeln!(out);
    }

    pub(crate) fn python_targets(&self, out: &mut String) {
        let run = match &self.python {
            Ok(run) => run,
            Err(why) => {
                let _ = writeln!(out, "- Rust against Python: **not measured**: not run: {}", one_line(why));
                return;
            }
        };
        let (pairs, missing) = self.pairs(run);
        let response = format!("First response at least {PYTHON_RESPONSE_TARGET}× quicker than Python");
        let slow: Vec<&Pair> = pairs.iter().filter(|p| p.response_ratio() < PYTHON_RESPONSE_TARGET).collect();
        let _ = writeln!(out, "{}", line(&response, &pairs, &slow, |p| p.response_ratio(), response_cause));
        let memory = format!("Peak RSS at least {PYTHON_MEMORY_TARGET}× smaller than Python");
        let heavy: Vec<&Pair> = pairs.iter().filter(|p| p.memory_ratio() < PYTHON_MEMORY_TARGET).collect();
        let _ = writeln!(out, "{}", line(&memory, &pairs, &heavy, |p| p.memory_ratio(), memory_cause));
        for (name, why) in missing {
            let _ = writeln!(out, "- Rust against Python, {name}: **not measured**: {why}");
        }
    }
}

/// A target's line: met with every ratio, or not met with each gap and its cause.
fn line(what: &str, pairs: &[Pair], gaps: &[&Pair], ratio: fn(&Pair) -> f64, cause: fn(&Pair) -> String) -> String {
    if pairs.is_empty() {
        return format!("- {what}: **not measured** (no function was measured both ways).");
    }
    if gaps.is_empty() {
        let ratios: Vec<String> = pairs.iter().map(|p| format!("{} {:.1}×", p.name, ratio(p))).collect();
        return format!("- {what}: met ({}).", ratios.join(", "));
    }
    let gaps: Vec<String> = gaps.iter().map(|p| format!("{} {:.1}×: {}", p.name, ratio(p), cause(p))).collect();
    format!("- {what}: **not met** for {}.", gaps.join("; "))
}

/// Why a first response is not far enough ahead: how much of each is init, and how much the
/// handling of the same calls, which both versions wait for alike (the emulator's answers, and
/// any pacing the settings ask for).
fn response_cause(pair: &Pair) -> String {
    let handling = |m: &Measured| m.response.saturating_sub(m.init);
    format!(
        "Rust's {} is {} init and {} handling its {} calls; Python's {} is {} init and {} handling the same calls. \
         Both wait on the emulator's answers to those calls, which bounds the ratio; init alone is {:.1}× quicker",
        ms(pair.rust.response),
        ms(pair.rust.init),
        ms(handling(pair.rust)),
        pair.rust.calls.values().sum::<u64>(),
        ms(pair.python.response),
        ms(pair.python.init),
        ms(handling(pair.python)),
        pair.init_ratio()
    )
}

fn memory_cause(pair: &Pair) -> String {
    format!(
        "Rust's {} against Python's {}: the Rust binary's resident size is mostly the SDK, its HTTPS stack and the \
         invocation's buffers",
        mb(pair.rust.peak_kib * 1024),
        mb(pair.python.peak_kib * 1024)
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn measured(response_ms: u64, peak_kib: u64, calls: &[(&str, u64)]) -> Measured {
        Measured {
            init: Duration::from_millis(response_ms / 2),
            response: Duration::from_millis(response_ms),
            peak_kib,
            calls: calls.iter().map(|(op, n)| ((*op).to_owned(), *n)).collect(),
            calls_same: true,
        }
    }

    #[test]
    fn ratios_are_python_over_rust() {
        let (rust, python) = (measured(10, 10_000, &[("GetObject", 2)]), measured(450, 80_000, &[("GetObject", 2)]));
        let pair = Pair { name: "f", rust: &rust, python: &python };
        assert!((pair.response_ratio() - 45.0).abs() < 1e-9);
        assert!((pair.memory_ratio() - 8.0).abs() < 1e-9);
        assert_eq!(pair.same_calls(), "yes (2)");
    }

    #[test]
    fn a_missed_target_names_the_function_and_its_cause() {
        let (rust, python) = (measured(20, 10_000, &[("ListAlerts", 3)]), measured(400, 30_000, &[("ListAlerts", 2)]));
        let pairs = [Pair { name: "f", rust: &rust, python: &python }];
        let gaps: Vec<&Pair> = pairs.iter().collect();
        let text = line("Quicker", &pairs, &gaps, |p| p.response_ratio(), response_cause);
        assert!(text.starts_with("- Quicker: **not met** for f 20.0×: Rust's 20.0 ms is 10.0 ms init"), "{text}");
        assert!(text.contains("Python's 400.0 ms is 200.0 ms init and 200.0 ms handling"), "{text}");
        assert!(pairs[0].same_calls().starts_with("**no**: Rust ListAlerts 3 (3); Python ListAlerts 2 (2)"));
        assert_eq!(line("Quicker", &pairs, &[], |p| p.response_ratio(), response_cause), "- Quicker: met (f 20.0×).");
    }
}
