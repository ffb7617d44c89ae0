#!/usr/bin/env bash
# The main job: PostgreSQL 15 from Debian, a release build installed into it, a throwaway cluster,
# and the Clerk + Supabase guide's scenario played against it as PostgREST would (two users, RLS,
# a column default); then the cluster is removed and the elapsed time printed. Idempotent.
#
# It sets up only what it uses: no cargo-pgrx (compiling it takes longer than the whole demo),
# no other PostgreSQL version. The library is built with plain `cargo build --release` (pgrx's
# build finds pg_config in $PGRX_HOME/config.toml, written here when `cargo pgrx init` has not
# written one) and installed as `cargo pgrx install` does: the library, the control file with
# its version filled in, the current release's script and every upgrade script.
# scripts/demo-install-check.sh (in the test command) checks that the two installs match.
#
# PGJC_DEMO_STAGE=<dir>: build and install under <dir> (as DESTDIR would), then stop.
set -euo pipefail
start=$(date +%s)
source "$(dirname "$0")/env.sh"
cd "$REPO"

SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
# What the build and the server need: Debian's PostgreSQL 15 and its headers, and clang for
# pgrx's bindings. The Rust toolchain is the machine's (rustup).
APT_PACKAGES=(postgresql-15 postgresql-server-dev-15 libclang-dev clang pkg-config build-essential
  cmake sudo)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$PGRX_HOME"
if [ ! -f "$PGRX_HOME/config.toml" ]; then
  # What `cargo pgrx init --pg15 <pg_config>` writes, for the one version the build needs.
  printf '[configs]\npg15 = "%s"\n' "$PG15_CONFIG" > "$PGRX_HOME/config.toml"
fi

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
[ -f "sql/pg_jwt_claims--$version.sql" ] ||
  { echo "demo: sql/pg_jwt_claims--$version.sql, the release script of $version, is missing"; exit 1; }
echo "== building pg_jwt_claims $version (release)"
cargo build --locked --release --lib --features pg15 --no-default-features
lib="${CARGO_TARGET_DIR:-$REPO/target}/release/libpg_jwt_claims.so"

stage=${PGJC_DEMO_STAGE:-}
pkglibdir="$stage$("$PG15_CONFIG" --pkglibdir)"
extdir="$stage$("$PG15_CONFIG" --sharedir)/extension"
echo "== installing into $extdir and $pkglibdir"
$SUDO mkdir -p "$pkglibdir" "$extdir"
$SUDO install -m 0755 "$lib" "$pkglibdir/pg_jwt_claims.so"
sed "s/@CARGO_VERSION@/$version/" pg_jwt_claims.control | $SUDO tee "$extdir/pg_jwt_claims.control" >/dev/null
# The current release's script and every upgrade script; older releases are reached by
# ALTER EXTENSION ... UPDATE, not installed.
$SUDO install -m 0644 "sql/pg_jwt_claims--$version.sql" sql/pg_jwt_claims--*--*.sql "$extdir/"
[ -z "$stage" ] || exit 0

dir="$PGJC_RUN/demo-pg15"; port=54425
start_cluster pg15 "$dir" "$port"
trap 'stop_cluster "$dir" pg15; rm -rf "$dir"' EXIT
psql_demo() { "$("$PG15_CONFIG" --bindir)/psql" -X -h "$dir" -p "$port" -U postgres -v ON_ERROR_STOP=1 "$@"; }

echo "== the guide's scenario"
psql_demo --echo-all <<'SQL'
-- A schema of its own, where only its owner can create objects (Supabase's convention), on the
-- search path of every session of this database.
create schema if not exists extensions;
create extension pg_jwt_claims schema extensions;
alter database postgres set search_path = "$user", public, extensions;
set search_path = "$user", public, extensions;

-- The role PostgREST switches to for signed-in requests (not a superuser: RLS applies).
create role authenticated nologin;
grant usage on schema extensions to authenticated;

-- The guide's table: user_id is filled from the JWT by the column default.
create table todos (
    id      bigint generated always as identity primary key,
    user_id text not null default requesting_user_id(),
    task    text not null
);
alter table todos enable row level security;
-- (select ...): the user id is read once per statement, not once per row.
create policy "own todos: select" on todos for select using ((select requesting_user_id()) = user_id);
create policy "own todos: insert" on todos for insert with check ((select requesting_user_id()) = user_id);
create policy "own todos: update" on todos for update using ((select requesting_user_id()) = user_id)
                                                  with check ((select requesting_user_id()) = user_id);
create policy "own todos: delete" on todos for delete using ((select requesting_user_id()) = user_id);
grant select, insert, update, delete on todos to authenticated;

-- Request 1: Alice adds two todos. PostgREST sets the role and the verified claims per transaction.
begin;
select set_config('role', 'authenticated', true),
       set_config('request.jwt.claims', '{"sub":"user_alice","sid":"sess_1","role":"authenticated"}', true);
insert into todos (task) values ('buy milk'), ('write the report');
commit;

-- Request 2: Bob adds one.
begin;
select set_config('role', 'authenticated', true),
       set_config('request.jwt.claims', '{"sub":"user_bob","sid":"sess_2","role":"authenticated"}', true);
insert into todos (task) values ('fix the bike');
commit;

-- Request 3: Alice lists her todos: only hers.
begin;
select set_config('role', 'authenticated', true),
       set_config('request.jwt.claims', '{"sub":"user_alice","role":"authenticated"}', true);
select requesting_user_id() as me, id, user_id, task from todos order by id;
-- ... and cannot touch Bob's.
update todos set task = 'hacked' where user_id = 'user_bob';
commit;

-- Request 4: Bob lists his.
begin;
select set_config('role', 'authenticated', true),
       set_config('request.jwt.claims', '{"sub":"user_bob","role":"authenticated"}', true);
select requesting_user_id() as me, id, user_id, task from todos order by id;
commit;

-- Request 5: no claims (signed out): nothing is visible.
begin;
set local role authenticated;
select count(*) as visible_without_claims from todos;
commit;

-- The table as the owner sees it: the default filled user_id for every row.
select id, user_id, task from todos order by id;
SQL
echo "== the guide's scenario ran: each user saw only their own todos, and the default filled user_id"
elapsed=$(( $(date +%s) - start ))
echo "== demo finished in $((elapsed / 60)) min $((elapsed % 60)) s"
