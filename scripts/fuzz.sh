#!/usr/bin/env bash
# cargo-fuzz targets of tests/fuzz (manifests, S3 keys to names, events, playback-config PUT
# bodies), each run for a bounded time: `bash scripts/fuzz.sh [SECONDS_PER_TARGET]` (default 15).
#
# Stable Rust only: RUSTC_BOOTSTRAP=1 lets it take the nightly flags cargo-fuzz passes.
# cargo-fuzz itself is pinned and installed into ./.tools on first use. Built without a
# sanitizer: all of tailorflow is safe Rust (`unsafe_code = "forbid"`), so a panic, an overflow
# (overflow checks are on) or a debug assertion is what there is to find, and skipping ASan keeps
# the build quick on a 2-core machine. Seeds in tests/fuzz/corpus/TARGET are read, never written:
# new inputs go to a scratch corpus that is deleted on exit. A crash is kept in
# tests/fuzz/artifacts/TARGET/ (git-ignored) and replays with
# `RUSTC_BOOTSTRAP=1 .tools/bin/cargo-fuzz run --fuzz-dir tests/fuzz -O -a -s none --codegen-units 16 \
#    TARGET tests/fuzz/artifacts/TARGET/crash-...`.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.2
seconds=${1:-15}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: bash scripts/fuzz.sh [SECONDS_PER_TARGET]" >&2
  exit 2
fi
targets=(manifest ingest_key events playback_body)

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export RUSTC_BOOTSTRAP=1
export PATH="$PWD/.tools/bin:$PATH"

if [[ "$(cargo-fuzz --version 2>/dev/null || true)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]]; then
  echo "installing cargo-fuzz $CARGO_FUZZ_VERSION into .tools"
  cargo install --quiet --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION" --root .tools
fi

# The same flags for build and run, so run does not rebuild.
build_flags=(--fuzz-dir tests/fuzz -O -a -s none --codegen-units 16)
cargo fuzz build "${build_flags[@]}"

scratch=$(mktemp -d /tmp/tailorflow-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

passed=0
failed=0
for target in "${targets[@]}"; do
  echo "--> $target (${seconds}s)"
  mkdir -p "$scratch/$target" "tests/fuzz/artifacts/$target"
  log="$scratch/$target.log"
  # -timeout: one input taking 10 s is a finding (a Lambda would time out on it). The outer
  # timeout is a backstop only: libFuzzer stops itself at -max_total_time.
  if timeout $((seconds + 300)) cargo fuzz run "${build_flags[@]}" "$target" "$scratch/$target" "tests/fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=512 -timeout=10 -max_len=8192 \
    -print_final_stats=1 >"$log" 2>&1; then
    passed=$((passed + 1))
    grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done [0-9]+ runs' "$log" | tr '\n' ' ' || true
    echo
  else
    failed=$((failed + 1))
    echo "FAILED: $target; the end of its log:"
    tail -n 60 "$log"
  fi
done

echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
