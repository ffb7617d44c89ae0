#!/usr/bin/env bash
# The SQL contract: tests/pg_regress/sql/*.sql against tests/pg_regress/expected/*.out, run with
# Postgres' own pg_regress on a throwaway cluster (`cargo pgrx regress` uses the same layout but
# cannot start its server as root). Usage: regress.sh pg15|pg17|pg18 [test ...]
set -euo pipefail
source "$(dirname "$0")/env.sh"
version=${1:-pg15}; shift || true
dir="$PGJC_RUN/regress-$version"; port=544${version#pg}
install_extension "$version"
bash "$REPO/scripts/standin.sh" "$version"   # the module coexistence.sql loads beside this one
start_cluster "$version" "$dir" "$port"
trap 'stop_cluster "$dir" "$version"' EXIT
pg_config="$(pg_config_for "$version")"
regress="$("$pg_config" --pkglibdir)/pgxs/src/test/regress/pg_regress"
# The assembled PostgreSQL 17 has no PGXS: PostgreSQL 15's pg_regress drives any server version.
[ -x "$regress" ] || regress="$("$PG15_CONFIG" --pkglibdir)/pgxs/src/test/regress/pg_regress"
tests=("$@"); if [ ${#tests[@]} -eq 0 ]; then
  mapfile -t tests < <(cd "$REPO/tests/pg_regress/sql" && ls *.sql | sed 's/\.sql$//' | grep -v '^setup$' | sort)
fi
out="$dir/out"; mkdir -p "$out/results"
if [ "${PGJC_ACCEPT:-}" = 1 ]; then
  for t in setup "${tests[@]}"; do touch "$REPO/tests/pg_regress/expected/$t.out"; done
fi
as_pg "$("$pg_config" --bindir)/createdb" -h "$dir" -p "$port" -U postgres pg_jwt_claims_regress
# setup first, then every test, in one database, as pgrx's regress does.
if ! "$regress" --host="$dir" --port="$port" --user=postgres --use-existing --dbname=pg_jwt_claims_regress \
    --bindir="$("$pg_config" --bindir)" --inputdir="$REPO/tests/pg_regress" --outputdir="$out" \
    setup "${tests[@]}"; then
  if [ "${PGJC_ACCEPT:-}" = 1 ]; then
    # Authoring: take the actual output as expected. Read every accepted line before committing.
    cp "$out"/results/*.out "$REPO/tests/pg_regress/expected/"
    echo "regress $version: accepted results into tests/pg_regress/expected/"
    exit 0
  fi
  cat "$out/regression.diffs" 2>/dev/null | head -200
  echo "regress $version: FAILED (diffs in $out/regression.diffs, results in $out/results)"
  exit 1
fi
