// mediatailor-local console. Plain JavaScript, no build step: every figure on the page comes from
// the emulator's own MediaTailor REST operations, called from this origin, so the console shows
// what SDK clients see. The DOM carries what it shows as data attributes (timeline entries in
// order, the player's state), which is what local/tests/console.rs checks in headless chromium.
"use strict";

const REFRESH_MS = 10000;
const MAX_PAGES = 50;
// The emulator routes by the credential scope and accepts any signature (see local/src/server.rs).
const AUTH = "AWS4-HMAC-SHA256 Credential=console/20260101/us-east-1/mediatailor/aws4_request, " +
  "SignedHeaders=host, Signature=0";

const $ = (id) => document.getElementById(id);
// `generation` numbers refreshes: one that a newer one overtook (a channel picked meanwhile)
// renders nothing.
const view = { channel: null, entries: [], player: null, playerUrl: null, t0: 0, pxPerSec: 2, generation: 0 };

// ---- the API ----------------------------------------------------------------------------------

async function call(path, query) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null) url.searchParams.set(k, v);
  const response = await fetch(url, { headers: { Authorization: AUTH, Accept: "application/json" } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const kind = response.headers.get("x-amzn-ErrorType") || response.status;
    throw new Error(`${path}: ${kind}: ${body.Message || body.message || response.statusText}`);
  }
  return body;
}

// Every page of a list operation (bounded).
async function listAll(path, query) {
  const items = [];
  let token;
  for (let page = 0; page < MAX_PAGES; page++) {
    const body = await call(path, { ...query, maxResults: 100, nextToken: token });
    items.push(...(body.Items || []));
    token = body.NextToken;
    if (!token) return items;
  }
  throw new Error(`${path}: more than ${MAX_PAGES} pages`);
}

const seg = encodeURIComponent;
const listAlerts = (arn) => listAll("/alerts", { resourceArn: arn });

// ---- small DOM helpers ------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k === "data") for (const [dk, dv] of Object.entries(v)) node.dataset[dk] = dv;
    else if (k === "style") Object.assign(node.style, v);
    else node.setAttribute(k, v);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const clock = (ms) => new Date(ms).toISOString().slice(11, 19);
const alertText = (alerts) => alerts.map((a) => `${a.AlertCode}: ${a.AlertMessage}`).join("\n");

function showError(err) {
  const box = $("error");
  box.hidden = !err;
  box.textContent = err ? `Could not load: ${err.message}` : "";
}

// ---- channels ---------------------------------------------------------------------------------

function selectedName(channels) {
  const wanted = new URLSearchParams(location.hash.slice(1)).get("channel");
  if (wanted && channels.some((c) => c.ChannelName === wanted)) return wanted;
  const running = channels.find((c) => c.ChannelState === "RUNNING");
  return (running || channels[0] || {}).ChannelName || null;
}

function renderChannels(channels, selected) {
  const list = $("channels");
  list.replaceChildren(...channels.map((c) => el("li", {},
    el("a", { href: `#channel=${seg(c.ChannelName)}`, class: c.ChannelName === selected ? "selected" : "",
      data: { channel: c.ChannelName, state: c.ChannelState } },
      c.ChannelName, el("span", { class: `state ${c.ChannelState}` }, c.ChannelState),
      el("span", { class: "muted" }, ` ${c.PlaybackMode}`)))));
  if (!channels.length) list.replaceChildren(el("li", { class: "muted" }, "No channels: CreateChannel makes one."));
  list.dataset.state = "ready";
}

// ---- the schedule -----------------------------------------------------------------------------

// Schedule entries with their program's alerts (ListAlerts on the program: MediaTailor raises
// VOD_SOURCE_ALERT there for its VOD source's alerts).
async function scheduleWithAlerts(channel, minutes) {
  const items = await listAll(`/channel/${seg(channel.ChannelName)}/schedule`, { durationMinutes: minutes });
  const cache = new Map();
  const alertsOf = (arn) => {
    if (!cache.has(arn)) cache.set(arn, listAlerts(arn));
    return cache.get(arn);
  };
  return Promise.all(items.map(async (item) => {
    const alerts = item.ScheduleEntryType === "FILLER_SLATE" ? [] : await alertsOf(item.Arn);
    return {
      kind: item.ScheduleEntryType,
      program: item.ProgramName,
      vod: item.VodSourceName || item.LiveSourceName || "",
      location: item.SourceLocationName,
      startMs: Math.round(item.ApproximateStartTime * 1000),
      seconds: item.ApproximateDurationSeconds,
      breaks: (item.ScheduleAdBreaks || []).map((b) => ({
        startMs: Math.round(b.ApproximateStartTime * 1000), seconds: b.ApproximateDurationSeconds,
        slate: b.VodSourceName || "",
      })),
      alerts,
    };
  }));
}

