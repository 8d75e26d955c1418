//! The console (`GET /`) in a real browser: headless chromium, driven over the DevTools protocol
//! on a pipe (`--remote-debugging-pipe`: JSON messages ended by NUL on file descriptors 3 and 4,
//! so no WebSocket client is needed), against an emulator holding a demo-like state built with
//! the real `aws-sdk-mediatailor` client:
//!
//! - `tv`: LINEAR, filler slate, RUNNING; sintel with an ad break, big-buck-bunny with an ad
//!   break, then a gap of filler before an ABSOLUTE program of the `broken` VOD source (which
//!   has alerts);
//! - `off-air`: a program, never started (STOPPED);
//! - `empty`: RUNNING with no programs (it plays its filler slate).
//!
//! The page's timeline entries (what it shows, read from the DOM) must be GetChannelSchedule's
//! entries, in order, with their ad breaks and gaps; the alerts badge must be ListAlerts' count;
//! the player must reach `playing` with its `currentTime` advancing, and the highlighted entry
//! must be the one the schedule says plays at the player's program date-time.
//!
//! chromium: `scripts/test.sh` installs Debian's `chromium`. Without it the test is skipped with
//! a message, unless `CI` is set, where a missing chromium fails. `CHROMIUM` names another binary.
//!
//! `CONSOLE_TEST_SCREENSHOTS=DIR` saves what the page showed for each channel as `DIR/CHANNEL.png`;
//! `screenshot_of_a_served_console` (ignored) writes a screenshot of a running console for the
//! README: `scripts/console-screenshot.sh` runs it against the demo's state.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_mediatailor::Client;
use aws_sdk_mediatailor::types::{
    AdBreak, HlsPlaylistSettings, HttpConfiguration, HttpPackageConfiguration, PlaybackMode, RelativePosition,
    RequestOutputItem, ScheduleConfiguration, SlateSource, Transition, Type,
};
use mediatailor_local::{Emulator, EmulatorOptions};
use serde_json::{Value, json};

/// How long one DevTools command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the page may take to show something (load, data, playback start).
const PAGE_TIMEOUT: Duration = Duration::from_secs(90);
/// The page's default window (`#window` in index.html), minutes.
const WINDOW_MINUTES: i32 = 180;

// ---- chromium over the DevTools protocol ------------------------------------------------------

fn chromium_binary() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".into())
}

fn chromium_available() -> bool {
    let found = Command::new(chromium_binary())
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but chromium is not installed (scripts/test.sh installs Debian's chromium)"
        );
        eprintln!(
            "SKIPPED: chromium is not installed; `apt-get install chromium` (scripts/test.sh does) to test the console"
        );
    }
    found
}

