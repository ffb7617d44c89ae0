#!/usr/bin/env bash
# Builds the .deb, installs it with apt into a machine whose PostgreSQL 15 has no copy of the
# extension, and checks that a database owner who is not a superuser can CREATE EXTENSION it
# (trusted) in a fresh cluster and use it, after checking that its library exports every symbol
# the scripts in sql/ name (check-symbols.sh). Removes the package afterwards. Needs root (apt).
set -euo pipefail
source "$(dirname "$0")/env.sh"
[ "$(id -u)" = 0 ] || { echo "package-test: needs root (it installs a .deb)"; exit 1; }
deb=$(bash "$REPO/scripts/package.sh" | tail -1)
libdir=$("$PG15_CONFIG" --pkglibdir); extdir="$("$PG15_CONFIG" --sharedir)/extension"
rm -f "$libdir/pg_jwt_claims.so" "$extdir"/pg_jwt_claims*
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null
trap 'DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq postgresql-15-pg-jwt-claims >/dev/null; stop_cluster "$dir" pg15' EXIT
dpkg -L postgresql-15-pg-jwt-claims | grep -E 'pg_jwt_claims(\.so|\.control|--[0-9.]+\.sql)$'
dir="$PGJC_RUN/package"; port=54419
# The packaged library answers to every symbol any release's script names.
bash "$REPO/scripts/check-symbols.sh" "$libdir/pg_jwt_claims.so"
start_cluster pg15 "$dir" "$port"
psql15() { "$(dirname "$PG15_CONFIG")/psql" -X -At -v ON_ERROR_STOP=1 -h "$dir" -p "$port" "$@"; }
psql15 -U postgres -c "create role app_owner login" -c "create database app owner app_owner"
got=$(psql15 -U app_owner -d app -c "create extension pg_jwt_claims" \
  -c "select rolsuper from pg_roles where rolname = current_user" \
  -c "begin" -c "select set_config('request.jwt.claims', '{\"sub\":\"user_1\"}', true) is not null" \
  -c "select requesting_user_id()" -c "commit")
echo "$got"
[ "$(tail -1 <<<"$got")" = user_1 ] && grep -qx f <<<"$got"
echo "package-test: the .deb installs with apt, and a non-superuser database owner can create and use the extension"
