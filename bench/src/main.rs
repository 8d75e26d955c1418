//! `cargo run --release -p bench`: builds the functions in release, then measures their cold
//! start, peak memory and binary size beside a hello-world `lambda_runtime` binary built in the
//! same run, the cold start of vod-source-ingest and alert-publisher written in Python with
//! boto3 (through awslambdaric, in a venv the bench makes), the throughput of three handlers against mediatailor-local with 20 ms of latency per
//! call, and the emulator's own request rate and memory. Prints one table and writes it, with the
//! machine it ran on, to `docs/BENCHMARKS.md`.
//!
//! Loopback only; every loop is bounded in count and time; every process it starts is killed.

mod building;
mod cold;
mod emulator_load;
mod error;
mod machine;
mod proc;
mod python;
mod report;
mod runtime_api;
mod setup;
mod throughput;
mod versus;

use std::path::Path;
use std::process::ExitCode;

use mediatailor_local::{Emulator, EmulatorOptions};
use serde_json::json;
use tailorflow_shared::{AwsCallError, ClientSettings, ErrorClass};
use tokio::time::Instant;

use crate::building::{EMULATOR, FUNCTIONS, HELLO, HELLO_SDK, HELLO_SDK_ONE_BUNDLE, release_bin, workspace_root};
use crate::cold::Target;
use crate::error::{BenchError, Result};
use crate::report::{ColdRow, PythonResult, PythonRun, Report, SizeRow};

