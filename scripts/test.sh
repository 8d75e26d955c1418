#!/usr/bin/env bash
# The one test command (README): formatting, lints, then every test of the workspace.
# Installs nothing system-wide but Debian's xmllint, XMLTV DTD, ffmpeg and chromium when missing (apt-get): Python
# tools go into ./.venv (pinned), Rust needs only the toolchain with rustfmt and clippy.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Tests talk to loopback only; keep proxies out of their way.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

step() { printf '\n==> %s\n' "$*"; }

step "xmllint and the XMLTV DTD (Debian's libxml2-utils, xmltv-util): every channel guide is validated"
# Idempotent: installs only when either is missing (CI runs as root). The channel-guide tests
# fail without them when CI=true, and skip the validation with a note otherwise.
command -v xmllint >/dev/null && [ -f /usr/share/xmltv/xmltv.dtd ] || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends xmltv-util libxml2-utils
}
command -v xmllint
test -f /usr/share/xmltv/xmltv.dtd

step "ffmpeg (decodes channel playback in local/tests/playback.rs; CI runs as root)"
command -v ffmpeg >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg; }

step "chromium (headless, drives the console in local/tests/console.rs; CI runs as root)"
command -v chromium >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
}
command -v chromium

step "python tools in .venv (cfn-lint, cargo-lambda, schemathesis, aws-sam-cli)"
# Reinstalled whenever scripts/requirements.txt changes (the stamp is a copy of it).
if ! cmp -s scripts/requirements.txt .venv/requirements.stamp; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
  cp scripts/requirements.txt .venv/requirements.stamp
fi

step "cfn-lint template.yaml"
.venv/bin/cfn-lint template.yaml

step "sam validate --lint template.yaml (offline)"
SAM_CLI_TELEMETRY=0 .venv/bin/sam validate --lint --region us-east-1 --template template.yaml

step "checkov template.yaml (fails on any failed check; skips are on their resources, see README Deploy)"
bash scripts/checkov.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test (debug)"
cargo test --workspace --all-targets --locked
cargo test --workspace --doc --locked

step "cargo fuzz targets (tests/fuzz), 15 s each"
bash scripts/fuzz.sh

step "schemathesis against playback-config-api through cargo-lambda"
bash scripts/api-fuzz.sh

step "functions through cargo-lambda against mediatailor-local serve"
bash scripts/lambda-smoke.sh
