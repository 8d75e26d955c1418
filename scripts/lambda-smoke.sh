#!/usr/bin/env bash
# Runs each implemented function for real through cargo-lambda: `mediatailor-local serve`, then
# `cargo lambda watch -p FUNCTION` (the Lambda runtime API emulator) and `cargo lambda invoke`
# with a sample event from events/, checking the emulator's end state. Loopback only, bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

cargo build --quiet --locked -p mediatailor-local
emulator_port=$(free_port)
base="http://127.0.0.1:$emulator_port"
target/debug/mediatailor-local serve --addr "127.0.0.1:$emulator_port" >/tmp/tailorflow-smoke-emulator.log 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do curl -fsS "$base/_local/health" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$base/_local/health" >/dev/null

# Any Authorization header signs for the emulator; the service comes from its credential scope.
sign="Authorization: AWS4-HMAC-SHA256 Credential=smoke/20261125/us-east-1/mediatailor/aws4_request, SignedHeaders=host, Signature=0"
common_env="AWS_ENDPOINT_URL=$base,AWS_REGION=us-east-1,AWS_ACCESS_KEY_ID=smoke,AWS_SECRET_ACCESS_KEY=smoke"

# invoke PACKAGE EVENT_FILE EXTRA_ENV: prints the function's answer.
invoke() {
  local package=$1 event=$2 env=$3 port
  port=$(free_port)
  cargo lambda watch --quiet -p "$package" --invoke-port "$port" --env-vars "$common_env${env:+,$env}" \
    >"/tmp/tailorflow-smoke-$package.log" 2>&1 &
  local watch=$!
  pids+=("$watch")
  sleep 2
  timeout 600 cargo lambda invoke "$package" --invoke-port "$port" --data-file "$event"
  kill "$watch" 2>/dev/null || true
}

passed=0
check() { # check WHAT TEXT PATTERN: the text must match the pattern
  if echo "$2" | grep -Eq "$3"; then passed=$((passed + 1)); else echo "FAILED: $1: $2"; exit 1; fi
}
describe() { curl -fsS "$base$1" -H "$sign"; }

echo "--> vod-source-ingest (SQS batch of S3 notifications)"
answer=$(invoke vod-source-ingest events/vod-source-ingest/sqs-batch.json \
  "SOURCE_LOCATION_NAME=smoke-media,AUTO_CREATE_SOURCE_LOCATION=true")
echo "$answer"
check "no message to retry" "$answer" '"batchItemFailures":\[\]'
check "big-buck-bunny became a VOD source" "$(describe /sourceLocation/smoke-media/vodSource/packages-big-buck-bunny)" \
  '"VodSourceName":"packages-big-buck-bunny"'

echo "--> program-scheduler (scheduled event, empty channel)"
curl -fsS -X POST "$base/channel/smoke" -H "$sign" -H 'Content-Type: application/json' \
  -d '{"PlaybackMode":"LOOP","Outputs":[{"ManifestName":"index","SourceGroup":"hls","HlsPlaylistSettings":{"ManifestWindowSeconds":60}}]}' >/dev/null
answer=$(invoke program-scheduler events/program-scheduler/scheduled.json \
  "CHANNEL_NAME=smoke,SOURCE_LOCATION_NAME=smoke-media,HORIZON_MINUTES=10,AD_BREAK_EVERY_SECONDS=60")
echo "$answer"
check "the loop holds the pool" "$answer" '"outcome":"loop_complete"'
check "programs were appended" "$(describe /channel/smoke/schedule)" '"ProgramName":"packages-big-buck-bunny-'

echo "--> alert-publisher (scheduled event)"
# 05:56 UTC on the sample event's day: inside its window [05:54, 05:59).
curl -fsS -X POST "$base/_local/alerts" -H 'Content-Type: application/json' \
  -d '{"ResourceArn":"arn:aws:mediatailor:us-east-1:123456789012:channel/smoke","AlertCode":"NOT_PROCESSED","AlertMessage":"smoke","LastModifiedTime":1795586160}' >/dev/null
answer=$(invoke alert-publisher events/alert-publisher/scheduled.json "EVENT_BUS_NAME=smoke-bus")
echo "$answer"
check "one alert published" "$answer" '"published":1'
check "the alert reached the bus" "$(curl -fsS "$base/_local/events")" '"event-bus-name":"smoke-bus"'

echo "--> channel-guide (scheduled event, the smoke channel)"
answer=$(invoke channel-guide events/channel-guide/scheduled.json \
  "GUIDE_BUCKET=tailorflow-media,CHANNEL_NAMES=smoke,GUIDE_HOURS=1")
echo "$answer"
# Unchanged when an earlier smoke run wrote the same guide (the sample event's window is fixed).
check "the guide is in S3" "$answer" '"guides/smoke.xml":"(written|unchanged)"'
check "the guide is valid XMLTV" \
  "$(xmllint --noout --nonet --dtdvalid /usr/share/xmltv/xmltv.dtd local/media/tailorflow-media/guides/smoke.xml 2>&1 && echo valid)" \
  '^valid$'

echo "--> playback-config-api (HTTP API v2 requests)"
answer=$(invoke playback-config-api events/playback-config-api/v2-put.json "")
echo "$answer"
check "PUT answered 200" "$answer" '"statusCode":200'
answer=$(invoke playback-config-api events/playback-config-api/v2-put-unknown-member.json "")
check "a typo answered 400" "$answer" '"statusCode":400'
answer=$(invoke playback-config-api events/playback-config-api/v2-get.json "")
check "GET answered 200" "$answer" '"statusCode":200'

echo "--> boto3 (botocore's own service models) against a second emulator"
compat_port=$(free_port)
target/debug/mediatailor-local serve --addr "127.0.0.1:$compat_port" >/tmp/tailorflow-boto3-emulator.log 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$compat_port/_local/health" >/dev/null 2>&1 && break; sleep 0.2; done
python scripts/boto3_compat.py "http://127.0.0.1:$compat_port"
passed=$((passed + 1))

echo "lambda smoke: $passed passed, 0 failed"
