//! The local demo: an embedded emulator on an ephemeral loopback port, driven through the real
//! `aws-sdk-mediatailor` client, with a report a person can read at a glance.

use std::fmt::Write as _;

use aws_sdk_mediatailor::types::{
    AdBreak, HlsPlaylistSettings, HttpConfiguration, HttpPackageConfiguration, MessageType, PlaybackMode,
    RelativePosition, RequestOutputItem, ScheduleConfiguration, SlateSource, SpliceInsertMessage, Transition, Type,
};
use tailorflow_shared::{AwsCallError, ClientSettings};

use crate::{Emulator, EmulatorOptions};

/// Why the demo failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The emulator did not start.
    #[error(transparent)]
    Emulator(#[from] crate::EmulatorError),
    /// A MediaTailor call failed.
    #[error(transparent)]
    Call(#[from] AwsCallError),
    /// Building a request failed.
    #[error("cannot build a request: {0}")]
    Build(String),
}

fn build<T, E: std::fmt::Display>(result: Result<T, E>) -> Result<T, DemoError> {
    result.map_err(|e| DemoError::Build(e.to_string()))
}

macro_rules! call {
    ($op:literal, $fut:expr) => {
        $fut.await.map_err(|e| AwsCallError::from_sdk($op, &e))?
    };
}

fn hls(path: &str) -> Result<HttpPackageConfiguration, DemoError> {
    build(HttpPackageConfiguration::builder().path(path).source_group("hls").r#type(Type::Hls).build())
}

fn dash(path: &str) -> Result<HttpPackageConfiguration, DemoError> {
    build(HttpPackageConfiguration::builder().path(path).source_group("dash").r#type(Type::Dash).build())
}

fn clock(epoch: Option<&aws_sdk_mediatailor::primitives::DateTime>) -> String {
    epoch
        .and_then(|t| chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
        .map(|t| t.format("%H:%M:%S").to_string())
        .unwrap_or_else(|| "--:--:--".into())
}

/// Runs the demo and returns the report.
pub async fn run() -> Result<String, DemoError> {
    let emulator = Emulator::start(EmulatorOptions::default()).await?;
    let result = scenario(&emulator).await;
    emulator.stop().await;
    result
}

async fn scenario(emulator: &Emulator) -> Result<String, DemoError> {
    let clients = emulator.clients(&ClientSettings::default()).await;
    let mt = &clients.mediatailor;
    let mut out = String::new();
    let _ = writeln!(out, "mediatailor-local demo: emulator at {}\n", emulator.base_url());

    let base_url = format!("{}/origin/tailorflow-media/", emulator.base_url());
    call!(
        "CreateSourceLocation",
        mt.create_source_location()
            .source_location_name("demo-media")
            .http_configuration(build(HttpConfiguration::builder().base_url(&base_url).build())?)
            .send()
    );
    let _ = writeln!(out, "Source location demo-media -> {base_url}");

    let sources = [
        (
            "big-buck-bunny",
            vec![hls("packages/big-buck-bunny/hls/index.m3u8")?, dash("packages/big-buck-bunny/dash/manifest.mpd")?],
        ),
        ("sintel", vec![hls("packages/sintel/hls/index.m3u8")?]),
        ("slate-30s", vec![hls("slates/slate-30s/hls/index.m3u8")?]),
        ("broken", vec![hls("packages/broken/hls/index.m3u8")?]),
    ];
    let _ = writeln!(out, "\nVOD sources");
    for (name, packages) in sources {
        let kinds: Vec<String> = packages.iter().map(|p| p.r#type().as_str().to_owned()).collect();
        call!(
            "CreateVodSource",
            mt.create_vod_source()
                .source_location_name("demo-media")
                .vod_source_name(name)
                .set_http_package_configurations(Some(packages))
                .send()
        );
        let _ = writeln!(out, "  {name:<16} {}", kinds.join(" + "));
    }

    call!(
        "CreateChannel",
        mt.create_channel()
            .channel_name("demo-channel")
            .playback_mode(PlaybackMode::Loop)
            .outputs(build(
                RequestOutputItem::builder()
                    .manifest_name("index")
                    .source_group("hls")
                    .hls_playlist_settings(HlsPlaylistSettings::builder().manifest_window_seconds(60).build())
                    .build()
            )?)
            .send()
    );

    let slate = SlateSource::builder().source_location_name("demo-media").vod_source_name("slate-30s").build();
    let mut previous: Option<&str> = None;
    for (program, source, offsets) in [
        ("program-1", "big-buck-bunny", vec![0, 60_060]),
        ("program-2", "sintel", vec![20_000]),
        ("program-3", "big-buck-bunny", vec![]),
    ] {
        let mut transition = Transition::builder().r#type("RELATIVE").relative_position(RelativePosition::AfterProgram);
        if let Some(previous) = previous {
            transition = transition.relative_program(previous);
        }
        let count = offsets.len() as i32;
        let breaks: Vec<AdBreak> = offsets
            .iter()
            .enumerate()
            .map(|(i, offset)| {
                AdBreak::builder()
                    .message_type(MessageType::SpliceInsert)
                    .offset_millis(*offset)
                    .slate(slate.clone())
                    .splice_insert_message(
                        SpliceInsertMessage::builder()
                            .avail_num(i as i32 + 1)
                            .avails_expected(count)
                            .splice_event_id(i as i32 + 1)
                            .build(),
                    )
                    .build()
            })
            .collect();
        call!(
            "CreateProgram",
            mt.create_program()
                .channel_name("demo-channel")
                .program_name(program)
                .source_location_name("demo-media")
                .vod_source_name(source)
                .schedule_configuration(ScheduleConfiguration::builder().transition(build(transition.build())?).build())
                .set_ad_breaks(Some(breaks))
                .send()
        );
        previous = Some(program);
    }
    call!("StartChannel", mt.start_channel().channel_name("demo-channel").send());

    let schedule = call!("GetChannelSchedule", mt.get_channel_schedule().channel_name("demo-channel").send());
    let _ = writeln!(out, "\nChannel demo-channel schedule (RUNNING, times UTC)");
    let _ = writeln!(
        out,
        "  {:<9} {:<10} {:<15} {:>8}  ad breaks (start, slate seconds)",
        "start", "program", "VOD source", "seconds"
    );
    for entry in schedule.items() {
        let breaks: Vec<String> = entry
            .schedule_ad_breaks()
            .iter()
            .map(|b| {
                format!(
                    "{} ({}s)",
                    clock(b.approximate_start_time()),
                    b.approximate_duration_seconds().unwrap_or_default()
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "  {:<9} {:<10} {:<15} {:>8}  {}",
            clock(entry.approximate_start_time()),
            entry.program_name(),
            entry.vod_source_name().unwrap_or_default(),
            entry.approximate_duration_seconds().unwrap_or_default(),
            if breaks.is_empty() { "-".to_owned() } else { breaks.join(", ") }
        );
    }

    let _ = writeln!(out, "\nAlerts on source location demo-media (computed from the media folder)");
    let location_arn =
        call!("DescribeSourceLocation", mt.describe_source_location().source_location_name("demo-media").send())
            .arn()
            .unwrap_or_default()
            .to_owned();
    let alerts = call!("ListAlerts", mt.list_alerts().resource_arn(&location_arn).send());
    for alert in alerts.items() {
        let resource = alert.resource_arn().rsplit('/').next().unwrap_or_default();
        let _ = writeln!(out, "  {:<26} {resource}: {}", alert.alert_code(), alert.alert_message());
    }

    publish_alerts(emulator, &clients, &mut out).await?;

    let _ = writeln!(
        out,
        "\nvod-source-ingest, program-scheduler and playback-config-api join this demo as their issues land;\n\
         `mediatailor-local serve` keeps the emulator up for cargo-lambda."
    );
    Ok(out)
}

/// Runs alert-publisher's handler, as Lambda would, on a scheduled event of now.
async fn publish_alerts(
    emulator: &Emulator,
    clients: &tailorflow_shared::AwsClients,
    out: &mut String,
) -> Result<(), DemoError> {
    let env = tailorflow_shared::EnvReader::from_pairs([
        ("EVENT_BUS_NAME", "tailorflow-alerts"),
        // The demo's alerts were raised a moment ago: no lag, and the window ends just after now.
        ("ALERT_LAG_SECONDS", "0"),
    ]);
    let settings = alert_publisher::Settings::read(env).map_err(|e| DemoError::Build(e.to_string()))?;
    let state = alert_publisher::State { clients: clients.clone(), settings };
    let mut event = aws_lambda_events::event::eventbridge::EventBridgeEvent::<serde_json::Value>::default();
    event.detail_type = "Scheduled Event".into();
    event.source = "aws.events".into();
    event.time = Some(chrono::Utc::now() + chrono::Duration::seconds(1));
    let invocation = lambda_runtime::LambdaEvent::new(event, lambda_runtime::Context::default());
    let summary = alert_publisher::handler(&state, invocation).await.map_err(|e| DemoError::Build(e.to_string()))?;
    let _ = writeln!(
        out,
        "\nalert-publisher: polled {} resources, saw {} alerts, published {} to bus tailorflow-alerts",
        summary.resources_scanned.values().sum::<usize>(),
        summary.alerts_seen,
        summary.published
    );
    for event in emulator.accepted_events() {
        let detail = &event["detail"];
        let _ = writeln!(
            out,
            "  {} {:<26} {} {}",
            detail["AlertId"].as_str().unwrap_or_default().get(..8).unwrap_or_default(),
            detail["AlertCode"].as_str().unwrap_or_default(),
            detail["ResourceKind"].as_str().unwrap_or_default(),
            detail["ResourceName"].as_str().unwrap_or_default(),
        );
    }
    Ok(())
}
