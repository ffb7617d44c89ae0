#!/usr/bin/env bash
# Runs every test on PostgreSQL 15 and 18: the pure-Rust unit tests and the #[pg_test]s
# (cargo pgrx test), then the SQL contract (cargo pgrx regress). Set-up included; idempotent.
# PGJC_VERSIONS="pg15" limits the versions.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash "$REPO/scripts/setup.sh"
cd "$REPO"
cargo fetch --locked >/dev/null

for v in ${PGJC_VERSIONS:-pg15 pg18}; do
  echo "== $v: unit tests and #[pg_test]s"
  fresh_dir "$PGJC_RUN/test-$v"
  # shellcheck disable=SC2046
  cargo pgrx test "$v" $(runas_flags "$PGJC_RUN/test-$v")

  echo "== $v: pg_regress suite"
  fresh_dir "$PGJC_RUN/regress-$v"
  # shellcheck disable=SC2046
  cargo pgrx regress "$v" --resetdb $(runas_flags "$PGJC_RUN/regress-$v")
done
echo "== all tests passed"
