#!/usr/bin/env bash
# schemathesis against playback-config-api, run for real: `mediatailor-local serve`, then
# `cargo lambda watch -p playback-config-api`, which serves the function's URL at
# http://127.0.0.1:PORT/lambda-url/playback-config-api/. Every generated request (valid and
# invalid) must get an answer that is not a 5xx and that matches functions/playback-config-api/
# openapi.json: status code, content type, headers and body schema.
# `bash scripts/api-fuzz.sh [MAX_EXAMPLES_PER_OPERATION]` (default 50); a random seed each run,
# printed at the end: API_FUZZ_SEED=N replays one. Loopback only, bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"

max_examples=${1:-50}
if ! [[ $max_examples =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: bash scripts/api-fuzz.sh [MAX_EXAMPLES_PER_OPERATION]" >&2
  exit 2
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pids=()
scratch=$(mktemp -d /tmp/tailorflow-api-fuzz.XXXXXX)
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

# Built up front, so the function answers its first request without compiling.
cargo build --quiet --locked -p mediatailor-local -p playback-config-api

emulator_port=$(free_port)
emulator="http://127.0.0.1:$emulator_port"
target/debug/mediatailor-local serve --addr "127.0.0.1:$emulator_port" >"$scratch/emulator.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do curl -fsS "$emulator/_local/health" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$emulator/_local/health" >/dev/null

watch_port=$(free_port)
base="http://127.0.0.1:$watch_port/lambda-url/playback-config-api"
cargo lambda watch --quiet --ignore-changes -p playback-config-api \
  --invoke-address 127.0.0.1 --invoke-port "$watch_port" \
  --env-vars "AWS_ENDPOINT_URL=$emulator,AWS_REGION=us-east-1,AWS_ACCESS_KEY_ID=x,AWS_SECRET_ACCESS_KEY=x" \
  >"$scratch/watch.log" 2>&1 &
pids+=($!)
# Up to 5 minutes: cargo lambda compiles the function on the first request if it must.
ready=false
for _ in $(seq 1 150); do
  if curl -fsS --max-time 10 "$base/openapi.json" >/dev/null 2>&1; then ready=true; break; fi
  sleep 2
done
if ! $ready; then
  echo "FAILED: playback-config-api did not answer at $base/openapi.json; cargo lambda watch said:"
  tail -n 40 "$scratch/watch.log"
  exit 1
fi

# One configuration to find, so GET/DELETE of an existing name and a non-empty page happen too.
curl -fsS -X PUT "$base/playback-configurations/api-fuzz" -H 'Content-Type: application/json' \
  -d '{"VideoContentSourceUrl":"https://origin.example.com/hls/","AdDecisionServerUrl":"https://ads.example.com/vast"}' \
  >/dev/null

# cargo lambda watch's function URL answers a body sent as JSON that is not UTF-8 with its own 500,
# before the function runs (it reads such a body into a String). Deployed, the function gets it
# and answers 400 MalformedJson; bytes like these are fuzzed by tests/fuzz's playback_body target.
# So schemathesis's raw non-JSON bodies are made UTF-8 (U+FFFD for bad bytes), still not JSON.
cat >"$scratch/tailorflow_hooks.py" <<'PY'
import schemathesis


@schemathesis.hook
def map_body(context, body):
    if isinstance(body, (bytes, bytearray)):
        return bytes(body).decode("utf-8", errors="replace").encode("utf-8")
    return body
PY
export SCHEMATHESIS_HOOKS=tailorflow_hooks PYTHONPATH="$scratch"

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance
status=0
# From the scratch directory: schemathesis and hypothesis write nothing into the repository.
(
  cd "$scratch"
  schemathesis run "$OLDPWD/functions/playback-config-api/openapi.json" \
    --url "$base" \
    --checks "$checks" \
    --max-examples "$max_examples" \
    --workers 1 \
    --request-timeout 30 \
    --generation-database none \
    --report junit --report-junit-path "$scratch/junit.xml" \
    --no-color \
    ${API_FUZZ_SEED:+--seed "$API_FUZZ_SEED"}
) || status=$?

if [[ ! -s "$scratch/junit.xml" ]]; then
  echo "FAILED: schemathesis wrote no report (exit $status)"
  exit 1
fi
# One test case per API operation in the JUnit report; count those without failure or error.
read -r total failed < <(python3 - "$scratch/junit.xml" <<'EOF'
import sys
import xml.etree.ElementTree as ET

cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
total = failed = 0
for case in cases:
    total += 1
    if case.find("failure") is not None or case.find("error") is not None:
        failed += 1
print(total, failed)
EOF
)
if [[ $status -ne 0 && $failed -eq 0 ]]; then
  failed=1 # schemathesis failed without naming an operation (e.g. the schema itself).
fi
if [[ $failed -ne 0 ]]; then
  echo "the function's log (last lines):"
  tail -n 40 "$scratch/watch.log"
fi
echo "api fuzz: $((total - failed)) passed, $failed failed"
[[ $failed -eq 0 ]]
