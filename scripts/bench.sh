#!/usr/bin/env bash
# The benchmark: set-up, a release build installed into PostgreSQL 15, one throwaway cluster, and
# one table of server-side timings (median, min and max of 5 runs; ratios from the same run):
# RLS scans, helpers in policies, jwt_verify against the raw crypto primitive, PostgREST-shaped
# pgbench transactions and backend memory. Prints PASS/FAIL per target; exits 0 either way (it
# is a measurement, not a test). The table is also written to $PGJC_RUN/bench/results.md.
# SQL scripts are in bench/sql/.
set -euo pipefail
source "$(dirname "$0")/env.sh"

version=pg15
port=${PGJC_BENCH_PORT:-54435}
dir="$PGJC_RUN/bench-cluster"   # the cluster (removed at the end)
out="$PGJC_RUN/bench"           # keys, tokens, scripts, raw numbers and results.md (kept)
sql="$REPO/bench/sql"           # the SQL scripts (q -f)
bindir="$("$(pg_config_for "$version")" --bindir)"
RUNS=5
raw="$out/raw.tsv"              # one line per item: name TAB values separated by spaces
targets="$out/targets.txt"      # the PASS/FAIL lines
started=$SECONDS

# A progress line with the elapsed time.
step() { echo "== [$((SECONDS - started)) s] $*"; }
# psql as the superuser on the bench cluster, unaligned and quiet; SQL from -f (bench/sql/) or -c.
q() { "$bindir/psql" -X -q -At -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }
# Records the runs of one measured item.
record() { printf '%s\t%s\n' "$1" "$2" >>"$raw"; }
# "median min max" of an item's runs.
stats() {
  awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$raw" | tr ' ' '\n' | { grep . || true; } | sort -g |
    awk '{ a[NR] = $1 } END { if (NR == 0) { print "nan nan nan"; exit }
      m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; print m, a[1], a[NR] }'
}
median() { stats "$1" | cut -d' ' -f1; }
# Arithmetic on decimals: calc '1 / 3'.
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
# A number with about three significant digits.
num() { awk -v v="$1" 'BEGIN { a = v < 0 ? -v : v
  if (v !~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) print v; else if (a >= 100) printf "%.0f", v; else if (a >= 10) printf "%.1f", v;
  else if (a >= 1) printf "%.2f", v; else printf "%.3f", v }'; }
# A table row: label, item, unit, derived text (median, min and max come from the item's runs).
row() {
  local label=$1 item=$2 unit=$3 derived=${4:-} m lo hi
  read -r m lo hi < <(stats "$item")
  printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$(num "$m")" "$(num "$lo")" "$(num "$hi")" "$unit" "$derived" >>"$out/table.md"
}
# One PASS/FAIL line: description, measured value, comparison (le|ge), limit, optional note.
# The value is judged as printed (about three significant digits).
target() {
  local what=$1 value=$2 op=$3 limit=$4 note=${5:+ [$5]} sign ok
  sign=$([ "$op" = le ] && echo '<=' || echo '>=')
  value=$(num "$value")
  ok=$(awk -v v="$value" -v l="$limit" -v op="$op" 'BEGIN { print ((op == "le" ? v <= l : v >= l) ? 1 : 0) }')
  if [ "$ok" = 1 ]; then echo "PASS  $what: $value (target $sign $limit)$note"
  else echo "FAIL  $what: $value (target $sign $limit)$note  <<<<<<<<<< FAIL"; fi >>"$targets"
}

