//! Every MediaTailor operation of mediatailor-local, driven through the real `aws-sdk-mediatailor`
//! client over HTTP (and raw HTTP/1.1 where the SDK cannot send the request), checked against the
//! seed API: members, ranges, enums, status codes, error types, pagination, schedule, alerts,
//! faults and persistence.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Debug;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_mediatailor::Client;
use aws_sdk_mediatailor::config::retry::RetryConfig;
use aws_sdk_mediatailor::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_mediatailor::operation::create_channel::{CreateChannelError, CreateChannelOutput};
use aws_sdk_mediatailor::operation::create_program::{CreateProgramError, CreateProgramOutput};
use aws_sdk_mediatailor::operation::put_playback_configuration::builders::PutPlaybackConfigurationFluentBuilder;
use aws_sdk_mediatailor::types::{
    AccessConfiguration, AccessType, AdBreak, AdMarkerPassthrough, AvailSuppression, Bumper, CdnConfiguration,
    ChannelState, DashConfigurationForPut, DashPlaylistSettings, DefaultSegmentDeliveryConfiguration,
    HlsPlaylistSettings, HttpConfiguration, HttpPackageConfiguration, LivePreRollConfiguration,
    ManifestProcessingRules, MessageType, Mode, OriginManifestType, PlaybackMode, RelativePosition, RequestOutputItem,
    ScheduleConfiguration, SecretsManagerAccessTokenConfiguration, SlateSource, SpliceInsertMessage, Transition, Type,
};
use mediatailor_local::{Emulator, EmulatorError, EmulatorOptions, FaultConfig};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---- fixtures ------------------------------------------------------------------------------

const ARN_PREFIX: &str = "arn:aws:mediatailor:us-east-1:123456789012";

const BBB_HLS: &str = "packages/big-buck-bunny/hls/index.m3u8";
const BBB_DASH: &str = "packages/big-buck-bunny/dash/manifest.mpd";
const SINTEL_HLS: &str = "packages/sintel/hls/index.m3u8";
const SLATE_HLS: &str = "slates/slate-30s/hls/index.m3u8";
const BROKEN_HLS: &str = "packages/broken/hls/index.m3u8";
const UNPARSABLE_HLS: &str = "packages/unparsable/hls/index.m3u8";

/// Durations from local/media/README.md, in seconds.
const BBB_SECONDS: f64 = 118.118;
const SINTEL_SECONDS: f64 = 40.0;
const SLATE_SECONDS: f64 = 30.0;

/// DEFAULT_DURATION_MS in local/src/mediatailor/media.rs, in seconds.
const DEFAULT_REMOTE_SECONDS: i64 = 300;

async fn start() -> (Emulator, Client) {
    let emulator = Emulator::start(EmulatorOptions::default()).await.unwrap();
    let mt = Client::new(&emulator.sdk_config().await);
    (emulator, mt)
}

/// A client that makes at most `attempts` attempts per call, backing off briefly.
async fn client_with_attempts(emulator: &Emulator, attempts: u32) -> Client {
    let config = aws_sdk_mediatailor::config::Builder::from(&emulator.sdk_config().await)
        .retry_config(
            RetryConfig::standard().with_max_attempts(attempts).with_initial_backoff(Duration::from_millis(10)),
        )
        .build();
    Client::from_conf(config)
}

fn arn(resource: &str) -> String {
    format!("{ARN_PREFIX}:{resource}")
}

fn now_secs() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
}

fn media_base_url(emulator: &Emulator) -> String {
    format!("{}/origin/tailorflow-media/", emulator.base_url())
}

/// A call that failed, as the SDK reports it: whether it got an answer, the HTTP status, and the
/// service's error code and message.
#[derive(Debug)]
struct Failure {
    operation: &'static str,
    /// No answer: the request could not be sent, timed out, or its response was unreadable.
    transport: bool,
    status: Option<u16>,
    code: Option<String>,
    message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} failed ({:?}, {:?}): {}", self.operation, self.status, self.code, self.message)
    }
}

impl Failure {
    /// MediaTailor refuses a duplicate name with a 400 BadRequestException saying so.
    fn is_conflict(&self) -> bool {
        matches!(self.code.as_deref(), Some("ConflictException")) || self.message.contains("already exist")
    }

    fn is_throttled(&self) -> bool {
        self.status == Some(429) || self.code.as_deref() == Some("TooManyRequestsException")
    }

    /// Worth retrying as a server-side failure: no answer, or a 5xx.
    fn is_server_error(&self) -> bool {
        self.transport || self.status.is_some_and(|s| s >= 500)
    }
}

/// The error of a call that must fail.
fn failure<T: Debug, E>(operation: &'static str, result: Result<T, SdkError<E>>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let err = match result {
        Ok(output) => panic!("{operation} should have failed, got {output:?}"),
        Err(err) => err,
    };
    let transport =
        matches!(err, SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_));
    let status = err.raw_response().map(|r| r.status().as_u16());
    let code = err.code().map(str::to_owned);
    let message = err
        .message()
        .map(str::to_owned)
        .unwrap_or_else(|| aws_sdk_mediatailor::error::DisplayErrorContext(&err).to_string());
    Failure { operation, transport, status, code, message }
}

/// A 400 BadRequestException (not a duplicate) whose message names `member`.
#[track_caller]
fn assert_invalid(err: &Failure, member: &str) {
    assert_eq!(err.status, Some(400), "{err}");
    assert_eq!(err.code.as_deref(), Some("BadRequestException"), "{err}");
    assert!(!err.is_conflict(), "{err}");
    assert!(err.message.contains(member), "the message should name {member}: {err}");
}

/// `a` and `b` as the SDK read them, but for their request ids (every answer has its own) and
/// the order of their tags (a HashMap).
#[track_caller]
fn same<T: Debug>(a: &T, b: &T) {
    let strip = |value: &T| {
        let mut text = format!("{value:?}");
        if let Some(at) = text.find("_request_id: ") {
            text.truncate(at);
        }
        if let Some(start) = text.find("tags: Some({").map(|at| at + "tags: Some({".len())
            && let Some(len) = text[start..].find("})")
        {
            let mut tags: Vec<&str> = text[start..start + len].split(", ").collect();
            tags.sort_unstable();
            text = format!("{}{}{}", &text[..start], tags.join(", "), &text[start + len..]);
        }
        text
    };
    assert_eq!(strip(a), strip(b));
}

#[track_caller]
fn assert_not_found(err: &Failure) {
    assert_eq!(err.status, Some(404), "{err}");
    assert_eq!(err.code.as_deref(), Some("NotFoundException"), "{err}");
}

#[track_caller]
fn assert_conflict(err: &Failure) {
    assert_eq!(err.status, Some(400), "{err}");
    assert!(err.is_conflict(), "{err}");
}

fn hls_output(manifest: &str, group: &str, window: Option<i32>) -> RequestOutputItem {
    let settings = HlsPlaylistSettings::builder().set_manifest_window_seconds(window).build();
    RequestOutputItem::builder()
        .manifest_name(manifest)
        .source_group(group)
        .hls_playlist_settings(settings)
        .build()
        .unwrap()
}

fn dash_output(manifest: &str, group: &str, settings: DashPlaylistSettings) -> RequestOutputItem {
    RequestOutputItem::builder()
        .manifest_name(manifest)
        .source_group(group)
        .dash_playlist_settings(settings)
        .build()
        .unwrap()
}

fn package(path: &str, group: &str, kind: Type) -> HttpPackageConfiguration {
    HttpPackageConfiguration::builder().path(path).source_group(group).r#type(kind).build().unwrap()
}

fn hls(path: &str) -> HttpPackageConfiguration {
    package(path, "hls", Type::Hls)
}

fn schedule(position: RelativePosition, relative: Option<&str>) -> ScheduleConfiguration {
    let transition = Transition::builder()
        .r#type("RELATIVE")
        .relative_position(position)
        .set_relative_program(relative.map(str::to_owned))
        .build()
        .unwrap();
    ScheduleConfiguration::builder().transition(transition).build()
}

fn after(relative: Option<&str>) -> ScheduleConfiguration {
    schedule(RelativePosition::AfterProgram, relative)
}

fn before(relative: &str) -> ScheduleConfiguration {
    schedule(RelativePosition::BeforeProgram, Some(relative))
}

/// An ad break at `offset_millis` that plays the 30 s slate of the `media` source location.
fn slate_break(offset_millis: i64) -> AdBreak {
    AdBreak::builder()
        .offset_millis(offset_millis)
        .message_type(MessageType::SpliceInsert)
        .slate(SlateSource::builder().source_location_name("media").vod_source_name("slate").build())
        .build()
}

async fn try_channel(
    mt: &Client,
    name: &str,
    outputs: Vec<RequestOutputItem>,
) -> Result<CreateChannelOutput, SdkError<CreateChannelError>> {
    mt.create_channel().channel_name(name).set_outputs(Some(outputs)).playback_mode(PlaybackMode::Loop).send().await
}

/// A channel with one HLS output (`index`, source group `hls`).
async fn create_channel(mt: &Client, name: &str) -> CreateChannelOutput {
    try_channel(mt, name, vec![hls_output("index", "hls", None)]).await.unwrap()
}

async fn create_location(mt: &Client, name: &str, base_url: &str) {
    mt.create_source_location()
        .source_location_name(name)
        .http_configuration(HttpConfiguration::builder().base_url(base_url).build().unwrap())
        .send()
        .await
        .unwrap();
}

async fn create_vod(mt: &Client, location: &str, name: &str, packages: Vec<HttpPackageConfiguration>) {
    mt.create_vod_source()
        .source_location_name(location)
        .vod_source_name(name)
        .set_http_package_configurations(Some(packages))
        .send()
        .await
        .unwrap();
}

/// Source location `media` on the sample media, with VOD sources `bbb` (HLS + DASH), `sintel`
/// (HLS) and `slate` (the 30 s slate, HLS).
async fn media_fixture(emulator: &Emulator, mt: &Client) {
    create_location(mt, "media", &media_base_url(emulator)).await;
    create_vod(mt, "media", "bbb", vec![hls(BBB_HLS), package(BBB_DASH, "dash", Type::Dash)]).await;
    create_vod(mt, "media", "sintel", vec![hls(SINTEL_HLS)]).await;
    create_vod(mt, "media", "slate", vec![hls(SLATE_HLS)]).await;
}

#[allow(clippy::too_many_arguments)]
async fn try_program(
    mt: &Client,
    channel: &str,
    name: &str,
    location: &str,
    vod: &str,
    schedule: ScheduleConfiguration,
    ad_breaks: Vec<AdBreak>,
) -> Result<CreateProgramOutput, SdkError<CreateProgramError>> {
    mt.create_program()
        .channel_name(channel)
        .program_name(name)
        .source_location_name(location)
        .vod_source_name(vod)
        .schedule_configuration(schedule)
        .set_ad_breaks((!ad_breaks.is_empty()).then_some(ad_breaks))
        .send()
        .await
}

// ---- raw HTTP ------------------------------------------------------------------------------

const FAKE_SIGV4: &str = "AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/mediatailor/aws4_request, \
                          SignedHeaders=host, Signature=x";

struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn message(&self) -> String {
        self.json()["Message"].as_str().unwrap_or_else(|| panic!("no Message in {}", self.json())).to_owned()
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..10_000 {
        let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") else { break };
        let size_text = String::from_utf8_lossy(&body[..line_end]).to_string();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        body = &body[line_end + 2..];
        if size == 0 {
            break;
        }
        out.extend_from_slice(&body[..size]);
        body = &body[size + 2..];
    }
    out
}

/// One HTTP/1.1 request, `Connection: close`; `signed` adds a SigV4-shaped `Authorization`
/// header for `mediatailor` (the emulator checks only its shape).
async fn raw(emulator: &Emulator, method: &str, path: &str, body: &str, signed: bool) -> RawResponse {
    let mut stream = tokio::net::TcpStream::connect(emulator.addr()).await.unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n",
        emulator.addr(),
        body.len()
    );
    if signed {
        request.push_str(&format!("Authorization: {FAKE_SIGV4}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await.unwrap().unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response head");
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = response[split + 4..].to_vec();
    if headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")) {
        body = dechunk(&body);
    }
    RawResponse { status, headers, body }
}

