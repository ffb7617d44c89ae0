#!/usr/bin/env bash
# The pgTAP example (tests/pgtap/*.sql) with pg_prove on PostgreSQL 15 (Debian's pgTAP).
set -euo pipefail
source "$(dirname "$0")/env.sh"
version=pg15; dir="$PGJC_RUN/pgtap"; port=54417
install_extension "$version"
start_cluster "$version" "$dir" "$port"
trap 'stop_cluster "$dir" "$version"' EXIT
bindir="$("$(pg_config_for "$version")" --bindir)"
"$bindir/psql" -X -q -h "$dir" -p "$port" -U postgres -c "create extension pgtap" -c "create extension pg_jwt_claims"
pg_prove --host "$dir" --port "$port" --username postgres --dbname postgres "$REPO"/tests/pgtap/*.sql
