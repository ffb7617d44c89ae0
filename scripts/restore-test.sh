#!/usr/bin/env bash
# A database in verify mode, dumped and restored by its owner (not a superuser) into a database
# where a plain role can create in public and has planted a function of the same name as the
# extension's: the restored copy must still be in verify mode (the row of the extension's
# configuration table jwt_database_mode travels with the dump), its policies must call the
# extension's functions in the dedicated schema "extensions", and the planted function must never
# run. Then the table switches every session, other backends included, without a restart.
# Usage: restore-test.sh pg13|pg15|pg17|pg18
set -euo pipefail
source "$(dirname "$0")/env.sh"
version=${1:-pg15}
port=544$((50 + ${version#pg} - 10))
dir="$PGJC_RUN/restore-$version"
install_extension "$version"
bindir="$("$(pg_config_for "$version")" --bindir)"
start_cluster "$version" "$dir" "$port"
trap 'stop_cluster "$dir" "$version" 2>/dev/null || true' EXIT

passed=0; failed=0
# psql as a role in a database; errors as 'ERROR:  <SQLSTATE>', everything on stdout.
sql() { local role=$1 db=$2; shift 2; "$bindir/psql" -X -q -At -h "$dir" -p "$port" -d "$db" -U "$role" -v VERBOSITY=sqlstate "$@" 2>&1 || true; }
check() {  # check NAME EXPECTED ACTUAL: equal, line for line
  if [ "$2" = "$3" ]; then passed=$((passed + 1)); echo "ok      $1"
  else failed=$((failed + 1)); echo "FAILED  $1: wanted:"; sed 's/^/          /' <<<"$2"; echo "        got:"; sed 's/^/          /' <<<"$3"; fi
}

ed_public='{"kty":"OKP","crv":"Ed25519","kid":"app","x":"OFAxxIjeEGsDRyJo_yjfw2gTBeQLLhoHHSkbLSJVa9k"}'
ed_private='{"kty":"OKP","crv":"Ed25519","kid":"app","x":"OFAxxIjeEGsDRyJo_yjfw2gTBeQLLhoHHSkbLSJVa9k","d":"N0NE8C1KqgY9lW4h7O3qfYvvFcJwgWWJsaplDthr0Rw"}'

sql postgres postgres -v ON_ERROR_STOP=1 >/dev/null <<SQL
create role app_owner login;
create role mallory login;
grant mallory to app_owner;
create database app owner app_owner;
load 'pg_jwt_claims';
alter system set pg_jwt_claims.jwks = '{"keys":[$ed_public]}';
select pg_reload_conf();
SQL
# The owner's set-up, as the documentation gives it: a dedicated schema, verify mode required by
# the database itself, policies and a default on the extension's functions.
sql app_owner app -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
create schema extensions;
create extension pg_jwt_claims schema extensions;
grant usage on schema extensions to public;
insert into extensions.jwt_database_mode values ('verify');
create table todos (
    id      bigint generated always as identity primary key,
    user_id text not null default extensions.requesting_user_id(),
    task    text not null
);
alter table todos enable row level security;
create policy own_rows on todos using (extensions.requesting_user_id() = user_id);
grant select, insert on todos to mallory;
insert into todos (user_id, task) values ('victim', 'secret plans'), ('mallory', 'groceries');
SQL
token=$(sql postgres app -c "select extensions.jwt_sign('{\"sub\":\"mallory\",\"exp\":4102444800}', '$ed_private', 'EdDSA')")

# What mallory sees: by a claims setting naming the victim, and by her own valid token.
sees() {  # sees DATABASE
  sql mallory "$1" -c "set request.jwt.claims = '{\"sub\":\"victim\"}'" -c "select 'claims: ' || count(*) from todos"
  sql mallory "$1" -c "set pg_jwt_claims.token = '$token'" -c "select 'token: ' || string_agg(task, ',') from todos"
}
check "before the dump: verify mode, a claims setting counts for nothing" \
  "claims: 0
token: groceries" "$(sees app)"

"$bindir/pg_dump" -h "$dir" -p "$port" -U app_owner -Fc -f "$dir/app.dump" app

# The target: public open to every role (PostgreSQL 14 and older, or a cluster upgraded from
# them), and mallory's function of the extension's name there, which records that it ran.
sql postgres postgres -v ON_ERROR_STOP=1 -c "create database app2 owner app_owner" >/dev/null
sql app_owner app2 -v ON_ERROR_STOP=1 -c "grant create on schema public to public" >/dev/null
sql mallory app2 -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
create table public.mallory_ran (at timestamptz default now());
grant insert on public.mallory_ran to public;
create function public.requesting_user_id() returns text language sql volatile as $$
    insert into public.mallory_ran default values;
    select 'victim'::text
$$;
SQL
restore_out=$("$bindir/pg_restore" -h "$dir" -p "$port" -U app_owner -d app2 "$dir/app.dump" 2>&1 && echo "exit 0" || echo "exit $?")
check "pg_restore by the owner: no error, nothing printed" "exit 0" "$restore_out"
check "the restored database requires verify mode" "verify" \
  "$(sql app_owner app2 -c "select string_agg(mode, ',') from extensions.jwt_database_mode")"
check "the restored policy and default call the extension's function in its schema" \
  "(extensions.requesting_user_id() = user_id)
extensions.requesting_user_id()" \
  "$(sql app_owner app2 -c "select pg_get_expr(polqual, polrelid) from pg_policy where polname = 'own_rows'" \
       -c "select pg_get_expr(adbin, adrelid) from pg_attrdef where adrelid = 'todos'::regclass")"
check "after the restore: verify mode, a claims setting counts for nothing" \
  "claims: 0
token: groceries" "$(sees app2)"
sql mallory app2 -c "set pg_jwt_claims.token = '$token'" -c "insert into todos (task) values ('mine')" >/dev/null
check "a column default fills in the token's sub" "mallory:groceries,mallory:mine,victim:secret plans" \
  "$(sql app_owner app2 -c "select string_agg(user_id || ':' || task, ',' order by user_id, task) from todos")"
check "mallory's planted function never ran" "0" "$(sql postgres app2 -c "select count(*) from public.mallory_ran")"

# A parallel worker reads the requirement itself, and reaches the same answer as its leader.
parallel_guc=$([ "${version#pg}" -lt 16 ] && echo force_parallel_mode || echo debug_parallel_query)
check "in a parallel worker too: verify mode" "claims in a worker: 0" \
  "$(sql mallory app2 -c "set $parallel_guc = on" -c "set request.jwt.claims = '{\"sub\":\"victim\"}'" \
       -c "select 'claims in a worker: ' || count(*) from todos where extensions.requesting_user_id() is not null")"

# Only the owner (or a superuser) decides what the database requires.
check "a plain role cannot lift the requirement" \
  "ERROR:  42501
ERROR:  42501
ERROR:  42501" \
  "$(sql mallory app2 -c "delete from extensions.jwt_database_mode" -c "truncate extensions.jwt_database_mode" \
       -c "update extensions.jwt_database_mode set mode = 'trust'")"
check "only 'verify' can be written" "ERROR:  23514" \
  "$(sql app_owner app2 -c "insert into extensions.jwt_database_mode values ('trust')")"

# A change reaches sessions already running, at their next transaction: mallory's session reads
# the claims setting twice, and the owner removes the requirement in between.
{ echo "set request.jwt.claims = '{\"sub\":\"mallory\"}';"
  echo "select 'first: ' || count(*) from todos;"
  sleep 2
  echo "select 'second: ' || count(*) from todos;"
  sleep 2
  echo "select 'third: ' || count(*) from todos;"; } \
  | "$bindir/psql" -X -q -At -h "$dir" -p "$port" -d app2 -U mallory >"$dir/running.out" 2>&1 &
running=$!
sleep 1
sql app_owner app2 -c "delete from extensions.jwt_database_mode" >/dev/null
sleep 2
sql app_owner app2 -c "insert into extensions.jwt_database_mode values ('verify')" >/dev/null
wait "$running" || true
check "a running session follows the database's requirement at its next transaction" \
  "first: 0
second: 2
third: 0" "$(cat "$dir/running.out")"
# In one transaction, the change counts from the next statement (and a rollback undoes it).
check "the owner's own transaction sees its change at once, and a rollback undoes it" \
  "trust inside: 1
verify after rollback: 0" \
  "$(sql app_owner app2 -c "begin" -c "delete from extensions.jwt_database_mode" -c "set local role mallory" \
       -c "set local request.jwt.claims = '{\"sub\":\"victim\"}'" -c "select 'trust inside: ' || count(*) from todos" \
       -c "rollback" -c "set role mallory" -c "set request.jwt.claims = '{\"sub\":\"victim\"}'" \
       -c "select 'verify after rollback: ' || count(*) from todos")"

# Only the extension's own table counts: a table of that name that another role created (here
# in public, open to every role, after the extension's table was dropped from it) neither
# requires verify mode nor is read at all.
sql postgres postgres -v ON_ERROR_STOP=1 -c "create database squat" >/dev/null
sql postgres squat -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
grant create on schema public to public;
create extension pg_jwt_claims;
alter extension pg_jwt_claims drop table public.jwt_database_mode;
drop table public.jwt_database_mode;
create table todos (user_id text, task text);
alter table todos enable row level security;
create policy own_rows on todos using (requesting_user_id() = user_id);
insert into todos values ('victim', 'secret plans');
grant select on todos to mallory;
SQL
sql mallory squat -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
create table public.jwt_database_mode (mode text);
insert into public.jwt_database_mode values ('verify');
grant select on public.jwt_database_mode to public;
SQL
check "another role's table of the same name does not decide the mode" "trust: 1" \
  "$(sql postgres squat -c "set role mallory" -c "set request.jwt.claims = '{\"sub\":\"victim\"}'" -c "select 'trust: ' || count(*) from todos")"

echo "restore-test $version: $passed passed, $failed failed"
[ "$failed" = 0 ]