fn encode_path_segment(value: &str) -> String {
    value.replace('%', "%25").replace(':', "%3A").replace('/', "%2F").replace(' ', "%20")
}

// ---- 1. channel lifecycle ------------------------------------------------------------------

#[tokio::test]
async fn channel_lifecycle_create_describe_list_update_start_stop_delete() {
    let (emulator, mt) = start().await;
    let base = emulator.base_url().to_owned();
    let before_create = now_secs();
    let dash = DashPlaylistSettings::builder()
        .manifest_window_seconds(60)
        .min_buffer_time_seconds(10)
        .min_update_period_seconds(5)
        .suggested_presentation_delay_seconds(20)
        .build();
    let created = try_channel(
        &mt,
        "lifecycle",
        vec![hls_output("hls-main", "hls", Some(120)), dash_output("dash-main", "dash", dash.clone())],
    )
    .await
    .unwrap();
    let channel_arn = arn("channel/lifecycle");
    assert_eq!(created.arn(), Some(channel_arn.as_str()));
    assert_eq!(created.channel_state(), Some(&ChannelState::Stopped));

    let described = mt.describe_channel().channel_name("lifecycle").send().await.unwrap();
    assert_eq!(described.arn(), Some(channel_arn.as_str()));
    assert_eq!(described.channel_name(), Some("lifecycle"));
    assert_eq!(described.channel_state(), Some(&ChannelState::Stopped));
    assert_eq!(described.playback_mode(), Some("LOOP"));
    let creation_time = described.creation_time().expect("CreationTime").as_secs_f64();
    assert!(creation_time >= before_create - 1.0 && creation_time <= now_secs() + 1.0, "{creation_time}");
    let outputs = described.outputs();
    assert_eq!(outputs.len(), 2);
    assert_eq!(outputs[0].manifest_name(), "hls-main");
    assert_eq!(outputs[0].source_group(), "hls");
    assert_eq!(outputs[0].playback_url(), format!("{base}/v1/channel/lifecycle/hls-main.m3u8"));
    assert_eq!(outputs[0].hls_playlist_settings().and_then(|s| s.manifest_window_seconds()), Some(120));
    assert!(outputs[0].dash_playlist_settings().is_none());
    assert_eq!(outputs[1].manifest_name(), "dash-main");
    assert_eq!(outputs[1].playback_url(), format!("{base}/v1/channel/lifecycle/dash-main.mpd"));
    assert_eq!(outputs[1].dash_playlist_settings(), Some(&dash));

    let listed = mt.list_channels().send().await.unwrap();
    let names: Vec<&str> = listed.items().iter().map(|c| c.channel_name()).collect();
    assert_eq!(names, ["lifecycle"]);
    assert_eq!(listed.items()[0].arn(), channel_arn);
    assert!(listed.next_token().is_none());

    // The same name again: MediaTailor's "already exists" 400.
    let duplicate = failure("CreateChannel", try_channel(&mt, "lifecycle", vec![hls_output("x", "hls", None)]).await);
    assert_conflict(&duplicate);

    let updated = mt
        .update_channel()
        .channel_name("lifecycle")
        .outputs(hls_output("only", "hls", Some(300)))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.outputs().len(), 1);
    let described = mt.describe_channel().channel_name("lifecycle").send().await.unwrap();
    assert_eq!(described.outputs().len(), 1);
    assert_eq!(described.outputs()[0].manifest_name(), "only");
    assert_eq!(described.outputs()[0].playback_url(), format!("{base}/v1/channel/lifecycle/only.m3u8"));
    assert_eq!(described.creation_time().unwrap().as_secs_f64(), creation_time);
    assert!(described.last_modified_time().unwrap().as_secs_f64() >= creation_time);

    mt.start_channel().channel_name("lifecycle").send().await.unwrap();
    let described = mt.describe_channel().channel_name("lifecycle").send().await.unwrap();
    assert_eq!(described.channel_state(), Some(&ChannelState::Running));

    let refused = failure("DeleteChannel", mt.delete_channel().channel_name("lifecycle").send().await);
    assert_eq!(refused.status, Some(400), "{refused}");
    assert_eq!(refused.code.as_deref(), Some("BadRequestException"), "{refused}");
    assert!(refused.message.to_ascii_lowercase().contains("stop"), "{refused}");
    mt.describe_channel().channel_name("lifecycle").send().await.unwrap();

    mt.stop_channel().channel_name("lifecycle").send().await.unwrap();
    let described = mt.describe_channel().channel_name("lifecycle").send().await.unwrap();
    assert_eq!(described.channel_state(), Some(&ChannelState::Stopped));
    mt.delete_channel().channel_name("lifecycle").send().await.unwrap();

    assert_not_found(&failure("DescribeChannel", mt.describe_channel().channel_name("lifecycle").send().await));
    assert!(mt.list_channels().send().await.unwrap().items().is_empty());
    assert_not_found(&failure("DeleteChannel", mt.delete_channel().channel_name("lifecycle").send().await));
    assert_not_found(&failure("StartChannel", mt.start_channel().channel_name("lifecycle").send().await));
    assert_not_found(&failure("StopChannel", mt.stop_channel().channel_name("lifecycle").send().await));
    assert_not_found(&failure(
        "UpdateChannel",
        mt.update_channel().channel_name("lifecycle").outputs(hls_output("a", "hls", None)).send().await,
    ));
}

// ---- 2. validation at and past bounds ------------------------------------------------------

#[tokio::test]
async fn channel_output_settings_at_and_past_their_bounds() {
    let (_emulator, mt) = start().await;

    for (value, accepted) in [(29, false), (30, true), (3600, true), (3601, false)] {
        let result =
            try_channel(&mt, &format!("hls-window-{value}"), vec![hls_output("index", "hls", Some(value))]).await;
        if accepted {
            result.unwrap();
        } else {
            assert_invalid(&failure("CreateChannel", result), "Outputs[0].HlsPlaylistSettings.ManifestWindowSeconds");
        }
    }

    let dash_cases: [(&str, [i32; 4]); 4] = [
        ("ManifestWindowSeconds", [29, 30, 3600, 3601]),
        ("MinBufferTimeSeconds", [1, 2, 60, 61]),
        ("MinUpdatePeriodSeconds", [1, 2, 60, 61]),
        ("SuggestedPresentationDelaySeconds", [1, 2, 60, 61]),
    ];
    for (member, values) in dash_cases {
        for (i, value) in values.into_iter().enumerate() {
            let builder = DashPlaylistSettings::builder();
            let settings = match member {
                "ManifestWindowSeconds" => builder.manifest_window_seconds(value),
                "MinBufferTimeSeconds" => builder.min_buffer_time_seconds(value),
                "MinUpdatePeriodSeconds" => builder.min_update_period_seconds(value),
                _ => builder.suggested_presentation_delay_seconds(value),
            }
            .build();
            let name = format!("dash-{}-{value}", member.to_ascii_lowercase());
            let result = try_channel(&mt, &name, vec![dash_output("index", "dash", settings.clone())]).await;
            if i == 1 || i == 2 {
                let created = result.unwrap_or_else(|e| panic!("{member} = {value} should be accepted: {e:?}"));
                assert_eq!(created.outputs()[0].dash_playlist_settings(), Some(&settings));
            } else {
                assert_invalid(&failure("CreateChannel", result), &format!("Outputs[0].DashPlaylistSettings.{member}"));
            }
        }
    }

    // The index of the offending output is named.
    let result =
        try_channel(&mt, "second-output", vec![hls_output("a", "hls", Some(60)), hls_output("b", "hls", Some(3601))])
            .await;
    assert_invalid(&failure("CreateChannel", result), "Outputs[1].HlsPlaylistSettings.ManifestWindowSeconds");

    // UpdateChannel applies the same rules and leaves the channel as it was.
    create_channel(&mt, "to-update").await;
    let result =
        mt.update_channel().channel_name("to-update").outputs(hls_output("index", "hls", Some(29))).send().await;
    assert_invalid(&failure("UpdateChannel", result), "Outputs[0].HlsPlaylistSettings.ManifestWindowSeconds");
    let described = mt.describe_channel().channel_name("to-update").send().await.unwrap();
    assert_eq!(described.outputs()[0].hls_playlist_settings().and_then(|s| s.manifest_window_seconds()), None);
}

#[tokio::test]
async fn channel_playback_mode_and_output_shapes() {
    let (_emulator, mt) = start().await;

    let result = mt
        .create_channel()
        .channel_name("linear")
        .outputs(hls_output("index", "hls", None))
        .playback_mode(PlaybackMode::Linear)
        .send()
        .await;
    // The current model widens the seed's PlaybackMode to LINEAR, which needs a filler slate
    // (local/tests/linear.rs covers LINEAR channels).
    assert_invalid(&failure("CreateChannel", result), "FillerSlate");
    let unknown = raw(
        &_emulator,
        "POST",
        "/channel/unknown-mode",
        r#"{"PlaybackMode": "SHUFFLE", "Outputs": [{"ManifestName": "i", "SourceGroup": "g", "HlsPlaylistSettings": {}}]}"#,
        true,
    )
    .await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.message().contains("PlaybackMode"), "{}", unknown.message());

    let neither = RequestOutputItem::builder().manifest_name("index").source_group("hls").build().unwrap();
    let err = failure("CreateChannel", try_channel(&mt, "neither", vec![neither]).await);
    assert_invalid(&err, "Outputs[0]");
    assert!(err.message.contains("HlsPlaylistSettings") && err.message.contains("DashPlaylistSettings"), "{err}");

    let both = RequestOutputItem::builder()
        .manifest_name("index")
        .source_group("hls")
        .hls_playlist_settings(HlsPlaylistSettings::builder().build())
        .dash_playlist_settings(DashPlaylistSettings::builder().build())
        .build()
        .unwrap();
    let err = failure("CreateChannel", try_channel(&mt, "both", vec![both]).await);
    assert_invalid(&err, "Outputs[0]");

    let err = failure(
        "CreateChannel",
        try_channel(&mt, "same-manifest", vec![hls_output("index", "hls", None), hls_output("index", "hls2", None)])
            .await,
    );
    assert_invalid(&err, "Outputs[1].ManifestName");

    assert!(mt.list_channels().send().await.unwrap().items().is_empty(), "no rejected channel was created");
}

/// Names the service model allows: it sets no length or pattern on resource names (see
/// local/src/mediatailor/names.rs), so tailorflow's own stricter rule is not the emulator's.
const ACCEPTED_NAMES: [&str; 4] = ["a b", "a.b", "a~b", "caf\u{e9}"];
/// A `/` would make MediaTailor's ARNs (`program/CHANNEL/PROGRAM`) ambiguous.
const REFUSED_NAMES: [&str; 2] = ["a/b", "/"];

#[tokio::test]
async fn resource_names_follow_the_service_model() {
    let (_emulator, mt) = start().await;
    let long = "n".repeat(65);
    let accepted = || std::iter::once(long.as_str()).chain(ACCEPTED_NAMES);

    // Channels.
    for name in accepted() {
        create_channel(&mt, name).await;
        let described = mt.describe_channel().channel_name(name).send().await.unwrap();
        assert_eq!(described.arn(), Some(arn(&format!("channel/{name}")).as_str()));
    }
    for name in REFUSED_NAMES {
        let result = try_channel(&mt, name, vec![hls_output("index", "hls", None)]).await;
        assert_invalid(&failure("CreateChannel", result), "ChannelName");
    }

    // Source locations.
    for name in accepted() {
        create_location(&mt, name, "https://example.com/").await;
    }
    for name in REFUSED_NAMES {
        let result = mt
            .create_source_location()
            .source_location_name(name)
            .http_configuration(HttpConfiguration::builder().base_url("https://example.com/").build().unwrap())
            .send()
            .await;
        assert_invalid(&failure("CreateSourceLocation", result), "SourceLocationName");
    }

    // VOD sources.
    for name in accepted() {
        create_vod(&mt, &long, name, vec![hls("index.m3u8")]).await;
    }
    for name in REFUSED_NAMES {
        let result = mt
            .create_vod_source()
            .source_location_name(&long)
            .vod_source_name(name)
            .http_package_configurations(hls("index.m3u8"))
            .send()
            .await;
        assert_invalid(&failure("CreateVodSource", result), "VodSourceName");
    }

    // Programs.
    for name in accepted() {
        try_program(&mt, &long, name, &long, name, after(None), vec![]).await.unwrap();
        let program = mt.describe_program().channel_name(&long).program_name(name).send().await.unwrap();
        assert_eq!(program.arn(), Some(arn(&format!("program/{long}/{name}")).as_str()));
    }
    for name in REFUSED_NAMES {
        let result = try_program(&mt, &long, name, &long, &long, after(None), vec![]).await;
        assert_invalid(&failure("CreateProgram", result), "ProgramName");
    }
}