function problems(channel, entries, channelAlerts) {
  const out = [];
  if (channel.ChannelState !== "RUNNING") {
    out.push(`Channel is ${channel.ChannelState}: its PlaybackUrl plays nothing until StartChannel; ` +
      "the times below are from now, as GetChannelSchedule gives them for a stopped channel.");
  }
  const programs = entries.filter((e) => e.kind !== "FILLER_SLATE");
  if (!programs.length) {
    out.push("No programs: GetChannelSchedule has none in this window, so only the filler slate plays (CreateProgram adds one).");
  }
  const lastProgram = entries.map((e) => e.kind !== "FILLER_SLATE").lastIndexOf(true);
  const gaps = entries.filter((e, i) => e.kind === "FILLER_SLATE" && i < lastProgram);
  if (gaps.length) {
    out.push(`${gaps.length} gap(s) in the schedule, ${gaps.reduce((s, g) => s + g.seconds, 0)} s in all: ` +
      `the filler slate plays (${gaps.map((g) => `${clock(g.startMs)} for ${g.seconds} s`).join(", ")}).`);
  }
  if (programs.length && lastProgram < entries.length - 1) {
    const end = entries[lastProgram];
    out.push(`The schedule runs out at ${clock(end.startMs + end.seconds * 1000)} UTC: filler slate after that.`);
  }
  const alerting = programs.filter((p) => p.alerts.length);
  if (alerting.length) {
    const codes = [...new Set(alerting.flatMap((e) => e.alerts.map((a) => a.AlertCode)))].sort();
    out.push(el("details", {},
      el("summary", {}, `${alerting.length} of ${programs.length} program(s) have alerts (ListAlerts): ${codes.join(", ")}`),
      alerting.map((e) => el("div", { class: "mono", title: alertText(e.alerts) },
        `Program ${e.program} (${e.vod}) has ${e.alerts.length} alert(s): ${e.alerts.map((a) => a.AlertCode).join(", ")}`))));
  }
  // ListAlerts on a channel also lists its programs' alerts, shown above.
  for (const a of channelAlerts.filter((c) => c.ResourceArn === channel.Arn)) out.push(`Channel alert ${a.AlertCode}: ${a.AlertMessage}`);
  return out;
}

function renderTimeline(entries, nowMs) {
  const box = $("timeline");
  const pxPerSec = view.pxPerSec;
  const t0 = Math.min(nowMs, entries.length ? entries[0].startMs : nowMs);
  const end = entries.reduce((m, e) => Math.max(m, e.startMs + e.seconds * 1000), nowMs + 60000);
  view.t0 = t0;
  const x = (ms) => ((ms - t0) / 1000) * pxPerSec;
  const nodes = [];
  const tick = pxPerSec >= 2 ? 60000 : 300000;
  for (let t = Math.ceil(t0 / tick) * tick; t <= end; t += tick) {
    nodes.push(el("div", { class: "axis", style: { left: `${x(t)}px` } }, clock(t).slice(0, 5)));
  }
  const lastProgram = entries.map((e) => e.kind !== "FILLER_SLATE").lastIndexOf(true);
  entries.forEach((e, index) => {
    const filler = e.kind === "FILLER_SLATE";
    // Filler before a program is a gap; after the last one, the schedule has run out (the
    // service names the last program played there, and the one waited for in a gap).
    const fillerName = index > lastProgram ? "filler slate (schedule ended)" : "filler slate (gap)";
    const fillerNote = !e.program ? "nothing scheduled" : index > lastProgram ? `after ${e.program}` : `before ${e.program}`;
    const title = [`${e.kind} ${e.program}`, `VOD source ${e.location}/${e.vod}`,
      `${clock(e.startMs)} UTC, ${e.seconds} s`, ...e.breaks.map((b) => `ad break ${clock(b.startMs)} ${b.seconds} s slate ${b.slate}`),
      alertText(e.alerts)].filter(Boolean).join("\n");
    const block = el("div", {
      class: `entry ${e.kind}`, title,
      style: { left: `${x(e.startMs)}px`, width: `${Math.max(2, e.seconds * pxPerSec)}px` },
      data: { index, kind: e.kind, program: e.program, vod: e.vod, start: e.startMs, seconds: e.seconds,
        alerts: e.alerts.length },
    },
    el("div", { class: "name" }, filler ? `${fillerName} · ${e.vod}` : e.program),
    el("div", { class: "vod" }, filler ? fillerNote : e.vod),
    el("div", { class: "dur" }, `${clock(e.startMs)} · ${e.seconds} s`),
    e.alerts.length ? el("span", { class: "badge", title: alertText(e.alerts) }, `⚠ ${e.alerts.length}`) : null,
    e.breaks.map((b) => el("div", {
      class: "mark", title: `ad break at ${clock(b.startMs)} UTC, ${b.seconds} s, slate ${b.slate}`,
      style: { left: `${x(b.startMs) - x(e.startMs)}px`, width: `${Math.max(3, b.seconds * pxPerSec)}px` },
      data: { start: b.startMs, seconds: b.seconds, slate: b.slate },
    }, `ad ${b.seconds}s ${b.slate}`)));
    nodes.push(block);
  });
  nodes.push(el("div", { class: "now-line", id: "now-line" }, el("span", {}, "now")));
  box.style.width = `${x(end) + 40}px`;
  box.replaceChildren(...nodes);
  box.dataset.state = entries.length ? "ready" : "empty";
  box.dataset.count = entries.length;
  placeNow();
}

