//! The report: one Markdown document, printed and written to `docs/BENCHMARKS.md`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::building::{HELLO, HELLO_SDK, HELLO_SDK_ONE_BUNDLE};
use crate::cold::{Measured, Target};
use crate::emulator_load::{self, EmulatorLoad};
use crate::error::Result;
use crate::machine::Machine;
use crate::setup;
use crate::throughput::{self, Throughput};

/// Init within this factor of hello-world's.
pub const INIT_RATIO_TARGET: f64 = 1.5;
/// Peak RSS under this many bytes.
pub const PEAK_RSS_TARGET: u64 = 20_000_000;
/// Binaries of at most this many bytes (issue 20: 8 MB).
pub const SIZE_TARGET: u64 = 8_000_000;
/// At least this share of the ideal throughput.
pub const THROUGHPUT_TARGET: f64 = 0.8;
/// Python's first response at least this many times Rust's.
pub const PYTHON_RESPONSE_TARGET: f64 = 30.0;
/// Python's peak RSS at least this many times Rust's.
pub const PYTHON_MEMORY_TARGET: f64 = 4.0;

/// One binary's cold starts.
pub struct ColdRow {
    /// What was started.
    pub target: Target,
    /// The medians, or why they could not be measured.
    pub measured: Result<Measured>,
}

/// The Python versions' cold starts.
pub struct PythonRun {
    /// The interpreter's version.
    pub version: String,
    /// Measured starts per function.
    pub runs: usize,
    /// One row per function with a Python version.
    pub rows: Vec<ColdRow>,
}

/// The Python row, or why it did not run.
pub type PythonResult = std::result::Result<PythonRun, String>;

/// One binary's size.
pub struct SizeRow {
    /// The binary.
    pub name: String,
    /// Its size, when it exists.
    pub bytes: Option<u64>,
    /// Whether it has no symbol table, when it could be read.
    pub stripped: Option<bool>,
}

/// Everything one run measured.
pub struct Report {
    /// When it started.
    pub date: DateTime<Utc>,
    /// Where.
    pub machine: Machine,
    /// Measured starts per binary.
    pub cold_runs: usize,
    /// Cold starts, hello-world first.
    pub cold: Vec<ColdRow>,
    /// The Python versions' cold starts.
    pub python: PythonResult,
    /// x86_64 release sizes.
    pub sizes: Vec<SizeRow>,
    /// The cargo-lambda arm64 output folder, or why there is none.
    pub arm64: std::result::Result<PathBuf, String>,
    /// vod-source-ingest's batch.
    pub ingest: Result<Throughput>,
    /// alert-publisher's run.
    pub alerts: Result<Throughput>,
    /// program-scheduler's run.
    pub scheduler: Result<Throughput>,
    /// The emulator under load.
    pub emulator_load: Result<EmulatorLoad>,
    /// The whole run, build included.
    pub duration: Duration,
}

fn is_baseline(name: &str) -> bool {
    name == HELLO || name == HELLO_SDK || name == HELLO_SDK_ONE_BUNDLE
}

pub(crate) fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

fn secs(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

pub(crate) fn mb(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1e6)
}

pub(crate) fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "**not met**" }
}

/// `Op n, Op n, ...`, or `none`.
pub fn calls_list(calls: &crate::cold::Calls) -> String {
    if calls.is_empty() {
        return "none".to_owned();
    }
    calls.iter().map(|(op, n)| format!("{op} {n}")).collect::<Vec<_>>().join(", ")
}

pub(crate) fn one_line(text: &str) -> String {
    text.replace('\n', " ").replace('|', "\\|")
}

impl Report {
    /// How many measurements failed.
    pub fn failures(&self) -> usize {
        let python = self.python.as_ref().map_or(0, |run| run.rows.iter().filter(|r| r.measured.is_err()).count());
        self.cold.iter().filter(|row| row.measured.is_err()).count()
            + python
            + [self.ingest.is_err(), self.alerts.is_err(), self.scheduler.is_err(), self.emulator_load.is_err()]
                .iter()
                .filter(|failed| **failed)
                .count()
    }