// ---- 3. programs ---------------------------------------------------------------------------

#[tokio::test]
async fn program_splice_insert_values_at_and_past_their_bounds() {
    let (emulator, mt) = start().await;
    media_fixture(&emulator, &mt).await;
    create_channel(&mt, "ch").await;

    for member in ["AvailNum", "AvailsExpected", "UniqueProgramId"] {
        for value in [0, 256, 257, -1] {
            let builder = SpliceInsertMessage::builder();
            let message = match member {
                "AvailNum" => builder.avail_num(value),
                "AvailsExpected" => builder.avails_expected(value),
                _ => builder.unique_program_id(value),
            }
            .build();
            let ad_break = AdBreak::builder()
                .offset_millis(0)
                .message_type(MessageType::SpliceInsert)
                .splice_insert_message(message.clone())
                .build();
            let name = format!("{}-{}", member.to_ascii_lowercase(), value.to_string().replace('-', "minus"));
            let result = try_program(&mt, "ch", &name, "media", "sintel", after(None), vec![ad_break]).await;
            if (0..=256).contains(&value) {
                let created = result.unwrap_or_else(|e| panic!("{member} = {value} should be accepted: {e:?}"));
                assert_eq!(created.ad_breaks()[0].splice_insert_message(), Some(&message));
            } else {
                assert_invalid(&failure("CreateProgram", result), &format!("AdBreaks[0].SpliceInsertMessage.{member}"));
            }
        }
    }
}

#[tokio::test]
async fn program_references_message_type_offsets_and_transitions() {
    let (emulator, mt) = start().await;
    media_fixture(&emulator, &mt).await;
    create_channel(&mt, "ch").await;

    // The current model adds TIME_SIGNAL to the seed's SPLICE_INSERT.
    let unknown_type = json!({"SourceLocationName": "media", "VodSourceName": "sintel",
        "ScheduleConfiguration": {"Transition": {"Type": "RELATIVE", "RelativePosition": "AFTER_PROGRAM"}},
        "AdBreaks": [{"OffsetMillis": 0, "MessageType": "SPLICE_OUT"}]});
    let response = raw(&emulator, "POST", "/channel/ch/program/p", &unknown_type.to_string(), true).await;
    assert_eq!(response.status, 400);
    assert!(response.message().contains("AdBreaks[0].MessageType"), "{}", response.message());

    let negative = AdBreak::builder().offset_millis(-1).message_type(MessageType::SpliceInsert).build();
    let result = try_program(&mt, "ch", "p", "media", "sintel", after(None), vec![negative.clone()]).await;
    assert_invalid(&failure("CreateProgram", result), "AdBreaks[0].OffsetMillis");
    let result = try_program(&mt, "ch", "p", "media", "sintel", after(None), vec![slate_break(0), negative]).await;
    assert_invalid(&failure("CreateProgram", result), "AdBreaks[1].OffsetMillis");

    let missing_slate = AdBreak::builder()
        .offset_millis(0)
        .slate(SlateSource::builder().source_location_name("media").vod_source_name("no-such-slate").build())
        .build();
    let result = try_program(&mt, "ch", "p", "media", "sintel", after(None), vec![missing_slate]).await;
    assert_invalid(&failure("CreateProgram", result), "AdBreaks[0].Slate");

    let result = try_program(&mt, "ch", "p", "media", "no-such-vod", after(None), vec![]).await;
    assert_invalid(&failure("CreateProgram", result), "VodSourceName");
    let result = try_program(&mt, "ch", "p", "no-such-location", "sintel", after(None), vec![]).await;
    assert_invalid(&failure("CreateProgram", result), "SourceLocationName");
    let result = try_program(&mt, "ch", "p", "media", "sintel", after(Some("no-such-program")), vec![]).await;
    assert_invalid(&failure("CreateProgram", result), "RelativeProgram");
    let result = try_program(&mt, "no-such-channel", "p", "media", "sintel", after(None), vec![]).await;
    assert_not_found(&failure("CreateProgram", result));

    // Required members the SDK will not let us omit.
    let base = json!({"SourceLocationName": "media", "VodSourceName": "sintel"});
    let with_transition = |transition: Value| {
        let mut body = base.clone();
        body["ScheduleConfiguration"] = json!({ "Transition": transition });
        body.to_string()
    };
    for (body, member) in [
        (with_transition(json!({"Type": "RELATIVE"})), "ScheduleConfiguration.Transition.RelativePosition"),
        (with_transition(json!({"RelativePosition": "AFTER_PROGRAM"})), "ScheduleConfiguration.Transition.Type"),
        (
            with_transition(json!({"Type": "RELATIVE", "RelativePosition": "SOMEWHERE"})),
            "ScheduleConfiguration.Transition.RelativePosition",
        ),
        (base.to_string(), "ScheduleConfiguration"),
        (
            json!({"VodSourceName": "sintel", "ScheduleConfiguration": {"Transition": {"Type": "RELATIVE", "RelativePosition": "AFTER_PROGRAM"}}})
                .to_string(),
            "SourceLocationName",
        ),
    ] {
        let response = raw(&emulator, "POST", "/channel/ch/program/raw", &body, true).await;
        assert_eq!(response.status, 400, "{body}");
        assert_eq!(response.header("x-amzn-ErrorType"), Some("BadRequestException"));
        assert!(response.message().contains(member), "{member}: {}", response.message());
    }

    let created =
        try_program(&mt, "ch", "p1", "media", "sintel", after(None), vec![slate_break(20_000)]).await.unwrap();
    assert_eq!(created.arn(), Some(arn("program/ch/p1").as_str()));
    assert_eq!(created.channel_name(), Some("ch"));
    assert_eq!(created.source_location_name(), Some("media"));
    assert_eq!(created.vod_source_name(), Some("sintel"));
    assert!(created.creation_time().is_some());
    let duplicate = try_program(&mt, "ch", "p1", "media", "sintel", after(None), vec![]).await;
    assert_conflict(&failure("CreateProgram", duplicate));

    let described = mt.describe_program().channel_name("ch").program_name("p1").send().await.unwrap();
    assert_eq!(described.arn(), created.arn());
    assert_eq!(described.ad_breaks(), created.ad_breaks());
    assert_eq!(described.ad_breaks()[0].offset_millis(), 20_000);

    mt.delete_program().channel_name("ch").program_name("p1").send().await.unwrap();
    assert_not_found(&failure(
        "DescribeProgram",
        mt.describe_program().channel_name("ch").program_name("p1").send().await,
    ));
    assert_not_found(&failure("DeleteProgram", mt.delete_program().channel_name("ch").program_name("p1").send().await));
    assert_not_found(&failure(
        "DescribeProgram",
        mt.describe_program().channel_name("no-such-channel").program_name("p1").send().await,
    ));
}

// ---- 4. source locations and VOD sources ---------------------------------------------------

