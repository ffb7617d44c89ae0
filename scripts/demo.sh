#!/usr/bin/env bash
# The main job: set-up, a release build installed into PostgreSQL 15, a throwaway cluster, and
# the Clerk + Supabase guide's scenario played against it as PostgREST would (two users, RLS,
# a column default), then the cluster is removed. Idempotent.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash "$REPO/scripts/setup.sh"
version=${PGJC_VERSION:-pg15}
dir="$PGJC_RUN/demo-$version"; port=54425
echo "== building (release) and installing into $version"
install_extension "$version" --release
start_cluster "$version" "$dir" "$port"
trap 'stop_cluster "$dir" "$version"; rm -rf "$dir"' EXIT
psql_demo() { "$("$(pg_config_for "$version")" --bindir)/psql" -X -h "$dir" -p "$port" -U postgres -v ON_ERROR_STOP=1 "$@"; }

echo "== the guide's scenario"
psql_demo --echo-all <<'SQL'
create extension pg_jwt_claims;

-- The role PostgREST switches to for signed-in requests (not a superuser: RLS applies).
create role authenticated nologin;

-- The guide's table: user_id is filled from the JWT by the column default.
create table todos (
    id      bigint generated always as identity primary key,
    user_id text not null default requesting_user_id(),
    task    text not null
);
alter table todos enable row level security;
create policy "own todos: select" on todos for select using (requesting_user_id() = user_id);
create policy "own todos: insert" on todos for insert with check (requesting_user_id() = user_id);
create policy "own todos: update" on todos for update using (requesting_user_id() = user_id)
                                                  with check (requesting_user_id() = user_id);
create policy "own todos: delete" on todos for delete using (requesting_user_id() = user_id);
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
