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
  cargo lambda watch --quiet -p "$package" --invoke-port "$port" --env-vars "$common_env,$env" \
    >"/tmp/tailorflow-smoke-$package.log" 2>&1 &
  local watch=$!
  pids+=("$watch")
  sleep 2
  timeout 600 cargo lambda invoke "$package" --invoke-port "$port" --data-file "$event"
  kill "$watch" 2>/dev/null || true
}

echo "--> alert-publisher"
curl -fsS -X POST "$base/channel/smoke" -H "$sign" -H 'Content-Type: application/json' \
  -d '{"PlaybackMode":"LOOP","Outputs":[{"ManifestName":"index","SourceGroup":"hls","HlsPlaylistSettings":{"ManifestWindowSeconds":60}}]}' >/dev/null
# 05:56 UTC on the sample event's day: inside its window [05:54, 05:59).
curl -fsS -X POST "$base/_local/alerts" -H 'Content-Type: application/json' \
  -d '{"ResourceArn":"arn:aws:mediatailor:us-east-1:123456789012:channel/smoke","AlertCode":"NOT_PROCESSED","AlertMessage":"smoke","LastModifiedTime":1795586160}' >/dev/null
answer=$(invoke alert-publisher events/alert-publisher/scheduled.json "EVENT_BUS_NAME=smoke-bus")
echo "$answer"
echo "$answer" | grep -q '"published":1' || { echo "alert-publisher did not publish the alert"; exit 1; }
events=$(curl -fsS "$base/_local/events")
echo "$events" | grep -q '"event-bus-name":"smoke-bus"' || { echo "no event reached the bus: $events"; exit 1; }

echo "lambda smoke: 1 passed, 0 failed"