#[tokio::test]
async fn source_location_base_url_and_access_configuration() {
    let (emulator, mt) = start().await;

    for (body, member) in [("{}", "HttpConfiguration"), (r#"{"HttpConfiguration": {}}"#, "HttpConfiguration.BaseUrl")] {
        let response = raw(&emulator, "POST", "/sourceLocation/raw", body, true).await;
        assert_eq!(response.status, 400, "{body}");
        assert!(response.message().contains(member), "{}", response.message());
    }

    let create = |name: &str, base_url: &str, access: Option<AccessConfiguration>| {
        mt.create_source_location()
            .source_location_name(name)
            .http_configuration(HttpConfiguration::builder().base_url(base_url).build().unwrap())
            .set_access_configuration(access)
            .send()
    };
    for bad in ["ftp://example.com/", "example.com/media/", "https://"] {
        assert_invalid(&failure("CreateSourceLocation", create("bad", bad, None).await), "HttpConfiguration.BaseUrl");
    }

    let result = mt
        .create_source_location()
        .source_location_name("bad-segments")
        .http_configuration(HttpConfiguration::builder().base_url("https://example.com/").build().unwrap())
        .default_segment_delivery_configuration(DefaultSegmentDeliveryConfiguration::builder().base_url("cdn").build())
        .send()
        .await;
    assert_invalid(&failure("CreateSourceLocation", result), "DefaultSegmentDeliveryConfiguration.BaseUrl");

    for kind in ["BOGUS", "AUTODETECT_SIGV4"] {
        let access = AccessConfiguration::builder().access_type(AccessType::from(kind)).build();
        let result = create("bad-access", "https://example.com/", Some(access)).await;
        assert_invalid(&failure("CreateSourceLocation", result), "AccessConfiguration.AccessType");
    }
    let token_only = AccessConfiguration::builder().access_type(AccessType::SecretsManagerAccessToken).build();
    let result = create("token", "https://example.com/", Some(token_only)).await;
    assert_invalid(&failure("CreateSourceLocation", result), "SecretsManagerAccessTokenConfiguration");
    let partial = AccessConfiguration::builder()
        .access_type(AccessType::SecretsManagerAccessToken)
        .secrets_manager_access_token_configuration(
            SecretsManagerAccessTokenConfiguration::builder().header_name("x-token").secret_string_key("token").build(),
        )
        .build();
    let result = create("token", "https://example.com/", Some(partial)).await;
    assert_invalid(&failure("CreateSourceLocation", result), "SecretArn");

    let full = AccessConfiguration::builder()
        .access_type(AccessType::SecretsManagerAccessToken)
        .secrets_manager_access_token_configuration(
            SecretsManagerAccessTokenConfiguration::builder()
                .header_name("x-token")
                .secret_arn("arn:aws:secretsmanager:us-east-1:123456789012:secret:origin")
                .secret_string_key("token")
                .build(),
        )
        .build();
    let created = create("token", "https://example.com/", Some(full.clone())).await.unwrap();
    assert_eq!(created.access_configuration(), Some(&full));
    assert_eq!(created.arn(), Some(arn("sourceLocation/token").as_str()));
    let s3 = AccessConfiguration::builder().access_type(AccessType::S3Sigv4).build();
    create("sigv4", "https://bucket.s3.us-east-1.amazonaws.com/", Some(s3.clone())).await.unwrap();

    let described = mt.describe_source_location().source_location_name("token").send().await.unwrap();
    assert_eq!(described.access_configuration(), Some(&full));
    assert_eq!(described.http_configuration().map(|h| h.base_url()), Some("https://example.com/"));

    assert_conflict(&failure("CreateSourceLocation", create("token", "https://example.com/", None).await));

    let updated = mt
        .update_source_location()
        .source_location_name("token")
        .http_configuration(HttpConfiguration::builder().base_url("https://other.example.com/").build().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(updated.http_configuration().map(|h| h.base_url()), Some("https://other.example.com/"));
    let result = mt
        .update_source_location()
        .source_location_name("token")
        .http_configuration(HttpConfiguration::builder().base_url("ftp://x/").build().unwrap())
        .send()
        .await;
    assert_invalid(&failure("UpdateSourceLocation", result), "HttpConfiguration.BaseUrl");

    assert_not_found(&failure(
        "DescribeSourceLocation",
        mt.describe_source_location().source_location_name("nope").send().await,
    ));
    assert_not_found(&failure(
        "DeleteSourceLocation",
        mt.delete_source_location().source_location_name("nope").send().await,
    ));
}

#[tokio::test]
async fn vod_source_packages_update_and_deletion_rules() {
    let (emulator, mt) = start().await;
    media_fixture(&emulator, &mt).await;

    let result = mt
        .create_vod_source()
        .source_location_name("media")
        .vod_source_name("cmaf")
        .http_package_configurations(package(BBB_HLS, "hls", Type::from("CMAF")))
        .send()
        .await;
    assert_invalid(&failure("CreateVodSource", result), "HttpPackageConfigurations[0].Type");

    let result = mt
        .create_vod_source()
        .source_location_name("media")
        .vod_source_name("dup-group")
        .http_package_configurations(hls(BBB_HLS))
        .http_package_configurations(package(BBB_DASH, "hls", Type::Dash))
        .send()
        .await;
    assert_invalid(&failure("CreateVodSource", result), "HttpPackageConfigurations[1].SourceGroup");

    let result = mt
        .create_vod_source()
        .source_location_name("no-such-location")
        .vod_source_name("movie")
        .http_package_configurations(hls(BBB_HLS))
        .send()
        .await;
    assert_not_found(&failure("CreateVodSource", result));

    create_vod(&mt, "media", "movie", vec![hls(BBB_HLS)]).await;
    let described =
        mt.describe_vod_source().source_location_name("media").vod_source_name("movie").send().await.unwrap();
    assert_eq!(described.arn(), Some(arn("vodSource/media/movie").as_str()));
    assert_eq!(described.http_package_configurations(), [hls(BBB_HLS)]);
    let result = mt
        .create_vod_source()
        .source_location_name("media")
        .vod_source_name("movie")
        .http_package_configurations(hls(BBB_HLS))
        .send()
        .await;
    assert_conflict(&failure("CreateVodSource", result));

    let dash = package(BBB_DASH, "dash", Type::Dash);
    let updated = mt
        .update_vod_source()
        .source_location_name("media")
        .vod_source_name("movie")
        .http_package_configurations(dash.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(updated.http_package_configurations(), std::slice::from_ref(&dash));
    let described =
        mt.describe_vod_source().source_location_name("media").vod_source_name("movie").send().await.unwrap();
    assert_eq!(described.http_package_configurations(), [dash]);
    let result = mt
        .update_vod_source()
        .source_location_name("media")
        .vod_source_name("movie")
        .http_package_configurations(package(BBB_HLS, "hls", Type::from("CMAF")))
        .send()
        .await;
    assert_invalid(&failure("UpdateVodSource", result), "HttpPackageConfigurations[0].Type");
    let result = mt
        .update_vod_source()
        .source_location_name("media")
        .vod_source_name("nope")
        .http_package_configurations(hls(BBB_HLS))
        .send()
        .await;
    assert_not_found(&failure("UpdateVodSource", result));

    // In use as content, and as a slate.
    create_channel(&mt, "ch").await;
    try_program(&mt, "ch", "feature", "media", "movie", after(None), vec![slate_break(6_006)]).await.unwrap();
    for vod in ["movie", "slate"] {
        let err = failure(
            "DeleteVodSource",
            mt.delete_vod_source().source_location_name("media").vod_source_name(vod).send().await,
        );
        assert_eq!(err.status, Some(400), "{err}");
        assert!(err.message.contains("feature"), "the message should name the program: {err}");
    }
    let err = failure("DeleteSourceLocation", mt.delete_source_location().source_location_name("media").send().await);
    assert_eq!(err.status, Some(400), "{err}");
    assert!(err.message.contains("VOD source"), "{err}");

    mt.delete_program().channel_name("ch").program_name("feature").send().await.unwrap();
    for vod in ["bbb", "movie", "sintel", "slate"] {
        mt.delete_vod_source().source_location_name("media").vod_source_name(vod).send().await.unwrap();
    }
    assert_not_found(&failure(
        "DescribeVodSource",
        mt.describe_vod_source().source_location_name("media").vod_source_name("movie").send().await,
    ));
    assert_not_found(&failure(
        "DeleteVodSource",
        mt.delete_vod_source().source_location_name("media").vod_source_name("movie").send().await,
    ));
    mt.delete_source_location().source_location_name("media").send().await.unwrap();
    assert_not_found(&failure(
        "DescribeSourceLocation",
        mt.describe_source_location().source_location_name("media").send().await,
    ));
    assert_not_found(&failure("ListVodSources", mt.list_vod_sources().source_location_name("media").send().await));
}

// ---- 5. pagination -------------------------------------------------------------------------

#[tokio::test]
async fn list_vod_sources_pages_tokens_and_the_paginator() {
    let (_emulator, mt) = start().await;
    create_location(&mt, "loc", "https://example.com/").await;
    let names: Vec<String> = (0..7).map(|i| format!("vod-{i}")).collect();
    // Created out of order: listing is by name.
    for name in names.iter().rev() {
        create_vod(&mt, "loc", name, vec![hls("index.m3u8")]).await;
    }

    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10 {
        let page = mt
            .list_vod_sources()
            .source_location_name("loc")
            .max_results(3)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        let items: Vec<String> = page.items().iter().map(|v| v.vod_source_name().to_owned()).collect();
        pages.push((items, page.next_token().map(str::to_owned)));
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    let sizes: Vec<usize> = pages.iter().map(|(items, _)| items.len()).collect();
    assert_eq!(sizes, [3, 3, 1]);
    assert!(pages[0].1.is_some() && pages[1].1.is_some() && pages[2].1.is_none());
    let flat: Vec<String> = pages.into_iter().flat_map(|(items, _)| items).collect();
    assert_eq!(flat, names);

    let all: Vec<String> = mt
        .list_vod_sources()
        .source_location_name("loc")
        .max_results(3)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.vod_source_name().to_owned())
        .collect();
    assert_eq!(all, names);

    // Items added between pages neither repeat nor hide the existing ones.
    let first = mt.list_vod_sources().source_location_name("loc").max_results(3).send().await.unwrap();
    let mut seen: Vec<String> = first.items().iter().map(|v| v.vod_source_name().to_owned()).collect();
    create_vod(&mt, "loc", "vod-0a", vec![hls("index.m3u8")]).await;
    create_vod(&mt, "loc", "vod-4a", vec![hls("index.m3u8")]).await;
    let mut token = first.next_token().map(str::to_owned);
    for _ in 0..10 {
        let Some(current) = token.take() else { break };
        let page =
            mt.list_vod_sources().source_location_name("loc").max_results(3).next_token(current).send().await.unwrap();
        seen.extend(page.items().iter().map(|v| v.vod_source_name().to_owned()));
        token = page.next_token().map(str::to_owned);
    }
    for name in &names {
        assert_eq!(seen.iter().filter(|s| *s == name).count(), 1, "{name} in {seen:?}");
    }
    assert!(seen.contains(&"vod-4a".to_owned()), "an item added after the cursor is listed: {seen:?}");

    for bad in [0, 101] {
        let result = mt.list_vod_sources().source_location_name("loc").max_results(bad).send().await;
        assert_invalid(&failure("ListVodSources", result), "MaxResults");
    }
    let result = mt.list_vod_sources().source_location_name("loc").next_token("not-a-token").send().await;
    assert_invalid(&failure("ListVodSources", result), "NextToken");
}

#[tokio::test]
async fn list_channels_and_source_locations_across_pages() {
    let (_emulator, mt) = start().await;
    for i in 0..5 {
        create_channel(&mt, &format!("ch-{i}")).await;
        create_location(&mt, &format!("loc-{i}"), "https://example.com/").await;
    }

    let mut sizes = Vec::new();
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10 {
        let page = mt.list_channels().max_results(2).set_next_token(token.clone()).send().await.unwrap();
        sizes.push(page.items().len());
        names.extend(page.items().iter().map(|c| c.channel_name().to_owned()));
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(sizes, [2, 2, 1]);
    assert_eq!(names, ["ch-0", "ch-1", "ch-2", "ch-3", "ch-4"]);
    let all: Vec<String> = mt
        .list_channels()
        .max_results(2)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.channel_name().to_owned())
        .collect();
    assert_eq!(all, names);

    let mut sizes = Vec::new();
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10 {
        let page = mt.list_source_locations().max_results(2).set_next_token(token.clone()).send().await.unwrap();
        sizes.push(page.items().len());
        names.extend(page.items().iter().map(|l| l.source_location_name().to_owned()));
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(sizes, [2, 2, 1]);
    assert_eq!(names, ["loc-0", "loc-1", "loc-2", "loc-3", "loc-4"]);

    assert_invalid(&failure("ListChannels", mt.list_channels().max_results(101).send().await), "MaxResults");
    assert_invalid(
        &failure("ListSourceLocations", mt.list_source_locations().max_results(0).send().await),
        "MaxResults",
    );
    assert_invalid(&failure("ListChannels", mt.list_channels().next_token("zz").send().await), "NextToken");
}

async fn put_minimal_playback_configurations(mt: &Client, count: usize) -> Vec<String> {
    let mut names = Vec::new();
    for i in 0..count {
        let name = format!("pc-{i:02}");
        mt.put_playback_configuration()
            .name(&name)
            .video_content_source_url("https://origin.example.com/hls/")
            .ad_decision_server_url("https://ads.example.com/vast")
            .send()
            .await
            .unwrap();
        names.push(name);
    }
    names
}

#[tokio::test]
async fn list_playback_configurations_default_page_is_50() {
    let (_emulator, mt) = start().await;
    let names = put_minimal_playback_configurations(&mt, 51).await;
    let first = mt.list_playback_configurations().send().await.unwrap();
    assert_eq!(first.items().len(), 50);
    assert!(first.next_token().is_some());
    let listed: Vec<&str> = first.items().iter().filter_map(|c| c.name()).collect();
    assert_eq!(listed, names[..50].iter().map(String::as_str).collect::<Vec<_>>());
}

#[tokio::test]
async fn list_playback_configurations_honours_max_results_and_next_token() {
    let (_emulator, mt) = start().await;
    let names = put_minimal_playback_configurations(&mt, 51).await;

    let first = mt.list_playback_configurations().send().await.unwrap();
    let token = first.next_token().expect("a token after 50 of 51").to_owned();
    let second = mt.list_playback_configurations().next_token(token).send().await.unwrap();
    let listed: Vec<&str> = second.items().iter().filter_map(|c| c.name()).collect();
    assert_eq!(listed, ["pc-50"]);
    assert!(second.next_token().is_none());

    let small = mt.list_playback_configurations().max_results(10).send().await.unwrap();
    assert_eq!(small.items().len(), 10);
    assert!(small.next_token().is_some());

    let all: Vec<String> = mt
        .list_playback_configurations()
        .max_results(20)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|c| c.name().map(str::to_owned))
        .collect();
    assert_eq!(all, names);

    let result = mt.list_playback_configurations().max_results(101).send().await;
    assert_invalid(&failure("ListPlaybackConfigurations", result), "MaxResults");
}

// ---- 6. schedule ---------------------------------------------------------------------------

#[tokio::test]
async fn channel_schedule_order_durations_start_times_and_ad_breaks() {
    let (emulator, mt) = start().await;
    media_fixture(&emulator, &mt).await;
    create_channel(&mt, "sched").await;

    // p1 first, then p2 after it, then p0 before it: the play order is p0, p1, p2.
    try_program(&mt, "sched", "p1", "media", "bbb", after(None), vec![slate_break(60_060), slate_break(12_012)])
        .await
        .unwrap();
    try_program(&mt, "sched", "p2", "media", "slate", after(Some("p1")), vec![]).await.unwrap();
    try_program(&mt, "sched", "p0", "media", "sintel", before("p1"), vec![slate_break(20_000)]).await.unwrap();

    let requested_at = now_secs();
    let schedule = mt.get_channel_schedule().channel_name("sched").send().await.unwrap();
    let items = schedule.items();
    let names: Vec<&str> = items.iter().map(|e| e.program_name()).collect();
    assert_eq!(names, ["p0", "p1", "p2"]);
    assert!(schedule.next_token().is_none());

    // Exact content + slate durations, and the whole seconds MediaTailor reports.
    let exact = [SINTEL_SECONDS + SLATE_SECONDS, BBB_SECONDS + 2.0 * SLATE_SECONDS, SLATE_SECONDS];
    let durations: Vec<Option<i64>> = items.iter().map(|e| e.approximate_duration_seconds()).collect();
    assert_eq!(durations, exact.map(|s| Some(s.ceil() as i64)));
    assert_eq!(durations, [Some(70), Some(179), Some(30)]);

    let starts: Vec<f64> =
        items.iter().map(|e| e.approximate_start_time().expect("start time").as_secs_f64()).collect();
    assert!((starts[0] - requested_at).abs() < 5.0, "a stopped channel's schedule starts now: {starts:?}");
    for i in 1..starts.len() {
        let gap = starts[i] - starts[i - 1];
        assert!((gap - exact[i - 1]).abs() < 1.0, "start {i} is {gap} s after the previous, expected {}", exact[i - 1]);
    }
    for (entry, vod) in items.iter().zip(["sintel", "bbb", "slate"]) {
        assert_eq!(entry.arn(), arn(&format!("program/sched/{}", entry.program_name())));
        assert_eq!(entry.channel_name(), "sched");
        assert_eq!(entry.source_location_name(), "media");
        assert_eq!(entry.vod_source_name(), Some(vod));
    }

    // Ad breaks: program start + offset, plus the slates played before them.
    let breaks = |i: usize| -> Vec<(f64, Option<i64>)> {
        items[i]
            .schedule_ad_breaks()
            .iter()
            .map(|b| (b.approximate_start_time().unwrap().as_secs_f64() - starts[i], b.approximate_duration_seconds()))
            .collect()
    };
    let p0 = breaks(0);
    assert_eq!(p0.len(), 1);
    assert!((p0[0].0 - 20.0).abs() < 0.01, "{p0:?}");
    assert_eq!(p0[0].1, Some(30));
    let p1 = breaks(1);
    assert_eq!(p1.len(), 2, "{p1:?}");
    assert!((p1[0].0 - 12.012).abs() < 0.01, "{p1:?}");
    assert!((p1[1].0 - (60.060 + SLATE_SECONDS)).abs() < 0.01, "{p1:?}");
    assert!(p1.iter().all(|b| b.1 == Some(30)));
    for ad_break in items[1].schedule_ad_breaks() {
        assert_eq!(ad_break.source_location_name(), Some("media"));
        assert_eq!(ad_break.vod_source_name(), Some("slate"));
    }
    assert!(items[2].schedule_ad_breaks().is_empty());

    // DurationMinutes keeps the entries that start within the window.
    for (minutes, expected) in [("1", vec!["p0"]), ("2", vec!["p0", "p1"]), ("10", vec!["p0", "p1", "p2"])] {
        let limited = mt.get_channel_schedule().channel_name("sched").duration_minutes(minutes).send().await.unwrap();
        let names: Vec<&str> = limited.items().iter().map(|e| e.program_name()).collect();
        assert_eq!(names, expected, "DurationMinutes {minutes}");
    }

    // Pages of one.
    let mut paged = Vec::new();
    let mut tokens = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10 {
        let page = mt
            .get_channel_schedule()
            .channel_name("sched")
            .max_results(1)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(page.items().len(), 1);
        paged.push(page.items()[0].program_name().to_owned());
        token = page.next_token().map(str::to_owned);
        tokens.push(token.is_some());
        if token.is_none() {
            break;
        }
    }
    assert_eq!(paged, ["p0", "p1", "p2"]);
    assert_eq!(tokens, [true, true, false]);
    let all: Vec<String> = mt
        .get_channel_schedule()
        .channel_name("sched")
        .max_results(2)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.program_name().to_owned())
        .collect();
    assert_eq!(all, ["p0", "p1", "p2"]);

    // While running, the schedule is anchored at the start of the current loop.
    let before_start = now_secs();
    mt.start_channel().channel_name("sched").send().await.unwrap();
    let running = mt.get_channel_schedule().channel_name("sched").send().await.unwrap();
    let first = running.items()[0].approximate_start_time().unwrap().as_secs_f64();
    assert!(first >= before_start - 1.0 && first <= now_secs() + 1.0, "{first}");

    assert_not_found(&failure("GetChannelSchedule", mt.get_channel_schedule().channel_name("nope").send().await));
    let result = mt.get_channel_schedule().channel_name("sched").max_results(0).send().await;
    assert_invalid(&failure("GetChannelSchedule", result), "MaxResults");
    let result = mt.get_channel_schedule().channel_name("sched").duration_minutes("soon").send().await;
    assert_invalid(&failure("GetChannelSchedule", result), "DurationMinutes");
}

#[tokio::test]
async fn a_vod_source_on_a_remote_origin_gets_the_default_duration() {
    let (emulator, mt) = start().await;
    media_fixture(&emulator, &mt).await;
    create_location(&mt, "remote", "https://example.com/").await;
    create_vod(&mt, "remote", "movie", vec![hls("movie/index.m3u8")]).await;
    create_channel(&mt, "ch").await;
    try_program(&mt, "ch", "remote-movie", "remote", "movie", after(None), vec![]).await.unwrap();
    try_program(&mt, "ch", "local-movie", "media", "sintel", after(None), vec![]).await.unwrap();
    // The S3 virtual-hosted URL of the sample bucket, and the README's BaseUrl without a trailing
    // slash, also read the media folder.
    create_location(&mt, "s3", "https://tailorflow-media.s3.us-east-1.amazonaws.com/").await;
    create_vod(&mt, "s3", "slate", vec![hls(SLATE_HLS)]).await;
    try_program(&mt, "ch", "s3-slate", "s3", "slate", after(None), vec![]).await.unwrap();
    create_location(&mt, "bare", &format!("{}/origin/tailorflow-media", emulator.base_url())).await;
    create_vod(&mt, "bare", "bbb", vec![hls(BBB_HLS)]).await;
    try_program(&mt, "ch", "bare-bbb", "bare", "bbb", after(None), vec![]).await.unwrap();

    let schedule = mt.get_channel_schedule().channel_name("ch").send().await.unwrap();
    let items = schedule.items();
    assert_eq!(items.len(), 4);
    assert_eq!(items[0].approximate_duration_seconds(), Some(DEFAULT_REMOTE_SECONDS));
    assert_eq!(items[1].approximate_duration_seconds(), Some(SINTEL_SECONDS as i64));
    assert_eq!(items[2].approximate_duration_seconds(), Some(SLATE_SECONDS as i64));
    assert_eq!(items[3].approximate_duration_seconds(), Some(BBB_SECONDS.ceil() as i64));
    let gap = items[1].approximate_start_time().unwrap().as_secs_f64()
        - items[0].approximate_start_time().unwrap().as_secs_f64();
    assert!((gap - DEFAULT_REMOTE_SECONDS as f64).abs() < 1.0, "{gap}");
}

#[tokio::test]
async fn schedule_durations_come_from_the_package_of_the_channel_source_group() {
    let (emulator, mt) = start().await;
    media_fixture(&emulator, &mt).await;
    let dash = DashPlaylistSettings::builder().build();
    try_channel(&mt, "dash-ch", vec![dash_output("index", "dash", dash)]).await.unwrap();
    try_program(&mt, "dash-ch", "movie", "media", "bbb", after(None), vec![]).await.unwrap();
    let schedule = mt.get_channel_schedule().channel_name("dash-ch").send().await.unwrap();
    assert_eq!(schedule.items()[0].approximate_duration_seconds(), Some(BBB_SECONDS.ceil() as i64));
}

// ---- 7. alerts -----------------------------------------------------------------------------

async fn alert_codes(mt: &Client, resource_arn: &str) -> BTreeSet<String> {
    let alerts = mt.list_alerts().resource_arn(resource_arn).send().await.unwrap();
    alerts.items().iter().map(|a| a.alert_code().to_owned()).collect()
}

#[tokio::test]
async fn alerts_from_the_media_folder_injected_alerts_and_pagination() {
    let (emulator, mt) = start().await;
    media_fixture(&emulator, &mt).await;
    create_vod(&mt, "media", "broken", vec![hls(BROKEN_HLS)]).await;
    create_vod(&mt, "media", "unparsable", vec![hls(UNPARSABLE_HLS)]).await;
    create_vod(&mt, "media", "missing", vec![hls("packages/no-such-package/hls/index.m3u8")]).await;
    let location_arn = arn("sourceLocation/media");
    let broken_arn = arn("vodSource/media/broken");

    let broken = mt.list_alerts().resource_arn(&broken_arn).send().await.unwrap();
    let codes: BTreeSet<&str> = broken.items().iter().map(|a| a.alert_code()).collect();
    assert_eq!(
        codes,
        BTreeSet::from(["SEGMENT_DURATION_TOO_LONG", "TARGET_DURATION_MISMATCH", "VARIANT_DURATION_MISMATCH"])
    );
    for alert in broken.items() {
        assert_eq!(alert.resource_arn(), broken_arn);
        assert!(!alert.alert_message().is_empty());
        assert!(alert.related_resource_arns().contains(&location_arn), "{alert:?}");
    }
    assert_eq!(
        alert_codes(&mt, &arn("vodSource/media/unparsable")).await,
        BTreeSet::from(["UNPARSABLE_MANIFEST".into()])
    );
    assert_eq!(alert_codes(&mt, &arn("vodSource/media/missing")).await, BTreeSet::from(["UNREACHABLE".into()]));
    for healthy in ["bbb", "sintel", "slate"] {
        assert!(alert_codes(&mt, &arn(&format!("vodSource/media/{healthy}"))).await.is_empty(), "{healthy}");
    }

    // The source location answers its VOD sources' alerts.
    let location_alerts = mt.list_alerts().resource_arn(&location_arn).send().await.unwrap();
    let by_resource: BTreeSet<(String, String)> =
        location_alerts.items().iter().map(|a| (a.resource_arn().to_owned(), a.alert_code().to_owned())).collect();
    let expected: BTreeSet<(String, String)> = [
        ("broken", "SEGMENT_DURATION_TOO_LONG"),
        ("broken", "TARGET_DURATION_MISMATCH"),
        ("broken", "VARIANT_DURATION_MISMATCH"),
        ("missing", "UNREACHABLE"),
        ("unparsable", "UNPARSABLE_MANIFEST"),
    ]
    .into_iter()
    .map(|(vod, code)| (arn(&format!("vodSource/media/{vod}")), code.to_owned()))
    .collect();
    assert_eq!(by_resource, expected);

    // A program on the broken source raises VOD_SOURCE_ALERT on its channel.
    create_channel(&mt, "ch").await;
    try_program(&mt, "ch", "bad", "media", "broken", after(None), vec![]).await.unwrap();
    try_program(&mt, "ch", "good", "media", "bbb", after(None), vec![]).await.unwrap();
    let channel_arn = arn("channel/ch");
    let first = mt.list_alerts().resource_arn(&channel_arn).send().await.unwrap();
    assert!(!first.items().is_empty());
    assert!(first.items().iter().all(|a| a.alert_code() == "VOD_SOURCE_ALERT"), "{:?}", first.items());
    assert!(first.items().iter().any(|a| a.related_resource_arns().contains(&broken_arn)), "{:?}", first.items());

    // LastModifiedTime is when the alert was first seen, not when it was polled.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let second = mt.list_alerts().resource_arn(&channel_arn).send().await.unwrap();
    assert_eq!(first.items(), second.items());
    let again = mt.list_alerts().resource_arn(&broken_arn).send().await.unwrap();
    assert_eq!(broken.items(), again.items());

    // An alert added through the test API.
    let injected = json!({
        "ResourceArn": channel_arn,
        "AlertCode": "NOT_PROCESSED",
        "AlertMessage": "injected by the test",
        "RelatedResourceArns": [arn("program/ch/good")],
    });
    let response = raw(&emulator, "POST", "/_local/alerts", &injected.to_string(), false).await;
    assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.body));
    let with_injected = mt.list_alerts().resource_arn(&channel_arn).send().await.unwrap();
    let added: Vec<_> = with_injected.items().iter().filter(|a| a.alert_code() == "NOT_PROCESSED").collect();
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].alert_message(), "injected by the test");
    assert_eq!(added[0].resource_arn(), channel_arn);
    assert_eq!(added[0].related_resource_arns(), [arn("program/ch/good")]);
    assert_eq!(with_injected.items().len(), first.items().len() + 1);

    // The program itself, and a source location alert seen from its programs.
    assert_eq!(alert_codes(&mt, &arn("program/ch/bad")).await, BTreeSet::from(["VOD_SOURCE_ALERT".into()]));
    assert!(alert_codes(&mt, &arn("program/ch/good")).await.is_empty());
    let on_location = json!([{
        "ResourceArn": location_arn,
        "AlertCode": "NOT_PROCESSED",
        "AlertMessage": "source location not processed",
    }]);
    let response = raw(&emulator, "POST", "/_local/alerts", &on_location.to_string(), false).await;
    assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.body));
    assert!(alert_codes(&mt, &location_arn).await.contains("NOT_PROCESSED"));
    assert_eq!(alert_codes(&mt, &arn("program/ch/good")).await, BTreeSet::from(["SOURCE_LOCATION_ALERT".into()]));
    let response = raw(
        &emulator,
        "DELETE",
        &format!("/_local/alerts?resourceArn={}", encode_path_segment(&location_arn)),
        "",
        false,
    )
    .await;
    assert_eq!(response.status, 200);
    assert!(alert_codes(&mt, &arn("program/ch/good")).await.is_empty());

    for missing in [arn("channel/nope"), arn("vodSource/media/nope"), arn("sourceLocation/nope"), "not-an-arn".into()] {
        assert_not_found(&failure("ListAlerts", mt.list_alerts().resource_arn(&missing).send().await));
    }

    // Pages of two over the source location's five alerts.
    let full: Vec<_> = location_alerts.items().to_vec();
    let mut paged = Vec::new();
    let mut sizes = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10 {
        let page = mt
            .list_alerts()
            .resource_arn(&location_arn)
            .max_results(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        sizes.push(page.items().len());
        paged.extend(page.items().iter().cloned());
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(sizes, [2, 2, 1]);
    assert_eq!(paged, full);
    let all = mt
        .list_alerts()
        .resource_arn(&location_arn)
        .max_results(3)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all, full);
    let result = mt.list_alerts().resource_arn(&location_arn).max_results(101).send().await;
    assert_invalid(&failure("ListAlerts", result), "MaxResults");
}