    fn hello(&self) -> Option<&Measured> {
        self.cold.iter().find(|row| row.target.name == HELLO).and_then(|row| row.measured.as_ref().ok())
    }

    /// The whole document.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let m = &self.machine;
        let _ = writeln!(out, "# Benchmarks\n");
        let _ = writeln!(
            out,
            "Written by `cargo run --release -p bench`, which builds the functions in release, measures them \
             and rewrites this file: every figure below comes from the one run described here, and every ratio \
             compares figures of that same run. Rerun the command rather than editing the figures.\n"
        );
        let _ = writeln!(out, "## Machine\n");
        let _ = writeln!(out, "| | |\n|---|---|");
        let _ = writeln!(out, "| Date | {} |", self.date.format("%Y-%m-%d %H:%M UTC"));
        let _ = writeln!(out, "| CPU | {} |", m.model);
        let _ = writeln!(out, "| nproc | {} |", m.nproc);
        let _ = writeln!(out, "| Memory | {:.1} GiB |", m.memory_kib as f64 / 1024.0 / 1024.0);
        let _ = writeln!(out, "| Kernel | {} |", m.kernel);
        let _ = writeln!(out, "| Rust | {} |", m.rustc);
        let _ =
            writeln!(out, "| Load average at start | {} (a shared machine: other builds may run meanwhile) |", m.load);
        let _ = writeln!(out, "| Whole run, build included | {} |", secs(self.duration));
        let _ = writeln!(out);
        self.cold_section(&mut out);
        self.python_section(&mut out);
        self.size_section(&mut out);
        self.throughput_section(&mut out);
        self.emulator_section(&mut out);
        self.targets_section(&mut out);
        out
    }

    fn targets_section(&self, out: &mut String) {
        let _ = writeln!(out, "## Targets\n");
        let hello = self.hello();
        let mut init_gaps = Vec::new();
        let mut rss_gaps = Vec::new();
        for row in self.cold.iter().filter(|row| !is_baseline(&row.target.name)) {
            match (&row.measured, hello) {
                (Ok(m), Some(hello)) => {
                    let ratio = m.init.as_secs_f64() / hello.init.as_secs_f64().max(f64::EPSILON);
                    if ratio > INIT_RATIO_TARGET {
                        init_gaps.push(format!("{} {ratio:.2}×", row.target.name));
                    }
                    if m.peak_kib * 1024 >= PEAK_RSS_TARGET {
                        rss_gaps.push(format!("{} {}", row.target.name, mb(m.peak_kib * 1024)));
                    }
                }
                _ => init_gaps.push(format!("{} not measured", row.target.name)),
            }
        }
        let sdk = self.cold.iter().find(|row| row.target.name == HELLO_SDK).and_then(|row| row.measured.as_ref().ok());
        let base = "Before its first `next` a function installs its tracing subscriber, reads its settings and loads \
                    the AWS SDK configuration with three clients (MediaTailor, EventBridge, S3); hello-world does none of \
                    that.";
        let to_sdk: Vec<f64> = match sdk {
            Some(sdk) => self
                .cold
                .iter()
                .filter(|row| !is_baseline(&row.target.name))
                .filter_map(|row| row.measured.as_ref().ok())
                .map(|m| m.init.as_secs_f64() / sdk.init.as_secs_f64().max(f64::EPSILON))
                .collect(),
            None => Vec::new(),
        };
        let init_cause = match (hello, sdk) {
            (Some(hello), Some(sdk)) if !to_sdk.is_empty() => format!(
                "{base} `{HELLO_SDK}`, which is hello-world plus exactly that set-up and nothing else, inits in {} \
                 ({:.2}× hello-world) in this run, and the functions init at {:.2}–{:.2}× of it: the gap is that \
                 set-up (tailorflow-shared's telemetry and `AwsClients::load`, i.e. the SDK), not the functions' own code.",
                ms(sdk.init),
                sdk.init.as_secs_f64() / hello.init.as_secs_f64().max(f64::EPSILON),
                to_sdk.iter().copied().fold(f64::INFINITY, f64::min),
                to_sdk.iter().copied().fold(0.0, f64::max),
            ),
            _ => base.to_owned(),
        };
        let one_bundle = self
            .cold
            .iter()
            .find(|row| row.target.name == HELLO_SDK_ONE_BUNDLE)
            .and_then(|row| row.measured.as_ref().ok());
        let init_cause = match (sdk, one_bundle) {
            (Some(sdk), Some(one)) => format!(
                "{init_cause} Much of that set-up is the HTTPS client loading the platform's root certificates \
                 (rustls-native-certs): `{HELLO_SDK_ONE_BUNDLE}`, the same binary with `SSL_CERT_DIR` at an empty \
                 folder so that only the CA bundle is read (as on Lambda's AL2023, where the certificates are one \
                 file), inits in {} against {}; this machine's /etc/ssl/certs also holds a file per certificate, \
                 which it reads one by one.",
                ms(one.init),
                ms(sdk.init),
            ),
            _ => init_cause,
        };
        let line = |what: &str, gaps: &[String], cause: &str| {
            if gaps.is_empty() {
                format!("- {what}: met for every function.")
            } else {
                format!("- {what}: **not met** for {}. {cause}", gaps.join(", "))
            }
        };
        let _ = writeln!(
            out,
            "{}",
            line(&format!("Init within {INIT_RATIO_TARGET}× hello-world"), &init_gaps, &init_cause)
        );
        let _ = writeln!(
            out,
            "{}",
            line(
                &format!("Peak RSS under {}", mb(PEAK_RSS_TARGET)),
                &rss_gaps,
                "The SDK clients, the HTTPS stack and the first invocation's responses stay resident."
            )
        );
        let size_gaps: Vec<String> = self
            .sizes
            .iter()
            .filter(|row| !is_baseline(&row.name))
            .filter(|row| row.bytes.is_none_or(|bytes| bytes > SIZE_TARGET))
            .map(|row| format!("{} {}", row.name, row.bytes.map_or_else(|| "missing".into(), mb)))
            .collect();
        let _ = writeln!(
            out,
            "{}",
            line(
                &format!("Binary size at most {}", mb(SIZE_TARGET)),
                &size_gaps,
                "Each function links only the SDK clients it calls (tailorflow-shared's cargo features, each \
                 function built on its own): MediaTailor with S3 (vod-source-ingest, program-scheduler, channel-guide) \
                 or with EventBridge (alert-publisher, playback-config-api). Every one also links aws-config's \
                 credential chain (its STS client included), the SDK's HTTPS stack (hyper, rustls and aws-lc-rs, whose \
                 C cryptography is compiled in) and tracing-subscriber's JSON output; program-scheduler also keeps the \
                 HLS and DASH parsers (m3u8-rs, and dash-mpd-core with its regex engine) and its origin reader. The \
                 release profile already optimises for size (`opt-level = \"z\"`, fat LTO, one codegen unit, stripped, \
                 S3 without `sigv4a`, dash-mpd-core without `scte35`); the levers left are in the dependencies: a DASH \
                 reader without dash-mpd-core for program-scheduler, and rustls on ring rather than aws-lc-rs (which \
                 gives up post-quantum key exchange) for all."
            )
        );
        let _ = writeln!(
            out,
            "- arm64 sizes: {}.",
            match &self.arm64 {
                Ok(_) => "built with cargo-lambda, see the size table".to_owned(),
                Err(reason) => reason.clone(),
            }
        );
        for (name, result) in [("vod-source-ingest", &self.ingest), ("alert-publisher", &self.alerts)] {
            let _ = match result {
                Ok(t) if t.ratio() >= THROUGHPUT_TARGET => {
                    writeln!(out, "- {name} at ≥ {THROUGHPUT_TARGET} of its ideal: met ({:.2}).", t.ratio())
                }
                Ok(t) => writeln!(
                    out,
                    "- {name} at ≥ {THROUGHPUT_TARGET} of its ideal: **not met** ({:.2}); the time beyond the ideal is \
                     the per-call cost of the SDK and the emulator on top of the injected latency.",
                    t.ratio(),
                ),
                Err(err) => writeln!(out, "- {name}: **not measured**: {}", one_line(&err.to_string())),
            };
        }
        self.python_targets(out);
        let _ = writeln!(out);
    }

    fn cold_section(&self, out: &mut String) {
        let _ = writeln!(out, "## Cold start and memory\n");
        let _ = writeln!(
            out,
            "Each release binary is started as Lambda starts it (a clean environment with the Lambda variables, \
             `AWS_ENDPOINT_URL` at a mediatailor-local the bench runs, the function's settings) against a minimal \
             Runtime API on 127.0.0.1 that serves one sample event. *Init* is process start to the first \
             `GET /runtime/invocation/next` (what Lambda reports as Init Duration); *first response* is process start \
             to `POST /runtime/invocation/{{id}}/response`, the handler's calls to the emulator included (no injected \
             latency); *peak RSS* is `VmHWM` once the function waits for its next event. One unmeasured start, then \
             the median of {} starts. Ratios are to `{HELLO}`, a hello-world `lambda_runtime` binary built with the \
             same profile in the same run. Targets: init within {INIT_RATIO_TARGET}× hello-world, peak RSS under {}.\n",
            self.cold_runs,
            mb(PEAK_RSS_TARGET)
        );
        let _ = writeln!(
            out,
            "| Binary | Event | Init | Init / hello | First response | Response / hello | Peak RSS | Targets |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---|");
        let hello = self.hello();
        for row in &self.cold {
            let name = &row.target.name;
            match &row.measured {
                Ok(measured) => {
                    let peak = measured.peak_kib * 1024;
                    let (init_ratio, response_ratio, targets) = match hello {
                        Some(hello) if name != HELLO => {
                            let init = measured.init.as_secs_f64() / hello.init.as_secs_f64().max(f64::EPSILON);
                            let response =
                                measured.response.as_secs_f64() / hello.response.as_secs_f64().max(f64::EPSILON);
                            (
                                format!("{init:.2}×"),
                                format!("{response:.2}×"),
                                if is_baseline(name) {
                                    "baseline: hello-world + tracing + SDK clients".to_owned()
                                } else {
                                    format!(
                                        "init {}, RSS {}",
                                        verdict(init <= INIT_RATIO_TARGET),
                                        verdict(peak < PEAK_RSS_TARGET)
                                    )
                                },
                            )
                        }
                        _ => ("1.00×".into(), "1.00×".into(), "baseline".into()),
                    };
                    let _ = writeln!(
                        out,
                        "| `{name}` | {} | {} | {init_ratio} | {} | {response_ratio} | {} | {targets} |",
                        row.target.event_label,
                        ms(measured.init),
                        ms(measured.response),
                        mb(peak),
                    );
                }
                Err(err) => {
                    let _ = writeln!(
                        out,
                        "| `{name}` | {} | failed: {} | | | | | **not measured** |",
                        row.target.event_label,
                        one_line(&err.to_string())
                    );
                }
            }
        }
        let _ = writeln!(
            out,
            "\nprogram-scheduler, alert-publisher and channel-guide run with `MAX_REQUESTS_PER_SECOND=100` here \
             (default 8), so their first response is not their own pacing of MediaTailor calls; init does not depend \
             on it.\n"
        );
        self.calls_list(out);
    }

    fn calls_list(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "Calls each function made in one start, as mediatailor-local counted them (before each start the bench \
             undoes, untimed, what the last one did: vod-source-ingest's VOD source is deleted, so each start ingests \
             a new package; channel-guide's guides are deleted, so each start writes them):\n"
        );
        for row in self.cold.iter().filter(|row| !is_baseline(&row.target.name)) {
            let Ok(m) = &row.measured else { continue };
            let total: u64 = m.calls.values().sum();
            let per_asset = if row.target.name == "vod-source-ingest" {
                format!(" = {total} calls per asset (the event names one asset)")
            } else {
                String::new()
            };
            let same = if m.calls_same { "" } else { " (the calls varied between starts: the last start's)" };
            let noun = if total == 1 { "call" } else { "calls" };
            let _ =
                writeln!(out, "- `{}`: {} ({total} {noun}){per_asset}{same}.", row.target.name, calls_list(&m.calls));
        }
        let _ = writeln!(out);
    }

    fn size_section(&self, out: &mut String) {
        let _ = writeln!(out, "## Binary size\n");
        let arm64_dir = self.arm64.as_ref().ok();
        let _ = writeln!(
            out,
            "x86_64: `target/release/<bin>` built by the bench with the workspace release profile (`opt-level = \"z\"`, \
             fat LTO, one codegen unit, `strip = true`), each function by its own `cargo build --release -p NAME` so \
             that only the SDK clients it uses are linked (tailorflow-shared's features do not unify across \
             functions); *stripped* is read from the ELF section table. arm64: \
             `cargo lambda build --release --arm64`{}. Target: at most {} each.\n",
            match &self.arm64 {
                Ok(_) => String::new(),
                Err(reason) => format!(" — {reason}"),
            },
            mb(SIZE_TARGET)
        );
        let _ = writeln!(out, "| Binary | x86_64 release | Stripped | arm64 (cargo lambda) | Target |");
        let _ = writeln!(out, "|---|---:|---|---:|---|");
        for row in &self.sizes {
            let arm64 = match arm64_dir {
                Some(dir) if !is_baseline(&row.name) => std::fs::metadata(dir.join(&row.name).join("bootstrap"))
                    .map(|m| mb(m.len()))
                    .unwrap_or_else(|_| "missing".into()),
                Some(_) => "not built".into(),
                None => "not built (see above)".into(),
            };
            let stripped = match row.stripped {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "unknown",
            };
            let (size, target) = match row.bytes {
                Some(bytes) if is_baseline(&row.name) => (mb(bytes), "baseline".to_owned()),
                Some(bytes) => (mb(bytes), verdict(bytes <= SIZE_TARGET).to_owned()),
                None => ("missing".into(), "**not measured**".into()),
            };
            let _ = writeln!(out, "| `{}` | {size} | {stripped} | {arm64} | {target} |", row.name);
        }
        let _ = writeln!(out);
    }

    fn throughput_section(&self, out: &mut String) {
        let _ = writeln!(out, "## Throughput against mediatailor-local\n");
        let _ = writeln!(
            out,
            "Each handler runs in the bench process against an emulator that adds {} ms to every call. *Ideal* is the \
             shortest time the function's own concurrency and rate limit allow for the calls it made; *ideal / wall* \
             of 1.00 is the ideal. Target: at least {THROUGHPUT_TARGET} of the ideal. Generated media: {} HLS \
             packages, each a multivariant playlist and a media playlist of {} segments of {} s.\n",
            throughput::LATENCY_MS,
            throughput::INGEST_RECORDS.max(throughput::SCHEDULER_SOURCES),
            setup::SEGMENTS,
            setup::SEGMENT_MS / 1000
        );
        let _ = writeln!(out, "| Function | Work | Result | Calls | Wall | Ideal | Ideal / wall | Target |");
        let _ = writeln!(out, "|---|---|---|---:|---:|---:|---:|---|");
        let rows: [(&str, String, &Result<Throughput>); 3] = [
            (
                "vod-source-ingest",
                format!("one SQS batch of {} S3 records (new HLS packages)", throughput::INGEST_RECORDS),
                &self.ingest,
            ),
            (
                "alert-publisher",
                format!(
                    "{0} channels + {0} source locations, {1} alerts in the window, `CONCURRENCY=8`, \
                     `MAX_REQUESTS_PER_SECOND={2}`",
                    throughput::ALERT_RESOURCES,
                    throughput::ALERTS_IN_WINDOW,
                    throughput::ALERT_RATE
                ),
                &self.alerts,
            ),
            (
                "program-scheduler",
                format!(
                    "fill {} h from {} VOD sources, `MAX_PROGRAMS_PER_RUN=100`, default `MAX_REQUESTS_PER_SECOND` (8)",
                    throughput::HORIZON_MINUTES / 60,
                    throughput::SCHEDULER_SOURCES
                ),
                &self.scheduler,
            ),
        ];
        for (name, work, result) in &rows {
            match result {
                Ok(t) => {
                    let target = if *name == "program-scheduler" {
                        "(time and calls)".to_owned()
                    } else {
                        verdict(t.ratio() >= THROUGHPUT_TARGET).to_owned()
                    };
                    let _ = writeln!(
                        out,
                        "| {name} | {work} | {} | {} | {} | {} | {:.2} | {target} |",
                        t.outcome,
                        t.total_calls(),
                        secs(t.wall),
                        secs(t.ideal),
                        t.ratio()
                    );
                }
                Err(err) => {
                    let _ = writeln!(
                        out,
                        "| {name} | {work} | failed: {} | | | | | **not measured** |",
                        one_line(&err.to_string())
                    );
                }
            }
        }
        let _ = writeln!(out, "\nIdeals and calls:\n");
        for (name, _, result) in &rows {
            if let Ok(t) = result {
                let calls: Vec<String> = t.calls.iter().map(|(op, n)| format!("{op} {n}")).collect();
                let _ = writeln!(out, "- {name}: ideal = {}. Calls: {}.", t.ideal_formula, calls.join(", "));
            }
        }
        if let Ok(t) = &self.scheduler {
            let _ = writeln!(
                out,
                "\nprogram-scheduler has no throughput target: its run is {} against a {} floor set by its own pacing \
                 (8 MediaTailor calls per second by default); the time beyond the floor is not broken down here.",
                secs(t.wall),
                secs(t.ideal)
            );
        }
    }

    fn emulator_section(&self, out: &mut String) {
        let _ = writeln!(out, "## mediatailor-local\n");
        match &self.emulator_load {
            Ok(load) => {
                let _ = writeln!(
                    out,
                    "`mediatailor-local serve` (release) as its own process on 127.0.0.1, called by {} SDK clients at \
                     once (each its own connection pool, one request at a time), up to a bounded count or time per \
                     operation, after {} resources were created ({} channels, 1 source location, {} VOD sources). \
                     Client and server share the machine's {} CPUs. List calls ask for 100 items.\n",
                    emulator_load::CLIENTS,
                    load.resources,
                    emulator_load::CHANNELS,
                    emulator_load::VOD_SOURCES,
                    self.machine.nproc
                );
                let _ = writeln!(out, "| Operation | Requests | Time | Requests / s |");
                let _ = writeln!(out, "|---|---:|---:|---:|");
                for rate in &load.rates {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {:.0} |",
                        rate.operation,
                        rate.requests,
                        secs(rate.elapsed),
                        rate.per_second()
                    );
                }
                let _ = writeln!(out, "\n| Memory | RSS |\n|---|---:|");
                let _ = writeln!(out, "| Idle (after one call) | {} |", mb(load.idle_kib * 1024));
                let _ = writeln!(out, "| With {} resources | {} |", load.resources, mb(load.loaded_kib * 1024));
                let _ = writeln!(out, "| Peak over the run (`VmHWM`) | {} |", mb(load.peak_kib * 1024));
            }
            Err(err) => {
                let _ = writeln!(out, "Not measured: {}", one_line(&err.to_string()));
            }
        }
        let _ = writeln!(out);
    }
}
