//! `cargo run --release -p bench`: builds the functions in release, then measures their cold
//! start, peak memory and binary size beside a hello-world `lambda_runtime` binary built in the
//! same run, the throughput of three handlers against mediatailor-local with 20 ms of latency per
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
mod report;
mod runtime_api;
mod setup;
mod throughput;

use std::process::ExitCode;

use mediatailor_local::{Emulator, EmulatorOptions};
use serde_json::json;
use tailorflow_shared::ClientSettings;
use tokio::time::Instant;

use crate::building::{EMULATOR, FUNCTIONS, HELLO, HELLO_SDK, HELLO_SDK_ONE_BUNDLE, release_bin, workspace_root};
use crate::cold::Target;
use crate::error::{BenchError, Result};
use crate::report::{ColdRow, Report, SizeRow};

/// Measured starts per binary (after one unmeasured start).
const COLD_RUNS: usize = 15;

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

    eprintln!("bench: cold starts ({COLD_RUNS} measured starts per binary)");
    let mut cold_rows = Vec::new();
    let hello = Target {
        name: HELLO.to_owned(),
        bin: release_bin(HELLO),
        env: Vec::new(),
        event: json!({"hello": "world"}),
        event_label: "`{\"hello\": \"world\"}`".to_owned(),
    };
    cold_rows.push(ColdRow { target: hello.clone(), measured: cold::measure(&hello, COLD_RUNS, scratch.path()).await });
    match cold_emulator().await {
        Ok(emulator) => {
            let hello_sdk = Target {
                name: HELLO_SDK.to_owned(),
                bin: release_bin(HELLO_SDK),
                env: vec![("AWS_ENDPOINT_URL".to_owned(), emulator.base_url().to_owned())],
                event: json!({"hello": "world"}),
                event_label: "`{\"hello\": \"world\"}`".to_owned(),
            };
            // The same binary with only the CA bundle to read, as on Lambda's AL2023 (one file),
            // where this machine's /etc/ssl/certs also holds a file per certificate.
            let empty_cert_dir = scratch.path().join("empty-cert-dir");
            std::fs::create_dir_all(&empty_cert_dir).map_err(BenchError::io("creating an empty certificate folder"))?;
            let mut one_bundle = hello_sdk.clone();
            one_bundle.name = HELLO_SDK_ONE_BUNDLE.to_owned();
            one_bundle.env.push(("SSL_CERT_DIR".to_owned(), empty_cert_dir.display().to_string()));
            for target in [hello_sdk, one_bundle].into_iter().chain(function_targets(emulator.base_url())?) {
                eprintln!("bench: cold start of {}", target.name);
                let measured = cold::measure(&target, COLD_RUNS, scratch.path()).await;
                cold_rows.push(ColdRow { target, measured });
            }
            emulator.stop().await;
        }
        Err(err) => eprintln!("bench: cannot set up the emulator for cold starts: {err}"),
    }

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

/// An emulator over the sample media holding what each function's sample event needs.
async fn cold_emulator() -> Result<Emulator> {
    let emulator = Emulator::start(EmulatorOptions::default()).await?;
    let clients = tailorflow_shared::AwsClients::for_emulator(&emulator.sdk_config().await, &ClientSettings::default());
    let mt = &clients.mediatailor;
    setup::source_location(mt, "media", "tailorflow-media").await?;
    let sources =
        [("big-buck-bunny", "packages/big-buck-bunny/hls/index.m3u8"), ("sintel", "packages/sintel/hls/index.m3u8")];
    setup::vod_sources(mt, "media", sources.len(), |i| sources[i].0.to_owned(), |i| sources[i].1.to_owned()).await?;
    setup::channels(mt, "news", 1).await?;
    mt.put_playback_configuration()
        .name("conf-1")
        .video_content_source_url("https://tailorflow-media.s3.us-east-1.amazonaws.com/packages")
        .ad_decision_server_url("https://ads.example.com/vast")
        .send()
        .await
        .map_err(|e| BenchError::step(format!("PutPlaybackConfiguration: {e:?}")))?;
    Ok(emulator)
}

/// Environment variables.
type Env = Vec<(String, String)>;

/// Each function with its settings and a sample event from `events/<function>/`.
fn function_targets(endpoint: &str) -> Result<Vec<Target>> {
    let common = |extra: &[(&str, &str)]| {
        let mut env = vec![("AWS_ENDPOINT_URL".to_owned(), endpoint.to_owned())];
        env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        env
    };
    let specs: [(&str, &str, Env); 5] = [
        ("vod-source-ingest", "s3-put-hls-manifest.json", common(&[("SOURCE_LOCATION_NAME", "media")])),
        (
            "program-scheduler",
            "scheduled.json",
            common(&[("CHANNEL_NAME", "news"), ("SOURCE_LOCATION_NAME", "media"), ("MAX_REQUESTS_PER_SECOND", "100")]),
        ),
        (
            "alert-publisher",
            "scheduled.json",
            common(&[("EVENT_BUS_NAME", "alerts"), ("MAX_REQUESTS_PER_SECOND", "100")]),
        ),
        ("playback-config-api", "v2-get.json", common(&[])),
        // No channel is tagged managed in the cold-start emulator: a listing, no guide written.
        ("channel-guide", "scheduled.json", common(&[("GUIDE_BUCKET", "media"), ("MAX_REQUESTS_PER_SECOND", "100")])),
    ];
    specs
        .into_iter()
        .map(|(name, event, env)| {
            Ok(Target {
                name: name.to_owned(),
                bin: release_bin(name),
                env,
                event: throughput::sample_event(name, event)?,
                event_label: format!("`events/{name}/{event}`"),
            })
        })
        .collect()
}