// ---- 8. playback configurations ------------------------------------------------------------

fn full_playback_configuration(mt: &Client, name: &str) -> PutPlaybackConfigurationFluentBuilder {
    mt.put_playback_configuration()
        .name(name)
        .ad_decision_server_url("https://ads.example.com/vast?sid=[session.id]")
        .video_content_source_url("https://origin.example.com/hls/")
        .slate_ad_url("https://cdn.example.com/slate.mp4")
        .avail_suppression(AvailSuppression::builder().mode(Mode::BehindLiveEdge).value("00:45:00").build())
        .bumper(
            Bumper::builder()
                .start_url("https://cdn.example.com/start.mp4")
                .end_url("https://cdn.example.com/end.mp4")
                .build(),
        )
        .cdn_configuration(
            CdnConfiguration::builder()
                .ad_segment_url_prefix("https://ads.cdn.example.com")
                .content_segment_url_prefix("https://cdn.example.com")
                .build(),
        )
        .configuration_aliases(
            "player_params.origin_domain",
            HashMap::from([("pdx".to_owned(), "abc.example.com".to_owned())]),
        )
        .dash_configuration(
            DashConfigurationForPut::builder()
                .mpd_location("EMT_DEFAULT")
                .origin_manifest_type(OriginManifestType::MultiPeriod)
                .build(),
        )
        .live_pre_roll_configuration(
            LivePreRollConfiguration::builder()
                .ad_decision_server_url("https://ads.example.com/pre")
                .max_duration_seconds(30)
                .build(),
        )
        .manifest_processing_rules(
            ManifestProcessingRules::builder()
                .ad_marker_passthrough(AdMarkerPassthrough::builder().enabled(true).build())
                .build(),
        )
        .personalization_threshold_seconds(2)
        .transcode_profile_name("profile-a")
        .tags("team", "video")
}