function renderScheduleTable(entries) {
  $("schedule").tBodies[0].replaceChildren(...entries.map((e, i) => el("tr", { class: e.kind, data: { index: i } },
    el("td", {}, i + 1), el("td", {}, clock(e.startMs)),
    el("td", {}, e.kind === "FILLER_SLATE" ? "filler slate" : "program"), el("td", {}, e.program),
    el("td", {}, e.vod), el("td", {}, e.seconds),
    el("td", {}, e.breaks.map((b) => `${clock(b.startMs)}, ${b.seconds} s, ${b.slate}`).join("; ") || "–"),
    el("td", { class: "alert-list" }, e.alerts.map((a) => a.AlertCode).join(", ") || "–"))));
}

// The now line, and the entry playing: what the player shows (its program date-time) when it
// plays, else the wall clock.
function placeNow() {
  const nowMs = Date.now();
  const line = $("now-line");
  if (line) line.style.left = `${((nowMs - view.t0) / 1000) * view.pxPerSec}px`;
  const playing = view.player && view.player.playingDate ? view.player.playingDate.getTime() : null;
  const at = playing || nowMs;
  const index = view.entries.findIndex((e) => at >= e.startMs && at < e.startMs + e.seconds * 1000);
  document.querySelectorAll(".current").forEach((n) => n.classList.remove("current"));
  document.querySelectorAll(`[data-index="${index}"]`).forEach((n) => n.classList.add("current"));
  const current = view.entries[index];
  $("now-playing").textContent = current
    ? `${playing ? "Player is in" : "On air by the clock"}: ${current.kind === "FILLER_SLATE" ? "filler slate" : current.program} (${current.vod})`
    : "";
  $("player").dataset.currentProgram = current ? current.program : "";
  $("player").dataset.currentKind = current ? current.kind : "";
}

// ---- the player -------------------------------------------------------------------------------

function setPlayerState(state, detail) {
  const video = $("player");
  video.dataset.state = state;
  $("player-status").textContent = detail ? `${state}: ${detail}` : state;
}

function stopPlayer() {
  if (view.player) view.player.destroy();
  view.player = null;
  view.playerUrl = null;
  $("player").removeAttribute("src");
}

function play(channel) {
  const output = (channel.Outputs || []).find((o) => o.HlsPlaylistSettings) || null;
  if (channel.ChannelState !== "RUNNING" || !output) {
    stopPlayer();
    $("player-url").textContent = output ? output.PlaybackUrl : "";
    setPlayerState("stopped", channel.ChannelState !== "RUNNING"
      ? `${channel.ChannelName} is ${channel.ChannelState}; nothing plays` : "the channel has no HLS output");
    return;
  }
  // Keep a player that plays; one that failed is retried at the next refresh.
  if (view.playerUrl === output.PlaybackUrl && $("player").dataset.state !== "error") return;
  stopPlayer();
  view.playerUrl = output.PlaybackUrl;
  $("player-url").textContent = `HLS PlaybackUrl (${output.ManifestName}): ${output.PlaybackUrl}`;
  const video = $("player");
  if (!window.Hls || !Hls.isSupported()) {
    setPlayerState("error", "this browser has no Media Source Extensions for hls.js");
    return;
  }
  const hls = new Hls({ liveDurationInfinity: true });
  view.player = hls;
  setPlayerState("loading", output.PlaybackUrl);
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (data.fatal) setPlayerState("error", `${data.type} ${data.details}`);
  });
  hls.loadSource(output.PlaybackUrl);
  hls.attachMedia(video);
  hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch((err) => setPlayerState("blocked", err.message)));
}

