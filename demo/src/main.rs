//! `cargo run --release`: the local demo. Every function's handler against an embedded
//! mediatailor-local, and a report of what each did.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::args().skip(1).any(|a| a == "--help" || a == "-h") {
        println!(
            "tailorflow-demo: runs every tailorflow function's handler against an embedded \
             mediatailor-local\non an ephemeral loopback port and prints what each did.\n\n\
             Usage: cargo run --release   (RUST_LOG=info shows every decision the functions log)"
        );
        return ExitCode::SUCCESS;
    }
    // The demo's output is its report; RUST_LOG=info shows every decision behind it.
    tailorflow_shared::telemetry::init_with_default("warn");
    match tailorflow_demo::run().await {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("tailorflow demo failed: {err}");
            ExitCode::FAILURE
        }
    }
}