#[tokio::test]
async fn playback_configuration_put_get_list_delete() {
    let (emulator, mt) = start().await;
    let base = emulator.base_url().to_owned();

    let put = full_playback_configuration(&mt, "pc-full").send().await.unwrap();
    let pc_arn = arn("playbackConfiguration/pc-full");
    assert_eq!(put.playback_configuration_arn(), Some(pc_arn.as_str()));
    assert_eq!(put.name(), Some("pc-full"));
    let hls_prefix = put.hls_configuration().and_then(|h| h.manifest_endpoint_prefix()).expect("HLS prefix");
    assert!(hls_prefix.starts_with(&base), "{hls_prefix}");
    let session_prefix = put.session_initialization_endpoint_prefix().expect("session prefix");
    assert!(session_prefix.starts_with(&base), "{session_prefix}");
    assert!(put.playback_endpoint_prefix().is_some_and(|p| p.starts_with(&base)));
    let dash_prefix = put.dash_configuration().and_then(|d| d.manifest_endpoint_prefix()).expect("DASH prefix");
    assert!(dash_prefix.starts_with(&base), "{dash_prefix}");

    let got = mt.get_playback_configuration().name("pc-full").send().await.unwrap();
    assert_eq!(got.playback_configuration_arn(), Some(pc_arn.as_str()));
    assert_eq!(got.ad_decision_server_url(), Some("https://ads.example.com/vast?sid=[session.id]"));
    assert_eq!(got.video_content_source_url(), Some("https://origin.example.com/hls/"));
    assert_eq!(got.slate_ad_url(), Some("https://cdn.example.com/slate.mp4"));
    assert_eq!(got.avail_suppression().and_then(|a| a.value()), Some("00:45:00"));
    assert_eq!(got.avail_suppression().and_then(|a| a.mode()), Some(&Mode::BehindLiveEdge));
    assert_eq!(got.bumper().and_then(|b| b.start_url()), Some("https://cdn.example.com/start.mp4"));
    assert_eq!(got.cdn_configuration().and_then(|c| c.content_segment_url_prefix()), Some("https://cdn.example.com"));
    assert_eq!(
        got.configuration_aliases().and_then(|a| a.get("player_params.origin_domain")).and_then(|m| m.get("pdx")),
        Some(&"abc.example.com".to_owned())
    );
    assert_eq!(got.dash_configuration().and_then(|d| d.mpd_location()), Some("EMT_DEFAULT"));
    assert_eq!(got.dash_configuration().and_then(|d| d.origin_manifest_type()), Some(&OriginManifestType::MultiPeriod));
    assert_eq!(got.live_pre_roll_configuration().and_then(|l| l.max_duration_seconds()), Some(30));
    assert_eq!(
        got.manifest_processing_rules().and_then(|m| m.ad_marker_passthrough()).map(|a| a.enabled()),
        Some(true)
    );
    assert_eq!(got.personalization_threshold_seconds(), Some(2));
    assert_eq!(got.transcode_profile_name(), Some("profile-a"));
    assert_eq!(got.tags(), Some(&HashMap::from([("team".to_owned(), "video".to_owned())])));
    assert_eq!(got.hls_configuration().and_then(|h| h.manifest_endpoint_prefix()), Some(hls_prefix));
    assert_eq!(got.session_initialization_endpoint_prefix(), Some(session_prefix));

    mt.put_playback_configuration()
        .name("pc-minimal")
        .video_content_source_url("https://origin.example.com/")
        .send()
        .await
        .unwrap();
    let listed = mt.list_playback_configurations().send().await.unwrap();
    let names: Vec<&str> = listed.items().iter().filter_map(|c| c.name()).collect();
    assert_eq!(names, ["pc-full", "pc-minimal"]);
    assert_eq!(listed.items()[0].playback_configuration_arn(), Some(pc_arn.as_str()));

    // Put again replaces the configuration.
    mt.put_playback_configuration()
        .name("pc-full")
        .video_content_source_url("https://other.example.com/")
        .send()
        .await
        .unwrap();
    let got = mt.get_playback_configuration().name("pc-full").send().await.unwrap();
    assert_eq!(got.video_content_source_url(), Some("https://other.example.com/"));
    assert_eq!(got.ad_decision_server_url(), None);

    mt.delete_playback_configuration().name("pc-full").send().await.unwrap();
    assert_not_found(&failure(
        "GetPlaybackConfiguration",
        mt.get_playback_configuration().name("pc-full").send().await,
    ));
    assert_not_found(&failure(
        "DeletePlaybackConfiguration",
        mt.delete_playback_configuration().name("pc-full").send().await,
    ));
    let listed = mt.list_playback_configurations().send().await.unwrap();
    assert_eq!(listed.items().len(), 1);
}

#[tokio::test]
async fn playback_configuration_validation() {
    let (_emulator, mt) = start().await;
    let pc = |name: &str| mt.put_playback_configuration().name(name);

    let ads_base = "https://ads.example.com/vast?q=";
    let ads_at = format!("{ads_base}{}", "a".repeat(25_000 - ads_base.len()));
    let put = pc("ads-at").ad_decision_server_url(&ads_at).send().await.unwrap();
    assert_eq!(put.ad_decision_server_url().map(str::len), Some(25_000));
    let result = pc("ads-past").ad_decision_server_url(format!("{ads_at}a")).send().await;
    assert_invalid(&failure("PutPlaybackConfiguration", result), "AdDecisionServerUrl");

    let origin_base = "https://origin.example.com/";
    let origin_at = format!("{origin_base}{}", "o".repeat(512 - origin_base.len()));
    pc("origin-at").video_content_source_url(&origin_at).send().await.unwrap();
    let result = pc("origin-past").video_content_source_url(format!("{origin_at}o")).send().await;
    assert_invalid(&failure("PutPlaybackConfiguration", result), "VideoContentSourceUrl");

    pc("suppression-ok")
        .avail_suppression(AvailSuppression::builder().mode(Mode::BehindLiveEdge).value("00:45:00").build())
        .send()
        .await
        .unwrap();
    let result = pc("suppression-value")
        .avail_suppression(AvailSuppression::builder().mode(Mode::BehindLiveEdge).value("45:00").build())
        .send()
        .await;
    assert_invalid(&failure("PutPlaybackConfiguration", result), "AvailSuppression.Value");
    let result = pc("suppression-mode")
        .avail_suppression(AvailSuppression::builder().mode(Mode::from("ON")).build())
        .send()
        .await;
    assert_invalid(&failure("PutPlaybackConfiguration", result), "AvailSuppression.Mode");

    let result =
        pc("mpd").dash_configuration(DashConfigurationForPut::builder().mpd_location("ON").build()).send().await;
    assert_invalid(&failure("PutPlaybackConfiguration", result), "DashConfiguration.MpdLocation");
    let result = pc("manifest-type")
        .dash_configuration(
            DashConfigurationForPut::builder().origin_manifest_type(OriginManifestType::from("ONE")).build(),
        )
        .send()
        .await;
    assert_invalid(&failure("PutPlaybackConfiguration", result), "DashConfiguration.OriginManifestType");

    let result = pc("threshold").personalization_threshold_seconds(0).send().await;
    assert_invalid(&failure("PutPlaybackConfiguration", result), "PersonalizationThresholdSeconds");
    pc("threshold").personalization_threshold_seconds(1).send().await.unwrap();

    // The service model sets no pattern or length on Name; only a '/' (the ARN separator) is refused.
    let result = pc("bad/name").send().await;
    assert_invalid(&failure("PutPlaybackConfiguration", result), "Name");
    pc(&"p".repeat(64)).send().await.unwrap();
    pc(&"p".repeat(65)).send().await.unwrap();
    let result = pc("slate").slate_ad_url("slate.mp4").send().await;
    assert_invalid(&failure("PutPlaybackConfiguration", result), "SlateAdUrl");

    let names: BTreeSet<String> = mt
        .list_playback_configurations()
        .send()
        .await
        .unwrap()
        .items()
        .iter()
        .filter_map(|c| c.name().map(str::to_owned))
        .collect();
    let expected = ["ads-at", "origin-at", "suppression-ok", "threshold"].map(String::from);
    let long = ["p".repeat(64), "p".repeat(65)];
    assert_eq!(names, expected.into_iter().chain(long).collect::<BTreeSet<_>>());
}

