#!/usr/bin/env bash
# Fuzzes the pure core (claims paths, Clerk decoding, token decoding and verification) with
# cargo-fuzz, one target after another, each for FUZZ_SECONDS (default 60). Not part of the CI
# test command. Exits non-zero if any target finds a crash, and prints where the input is.
#
#   bash scripts/fuzz.sh                     # every target, 60 s each
#   FUZZ_SECONDS=600 bash scripts/fuzz.sh token_verify
#   FUZZ_SANITIZER=none bash scripts/fuzz.sh # without AddressSanitizer (faster)
#
# Keep a crash: copy it to fuzz/regressions/<target>/ (replayed by `cd fuzz && cargo test`) and
# add the input as a case in the unit tests of the module it concerns.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FUZZ="$REPO/fuzz"
export PATH="$HOME/.cargo/bin:$PATH"
# cargo-fuzz passes -Z flags (sanitizers, coverage); this lets a stable toolchain accept them.
export RUSTC_BOOTSTRAP=1
SECONDS_EACH="${FUZZ_SECONDS:-60}"
SANITIZER="${FUZZ_SANITIZER:-address}"
ALL_TARGETS=(token_decode token_verify claims_parse clerk_decode clerk_v2 json_strict)
TARGETS=("${@:-${ALL_TARGETS[@]}}")

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --version 0.13.2 --locked
fi

cd "$FUZZ"
echo "== kept regressions and seed keys (cargo test)"
cargo test --locked --quiet
echo "== seed corpus"
cargo test --locked --quiet --test seed_corpus -- --ignored write_seed_corpus >/dev/null
echo "== build (sanitizer: $SANITIZER)"
cargo fuzz build --sanitizer "$SANITIZER"

failed=()
summary=()
for target in "${TARGETS[@]}"; do
  echo "== $target: ${SECONDS_EACH}s"
  mkdir -p "corpus/$target" "artifacts/$target"
  marker="$(mktemp)"
  log="$FUZZ/artifacts/$target.log"
  status=0
  cargo fuzz run --sanitizer "$SANITIZER" "$target" "corpus/$target" -- \
    -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout="${FUZZ_TIMEOUT:-30}" \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  runs="$(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$log" | tail -1 || true)"
  if [ -z "$runs" ]; then
    runs="stopped after $(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#') runs"
  fi
  summary+=("$target: $runs (exit $status)")
  if [ "$status" != 0 ]; then
    failed+=("$target")
    tail -n 40 "$log"
    echo "!! $target found a crash; log: $log"
    find "artifacts/$target" -type f -newer "$marker" | while read -r crash; do
      echo "!! input: $FUZZ/$crash"
      echo "   replay: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run $target $crash"
    done
  fi
  rm -f "$marker"
done

echo "== summary"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" != 0 ]; then
  echo "crashes in: ${failed[*]}"
  exit 1
fi
echo "no crashes"