/// Measured starts per binary (after one unmeasured start).
const COLD_RUNS: usize = 15;
/// Measured starts per Python function (after one unmeasured start): fewer, each takes longer.
const PYTHON_RUNS: usize = 9;
/// The sample media's bucket, which the sample events name.
const SAMPLE_BUCKET: &str = "tailorflow-media";

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(report) => {
            let failed = report.failures();
            if failed > 0 {
                eprintln!("bench: {failed} measurement(s) failed; see the table");
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(err) => {
            eprintln!("bench: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<Report> {
    let started = Instant::now();
    let date = chrono::Utc::now();
    let machine = machine::Machine::describe();
    building::build_all().await?;
    let scratch = proc::TempDir::new("scratch").map_err(BenchError::io("creating a scratch folder"))?;
    let (cold_rows, python) = cold_starts(scratch.path()).await?;

    eprintln!("bench: binary sizes");
    let sizes = [HELLO, HELLO_SDK]
        .into_iter()
        .chain(FUNCTIONS)
        .map(|name| {
            let path = release_bin(name);
            SizeRow {
                name: name.to_owned(),
                bytes: std::fs::metadata(&path).map(|m| m.len()).ok(),
                stripped: building::has_symtab(&path).map(|symtab| !symtab),
            }
        })
        .collect();
    let arm64 = building::build_arm64().await;

    let media = proc::TempDir::new("media").map_err(BenchError::io("creating the media folder"))?;
    let assets = throughput::INGEST_RECORDS.max(throughput::SCHEDULER_SOURCES);
    eprintln!("bench: generating {assets} HLS packages of {} segments", setup::SEGMENTS);
    setup::generate_media(media.path(), assets)?;
    eprintln!("bench: vod-source-ingest, {} S3 records in one SQS batch", throughput::INGEST_RECORDS);
    let ingest = throughput::vod_source_ingest(media.path()).await;
    eprintln!("bench: alert-publisher, {} channels and {0} source locations", throughput::ALERT_RESOURCES);
    let alerts = throughput::alert_publisher().await;
    eprintln!(
        "bench: program-scheduler, {} VOD sources, {} min horizon",
        throughput::SCHEDULER_SOURCES,
        throughput::HORIZON_MINUTES
    );
    let scheduler = throughput::program_scheduler(media.path()).await;
    eprintln!("bench: mediatailor-local under load");
    let empty = proc::TempDir::new("empty").map_err(BenchError::io("creating an empty media folder"))?;
    let emulator_load = emulator_load::measure(&release_bin(EMULATOR), empty.path()).await;

    let report = Report {
        date,
        machine,
        cold_runs: COLD_RUNS,
        cold: cold_rows,
        python,
        sizes,
        arm64,
        ingest,
        alerts,
        scheduler,
        emulator_load,
        duration: started.elapsed(),
    };
    let markdown = report.markdown();
    println!("{markdown}");
    let docs = workspace_root().join("docs");
    std::fs::create_dir_all(&docs).map_err(BenchError::io("creating docs/"))?;
    let path = docs.join("BENCHMARKS.md");
    std::fs::write(&path, &markdown).map_err(BenchError::io(format!("writing {}", path.display())))?;
    eprintln!("bench: wrote {}", path.display());
    Ok(report)
}

/// Every cold start: the baselines, each function, and the Python version of those that have
/// one right after its Rust row (same emulator, same event, same state before each start).
async fn cold_starts(scratch: &Path) -> Result<(Vec<ColdRow>, PythonResult)> {
    eprintln!("bench: cold starts ({COLD_RUNS} measured starts per binary, {PYTHON_RUNS} per Python function)");
    let hello_event = || (json!({"hello": "world"}), "`{\"hello\": \"world\"}`".to_owned());
    let (event, label) = hello_event();
    let hello = Target::binary(HELLO, release_bin(HELLO), Vec::new(), event, label);
    let measured = cold::measure(&hello, COLD_RUNS, scratch, None, async || Ok(())).await;
    let mut rows = vec![ColdRow { target: hello, measured }];
    // Made (or found ready) before any emulator runs; never timed.
    let venv = python::prepare().await;
    if let Err(why) = &venv {
        eprintln!("bench: the Python row will not run: {why}");
    }
    let media = scratch.join("cold-media");
    let emulator = match cold_emulator(&media).await {
        Ok(emulator) => emulator,
        Err(err) => {
            eprintln!("bench: cannot set up the emulator for cold starts: {err}");
            return Ok((rows, Err(format!("the emulator could not be set up: {err}"))));
        }
    };
    let endpoint = ("AWS_ENDPOINT_URL".to_owned(), emulator.base_url().to_owned());
    let (event, label) = hello_event();
    let hello_sdk = Target::binary(HELLO_SDK, release_bin(HELLO_SDK), vec![endpoint], event, label);
    // The same binary with only the CA bundle to read, as on Lambda's AL2023 (one file), where
    // this machine's /etc/ssl/certs also holds a file per certificate.
    let empty_cert_dir = scratch.join("empty-cert-dir");
    std::fs::create_dir_all(&empty_cert_dir).map_err(BenchError::io("creating an empty certificate folder"))?;
    let mut one_bundle = hello_sdk.clone();
    one_bundle.name = HELLO_SDK_ONE_BUNDLE.to_owned();
    one_bundle.env.push(("SSL_CERT_DIR".to_owned(), empty_cert_dir.display().to_string()));
    for target in [hello_sdk, one_bundle] {
        eprintln!("bench: cold start of {}", target.name);
        let measured = cold::measure(&target, COLD_RUNS, scratch, Some(&emulator), async || Ok(())).await;
        rows.push(ColdRow { target, measured });
    }
    let mt = aws_sdk_mediatailor::Client::new(&emulator.sdk_config().await);
    let mut python_rows = Vec::new();
    for (target, prepare) in function_targets(emulator.base_url())? {
        let before_each = async || prepare.run(&mt, &media).await;
        eprintln!("bench: cold start of {}", target.name);
        let measured = cold::measure(&target, COLD_RUNS, scratch, Some(&emulator), &before_each).await;
        let module = python::FUNCTIONS.iter().find(|(name, _)| *name == target.name).map(|(_, module)| *module);
        if let (Some(module), Ok(venv)) = (module, &venv) {
            let py = python::target(&target, module, venv);
            eprintln!("bench: cold start of {} (Python)", py.name);
            let measured = cold::measure(&py, PYTHON_RUNS, scratch, Some(&emulator), &before_each).await;
            python_rows.push(ColdRow { target: py, measured });
        }
        rows.push(ColdRow { target, measured });
    }
    emulator.stop().await;
    let python = venv.map(|venv| PythonRun { version: venv.version, runs: PYTHON_RUNS, rows: python_rows });
    Ok((rows, python))
}

/// The sample event's alerts: in alert-publisher's window of `events/alert-publisher/scheduled.json`
/// (2026-11-25T06:00:00Z: [05:54:00, 05:59:00)), one per resource ARN.
fn sample_alerts(arns: &[&str]) -> Result<Vec<serde_json::Value>> {
    let in_window = chrono::DateTime::parse_from_rfc3339("2026-11-25T05:56:00Z").map_err(BenchError::step)?;
    Ok(arns
        .iter()
        .enumerate()
        .map(|(i, arn)| {
            json!({
                "ResourceArn": arn,
                "AlertCode": "NOT_PROCESSED",
                "AlertMessage": format!("bench alert {i}"),
                "LastModifiedTime": in_window.timestamp() as f64 + i as f64,
            })
        })
        .collect())
}

/// An emulator over a private copy of the sample media holding what each function's sample
/// event needs: the source location `media`, the VOD sources `big-buck-bunny` and `sintel`
/// (vod-source-ingest names its own `packages-big-buck-bunny`), the channel `news`, the managed channel `guide` playing `sintel`,
/// an alert on `news` and on `media` in alert-publisher's window, and the playback
/// configuration `conf-1`.
async fn cold_emulator(media: &Path) -> Result<Emulator> {
    setup::copy_dir(&mediatailor_local::sample_media_dir(), media)?;
    let options = EmulatorOptions { media_dir: media.to_path_buf(), ..EmulatorOptions::default() };
    let emulator = Emulator::start(options).await?;
    let clients = tailorflow_shared::AwsClients::for_emulator(&emulator.sdk_config().await, &ClientSettings::default());
    let mt = &clients.mediatailor;
    setup::source_location(mt, "media", SAMPLE_BUCKET).await?;
    let sources =
        [("big-buck-bunny", "packages/big-buck-bunny/hls/index.m3u8"), ("sintel", "packages/sintel/hls/index.m3u8")];
    setup::vod_sources(mt, "media", sources.len(), |i| sources[i].0.to_owned(), |i| sources[i].1.to_owned()).await?;
    setup::channels(mt, "news", 1).await?;
    setup::guided_channel(mt, "guide", "media", "sintel").await?;
    let step = |what: &'static str| move |e: String| BenchError::step(format!("{what}: {e}"));
    let channel = mt
        .describe_channel()
        .channel_name("news")
        .send()
        .await
        .map_err(|e| step("DescribeChannel")(format!("{e:?}")))?;
    let location = mt
        .describe_source_location()
        .source_location_name("media")
        .send()
        .await
        .map_err(|e| step("DescribeSourceLocation")(format!("{e:?}")))?;
    let arns = [channel.arn().unwrap_or_default(), location.arn().unwrap_or_default()];
    throughput::inject_alerts(&emulator, &sample_alerts(&arns)?).await?;
    mt.put_playback_configuration()
        .name("conf-1")
        .video_content_source_url("https://tailorflow-media.s3.us-east-1.amazonaws.com/packages")
        .ad_decision_server_url("https://ads.example.com/vast")
        .send()
        .await
        .map_err(|e| step("PutPlaybackConfiguration")(format!("{e:?}")))?;
    Ok(emulator)
}

/// What is undone before each start of a function, untimed, so that every start does the
/// function's real work rather than find it done by the start before.
#[derive(Debug, Clone, Copy)]
enum Prepare {
    /// Nothing: the start changes nothing the next one reads.
    Nothing,
    /// Delete this VOD source of `media`: vod-source-ingest creates it (a new package).
    DeleteVodSource(&'static str),
    /// Delete the guides: channel-guide writes them (a changed guide).
    DeleteGuides,
}

impl Prepare {
    async fn run(self, mt: &aws_sdk_mediatailor::Client, media: &Path) -> Result<()> {
        match self {
            Self::Nothing => Ok(()),
            Self::DeleteVodSource(name) => {
                match mt.delete_vod_source().source_location_name("media").vod_source_name(name).send().await {
                    Ok(_) => Ok(()),
                    Err(e) if AwsCallError::from_sdk("DeleteVodSource", &e).class == ErrorClass::NotFound => Ok(()),
                    Err(e) => Err(BenchError::step(format!("deleting VOD source {name} before a start: {e:?}"))),
                }
            }
            Self::DeleteGuides => match std::fs::remove_dir_all(media.join(SAMPLE_BUCKET).join("guides")) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(BenchError::io("deleting the guides before a start")(e))
                }
                _ => Ok(()),
            },
        }
    }
}

/// Environment variables.
type Env = Vec<(String, String)>;

/// Each function with its settings, a sample event from `events/<function>/`, and what is undone
/// before each start.
fn function_targets(endpoint: &str) -> Result<Vec<(Target, Prepare)>> {
    let common = |extra: &[(&str, &str)]| {
        let mut env = vec![("AWS_ENDPOINT_URL".to_owned(), endpoint.to_owned())];
        env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        env
    };
    let specs: [(&str, &str, Env, Prepare); 5] = [
        (
            "vod-source-ingest",
            "s3-put-hls-manifest.json",
            common(&[("SOURCE_LOCATION_NAME", "media")]),
            Prepare::DeleteVodSource("packages-big-buck-bunny"),
        ),
        (
            "program-scheduler",
            "scheduled.json",
            common(&[("CHANNEL_NAME", "news"), ("SOURCE_LOCATION_NAME", "media"), ("MAX_REQUESTS_PER_SECOND", "100")]),
            Prepare::Nothing,
        ),
        (
            "alert-publisher",
            "scheduled.json",
            common(&[("EVENT_BUS_NAME", "alerts"), ("MAX_REQUESTS_PER_SECOND", "100")]),
            Prepare::Nothing,
        ),
        ("playback-config-api", "v2-get.json", common(&[]), Prepare::Nothing),
        (
            "channel-guide",
            "scheduled.json",
            common(&[("GUIDE_BUCKET", SAMPLE_BUCKET), ("GUIDE_HOURS", "1"), ("MAX_REQUESTS_PER_SECOND", "100")]),
            Prepare::DeleteGuides,
        ),
    ];
    let mut targets = Vec::with_capacity(specs.len());
    for (name, file, env, prepare) in specs {
        let mut event = throughput::sample_event(name, file)?;
        let mut label = format!("`events/{name}/{file}`");
        if name == "channel-guide" {
            // The guide's window starts at the event's time: now, to meet the emulator's schedule.
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            event["time"] = json!(now);
            label.push_str(" (`time` set to the run's start)");
        }
        targets.push((Target::binary(name, release_bin(name), env, event, label), prepare));
    }
    Ok(targets)
}