/// A headless chromium showing one page, and a DevTools session attached to that page.
struct Browser {
    child: Child,
    stdin: ChildStdin,
    messages: mpsc::Receiver<Value>,
    next_id: u64,
    session: String,
    log: PathBuf,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Opens `url` in a new headless chromium (its own profile, loopback only).
    fn open(url: &str) -> Self {
        let profile = tempfile::tempdir().unwrap();
        let log = profile.path().join("chromium.log");
        let flags = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--autoplay-policy=no-user-gesture-required",
            "--mute-audio",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-proxy-server",
            "--window-size=1280,900",
            "--remote-debugging-pipe",
        ];
        // The pipe is fds 3 (commands in) and 4 (messages out): the shell moves our stdin and
        // stdout there, so no unsafe fd juggling is needed here.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>&2"#)
            .arg(chromium_binary())
            .args(flags)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut buffer = Vec::new();
            while reader.read_until(0, &mut buffer).is_ok_and(|n| n > 0) {
                buffer.pop_if(|b| *b == 0);
                if let Ok(message) = serde_json::from_slice::<Value>(&buffer)
                    && tx.send(message).is_err()
                {
                    return;
                }
                buffer.clear();
            }
        });
        let mut browser = Self { child, stdin, messages, next_id: 0, session: String::new(), log, _profile: profile };
        browser.attach_to_page();
        browser
    }

    fn attach_to_page(&mut self) {
        let deadline = Instant::now() + PAGE_TIMEOUT;
        let target = loop {
            let targets = self.command("Target.getTargets", json!({}), false);
            let page = targets["targetInfos"].as_array().unwrap().iter().find(|t| t["type"] == "page").cloned();
            if let Some(page) = page {
                break page["targetId"].as_str().unwrap().to_owned();
            }
            assert!(Instant::now() < deadline, "chromium opened no page: {}", self.log_tail());
            std::thread::sleep(Duration::from_millis(200));
        };
        let attached = self.command("Target.attachToTarget", json!({"targetId": target, "flatten": true}), false);
        self.session = attached["sessionId"].as_str().unwrap().to_owned();
    }

    /// Sends one command (to the page's session when `on_page`) and waits for its result.
    fn command(&mut self, method: &str, params: Value, on_page: bool) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if on_page {
            message["sessionId"] = json!(self.session);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.stdin.write_all(&bytes).unwrap();
        self.stdin.flush().unwrap();
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let reply = match self.messages.recv_timeout(left) {
                Ok(reply) => reply,
                Err(err) => panic!("{method}: no answer from chromium ({err}): {}", self.log_tail()),
            };
            if reply["id"] == json!(id) {
                assert!(reply.get("error").is_none(), "{method}: {}", reply["error"]);
                return reply["result"].clone();
            }
        }
    }

    /// The value of a JavaScript expression in the page (promises awaited), or what it threw.
    fn try_eval(&mut self, expression: &str) -> Result<Value, Value> {
        let params = json!({"expression": expression, "returnByValue": true, "awaitPromise": true});
        let result = self.command("Runtime.evaluate", params, true);
        match result.get("exceptionDetails") {
            Some(thrown) => Err(thrown.clone()),
            None => Ok(result["result"]["value"].clone()),
        }
    }

    /// The value of a JavaScript expression in the page; it must not throw.
    fn eval(&mut self, expression: &str) -> Value {
        self.try_eval(expression).unwrap_or_else(|thrown| panic!("{expression}: {thrown}"))
    }

    /// Evaluates `expression` until `done` accepts its value (one that throws, as before the
    /// page has loaded, is not yet done); panics with `what` and the last value after
    /// `PAGE_TIMEOUT`.
    fn wait_for(&mut self, what: &str, expression: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + PAGE_TIMEOUT;
        loop {
            let value = self.try_eval(expression).unwrap_or_else(|thrown| json!({ "threw": thrown }));
            if done(&value) {
                return value;
            }
            if Instant::now() >= deadline {
                let page_error = self.try_eval(
                    "[document.getElementById('error').textContent, document.getElementById('player-status').textContent]",
                );
                panic!(
                    "timed out waiting for {what}; last value {value}; page error {page_error:?}; {}",
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn screenshot(&mut self, path: &std::path::Path) {
        let shot = self.command("Page.captureScreenshot", json!({"format": "png"}), true);
        let data = shot["data"].as_str().unwrap();
        std::fs::write(path, base64_decode(data)).unwrap();
    }

    /// With `CONSOLE_TEST_SCREENSHOTS=DIR`, a screenshot of what the page shows now, as
    /// `DIR/NAME.png` (to look at what the test saw).
    fn snapshot(&mut self, name: &str) {
        if let Some(dir) = std::env::var_os("CONSOLE_TEST_SCREENSHOTS") {
            self.screenshot(&PathBuf::from(dir).join(format!("{name}.png")));
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().rev().take(20).collect();
        format!("chromium log (last lines):\n{}", lines.into_iter().rev().collect::<Vec<_>>().join("\n"))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Browser.close lets chromium end its own child processes; kill only if it hangs.
        let mut bytes = serde_json::to_vec(&json!({"id": 0, "method": "Browser.close"})).unwrap_or_default();
        bytes.push(0);
        let _ = self.stdin.write_all(&bytes);
        let _ = self.stdin.flush();
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Standard base64 (Page.captureScreenshot's encoding), without a dependency for one test.
fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for byte in text.bytes().filter(|b| *b != b'=') {
        let value = ALPHABET.iter().position(|a| *a == byte).unwrap() as u32;
        acc = (acc << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

// ---- the emulator's state ---------------------------------------------------------------------

fn package(group: &str, kind: Type, path: &str) -> HttpPackageConfiguration {
    HttpPackageConfiguration::builder().source_group(group).r#type(kind).path(path).build().unwrap()
}

async fn vod_source(mt: &Client, name: &str, hls: &str) {
    mt.create_vod_source()
        .source_location_name("media")
        .vod_source_name(name)
        .http_package_configurations(package("hls", Type::Hls, hls))
        .send()
        .await
        .unwrap();
}

fn slate() -> SlateSource {
    SlateSource::builder().source_location_name("media").vod_source_name("slate").build()
}

fn ad_break(offset_ms: i64) -> AdBreak {
    AdBreak::builder().offset_millis(offset_ms).slate(slate()).build()
}

async fn channel(mt: &Client, name: &str) {
    let settings = HlsPlaylistSettings::builder().manifest_window_seconds(60).build();
    let output =
        RequestOutputItem::builder().manifest_name("index").source_group("hls").hls_playlist_settings(settings).build();
    mt.create_channel()
        .channel_name(name)
        .playback_mode(PlaybackMode::Linear)
        .filler_slate(slate())
        .outputs(output.unwrap())
        .send()
        .await
        .unwrap();
}

fn after(previous: Option<&str>, absolute_at_ms: Option<i64>) -> ScheduleConfiguration {
    let kind = if absolute_at_ms.is_some() { "ABSOLUTE" } else { "RELATIVE" };
    let transition = Transition::builder()
        .r#type(kind)
        .relative_position(RelativePosition::AfterProgram)
        .set_relative_program(previous.map(str::to_owned))
        .set_scheduled_start_time_millis(absolute_at_ms)
        .build()
        .unwrap();
    ScheduleConfiguration::builder().transition(transition).build()
}

async fn program(mt: &Client, channel: &str, name: &str, vod: &str, breaks: Vec<AdBreak>, at: ScheduleConfiguration) {
    mt.create_program()
        .channel_name(channel)
        .program_name(name)
        .source_location_name("media")
        .vod_source_name(vod)
        .set_ad_breaks(Some(breaks))
        .schedule_configuration(at)
        .send()
        .await
        .unwrap();
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

/// The channels of the module doc, `tv` started last so its schedule begins now.
async fn demo_like_state(emulator: &Emulator, mt: &Client) {
    let base_url = format!("{}/origin/tailorflow-media", emulator.base_url());
    let origin = HttpConfiguration::builder().base_url(base_url).build().unwrap();
    mt.create_source_location().source_location_name("media").http_configuration(origin).send().await.unwrap();
    vod_source(mt, "sintel", "packages/sintel/hls/index.m3u8").await;
    vod_source(mt, "bbb", "packages/big-buck-bunny/hls/index.m3u8").await;
    vod_source(mt, "slate", "slates/slate-30s/hls/index.m3u8").await;
    vod_source(mt, "broken", "packages/broken/hls/index.m3u8").await;
    channel(mt, "off-air").await;
    program(mt, "off-air", "news", "bbb", vec![], after(None, None)).await;
    channel(mt, "empty").await;
    mt.start_channel().channel_name("empty").send().await.unwrap();
    channel(mt, "tv").await;
    // sintel 40 s + 30 s break, bbb 118.118 s + 30 s break: about 218 s; the ABSOLUTE program
    // starts at 300 s, so about 82 s of filler lie between.
    program(mt, "tv", "opener", "sintel", vec![ad_break(20_000)], after(None, None)).await;
    program(mt, "tv", "feature", "bbb", vec![ad_break(12_012)], after(Some("opener"), None)).await;
    let late = after(Some("feature"), Some(now_ms() + 300_000));
    program(mt, "tv", "late-show", "broken", vec![], late).await;
    mt.start_channel().channel_name("tv").send().await.unwrap();
}

// ---- what the schedule says and what the page shows -------------------------------------------

/// One timeline entry: kind, program, VOD source, start (epoch ms), seconds, and its ad breaks
/// (start, seconds, slate).
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    kind: String,
    program: String,
    vod: String,
    start_ms: i64,
    seconds: i64,
    breaks: Vec<(i64, i64, String)>,
}

async fn schedule(mt: &Client, channel: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut token = None;
    for _ in 0..20 {
        let page = mt
            .get_channel_schedule()
            .channel_name(channel)
            .duration_minutes(WINDOW_MINUTES.to_string())
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        // Rounded to the millisecond, as the page rounds the wire's epoch seconds (to_millis
        // truncates, and 12.012 s in binary floating point is a hair under).
        let ms = |t: Option<&aws_sdk_mediatailor::primitives::DateTime>| {
            let t = t.unwrap();
            t.secs() * 1000 + (f64::from(t.subsec_nanos()) / 1e6).round() as i64
        };
        entries.extend(page.items().iter().map(|e| {
            Entry {
                kind: e.schedule_entry_type().unwrap().as_str().to_owned(),
                program: e.program_name().to_owned(),
                vod: e.vod_source_name().unwrap_or_default().to_owned(),
                start_ms: ms(e.approximate_start_time()),
                seconds: e.approximate_duration_seconds().unwrap(),
                breaks: e
                    .schedule_ad_breaks()
                    .iter()
                    .map(|b| {
                        let slate = b.vod_source_name().unwrap_or_default().to_owned();
                        (ms(b.approximate_start_time()), b.approximate_duration_seconds().unwrap(), slate)
                    })
                    .collect(),
            }
        }));
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return entries;
        }
    }
    panic!("GetChannelSchedule of {channel}: more than 20 pages");
}

/// The page's timeline blocks, in the DOM's order, with their position and label.
const SHOWN: &str = r#"JSON.stringify([...document.querySelectorAll('#timeline .entry')].map(e => ({
  kind: e.dataset.kind, program: e.dataset.program, vod: e.dataset.vod, start: Number(e.dataset.start),
  seconds: Number(e.dataset.seconds), alerts: Number(e.dataset.alerts), left: parseFloat(e.style.left),
  label: e.querySelector('.name').textContent, badge: e.querySelector('.badge') !== null,
  breaks: [...e.querySelectorAll('.mark')].map(m => [Number(m.dataset.start), Number(m.dataset.seconds), m.dataset.slate]),
})))"#;

/// The page's entries as [`Entry`], after checking the blocks are laid out in time order and
/// labelled by their program (filler blocks by the filler slate).
fn shown(browser: &mut Browser) -> (Vec<Entry>, Vec<Value>) {
    let raw: Vec<Value> = serde_json::from_str(browser.eval(SHOWN).as_str().unwrap()).unwrap();
    let lefts: Vec<f64> = raw.iter().map(|e| e["left"].as_f64().unwrap()).collect();
    assert!(lefts.windows(2).all(|w| w[0] < w[1]), "blocks left to right in time order: {lefts:?}");
    for block in &raw {
        let label = block["label"].as_str().unwrap();
        let expected =
            if block["kind"] == "FILLER_SLATE" { "filler slate" } else { block["program"].as_str().unwrap() };
        assert!(label.contains(expected), "block labelled {label:?}, expected {expected:?}");
    }
    let entries = raw
        .iter()
        .map(|e| Entry {
            kind: e["kind"].as_str().unwrap().to_owned(),
            program: e["program"].as_str().unwrap().to_owned(),
            vod: e["vod"].as_str().unwrap().to_owned(),
            start_ms: e["start"].as_i64().unwrap(),
            seconds: e["seconds"].as_i64().unwrap(),
            breaks: e["breaks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| (b[0].as_i64().unwrap(), b[1].as_i64().unwrap(), b[2].as_str().unwrap().to_owned()))
                .collect(),
        })
        .collect();
    (entries, raw)
}

/// How a page's timeline is compared with the service's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Times {
    /// A running channel's programs start at fixed times.
    Fixed,
    /// A stopped channel's schedule (and a running one's filler without programs) starts at
    /// "now", so only the times from its first entry are compared.
    FromNow,
}

/// The trailing filler runs to the end of a window that moves with the clock: its length is
/// left out of the comparison.
fn comparable(mut entries: Vec<Entry>, times: Times) -> Vec<Entry> {
    if let Some(last) = entries.last_mut().filter(|e| e.kind == "FILLER_SLATE") {
        last.seconds = 0;
    }
    let origin = match (times, entries.first()) {
        (Times::FromNow, Some(first)) => first.start_ms,
        _ => 0,
    };
    for entry in &mut entries {
        entry.start_ms -= origin;
        entry.breaks.iter_mut().for_each(|b| b.0 -= origin);
    }
    entries
}

/// Waits until the page shows `channel`, then until its timeline is GetChannelSchedule's (the
/// page refreshes every 10 s; a program ending between the two reads is retried, bounded).
async fn timeline_matches(browser: &mut Browser, mt: &Client, channel: &str, times: Times) -> (Vec<Entry>, Vec<Value>) {
    let title = format!(
        "document.getElementById('channel-title').firstChild?.textContent === {channel:?} && document.getElementById('timeline').dataset.state"
    );
    browser.wait_for(&format!("the timeline of {channel}"), &title, |v| v == "ready" || v == "empty");
    let deadline = Instant::now() + PAGE_TIMEOUT;
    loop {
        let (page, raw) = shown(browser);
        let service = schedule(mt, channel).await;
        if comparable(page.clone(), times) == comparable(service.clone(), times) {
            return (service, raw);
        }
        assert!(
            Instant::now() < deadline,
            "{channel}: the page shows\n{page:#?}\nGetChannelSchedule says\n{service:#?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

// ---- the tests --------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn console_shows_the_schedule_its_alerts_and_plays_the_channel() {
    if !chromium_available() {
        return;
    }
    let emulator = Emulator::start(EmulatorOptions::default()).await.unwrap();
    let mt = Client::new(&emulator.sdk_config().await);
    demo_like_state(&emulator, &mt).await;
    let mut browser = Browser::open(&format!("{}#channel=tv", emulator.console_url()));

    // Every channel is listed with its state.
    let listed = browser.wait_for(
        "the channel list",
        "JSON.stringify([...document.querySelectorAll('#channels a')].map(a => [a.dataset.channel, a.dataset.state]))",
        |v| v.as_str().is_some_and(|s| s != "[]"),
    );
    let mut listed: Vec<(String, String)> = serde_json::from_str(listed.as_str().unwrap()).unwrap();
    listed.sort();
    let channels = mt.list_channels().send().await.unwrap();
    let mut expected: Vec<(String, String)> =
        channels.items().iter().map(|c| (c.channel_name().to_owned(), c.channel_state().to_owned())).collect();
    expected.sort();
    assert_eq!(listed, expected);

    // The timeline is GetChannelSchedule's, in order, with its ad breaks and the gap.
    let (service, raw) = timeline_matches(&mut browser, &mt, "tv", Times::Fixed).await;
    // The state this test built (opener, 70 s, may be over on a slow machine; the rest plays
    // about 218 s after the start and later).
    let kinds: Vec<(&str, &str)> = service.iter().map(|e| (e.kind.as_str(), e.program.as_str())).collect();
    let tail = [
        ("PROGRAM", "feature"),
        ("FILLER_SLATE", "late-show"),
        ("PROGRAM", "late-show"),
        ("FILLER_SLATE", "late-show"),
    ];
    assert!(kinds.ends_with(&tail) && kinds.len() <= 5, "{service:#?}");
    for entry in service.iter().filter(|e| e.program == "opener" || e.program == "feature") {
        assert_eq!(entry.breaks.len(), 1, "{entry:?}");
    }
    let problems = browser.eval("document.getElementById('channel-problems').textContent");
    assert!(problems.as_str().unwrap().contains("1 gap(s) in the schedule"), "{problems}");

    // Alerts: each program's badge counts what ListAlerts answers for it (late-show plays the
    // broken VOD source; feature differs from opener in its renditions, which MediaTailor flags).
    for block in raw.iter().filter(|e| e["kind"] == "PROGRAM") {
        let name = block["program"].as_str().unwrap();
        let described = mt.describe_program().channel_name("tv").program_name(name).send().await.unwrap();
        let alerts = mt.list_alerts().resource_arn(described.arn().unwrap()).send().await.unwrap();
        assert_eq!(block["alerts"].as_u64().unwrap() as usize, alerts.items().len(), "{name}: {block}");
        assert_eq!(block["badge"], json!(!alerts.items().is_empty()), "{name}: {block}");
        if name == "late-show" {
            let codes: Vec<&str> = alerts.items().iter().map(|a| a.alert_code()).collect();
            assert!(codes.contains(&"VOD_SOURCE_ALERT"), "the broken VOD source's alerts reach its program: {codes:?}");
        }
    }
    assert!(raw.iter().filter(|e| e["kind"] == "FILLER_SLATE").all(|e| e["badge"] == json!(false)), "{raw:?}");
    assert!(problems.as_str().unwrap().contains("Program late-show (broken) has"), "{problems}");
    let broken_row = browser.eval("document.querySelector('#sources tr[data-vod=\"broken\"]')?.dataset.alerts ?? null");
    assert_ne!(broken_row, json!("0"), "the VOD sources table shows the broken source's alerts: {broken_row}");
    assert!(!broken_row.is_null());

    player_plays_the_current_program(&mut browser, &service);
    browser.snapshot("tv");
    bad_states_are_shown(&mut browser, &mt).await;
    drop(browser);
    emulator.stop().await;
}

/// The player reaches `playing` with its time advancing, and the highlighted block is the entry
/// the schedule says plays at the player's program date-time.
fn player_plays_the_current_program(browser: &mut Browser, service: &[Entry]) {
    let state = "(() => { const v = document.getElementById('player'); \
                 return {state: v.dataset.state, time: v.currentTime, paused: v.paused}; })()";
    let first =
        browser.wait_for("the player to play", state, |v| v["state"] == "playing" && v["time"].as_f64() > Some(0.0));
    let t1 = first["time"].as_f64().unwrap();
    let later = browser.wait_for("the player's time to advance", state, |v| v["time"].as_f64() > Some(t1 + 1.0));
    assert_eq!(later["paused"], json!(false), "{later}");
    let probe = "(() => { placeNow(); const d = view.player && view.player.playingDate; \
                 return {date: d ? d.getTime() : null, current: document.querySelector('#timeline .entry.current')?.dataset.program ?? null,\
                 kind: document.querySelector('#timeline .entry.current')?.dataset.kind ?? null}; })()";
    let probe = browser.eval(probe);
    let date = probe["date"].as_i64().expect("the HLS output carries EXT-X-PROGRAM-DATE-TIME");
    let playing = service
        .iter()
        .find(|e| date >= e.start_ms && date < e.start_ms + e.seconds * 1000)
        .unwrap_or_else(|| panic!("the player's date {date} is in the schedule {service:#?}"));
    assert_eq!(
        (probe["current"].as_str(), probe["kind"].as_str()),
        (Some(playing.program.as_str()), Some(playing.kind.as_str()))
    );
}

/// A stopped channel and a channel without programs say so, and show the schedule the service
/// gives them.
async fn bad_states_are_shown(browser: &mut Browser, mt: &Client) {
    browser.eval("location.hash = 'channel=off-air'");
    timeline_matches(browser, mt, "off-air", Times::FromNow).await;
    let player =
        browser.wait_for("the stopped channel's player", "document.getElementById('player').dataset.state", |v| {
            v == "stopped"
        });
    assert_eq!(player, "stopped");
    let problems = browser.eval("document.getElementById('channel-problems').textContent");
    assert!(problems.as_str().unwrap().contains("Channel is STOPPED"), "{problems}");
    browser.snapshot("off-air");

    browser.eval("location.hash = 'channel=empty'");
    let (service, _) = timeline_matches(browser, mt, "empty", Times::FromNow).await;
    assert!(service.iter().all(|e| e.kind == "FILLER_SLATE"), "{service:#?}");
    let problems = browser.eval("document.getElementById('channel-problems').textContent");
    assert!(problems.as_str().unwrap().contains("No programs"), "{problems}");
    // With nothing scheduled, a running LINEAR channel plays its filler slate.
    let state = "(() => { const v = document.getElementById('player'); \
                 return {state: v.dataset.state, time: v.currentTime, program: v.dataset.currentKind}; })()";
    browser.wait_for("the empty channel's filler slate to play", state, |v| {
        v["state"] == "playing" && v["time"].as_f64() > Some(1.0) && v["program"] == "FILLER_SLATE"
    });
    browser.snapshot("empty");
}

/// Writes a screenshot of the console at `CONSOLE_URL` to `CONSOLE_SCREENSHOT` once its player
/// plays (`scripts/console-screenshot.sh` runs it against the demo's state).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a running console: scripts/console-screenshot.sh"]
async fn screenshot_of_a_served_console() {
    let url = std::env::var("CONSOLE_URL").expect("CONSOLE_URL: the console to photograph");
    let path = PathBuf::from(std::env::var("CONSOLE_SCREENSHOT").expect("CONSOLE_SCREENSHOT: the PNG to write"));
    let mut browser = Browser::open(&url);
    // The viewport itself 1280x900 (the window's size includes what headless leaves for chrome).
    let metrics = json!({"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false});
    browser.command("Emulation.setDeviceMetricsOverride", metrics, true);
    browser.wait_for("the timeline", "document.getElementById('timeline').dataset.state", |v| v == "ready");
    browser.wait_for("the player to play", "document.getElementById('player').currentTime", |v| v.as_f64() > Some(1.0));
    browser.screenshot(&path);
    println!("wrote {}", path.display());
}
