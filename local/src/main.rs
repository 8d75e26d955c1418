//! The `mediatailor-local` command: `serve` runs the emulator until Ctrl-C or SIGTERM, and prints
//! its endpoint and the console's URL.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use mediatailor_local::{Emulator, EmulatorOptions, FaultConfig, sample_media_dir};
use tracing_subscriber::EnvFilter;

/// An offline AWS Elemental MediaTailor (with EventBridge PutEvents and S3 reads of a folder)
/// for the real AWS SDKs, CLI and cargo-lambda to talk to.
#[derive(Parser, Debug)]
#[command(name = "mediatailor-local", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the emulator until Ctrl-C. Point the SDKs at it with
    /// AWS_ENDPOINT_URL=http://ADDR (any access key; S3 needs path-style addressing); open
    /// http://ADDR/ in a browser for the console.
    Serve(Box<ServeArgs>),
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address to listen on (loopback by default; port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:4599", env = "MEDIATAILOR_LOCAL_ADDR")]
    addr: SocketAddr,
    /// Media folder served as S3 (its first level is the bucket) and as a plain HTTP origin
    /// under /origin/BUCKET/KEY. Defaults to the sample media shipped with the repository.
    #[arg(long)]
    media_dir: Option<PathBuf>,
    /// Persist every change to this JSON file (written atomically) and load it at start.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Region in ARNs and URLs.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Account id in ARNs.
    #[arg(long, default_value = "123456789012")]
    account: String,
    /// Append every accepted EventBridge event to this file as a JSON line.
    #[arg(long)]
    events_log: Option<PathBuf>,
    /// Delay added to every signed call, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Share of calls (0 to 1) answered 429 TooManyRequestsException (EventBridge:
    /// ThrottlingException, S3: SlowDown).
    #[arg(long, default_value_t = 0.0)]
    throttle_rate: f64,
    /// Share of calls (0 to 1) answered 500.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Share of PutEvents entries (0 to 1) answered failed inside a successful call.
    #[arg(long, default_value_t = 0.0)]
    entry_failure_rate: f64,
    /// Fail every call after this many (a crash mid-run).
    #[arg(long)]
    fail_after: Option<u64>,
    /// Limit throttling, errors and --fail-after to these operations (comma-separated model
    /// names, e.g. CreateProgram,PutEvents,GetObject).
    #[arg(long, value_delimiter = ',')]
    fault_operations: Vec<String>,
    /// Seed of the injected faults, for repeatable runs.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match cli.command {
        Command::Serve(args) => serve(*args).await,
    }
}

/// Logs to stderr (stdout carries the endpoint to export), filtered by `RUST_LOG`, `info` by
/// default or when `RUST_LOG` cannot be parsed.
fn init_logging() {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| EnvFilter::try_new(directives).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    // Fails only when a subscriber is already installed; that one is kept.
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).try_init();
}

async fn serve(args: ServeArgs) -> ExitCode {
    let options = EmulatorOptions {
        addr: args.addr,
        media_dir: args.media_dir.unwrap_or_else(sample_media_dir),
        state_file: args.state,
        region: args.region,
        account: args.account,
        events_log: args.events_log,
        faults: FaultConfig {
            latency_ms: args.latency_ms,
            throttle_rate: args.throttle_rate,
            error_rate: args.error_rate,
            entry_failure_rate: args.entry_failure_rate,
            fail_after: args.fail_after,
            operations: args.fault_operations,
            seed: args.seed,
        },
    };
    match Emulator::start(options).await {
        Ok(emulator) => {
            println!("mediatailor-local listening on {}", emulator.base_url());
            println!("  export AWS_ENDPOINT_URL={}", emulator.base_url());
            println!("  console: {} (channels, schedule timeline, player)", emulator.console_url());
            emulator.run_until_signal().await;
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("mediatailor-local: {err}");
            ExitCode::FAILURE
        }
    }
}
