//! `cargo run --release`: the local demo. Every function's handler against an embedded
//! mediatailor-local, and a report of what each did, ending with the console's URL.
//! `--serve` keeps the emulator up afterwards (until Ctrl-C), so that URL can be opened.

use std::process::ExitCode;

use tailorflow_demo::Finish;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "tailorflow-demo: runs every tailorflow function's handler against an embedded \
             mediatailor-local\non an ephemeral loopback port and prints what each did, then the console's URL.\n\n\
             Usage: cargo run --release [-- --serve]\n\n  \
             --serve   keep the emulator serving the demo's state (console, PlaybackUrls) until Ctrl-C\n\n\
             RUST_LOG=info shows every decision the functions log."
        );
        return ExitCode::SUCCESS;
    }
    if let Some(unknown) = args.iter().find(|a| *a != "--serve") {
        eprintln!("tailorflow demo: unknown argument {unknown:?}; the only option is --serve (see --help)");
        return ExitCode::FAILURE;
    }
    let finish = if args.is_empty() { Finish::Stop } else { Finish::Serve };
    // The demo's output is its report; RUST_LOG=info shows every decision behind it.
    tailorflow_shared::telemetry::init_with_default("warn");
    match tailorflow_demo::start(finish).await {
        Ok((emulator, report)) => {
            print!("{report}");
            match finish {
                Finish::Stop => emulator.stop().await,
                Finish::Serve => emulator.run_until_signal().await,
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("tailorflow demo failed: {err}");
            ExitCode::FAILURE
        }
    }
}
