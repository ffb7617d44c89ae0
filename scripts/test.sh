#!/usr/bin/env bash
# Runs every test: formatting and lints, the layer check of the glue, the documentation site, every
# crate's unit tests (the core, the #[sql_function] macro, the glue's plain tests, the fuzz
# harness's invariants and kept crash inputs), then on PostgreSQL 13, 14, 15, 16, 17 and 18 the
# #[pg_test]s (cargo pgrx test), the SQL contract (pg_regress), the attacks on verify mode
# (security-test.sh), verify mode across dump and restore (restore-test.sh), declared issuers and
# the key worker (issuers-test.sh) and the differential test against Clerk's SDK
# (clerk-parity.sh), then on 15 the release and upgrade checks, pg_upgrade to 17 and from 13 to
# 18, the path from the guide, the pgTAP example, a real PostGraphile, the reliability suite, the
# demo's install against cargo pgrx's, and the .deb with a trusted install.
# Set-up included; idempotent. Prints its elapsed time.
# PGJC_VERSIONS="pg15" limits the versions.
set -euo pipefail
test_start=$(date +%s)
source "$(dirname "$0")/env.sh"
bash "$REPO/scripts/setup.sh"
cd "$REPO"
cargo fetch --locked >/dev/null
echo "== the clone stands on its own"
# Everything the tests read is in the repo: no path to a folder beside the clone may come back.
if git -C "$REPO" grep -n -I -E '[.][.]/+shared|/shared''/jose-vectors' -- . ':!target'; then
  echo "the project refers to a folder outside the clone (above): copy what it needs into the repo"
  exit 1
fi
echo "== formatting and lints"
cargo fmt --all --check
cargo clippy --locked --all-targets --features "pg15 pg_test" --no-default-features -- -D warnings
cargo clippy --locked --all-targets -p pg_jwt_claims_core -p pg_jwt_claims_macros -p pg_jwt_claims-fuzz \
  -p pg_jwt_claims_bench_crypto --features pg_jwt_claims_core/fetch -- -D warnings
echo "== the glue's layers: functions -> runtime -> pg, no module importing one that imports it back"
python3 "$REPO/scripts/check-layers.py"
echo "== the documentation site (mkdocs, strict: a broken link or a missing page fails)"
bash "$REPO/scripts/docs.sh"
# A Rust developer's first command, as it is: the core crate (claims, Clerk, strict JSON, JOSE with
# the RFC, Wycheproof and peer vectors, issuers, the HTTPS client), the #[sql_function] macro (how
# SQL signatures are read), the glue's plain unit tests, and the fuzz harness (its invariants over
# edge cases, the seed corpus and every kept crash input). The #[pg_test]s need a server: below.
echo "== cargo test --workspace: every crate's unit tests"
cargo test --locked --quiet --workspace

echo "== the local test issuer the key worker is tested against (tests/issuers)"
bash "$REPO/tests/issuers/selftest.sh"

for v in ${PGJC_VERSIONS:-pg13 pg14 pg15 pg16 pg17 pg18}; do
  echo "== $v: unit tests and #[pg_test]s"
  fresh_dir "$PGJC_RUN/test-$v"
  # shellcheck disable=SC2046
  cargo pgrx test "$v" $(runas_flags "$PGJC_RUN/test-$v")

  echo "== $v: pg_regress suite"
  bash "$REPO/scripts/regress.sh" "$v"

  echo "== $v: attacks on verify mode as a plain role, with and without preloading"
  bash "$REPO/scripts/security-test.sh" "$v"

  echo "== $v: verify mode required by the database survives pg_dump and pg_restore, beside a squatter"
  bash "$REPO/scripts/restore-test.sh" "$v"

  echo "== $v: declared issuers and the key worker against a local HTTPS issuer"
  bash "$REPO/scripts/issuers-test.sh" "$v"

  echo "== $v: the same answers as Clerk's own SDK (differential test)"
  bash "$REPO/scripts/clerk-parity.sh" "$v"
done
echo "== upgrades, release script, and the path from the guide (pg15)"
bash "$REPO/scripts/upgrade-test.sh"
echo "== pg_upgrade with the extension preloaded and in use: 15 -> 17 and 13 -> 18"
bash "$REPO/scripts/pg-upgrade-test.sh"
echo "== the Clerk v2 walkthrough (pg15, debug build)"
PGJC_DEMO_PROFILE=debug bash "$REPO/scripts/demo-clerk.sh" >/dev/null
echo "== pgTAP example (pg15)"
bash "$REPO/scripts/pgtap.sh"
echo "== behind a real PostGraphile 4: per-claim settings, typed and nested readers, pooled load (pg15)"
bash "$REPO/scripts/postgraphile-test.sh"
echo "== reliability: PgBouncer load, faults, replica, parallel workers, memory (pg15)"
bash "$REPO/scripts/stress.sh"
echo "== the demo installs what cargo pgrx install installs (pg15, release)"
bash "$REPO/scripts/demo-install-check.sh"
echo "== the .deb package and a trusted install (pg15)"
if [ "$(id -u)" = 0 ]; then bash "$REPO/scripts/package-test.sh"; else echo "skipped: installing a .deb needs root"; fi
echo "== all tests passed"
elapsed=$(( $(date +%s) - test_start ))
echo "== the test command took $((elapsed / 60)) min $((elapsed % 60)) s"