# Set-up, the release build, the bench crate's two builds and the cluster.
prepare() {
  bash "$REPO/scripts/setup.sh"
  rm -rf "$out"; mkdir -p "$out/keys" "$out/crypto" "$out/lib"; : >"$raw"; : >"$targets"
  step "building (release) and installing into $version"
  install_extension "$version" --release
  bash "$REPO/scripts/standin.sh" "$version"
  # This run's own copy of the library: other builds may replace the installed one meanwhile.
  cp "$REPO/target/release/libpg_jwt_claims.so" "$out/lib/pg_jwt_claims.so"
  step "building bench/crypto (aws-lc-rs and RustCrypto backends)"
  crypto_cargo build >/dev/null 2>&1 || crypto_cargo build
  crypto_cargo build --no-default-features --features rust-crypto >/dev/null 2>&1 ||
    crypto_cargo build --no-default-features --features rust-crypto
  chmod -R a+rX "$out"
  step "starting a PostgreSQL 15 cluster in $dir on port $port"
  start_cluster "$version" "$dir" "$port" 'shared_buffers = 1GB' 'jit = off' \
    'max_parallel_workers_per_gather = 0' 'log_min_messages = warning'
}
# cargo for the micro-benchmark crate, with its build kept under the ignored target/.
crypto_cargo() {
  local cmd=$1; shift
  cargo "$cmd" --release --locked --quiet --manifest-path "$REPO/bench/crypto/Cargo.toml" \
    --target-dir "$REPO/target/bench-crypto" "$@"
}
issuer_pid=""
cleanup() {
  stop_cluster "$dir" "$version" 2>/dev/null || true; rm -rf "$dir"
  stop_cluster "$dir-issuers" "$version" 2>/dev/null || true; rm -rf "$dir-issuers"
  [ -z "$issuer_pid" ] || kill "$issuer_pid" 2>/dev/null || true
}

# The extension, the roles, the claims generator and the timing functions.
setup_database() {
  q -v lib="$out/lib/pg_jwt_claims.so" -f "$sql/setup.sql"
}

# 1 and 2. The 1,000,000-row table scanned through RLS policies.
rls_table() {
  step "RLS scans (1,000,000 rows)"
  q -f "$sql/rls_table.sql"
}
# Times `select count(*) from t` as bench_reader under the policy `using (EXPR)`; with a third
# argument, the session first loads the stand-in module that defines request.jwt.claims (as
# Neon's pg_session_jwt does), so another module owns the setting.
rls_item() {
  local item=$1 expr=$2 line preload=${3:-}
  line=$(q -v expr="$expr" -v runs="$RUNS" -v preload="${preload:+load 'pg_jwt_claims_standin';}" -f "$sql/rls_item.sql")
  record "$item.rows" "${line%%$'\t'*}"
  record "$item" "${line#*$'\t'}"
}
# All RLS items.
rls_scans() {
  rls_table
  rls_item rls.literal "user_id = 'user_42'"
  rls_item rls.select "user_id = (select requesting_user_id())"
  rls_item rls.ext "user_id = requesting_user_id()"
  rls_item rls.guide "user_id = guide_requesting_user_id()"
  rls_item rls.supabase "user_id = (auth.jwt() ->> 'sub')"
  rls_item rls.supabase.select "user_id = ((select auth.jwt()) ->> 'sub')"
  rls_item rls.owned.select "user_id = (select requesting_user_id())" owned
  rls_item rls.owned.ext "user_id = requesting_user_id()" owned
  rls_item helper.permission "jwt_has_permission('org:invoices:read')"
  rls_item helper.org "requesting_org_id() = org_id"
  rls_item helper.exp "jwt_claim_bigint('exp') > 0"
  # Same selectivity as the permission and exp policies (every row), for reference.
  rls_item rls.all_rows "user_id <> ''"
}

