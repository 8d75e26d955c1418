#!/usr/bin/env bash
# Regenerates the segment files of the sample media (local/media/tailorflow-media) with ffmpeg:
# tiny but real, decodable H.264 + AAC at 160x90 with the asset's name and a running clock drawn
# on it. Run once and commit the output; the test command does not run it.
#
# HLS: the media playlists are NOT rewritten. Each playlist's #EXTINF durations are read and the
# .ts files are cut to exactly those lengths (a keyframe on every boundary), so every declared
# duration, count and attribute the tests rely on stays as it is.
# DASH: init.mp4 plus segment_$Time$.m4s per Representation, cut on the same boundaries as the
# HLS renditions; manifest.mpd is written from the segments ffmpeg produced (the video timeline
# is exactly the HLS one; the audio timeline follows AAC's 1024-sample frames).
# The deliberately broken packages (broken/, unparsable/) are left alone.
#
# Needs ffmpeg (libx264, the native aac encoder, drawtext) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
MEDIA=local/media/tailorflow-media
FONT=$(fc-match -f '%{file}' 'DejaVu Sans:bold' 2>/dev/null || true)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The video filter: colour bars or a flat colour (which compress to almost nothing) with a label
# and a running clock.
video_filter() { # LABEL FPS BACKGROUND(testsrc2|COLOUR)
  local label=$1 fps=$2 bg=$3 src text=""
  case $bg in
    smptebars | testsrc2) src="$bg=size=160x90:rate=$fps" ;;
    *) src="color=c=$bg:size=160x90:rate=$fps" ;;
  esac
  if [ -n "$FONT" ]; then
    text=",drawbox=y=0:w=iw:h=34:color=black@0.6:t=fill"
    text+=",drawtext=fontfile=$FONT:fontsize=13:fontcolor=white:x=4:y=3:text='$label'"
    text+=",drawtext=fontfile=$FONT:fontsize=13:fontcolor=yellow:x=4:y=19:text='%{pts\\:hms}'"
  fi
  printf '%s%s,format=yuv420p' "$src" "$text"
}

# The #EXTINF durations of a media playlist, one a line.
extinfs() { sed -n 's/^#EXTINF:\([0-9.]*\),.*/\1/p' "$1"; }