// ---- 9. tags -------------------------------------------------------------------------------

async fn tags_of(mt: &Client, resource_arn: &str) -> BTreeMap<String, String> {
    let listed = mt.list_tags_for_resource().resource_arn(resource_arn).send().await.unwrap();
    listed.tags().cloned().unwrap_or_default().into_iter().collect()
}

fn tag_map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[tokio::test]
async fn tags_on_channels_source_locations_vod_sources_and_playback_configurations() {
    let (_emulator, mt) = start().await;
    let created = mt
        .create_channel()
        .channel_name("tagged")
        .outputs(hls_output("index", "hls", None))
        .playback_mode(PlaybackMode::Loop)
        .tags("stage", "test")
        .send()
        .await
        .unwrap();
    assert_eq!(created.tags().map(|t| t.len()), Some(1));
    mt.create_source_location()
        .source_location_name("tagged")
        .http_configuration(HttpConfiguration::builder().base_url("https://example.com/").build().unwrap())
        .tags("stage", "test")
        .send()
        .await
        .unwrap();
    mt.create_vod_source()
        .source_location_name("tagged")
        .vod_source_name("tagged")
        .http_package_configurations(hls("index.m3u8"))
        .tags("stage", "test")
        .send()
        .await
        .unwrap();
    mt.put_playback_configuration()
        .name("tagged")
        .video_content_source_url("https://example.com/")
        .tags("stage", "test")
        .send()
        .await
        .unwrap();

    let stage = HashMap::from([("stage".to_owned(), "test".to_owned())]);
    let channel = mt.describe_channel().channel_name("tagged").send().await.unwrap();
    assert_eq!(channel.tags(), Some(&stage));
    let location = mt.describe_source_location().source_location_name("tagged").send().await.unwrap();
    assert_eq!(location.tags(), Some(&stage));
    let vod = mt.describe_vod_source().source_location_name("tagged").vod_source_name("tagged").send().await.unwrap();
    assert_eq!(vod.tags(), Some(&stage));
    let pc = mt.get_playback_configuration().name("tagged").send().await.unwrap();
    assert_eq!(pc.tags(), Some(&stage));

    for resource in
        ["channel/tagged", "sourceLocation/tagged", "vodSource/tagged/tagged", "playbackConfiguration/tagged"]
    {
        let resource_arn = arn(resource);
        assert_eq!(tags_of(&mt, &resource_arn).await, tag_map(&[("stage", "test")]), "{resource}");
        mt.tag_resource().resource_arn(&resource_arn).tags("team", "video").tags("cost", "42").send().await.unwrap();
        assert_eq!(
            tags_of(&mt, &resource_arn).await,
            tag_map(&[("cost", "42"), ("stage", "test"), ("team", "video")]),
            "{resource}"
        );
        mt.tag_resource().resource_arn(&resource_arn).tags("team", "audio").send().await.unwrap();
        mt.untag_resource().resource_arn(&resource_arn).tag_keys("stage").tag_keys("cost").send().await.unwrap();
        assert_eq!(tags_of(&mt, &resource_arn).await, tag_map(&[("team", "audio")]), "{resource}");
    }
    let channel = mt.describe_channel().channel_name("tagged").send().await.unwrap();
    assert_eq!(channel.tags(), Some(&HashMap::from([("team".to_owned(), "audio".to_owned())])));

    for missing in ["channel/nope", "sourceLocation/nope", "vodSource/tagged/nope", "playbackConfiguration/nope"] {
        let resource_arn = arn(missing);
        let result = mt.tag_resource().resource_arn(&resource_arn).tags("a", "b").send().await;
        assert_not_found(&failure("TagResource", result));
        let result = mt.list_tags_for_resource().resource_arn(&resource_arn).send().await;
        assert_not_found(&failure("ListTagsForResource", result));
        let result = mt.untag_resource().resource_arn(&resource_arn).tag_keys("a").send().await;
        assert_not_found(&failure("UntagResource", result));
    }
    let result = mt.tag_resource().resource_arn(arn("channel/tagged")).tags("aws:reserved", "x").send().await;
    assert_invalid(&failure("TagResource", result), "Tags");
}

#[tokio::test]
async fn a_tag_resource_call_past_50_tags_changes_nothing() {
    let (_emulator, mt) = start().await;
    let mut create = mt
        .create_channel()
        .channel_name("many")
        .outputs(hls_output("index", "hls", None))
        .playback_mode(PlaybackMode::Loop);
    for i in 0..45 {
        create = create.tags(format!("key-{i:02}"), "v");
    }
    create.send().await.unwrap();
    let before = tags_of(&mt, &arn("channel/many")).await;
    assert_eq!(before.len(), 45);

    let mut tag = mt.tag_resource().resource_arn(arn("channel/many"));
    for i in 45..51 {
        tag = tag.tags(format!("key-{i:02}"), "v");
    }
    assert_invalid(&failure("TagResource", tag.send().await), "Tags");
    assert_eq!(tags_of(&mt, &arn("channel/many")).await, before, "a refused TagResource must not add tags");

    let mut tag = mt.tag_resource().resource_arn(arn("channel/many"));
    for i in 45..50 {
        tag = tag.tags(format!("key-{i:02}"), "v");
    }
    tag.send().await.unwrap();
    assert_eq!(tags_of(&mt, &arn("channel/many")).await.len(), 50);
}

// ---- 10. channel policy --------------------------------------------------------------------

#[tokio::test]
async fn channel_policy_put_get_delete() {
    let (_emulator, mt) = start().await;
    create_channel(&mt, "ch").await;
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": "*",
            "Action": "mediatailor:GetManifest",
            "Resource": arn("channel/ch"),
        }]
    })
    .to_string();

    assert_not_found(&failure("GetChannelPolicy", mt.get_channel_policy().channel_name("ch").send().await));
    mt.put_channel_policy().channel_name("ch").policy(&policy).send().await.unwrap();
    let got = mt.get_channel_policy().channel_name("ch").send().await.unwrap();
    assert_eq!(got.policy(), Some(policy.as_str()));

    for bad in ["not json", "[1, 2]"] {
        let result = mt.put_channel_policy().channel_name("ch").policy(bad).send().await;
        assert_invalid(&failure("PutChannelPolicy", result), "Policy");
    }
    assert_eq!(mt.get_channel_policy().channel_name("ch").send().await.unwrap().policy(), Some(policy.as_str()));

    mt.delete_channel_policy().channel_name("ch").send().await.unwrap();
    assert_not_found(&failure("GetChannelPolicy", mt.get_channel_policy().channel_name("ch").send().await));
    let result = mt.put_channel_policy().channel_name("nope").policy(&policy).send().await;
    assert_not_found(&failure("PutChannelPolicy", result));
}

// ---- 11. faults ----------------------------------------------------------------------------

#[tokio::test]
async fn throttling_is_retried_then_classified_throttled() {
    let (emulator, mt) = start().await;
    let attempts = 2;
    let client = client_with_attempts(&emulator, attempts).await;
    emulator
        .set_faults(FaultConfig { throttle_rate: 1.0, operations: vec!["ListChannels".into()], ..Default::default() })
        .unwrap();

    let err = failure("ListChannels", client.list_channels().send().await);
    assert!(err.is_throttled(), "{err}");
    assert_eq!(err.status, Some(429), "{err}");
    assert_eq!(err.code.as_deref(), Some("TooManyRequestsException"), "{err}");
    assert_eq!(emulator.call_counts().get("ListChannels"), Some(&u64::from(attempts)));

    // Other operations are untouched.
    mt.list_source_locations().send().await.unwrap();
    let response = raw(&emulator, "GET", "/_local/calls", "", false).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["ListChannels"], json!(attempts));
    assert_eq!(response.json()["ListSourceLocations"], json!(1));
}

#[tokio::test]
async fn server_errors_fail_after_and_latency() {
    let (emulator, _mt) = start().await;
    let client = client_with_attempts(&emulator, 2).await;

    emulator.set_faults(FaultConfig { error_rate: 1.0, ..Default::default() }).unwrap();
    let err = failure("ListChannels", client.list_channels().send().await);
    assert!(err.is_server_error(), "{err}");
    assert_eq!(err.status, Some(500), "{err}");
    assert_eq!(emulator.call_counts().get("ListChannels"), Some(&2));

    let once = client_with_attempts(&emulator, 1).await;
    emulator
        .set_faults(FaultConfig { fail_after: Some(2), operations: vec!["ListChannels".into()], ..Default::default() })
        .unwrap();
    once.list_channels().send().await.unwrap();
    once.list_channels().send().await.unwrap();
    let err = failure("ListChannels", once.list_channels().send().await);
    assert!(err.is_server_error(), "{err}");
    once.list_source_locations().send().await.unwrap();

    // The same through PUT /_local/faults.
    let response = raw(&emulator, "PUT", "/_local/faults", r#"{"latencyMs": 200}"#, false).await;
    assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.body));
    let started = Instant::now();
    once.list_channels().send().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(200), "{:?}", started.elapsed());

    emulator.set_faults(FaultConfig { latency_ms: 200, ..Default::default() }).unwrap();
    let started = Instant::now();
    once.list_source_locations().send().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(200), "{:?}", started.elapsed());

    assert!(emulator.set_faults(FaultConfig { throttle_rate: 1.5, ..Default::default() }).is_err());
}

// ---- 12. persistence -----------------------------------------------------------------------

