#!/usr/bin/env bash
# Writes docs/console.png (README, "The local demo"): the console of the demo's state, in headless
# chromium at 1280x900, once its player plays. Runs the demo with --serve (debug build), photographs
# its console with the ignored test `screenshot_of_a_served_console` (local/tests/console.rs), then
# stops the demo. Needs chromium (scripts/test.sh installs it). Not part of the test command.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/console.png}"
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"

cargo build --locked -p tailorflow-demo
log="$(mktemp)"
target/debug/tailorflow-demo --serve >"$log" 2>&1 &
demo=$!
trap 'kill "$demo" 2>/dev/null || true; wait "$demo" 2>/dev/null || true; rm -f "$log"' EXIT

url=""
for _ in $(seq 1 600); do  # bounded: the demo takes seconds once built
  url="$(sed -n 's/^7\. console: \(http[^ ]*\)$/\1/p' "$log")"
  [ -n "$url" ] && break
  kill -0 "$demo" 2>/dev/null || { cat "$log"; echo "the demo stopped before printing the console's URL" >&2; exit 1; }
  sleep 1
done
[ -n "$url" ] || { cat "$log"; echo "no console URL after 600 s" >&2; exit 1; }
echo "console: $url"

CONSOLE_URL="$url" CONSOLE_SCREENSHOT="$PWD/$out" \
  cargo test --locked -p mediatailor-local --test console -- --ignored --exact screenshot_of_a_served_console --nocapture
echo "wrote $out"