function watchVideo() {
  const video = $("player");
  video.addEventListener("playing", () => setPlayerState("playing"));
  video.addEventListener("waiting", () => setPlayerState("waiting", "buffering"));
  video.addEventListener("timeupdate", () => {
    video.dataset.currentTime = video.currentTime.toFixed(2);
    if (video.dataset.state === "playing") $("player-status").textContent = `playing, ${video.currentTime.toFixed(1)} s`;
  });
}

// ---- VOD sources ------------------------------------------------------------------------------

async function loadSources() {
  const locations = await listAll("/sourceLocations");
  const perLocation = await Promise.all(locations.map((l) => listAll(`/sourceLocation/${seg(l.SourceLocationName)}/vodSources`)));
  const sources = perLocation.flat();
  const alerts = await Promise.all(sources.map((s) => listAlerts(s.Arn)));
  return sources.map((s, i) => ({ ...s, alerts: alerts[i] }));
}

function renderSources(sources) {
  const rows = sources.map((s) => el("tr", { data: { vod: s.VodSourceName, alerts: s.alerts.length } },
    el("td", {}, s.SourceLocationName), el("td", {}, s.VodSourceName),
    el("td", { class: "mono" }, (s.HttpPackageConfigurations || []).map((p) => el("div", {}, `${p.Type} · ${p.SourceGroup} · ${p.Path}`))),
    el("td", { class: "alert-list", title: alertText(s.alerts) },
      s.alerts.map((a) => el("div", {}, `⚠ ${a.AlertCode}: ${a.AlertMessage}`)), s.alerts.length ? null : "–")));
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 4, class: "muted" }, "No VOD sources.")));
  $("sources").tBodies[0].replaceChildren(...rows);
}

// ---- refresh ----------------------------------------------------------------------------------

async function refresh() {
  const generation = ++view.generation;
  const current = () => generation === view.generation;
  try {
    const [channels, sources] = await Promise.all([listAll("/channels"), loadSources()]);
    if (!current()) return;
    renderSources(sources);
    const name = selectedName(channels);
    renderChannels(channels, name);
    $("channel-section").hidden = !name;
    if (name) await showChannel(name, current);
    if (!current()) return;
    $("updated").textContent = `Updated ${clock(Date.now())} UTC.`;
    showError(null);
  } catch (err) {
    if (!current()) return;
    $("timeline").dataset.state = "error";
    showError(err);
  }
}

async function showChannel(name, current) {
  const channel = await call(`/channel/${seg(name)}`);
  const [entries, channelAlerts] = await Promise.all([
    scheduleWithAlerts(channel, $("window").value), listAlerts(channel.Arn)]);
  if (!current()) return;
  view.channel = channel;
  view.entries = entries;
  $("channel-title").replaceChildren(channel.ChannelName, el("span", { class: `state ${channel.ChannelState}` }, channel.ChannelState));
  const slate = channel.FillerSlate ? `${channel.FillerSlate.SourceLocationName}/${channel.FillerSlate.VodSourceName}` : "none";
  $("channel-facts").textContent = `${channel.PlaybackMode} · filler slate ${slate} · ` +
    `${entries.filter((e) => e.kind !== "FILLER_SLATE").length} program(s) in the next ${$("window").value} min · times UTC`;
  $("channel-problems").replaceChildren(...problems(channel, entries, channelAlerts).map((p) => el("div", { class: "problem" }, p)));
  renderTimeline(entries, Date.now());
  renderScheduleTable(entries);
  play(channel);
}

function start() {
  watchVideo();
  $("window").addEventListener("change", refresh);
  $("zoom").addEventListener("change", () => {
    view.pxPerSec = Number($("zoom").value);
    renderTimeline(view.entries, Date.now());
  });
  view.pxPerSec = Number($("zoom").value);
  window.addEventListener("hashchange", refresh);
  refresh();
  setInterval(refresh, REFRESH_MS);
  setInterval(placeNow, 1000);
}

start();