# Cuts times (cumulative, seconds) from a list of durations, without the final one.
cut_times() { python3 -c 'import sys
d=[float(x) for x in sys.stdin.read().split()]
t=0; out=[]
for x in d[:-1]:
    t+=x; out.append("%.6f" % t)
print(",".join(out))'; }

encode_args() { # FPS FRAMES_PER_SEGMENT LEVEL
  printf '%s\n' -c:v libx264 -preset veryfast -profile:v main -level:v "$3" -bf 0 -crf 32 \
    -x264-params "keyint=$2:min-keyint=$2:scenecut=0" -c:a aac -b:a 12k -ac 1 -ar 48000
}

# hls_rendition DIR LABEL FPS FPS_DECIMAL BACKGROUND LEVEL: DIR/index.m3u8's segments, cut exactly.
hls_rendition() {
  local dir=$1 label=$2 fps=$3 fpsd=$4 bg=$5 level=$6
  local durations total first frames times
  durations=$(extinfs "$dir/index.m3u8")
  total=$(echo "$durations" | python3 -c 'import sys; print("%.6f" % sum(float(x) for x in sys.stdin.read().split()))')
  first=$(echo "$durations" | head -1)
  frames=$(python3 -c "print(round($first * $fpsd))")
  times=$(echo "$durations" | cut_times)
  rm -f "$dir"/segment_*.ts
  mapfile -t enc < <(encode_args "$fps" "$frames" "$level")
  ffmpeg -nostdin -v error -y -f lavfi -i "$(video_filter "$label" "$fps" "$bg")" \
    -f lavfi -i anullsrc=channel_layout=mono:sample_rate=48000 -t "$total" "${enc[@]}" \
    -f segment -segment_format mpegts -segment_times "$times" -segment_time_delta 0.01 \
    -reset_timestamps 0 "$dir/segment_%05d.ts"
  echo "$dir: $(ls "$dir"/segment_*.ts | wc -l) segments, $total s"
}

# dash_package DIR NAME FPS FPS_DECIMAL BACKGROUND HLS_PLAYLIST [REP_ID:W:H:BW:CODECS:LEVEL]...:
# a static MPD with one video AdaptationSet (the given Representations) and one audio one, cut on
# the boundaries of HLS_PLAYLIST.
dash_package() {
  local dir=$1 name=$2 fps=$3 fpsd=$4 bg=$5 playlist=$6
  shift 6
  local durations total first frames out filters maps i rep
  durations=$(extinfs "$playlist")
  total=$(echo "$durations" | python3 -c 'import sys; print("%.6f" % sum(float(x) for x in sys.stdin.read().split()))')
  first=$(echo "$durations" | head -1)
  frames=$(python3 -c "print(round($first * $fpsd))")
  out="$WORK/dash-${name// /-}"
  rm -rf "$out" "$dir/video" "$dir/audio"
  mkdir -p "$out"
  filters="[0:v]split=$#"
  for i in $(seq 0 $(($# - 1))); do filters+="[s$i]"; done
  maps=()
  i=0
  for rep in "$@"; do
    IFS=: read -r id _ _ _ _ level <<<"$rep"
    filters+=";[s$i]drawtext=fontfile=$FONT:fontsize=11:fontcolor=cyan:x=110:y=3:text='$id'[v$i]"
    maps+=(-map "[v$i]" "-profile:v:$i" main "-level:v:$i" "$level")
    i=$((i + 1))
  done
  ffmpeg -nostdin -v error -y -f lavfi -i "$(video_filter "$name DASH" "$fps" "$bg")" \
    -f lavfi -i anullsrc=channel_layout=mono:sample_rate=48000 -t "$total" \
    -filter_complex "$filters" "${maps[@]}" -map 1:a \
    -c:v libx264 -preset veryfast -bf 0 -crf 32 -x264-params "keyint=$frames:min-keyint=$frames:scenecut=0" \
    -c:a aac -b:a 12k -ac 1 -ar 48000 \
    -f dash -use_template 1 -use_timeline 1 -seg_duration "$first" \
    -format_options "video_track_timescale=90000" \
    -init_seg_name 'init-$RepresentationID$.$ext$' -media_seg_name 'seg-$RepresentationID$-$Time$.$ext$' \
    "$out/ffmpeg.mpd"
  python3 - "$out" "$dir" "$total" "$@" <<'PY'
import os, re, shutil, sys
out, dest, total, reps = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4:]
mpd = open(os.path.join(out, "ffmpeg.mpd")).read()
# ffmpeg's timelines, per Representation (stream) index, as lists of (t, d, r).
sets = re.findall(r'<AdaptationSet.*?</AdaptationSet>', mpd, re.S)
def timeline(s):
    return [tuple(int(x) if x else None for x in m) for m in
            re.findall(r'<S(?: t="(\d+)")? d="(\d+)"(?: r="(-?\d+)")? */>', s)]
def s_lines(tl, indent):
    lines = []
    for t, d, r in tl:
        attrs = (f't="{t}" ' if t is not None else "") + f'd="{d}"' + (f' r="{r}"' if r else "")
        lines.append(f'{indent}<S {attrs}/>')
    return "\n".join(lines)
vtl, atl = timeline(sets[0]), timeline(sets[-1])
def times(tl):
    now, out_times = 0, []
    for t, d, r in tl:
        now = t if t is not None else now
        for _ in range((r or 0) + 1):
            out_times.append(now)
            now += d
    return out_times
def move(stream, folder, tl):
    # Files are named by ffmpeg's own times (the first audio one by its priming offset): renamed,
    # in order, to the MPD timeline's $Time$.
    os.makedirs(os.path.join(dest, folder), exist_ok=True)
    found = sorted((int(m.group(1)), f) for f in os.listdir(out)
                   if (m := re.fullmatch(rf'seg-{stream}-(-?\d+)\.m4s', f)))
    assert len(found) == len(times(tl)), (folder, len(found), len(times(tl)))
    for (_, f), t in zip(found, times(tl)):
        shutil.move(os.path.join(out, f), os.path.join(dest, folder, f"segment_{t}.m4s"))
    shutil.move(os.path.join(out, f"init-{stream}.m4s"), os.path.join(dest, folder, "init.mp4"))
video_reps = []
for i, rep in enumerate(reps):
    rid, w, h, bw, codecs, _level = rep.split(":")
    move(i, f"video/{rid}", timeline(sets[i]))
    video_reps.append(f'      <Representation id="{rid}" bandwidth="{bw}" width="{w}" height="{h}" codecs="{codecs}"/>')
move(len(reps), "audio/audio", atl)
ms = round(total * 1000)
duration = f"PT{ms // 60000}M{ms % 60000 // 1000}.{ms % 1000:03d}S" if ms >= 60000 else f"PT{ms // 1000}.{ms % 1000:03d}S"
longest = max(d for _, d, _ in vtl) / 90000
fps = re.search(r'frameRate="([^"]+)"', sets[0])
open(os.path.join(dest, "manifest.mpd"), "w").write(f'''<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by scripts/make-sample-media.sh: segments cut on the HLS renditions' boundaries. -->
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" profiles="urn:mpeg:dash:profile:isoff-live:2011"
     mediaPresentationDuration="{duration}" minBufferTime="PT2S" maxSegmentDuration="PT{longest:.3f}S">
  <Period id="0" start="PT0S">
    <AdaptationSet id="1" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1" frameRate="{fps.group(1) if fps else ""}">
      <SegmentTemplate timescale="90000" initialization="video/$RepresentationID$/init.mp4" media="video/$RepresentationID$/segment_$Time$.m4s">
        <SegmentTimeline>
{s_lines(vtl, "          ")}
        </SegmentTimeline>
      </SegmentTemplate>
{chr(10).join(video_reps)}
    </AdaptationSet>
    <AdaptationSet id="2" contentType="audio" mimeType="audio/mp4" lang="en" segmentAlignment="true" startWithSAP="1">
      <SegmentTemplate timescale="48000" initialization="audio/$RepresentationID$/init.mp4" media="audio/$RepresentationID$/segment_$Time$.m4s">
        <SegmentTimeline>
{s_lines(atl, "          ")}
        </SegmentTimeline>
      </SegmentTemplate>
      <Representation id="audio" bandwidth="128000" codecs="mp4a.40.2" audioSamplingRate="48000"/>
    </AdaptationSet>
  </Period>
</MPD>
''')
print(f"{dest}: video {vtl}, audio {len(atl)} timeline entries")
PY
}

BBB=$MEDIA/packages/big-buck-bunny
SINTEL=$MEDIA/packages/sintel
SLATE=$MEDIA/slates/slate-30s

hls_rendition "$BBB/hls/720p" "Big Buck 720p" 30000/1001 29.97002997 smptebars 3.1
hls_rendition "$BBB/hls/360p" "Big Buck 360p" 30000/1001 29.97002997 smptebars 3.0
hls_rendition "$SINTEL/hls/720p" "Sintel" 24 24 0x3a1f5d 3.1
hls_rendition "$SLATE/hls/720p" "SLATE" 30 30 0x204060 3.1

dash_package "$BBB/dash" "Big Buck" 30000/1001 29.97002997 smptebars "$BBB/hls/720p/index.m3u8" \
  720p:1280:720:2300000:avc1.4d401f:3.1 360p:640:360:700000:avc1.4d401e:3.0
dash_package "$SINTEL/dash" "Sintel" 24 24 0x3a1f5d "$SINTEL/hls/720p/index.m3u8" \
  720p:1280:544:1800000:avc1.4d401f:3.1
dash_package "$SLATE/dash" "SLATE" 30 30 0x204060 "$SLATE/hls/720p/index.m3u8" \
  720p:1280:720:1400000:avc1.4d401f:3.1

du -sh "$MEDIA"