# 3. Keys (openssl) and tokens (jwt_sign) for the verification benchmark.
verify_material() {
  step "keys and tokens for jwt_verify"
  local k="$out/keys"
  openssl rand -hex 32 | tr -d '\n' >"$k/HS256.key"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$k/RS256.key.pem" 2>/dev/null
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$k/ES256.key.pem" 2>/dev/null
  openssl genpkey -algorithm ED25519 -out "$k/EdDSA.key.pem" 2>/dev/null
  for alg in RS256 ES256 EdDSA; do openssl pkey -in "$k/$alg.key.pem" -pubout -out "$k/$alg.pub.pem"; done
  q -v hs="$(cat "$k/HS256.key")" \
    -v rs_priv="$(cat "$k/RS256.key.pem")" -v rs_pub="$(cat "$k/RS256.pub.pem")" \
    -v es_priv="$(cat "$k/ES256.key.pem")" -v es_pub="$(cat "$k/ES256.pub.pem")" \
    -v ed_priv="$(cat "$k/EdDSA.key.pem")" -v ed_pub="$(cat "$k/EdDSA.pub.pem")" -f "$sql/verify_material.sql"
  cp "$k/HS256.key" "$k"/*.pub.pem "$out/crypto/"
  for alg in HS256 RS256 ES256 EdDSA; do
    q -c "select tok from tokens where alg = '$alg' order by i" >"$out/crypto/$alg.tokens"
  done
}
# jwt_verify per algorithm: distinct tokens, and one token repeated.
verify_sql() {
  step "jwt_verify"
  local alg n line
  for alg in HS256 RS256 ES256 EdDSA; do
    n=$(q -c "select n from keys where alg = '$alg'")
    line=$(q -v alg="$alg" -v runs="$RUNS" -f "$sql/verify_distinct.sql")
    record "verify.distinct.$alg" "$(per_call_us "$line" "$n")"
    line=$(q -v alg="$alg" -v runs="$RUNS" -f "$sql/verify_repeated.sql")
    record "verify.repeated.$alg" "$(per_call_us "$line" 100000)"
  done
  # For scale: the same scan calling nothing, and the same claims texts made into jsonb by
  # jsonb_in (what any function returning them as jsonb pays at least).
  n=$(q -c "select n from keys where alg = 'HS256'")
  q -c "create table payloads as select i, payload::text as claims from tokens, jwt_decode(tok) where alg = 'HS256'"
  line=$(q -v runs="$RUNS" -f "$sql/verify_floor_scan.sql")
  record verify.floor.scan "$(per_call_us "$line" "$n")"
  line=$(q -v runs="$RUNS" -f "$sql/verify_floor_jsonb_in.sql")
  record verify.floor.jsonb_in "$(per_call_us "$line" "$n")"
}
# jwt_verify with keys the key worker fetched (pg_jwt_claims.issuers, from a local HTTPS issuer,
# tests/issuers/server.js) against the same key pasted into pg_jwt_claims.jwks: 2,000 distinct
# RS256 tokens with the bench's claims, the issuer's iss and its key's kid; configured keys both
# times. On a second cluster that preloads the installed library (the key worker needs it, and a
# preloaded library cannot be this run's copy: creating the extension loads the installed file).
verify_issuers() {
  step "jwt_verify with keys from the key worker (second cluster, preloaded)"
  local w="$out/issuer" iss priv jwks line n c="$dir-issuers" p=$((port + 1))
  qi() { "$bindir/psql" -X -q -At -h "$c" -p "$p" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }
  mkdir -p "$w"
  bash "$REPO/tests/issuers/make-ca.sh" "$w/ca" >/dev/null
  chmod -R a+rX "$w"
  node "$REPO/tests/issuers/server.js" --port-file "$w/port" --tls-cert "$w/ca/server.pem" \
    --tls-key "$w/ca/server.key" --issuers bench >"$w/server.log" 2>&1 &
  issuer_pid=$!
  for _ in $(seq 100); do [ -s "$w/port.control" ] && break; sleep 0.1; done
  iss="https://127.0.0.1:$(cat "$w/port")/bench"
  priv=$(curl -sf "http://127.0.0.1:$(cat "$w/port.control")/bench/keys" |
    python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)[0]["private_jwk"]))')
  jwks=$(curl -sf --cacert "$w/ca/ca.pem" "$iss/jwks.json")
  start_cluster "$version" "$c" "$p" "shared_preload_libraries = 'pg_jwt_claims'" 'shared_buffers = 256MB' \
    'jit = off' 'max_parallel_workers_per_gather = 0' 'log_min_messages = warning' \
    "pg_jwt_claims.http_ca_file = '$w/ca/ca.pem'"
  qi -v lib='$libdir/pg_jwt_claims' -f "$sql/setup.sql" >/dev/null
  qi -v iss="$iss" -v priv="$priv" <<'SQL'
create table issuer_tokens as
  select i, jwt_sign(bench_claims('user_' || (i % 1000), 'jti_' || md5(i::text)) || jsonb_build_object('iss', :'iss'),
                     :'priv', 'RS256') as tok
  from generate_series(1, 2000) i;
vacuum analyze issuer_tokens;
SQL
  n=$(qi -c "select count(*) from issuer_tokens")
  line=$(qi -v jwks="$jwks" -v runs="$RUNS" <<'SQL'
set pg_jwt_claims.jwks = :'jwks';
select bench_runs('select count(jwt_verify(tok)) from issuer_tokens', :runs);
SQL
)
  record verify.static.RS256 "$(per_call_us "$line" "$n")"
  qi -v issuers="[{\"issuer\": \"$iss\", \"jwks_uri\": \"$iss/jwks.json\"}]" <<'SQL'
alter system set pg_jwt_claims.issuers = :'issuers';
select pg_reload_conf();
SQL
  for _ in $(seq 100); do [ "$(qi -c "select fetches from jwt_issuers() where issuer = '$iss'")" = 1 ] && break; sleep 0.1; done
  line=$(qi -v runs="$RUNS" <<'SQL'
select bench_runs('select count(jwt_verify(tok)) from issuer_tokens', :runs);
SQL
)
  record verify.worker.RS256 "$(per_call_us "$line" "$n")"
  [ "$(qi -c "select verified >= $n from jwt_issuers() where issuer = '$iss'")" = t ] ||
    echo "WARNING: the key worker's issuer counted fewer verifications than tokens"
  stop_cluster "$c" "$version"; rm -rf "$c"
  kill "$issuer_pid" 2>/dev/null || true
}
# Converts "ms ms …" for N calls into "µs µs …" per call.
per_call_us() { tr ' ' '\n' <<<"$1" | awk -v n="$2" '{ printf "%s%.4f", (NR > 1 ? " " : ""), $1 * 1000 / n }'; }
# The raw primitive, both backends, over the same keys and tokens.
verify_crypto() {
  step "raw crypto primitive (bench/crypto)"
  local backend name count values
  for features in "" "--no-default-features --features rust-crypto"; do
    # shellcheck disable=SC2086
    crypto_cargo run $features -- "$out/crypto" >"$out/crypto/out.txt"
    while read -r name count values; do
      if [ "$name" = backend ]; then backend=$count; continue; fi
      record "crypto.$backend.$name" "$values"
    done <"$out/crypto/out.txt"
  done
}

# 4. PostgREST-shaped transactions with pgbench: the todos table, its policy and the script.
pgbench_setup() {
  step "pgbench set-up (todos, 1,000,000 rows)"
  q -f "$sql/pgbench_setup.sql"
  # What PostgREST sends per request; pgbench fills :uid inside the claims.
  local claims; claims=$(q -c "select bench_claims('user_:uid')::text")
  cat >"$out/pgbench.sql" <<EOF
\set uid random(1, 1000)
begin;
select set_config('role', 'authenticated', true), set_config('request.jwt.claims', '$claims', true);
select * from todos order by id limit 20;
commit;
EOF
  chmod a+r "$out/pgbench.sql"
}
# Sets the todos policy to `user_id = F` and checks that the plan uses the user_id index.
todos_policy() {
  local plan
  plan=$(q -v f="$1" -f "$sql/todos_policy.sql")
  echo "$plan" >"$out/plan-$1.txt"
  grep -q 'Index Cond: (user_id = ' <<<"$plan" || echo "WARNING: the todos plan under user_id = $1 does not use the user_id index: $plan"
}
# Alternating pgbench rounds, guide then extension, 5 s each with 2 clients.
pgbench_runs() {
  step "pgbench (${RUNS} rounds x 2 functions x 5 s)"
  pgbench_setup
  local round f name tps lat outp
  declare -A tpss=() lats=()
  for f in guide_requesting_user_id requesting_user_id; do
    todos_policy "$f()"
    request_loop "$f"
  done
  for round in $(seq "$RUNS"); do
    for f in guide_requesting_user_id requesting_user_id; do
      todos_policy "$f()"
      outp=$("$bindir/pgbench" -h "$dir" -p "$port" -U postgres -n -c 2 -j 2 -T 5 -f "$out/pgbench.sql" postgres 2>&1)
      tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$outp")
      lat=$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' <<<"$outp")
      [ -n "$tps" ] || { echo "pgbench failed: $outp"; exit 1; }
      name=${f%%_*}; [ "$name" = guide ] || name=ext
      tpss[$name]+="$tps "; lats[$name]+="$lat "
    done
  done
  for name in guide ext; do record "pgbench.$name.tps" "${tpss[$name]}"; record "pgbench.$name.lat" "${lats[$name]}"; done
}

# The server-side request loop under the current policy: µs per request (2,000 requests a run).
request_loop() {
  local name=${1%%_*} line
  [ "$name" = guide ] || name=ext
  line=$(q -c "select request_loop(100) || E'\t' || bench_runs('select request_loop(2000)', $RUNS)")
  [ "${line%%$'\t'*}" = 2000 ] || echo "WARNING: 100 requests under $1 saw ${line%%$'\t'*} rows, not 2000"
  record "loop.$name" "$(per_call_us "${line#*$'\t'}" 2000)"
}

# 5. Backend memory (RssAnon and VmRSS, kB) around 10M requesting_user_id() calls, a loop that
# changes the claims every 1000 calls, and 1M jwt_verify calls of distinct HS256 tokens.
memory() {
  step "memory"
  local line
  line=$(q -f "$sql/memory_reader.sql")
  mem_record mem.reader "$line"
  line=$(q -f "$sql/memory_loop.sql")
  mem_record mem.loop "$line"
  q -f "$sql/memory_tokens.sql"
  line=$(q -f "$sql/memory_verify.sql")
  mem_record mem.verify "$line"
}
# Records "anon_before anon_after rss_before rss_after" (kB) as growths and absolute values.
mem_record() {
  local a0 a1 v0 v1; read -r a0 a1 v0 v1 <<<"$2"
  record "$1.anon" "$((a1 - a0))"; record "$1.rss" "$((v1 - v0))"
  record "$1.anon_after" "$a1"; record "$1.rss_after" "$v1"
}

# The table, the header and the PASS/FAIL lines.
report() {
  local lit sel ext guide r alg d rep p_aws p_rc
  lit=$(median rls.literal); sel=$(median rls.select); ext=$(median rls.ext); guide=$(median rls.guide)
  {
    echo "| measurement | median | min | max | unit | derived |"
    echo "|---|---|---|---|---|---|"
  } >"$out/table.md"
  rls_row() {
    local m; m=$(median "$2")
    local all=""
    [ "$(median "$2.rows")" != 1000000 ] || all="; $(num "$(calc "$m / $(median rls.all_rows)")")x all-rows literal"
    row "$1 ($(median "$2.rows") rows visible)" "$2" ms "$(num "$(calc "$m * 1e6 / 1000000")") ns/row; $(num "$(calc "$m / $lit")")x literal$all"
  }
  echo "| **RLS scan, 1,000,000 rows, policy:** | | | | | |" >>"$out/table.md"
  rls_row "\`user_id = 'user_42'\` (literal)" rls.literal
  rls_row "\`user_id = (select requesting_user_id())\`" rls.select
  rls_row "\`user_id = requesting_user_id()\`" rls.ext
  rls_row "\`user_id = guide_requesting_user_id()\` (the guide's SQL function)" rls.guide
  rls_row "\`user_id = (auth.jwt() ->> 'sub')\` (Supabase's docs for Clerk)" rls.supabase
  rls_row "\`user_id = ((select auth.jwt()) ->> 'sub')\` (Supabase's advice: wrap in select)" rls.supabase.select
  rls_row "\`user_id = (select requesting_user_id())\`, another module owns request.jwt.claims" rls.owned.select
  rls_row "\`user_id = requesting_user_id()\`, another module owns request.jwt.claims" rls.owned.ext
  rls_row "\`user_id <> ''\` (literal, every row visible: reference)" rls.all_rows
  echo "| **Helpers in policies:** | | | | | |" >>"$out/table.md"
  rls_row "\`jwt_has_permission('org:invoices:read')\`" helper.permission
  rls_row "\`requesting_org_id() = org_id\`" helper.org
  rls_row "\`jwt_claim_bigint('exp') > 0\`" helper.exp
  echo "| **jwt_verify(token, key), ~1 KB claims:** | | | | | |" >>"$out/table.md"
  for alg in HS256 RS256 ES256 EdDSA; do
    d=$(median "verify.distinct.$alg"); p_aws=$(median "crypto.aws-lc-rs.$alg")
    row "$alg, $(q -c "select to_char(n, 'FM999,999') from keys where alg = '$alg'") distinct tokens" "verify.distinct.$alg" µs \
      "$(num "$(calc "1e6 / $d")") verifications/s; $(num "$(calc "$d / $p_aws")")x raw primitive"
    row "$alg, one token repeated 100,000 times" "verify.repeated.$alg" µs "$(num "$(calc "1e6 / $(median "verify.repeated.$alg")")") verifications/s"
    row "$alg raw primitive, aws-lc-rs (the extension's backend)" "crypto.aws-lc-rs.$alg" µs ""
    p_rc=$(median "crypto.rust-crypto.$alg")
    row "$alg raw primitive, RustCrypto" "crypto.rust-crypto.$alg" µs "$(num "$(calc "$p_rc / $p_aws")")x aws-lc-rs"
  done
  row "RS256, 2,000 distinct tokens with an iss and a kid, keys in \`pg_jwt_claims.jwks\` (preloaded cluster)" verify.static.RS256 µs ""
  row "RS256, the same tokens, keys from the key worker (\`pg_jwt_claims.issuers\`)" verify.worker.RS256 µs \
    "$(num "$(calc "$(median verify.worker.RS256) / $(median verify.static.RS256)")")x keys in pg_jwt_claims.jwks"
  row "RS256 raw primitive, aws-lc-rs, key as PKCS#1 DER instead of (n, e)" "crypto.aws-lc-rs.RS256-der" µs ""
  row "reference: the same scan of the HS256 tokens calling nothing (\`octet_length(tok)\`)" verify.floor.scan µs ""
  row "reference: their claims texts made jsonb by \`jsonb_in\` (\`claims::jsonb\`)" verify.floor.jsonb_in µs ""
  row "RS256 raw primitive, RustCrypto, key as PKCS#1 DER" "crypto.rust-crypto.RS256-der" µs ""
  echo "| **PostgREST-shaped transactions (pgbench, 2 clients, 5 rounds of 5 s):** | | | | | |" >>"$out/table.md"
  row "policy \`user_id = guide_requesting_user_id()\`" pgbench.guide.tps TPS ""
  row "policy \`user_id = requesting_user_id()\`" pgbench.ext.tps TPS "$(num "$(calc "$(median pgbench.ext.tps) / $(median pgbench.guide.tps)")")x guide"
  row "server-side request loop (plpgsql, parse + plan + run), guide's function" loop.guide µs ""
  row "server-side request loop, requesting_user_id()" loop.ext µs "$(num "$(calc "$(median loop.ext) / $(median loop.guide)")")x guide"
  row "latency, guide's function" pgbench.guide.lat ms ""
  row "latency, requesting_user_id()" pgbench.ext.lat ms ""
  echo "| **Backend memory growth (one measurement each, caches warm):** | | | | | |" >>"$out/table.md"
  for r in "reader:10,000,000 requesting_user_id() calls" "loop:10,000 claims changes x 1,000 calls (plpgsql)" "verify:1,000,000 jwt_verify of distinct HS256 tokens (second pass)"; do
    row "${r#*:}: RssAnon growth" "mem.${r%%:*}.anon" kB "RssAnon after: $(median "mem.${r%%:*}.anon_after") kB"
    row "${r#*:}: VmRSS growth" "mem.${r%%:*}.rss" kB "VmRSS after: $(median "mem.${r%%:*}.rss_after") kB"
  done

  target "requesting_user_id() / (select requesting_user_id()) in the RLS scan" "$(calc "$ext / $sel")" le 1.3
  target "guide's function / requesting_user_id() in the RLS scan (times faster)" "$(calc "$guide / $ext")" ge 50
  target "requesting_user_id() / (select …) when another module owns request.jwt.claims" \
    "$(calc "$(median rls.owned.ext) / $(median rls.owned.select)")" le 2
  local all_rows; all_rows=$(median rls.all_rows)
  target "jwt_has_permission() policy / literal" "$(calc "$(median helper.permission) / $lit")" le 1.5 \
    "every row visible: $(num "$(calc "$(median helper.permission) / $all_rows")")x the literal policy with every row visible"
  target "requesting_org_id() policy / literal" "$(calc "$(median helper.org) / $lit")" le 1.5
  target "jwt_claim_bigint() policy / literal" "$(calc "$(median helper.exp) / $lit")" le 1.5 \
    "every row visible: $(num "$(calc "$(median helper.exp) / $all_rows")")x the literal policy with every row visible"
  for alg in HS256 RS256 ES256 EdDSA; do
    target "jwt_verify $alg repeated token, µs" "$(median "verify.repeated.$alg")" le 2
  done
  for alg in HS256 RS256 ES256 EdDSA; do
    target "jwt_verify $alg distinct tokens / raw primitive (aws-lc-rs)" "$(calc "$(median "verify.distinct.$alg") / $(median "crypto.aws-lc-rs.$alg")")" le 1.3
  done
  target "jwt_verify RS256, keys from the key worker / keys in pg_jwt_claims.jwks" \
    "$(calc "$(median verify.worker.RS256) / $(median verify.static.RS256)")" le 1.1
  target "pgbench TPS requesting_user_id() / guide's function" "$(calc "$(median pgbench.ext.tps) / $(median pgbench.guide.tps)")" ge 1
  for r in reader loop verify; do
    target "memory growth ($r), RssAnon kB" "$(median "mem.$r.anon")" le 1024
  done

  {
    echo "# pg_jwt_claims benchmark"
    echo
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r);" \
      "PostgreSQL $(q -c 'show server_version'); $(rustc --version); $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo "Extension: release build of commit $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo ' with uncommitted changes in src/')."
    echo "One run on one cluster (shared_buffers = 1GB, no parallel workers, jit off; the key worker's rows on a"
    echo "second one that preloads the library); server-side timings"
    echo "(EXPLAIN ANALYZE execution time), median of $RUNS runs after one untimed run; ratios are of medians."
    echo
    cat "$out/table.md"
    echo
    echo '```'
    cat "$targets"
    echo '```'
  } >"$out/results.md"
  cat "$out/results.md"
  echo
  echo "total run time: $((SECONDS - started)) s; results in $out/results.md"
}

trap cleanup EXIT
prepare
setup_database
rls_scans
verify_material
verify_sql
verify_issuers
verify_crypto
pgbench_runs
memory
report
exit 0
