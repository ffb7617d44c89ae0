#!/usr/bin/env bash
# Builds and installs tests/standin (a module that defines request.jwt.claims and
# request.headers, as Neon's pg_session_jwt does) into version $1's tree, for the coexistence
# tests and the benchmark. Compiled directly against the server headers (the assembled
# PostgreSQL 17 has no PGXS). Usage: standin.sh pg15|pg17|pg18
set -euo pipefail
source "$(dirname "$0")/env.sh"
pg_config="$(pg_config_for "${1:-pg15}")"
gcc -O2 -fPIC -shared -Wall -Werror -I"$("$pg_config" --includedir-server)" \
  -o "$("$pg_config" --pkglibdir)/pg_jwt_claims_standin.so" "$REPO/tests/standin/pg_jwt_claims_standin.c"