#[tokio::test]
async fn state_survives_a_restart_and_a_corrupt_state_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("state.json");
    let options = EmulatorOptions { state_file: Some(state_file.clone()), ..Default::default() };
    let emulator = Emulator::start(options.clone()).await.unwrap();
    let addr = emulator.addr();
    let mt = Client::new(&emulator.sdk_config().await);

    mt.create_source_location()
        .source_location_name("media")
        .http_configuration(HttpConfiguration::builder().base_url(media_base_url(&emulator)).build().unwrap())
        .tags("kind", "location")
        .send()
        .await
        .unwrap();
    mt.create_vod_source()
        .source_location_name("media")
        .vod_source_name("sintel")
        .http_package_configurations(hls(SINTEL_HLS))
        .tags("kind", "vod")
        .send()
        .await
        .unwrap();
    mt.create_channel()
        .channel_name("ch")
        .outputs(hls_output("index", "hls", Some(60)))
        .playback_mode(PlaybackMode::Loop)
        .tags("kind", "channel")
        .send()
        .await
        .unwrap();
    try_program(&mt, "ch", "p1", "media", "sintel", after(None), vec![]).await.unwrap();
    mt.put_channel_policy()
        .channel_name("ch")
        .policy(r#"{"Version":"2012-10-17","Statement":[]}"#)
        .send()
        .await
        .unwrap();
    full_playback_configuration(&mt, "pc").send().await.unwrap();
    mt.tag_resource().resource_arn(arn("channel/ch")).tags("added", "later").send().await.unwrap();
    create_vod(&mt, "media", "broken", vec![hls(BROKEN_HLS)]).await;
    let alerts = mt.list_alerts().resource_arn(arn("vodSource/media/broken")).send().await.unwrap();
    assert_eq!(alerts.items().len(), 3);

    let channel = mt.describe_channel().channel_name("ch").send().await.unwrap();
    let location = mt.describe_source_location().source_location_name("media").send().await.unwrap();
    let vod = mt.describe_vod_source().source_location_name("media").vod_source_name("sintel").send().await.unwrap();
    let program = mt.describe_program().channel_name("ch").program_name("p1").send().await.unwrap();
    let pc = mt.get_playback_configuration().name("pc").send().await.unwrap();
    let policy = mt.get_channel_policy().channel_name("ch").send().await.unwrap();
    let channel_tags = tags_of(&mt, &arn("channel/ch")).await;
    assert_eq!(channel_tags, tag_map(&[("added", "later"), ("kind", "channel")]));
    drop(mt);
    emulator.stop().await;
    assert!(state_file.is_file());

    // Same port, so the generated URLs are comparable too.
    let emulator = Emulator::start(EmulatorOptions { addr, ..options.clone() }).await.unwrap();
    let mt = Client::new(&emulator.sdk_config().await);
    same(&mt.describe_channel().channel_name("ch").send().await.unwrap(), &channel);
    same(&mt.describe_source_location().source_location_name("media").send().await.unwrap(), &location);
    same(&mt.describe_vod_source().source_location_name("media").vod_source_name("sintel").send().await.unwrap(), &vod);
    same(&mt.describe_program().channel_name("ch").program_name("p1").send().await.unwrap(), &program);
    same(&mt.get_playback_configuration().name("pc").send().await.unwrap(), &pc);
    same(&mt.get_channel_policy().channel_name("ch").send().await.unwrap(), &policy);
    assert_eq!(tags_of(&mt, &arn("channel/ch")).await, channel_tags);
    assert_eq!(channel.arn(), Some(arn("channel/ch").as_str()));
    // An alert keeps the LastModifiedTime it was first seen with.
    let after_restart = mt.list_alerts().resource_arn(arn("vodSource/media/broken")).send().await.unwrap();
    assert_eq!(after_restart.items(), alerts.items());
    let schedule = mt.get_channel_schedule().channel_name("ch").send().await.unwrap();
    assert_eq!(schedule.items().len(), 1);
    assert_eq!(schedule.items()[0].approximate_duration_seconds(), Some(SINTEL_SECONDS as i64));
    drop(mt);
    emulator.stop().await;

    std::fs::write(&state_file, b"{not json").unwrap();
    match Emulator::start(options).await {
        Err(EmulatorError::State { path, reason }) => {
            assert_eq!(path, state_file);
            assert!(!reason.is_empty());
        }
        Err(other) => panic!("expected EmulatorError::State, got {other}"),
        Ok(_) => panic!("a corrupt state file must be refused"),
    }
}

#[tokio::test]
async fn channel_playback_urls_follow_the_emulator_after_a_restart_on_another_port() {
    let dir = tempfile::tempdir().unwrap();
    let options = EmulatorOptions { state_file: Some(dir.path().join("state.json")), ..Default::default() };
    let first = Emulator::start(options.clone()).await.unwrap();
    let mt = Client::new(&first.sdk_config().await);
    create_channel(&mt, "ch").await;
    drop(mt);
    // Started while the first still holds its port, so the second surely listens elsewhere.
    let second = Emulator::start(options).await.unwrap();
    assert_ne!(second.addr(), first.addr());
    first.stop().await;
    let mt = Client::new(&second.sdk_config().await);
    let described = mt.describe_channel().channel_name("ch").send().await.unwrap();
    assert_eq!(described.outputs()[0].playback_url(), format!("{}/v1/channel/ch/index.m3u8", second.base_url()));
    let listed = mt.list_channels().send().await.unwrap();
    assert_eq!(
        listed.items()[0].outputs()[0].playback_url(),
        format!("{}/v1/channel/ch/index.m3u8", second.base_url())
    );
}

#[tokio::test]
async fn a_change_that_cannot_be_persisted_is_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let state_dir = dir.path().join("state");
    let state_file = state_dir.join("state.json");
    let options = EmulatorOptions { state_file: Some(state_file.clone()), ..Default::default() };
    let emulator = Emulator::start(options).await.unwrap();
    let mt = client_with_attempts(&emulator, 1).await;
    create_channel(&mt, "kept").await;
    assert!(state_file.is_file());

    // The state file's folder becomes a plain file: nothing can be saved any more.
    std::fs::remove_dir_all(&state_dir).unwrap();
    std::fs::write(&state_dir, b"not a folder").unwrap();
    let err = failure("CreateChannel", try_channel(&mt, "lost", vec![hls_output("index", "hls", None)]).await);
    assert_eq!(err.status, Some(500), "{err}");
    assert!(err.is_server_error(), "{err}");
    assert_not_found(&failure("DescribeChannel", mt.describe_channel().channel_name("lost").send().await));
    let err = failure("DeleteChannel", mt.delete_channel().channel_name("kept").send().await);
    assert_eq!(err.status, Some(500), "{err}");
    mt.describe_channel().channel_name("kept").send().await.unwrap();
}

// ---- 13. wire details ----------------------------------------------------------------------

#[tokio::test]
async fn wire_authentication_unknown_members_malformed_json_and_status_codes() {
    let (emulator, _mt) = start().await;

    let unsigned = raw(&emulator, "GET", "/channels", "", false).await;
    assert_eq!(unsigned.status, 403);
    assert_eq!(unsigned.header("x-amzn-ErrorType"), Some("MissingAuthenticationTokenException"));

    let signed = raw(&emulator, "GET", "/channels", "", true).await;
    assert_eq!(signed.status, 200);
    assert_eq!(signed.json()["Items"], json!([]));

    let output = json!({"ManifestName": "index", "SourceGroup": "hls", "HlsPlaylistSettings": {}});
    let body = json!({"Outputs": [output], "PlaybackMode": "LOOP", "ChannelTier": "BASIC"}).to_string();
    let unknown = raw(&emulator, "POST", "/channel/wire", &body, true).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.header("x-amzn-ErrorType"), Some("BadRequestException"));
    assert!(unknown.header("content-type").is_some_and(|c| c.contains("json")));
    assert!(unknown.message().contains("ChannelTier"), "{}", unknown.message());

    let nested = json!({
        "Outputs": [{"ManifestName": "index", "SourceGroup": "hls", "HlsPlaylistSettings": {"WindowSeconds": 60}}],
        "PlaybackMode": "LOOP"
    })
    .to_string();
    let unknown = raw(&emulator, "POST", "/channel/wire", &nested, true).await;
    assert_eq!(unknown.status, 400);
    let message = unknown.message();
    assert!(message.contains("WindowSeconds") && message.contains("HlsPlaylistSettings"), "{message}");

    for malformed in [r#"{"Outputs": ["#, "not json", r#"{"Outputs": "index"}"#] {
        let response = raw(&emulator, "POST", "/channel/wire", malformed, true).await;
        assert_eq!(response.status, 400, "{malformed}");
        assert_eq!(response.header("x-amzn-ErrorType"), Some("BadRequestException"), "{malformed}");
        assert!(!response.message().is_empty());
    }

    let valid = json!({"Outputs": [output], "PlaybackMode": "LOOP"}).to_string();
    let created = raw(&emulator, "POST", "/channel/wire", &valid, true).await;
    assert_eq!(created.status, 200, "{}", String::from_utf8_lossy(&created.body));
    assert_eq!(created.json()["Arn"], json!(arn("channel/wire")));

    let missing = raw(&emulator, "GET", "/channel/nope", "", true).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("x-amzn-ErrorType"), Some("NotFoundException"));
    assert!(missing.message().contains("nope"));

    // Status codes from the service model: 204 for these three, 200 for the rest.
    let put = raw(&emulator, "PUT", "/playbackConfiguration", r#"{"Name": "raw-pc"}"#, true).await;
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.body));
    let tags_path = format!("/tags/{}", encode_path_segment(&arn("channel/wire")));
    let tagged = raw(&emulator, "POST", &tags_path, r#"{"tags": {"k": "v"}}"#, true).await;
    assert_eq!(tagged.status, 204, "{}", String::from_utf8_lossy(&tagged.body));
    let listed = raw(&emulator, "GET", &tags_path, "", true).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()["tags"], json!({"k": "v"}));
    let untagged = raw(&emulator, "DELETE", &format!("{tags_path}?tagKeys=k"), "", true).await;
    assert_eq!(untagged.status, 204);
    let deleted = raw(&emulator, "DELETE", "/playbackConfiguration/raw-pc", "", true).await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.body.is_empty());
    for (method, path) in [("PUT", "/channel/wire/start"), ("PUT", "/channel/wire/stop"), ("DELETE", "/channel/wire")] {
        assert_eq!(raw(&emulator, method, path, "", true).await.status, 200, "{method} {path}");
    }

    let unknown_operation = raw(&emulator, "PATCH", "/channel/wire", "", true).await;
    assert_eq!(unknown_operation.status, 404);
    assert!(unknown_operation.header("x-amzn-ErrorType").is_some());
}

#[tokio::test]
async fn consecutive_programs_with_different_renditions_raise_mismatch_alerts() {
    let (emulator, mt) = start().await;
    media_fixture(&emulator, &mt).await;
    create_channel(&mt, "ch").await;
    try_program(&mt, "ch", "first", "media", "bbb", after(None), vec![]).await.unwrap();
    try_program(&mt, "ch", "again", "media", "bbb", after(Some("first")), vec![]).await.unwrap();
    try_program(&mt, "ch", "other", "media", "sintel", after(Some("again")), vec![]).await.unwrap();

    let alerts = mt.list_alerts().resource_arn(arn("channel/ch")).send().await.unwrap();
    let raised: Vec<(&str, &str)> = alerts
        .items()
        .iter()
        .map(|a| (a.resource_arn().rsplit('/').next().unwrap_or_default(), a.alert_code()))
        .collect();
    // big-buck-bunny twice is seamless; sintel (1280x544 at 2,000,000) after it (1280x720 and
    // 640x360 at 2,500,000 and 800,000, same codecs) is not.
    assert_eq!(raised, [("other", "BANDWIDTH_MISMATCH"), ("other", "RESOLUTION_MISMATCH")]);
    let resolution = alerts.items().iter().find(|a| a.alert_code() == "RESOLUTION_MISMATCH").unwrap();
    assert!(resolution.alert_message().contains("[1280x544]"), "{}", resolution.alert_message());
    assert!(resolution.alert_message().contains("previous program again"), "{}", resolution.alert_message());

    let direct = mt.list_alerts().resource_arn(arn("program/ch/other")).send().await.unwrap();
    assert_eq!(direct.items().len(), 2, "the program's own ARN answers the same alerts");
    let first = mt.list_alerts().resource_arn(arn("program/ch/first")).send().await.unwrap();
    assert!(first.items().is_empty(), "the first program has no previous one");
    emulator.stop().await;
}

#[tokio::test]
async fn list_alerts_tokens_survive_alerts_appearing_and_clearing_between_pages() {
    let (emulator, mt) = start().await;
    create_channel(&mt, "ch").await;
    let channel = arn("channel/ch");
    let inject = |codes: Vec<&'static str>| {
        let body: Vec<serde_json::Value> = codes
            .into_iter()
            .map(|c| serde_json::json!({"ResourceArn": channel, "AlertCode": c, "AlertMessage": c, "LastModifiedTime": 1.0}))
            .collect();
        serde_json::to_string(&body).unwrap()
    };
    let post = |body: String| {
        let emulator = &emulator;
        async move {
            let mut stream = tokio::net::TcpStream::connect(emulator.addr()).await.unwrap();
            let request = format!(
                "POST /_local/alerts HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            tokio::io::AsyncWriteExt::write_all(&mut stream, request.as_bytes()).await.unwrap();
            let mut response = Vec::new();
            tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut response).await.unwrap();
        }
    };
    post(inject(vec!["B", "C", "D", "E"])).await;
    let first = mt.list_alerts().resource_arn(&channel).max_results(2).send().await.unwrap();
    let codes = |page: &aws_sdk_mediatailor::operation::list_alerts::ListAlertsOutput| {
        page.items().iter().map(|a| a.alert_code().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(codes(&first), ["B", "C"]);
    // An alert sorting before the cursor appears: the next page neither repeats nor skips.
    post(inject(vec!["A"])).await;
    let second = mt
        .list_alerts()
        .resource_arn(&channel)
        .max_results(2)
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(codes(&second), ["D", "E"]);
    assert!(second.next_token().is_none());
    emulator.stop().await;
}
