-- The stress test's database: run by scripts/stress.sh in each of its two databases (trust mode
-- and verify mode) as the superuser, in a new session after CREATE EXTENSION (a session that
-- loaded the installed library cannot load the run's copy too), with the psql variable :secret
-- (the HS256 secret also set as pg_jwt_claims.secret).
\set ON_ERROR_STOP 1
set client_min_messages = warning;

-- The API role PostgREST switches to; cluster-wide, so created by the first database only.
select not exists (select from pg_roles where rolname = 'authenticated') as create_role \gset
\if :create_role
create role authenticated nologin;
\endif

create schema stress;
grant usage on schema stress to authenticated;

-- The claims of user n, shaped like a Clerk v2 session token: organization org_<n % 7>, admin for
-- even n, permission org:docs:read for all and org:docs:manage for n divisible by 3.
create function stress.claims_of(n int) returns jsonb language sql immutable parallel safe as $$
  select jsonb_build_object(
    'sub', 'user_' || n, 'sid', 'sess_' || n, 'role', 'authenticated',
    'email', 'user_' || n || '@example.com', 'iat', 1735689600, 'exp', 4102444800,
    'v', 2, 'fea', 'o:docs', 'o', jsonb_build_object('id', 'org_' || n % 7,
      'rol', case when n % 2 = 0 then 'admin' else 'member' end,
      'per', 'read,manage', 'fpm', case when n % 3 = 0 then '3' else '1' end))
$$;

-- 500 users' tokens: token id n belongs to user_n.
create table stress.tokens (id int primary key, token text not null);
insert into stress.tokens select n, jwt_sign(stress.claims_of(n), :'secret') from generate_series(1, 500) n;
grant select on stress.tokens to authenticated;

-- The rows under test: 10 rows for each of the 500 users; `claimed` is the sub the client meant,
-- written by the client itself; `pid` the backend that wrote the row.
create table stress.items (
  id bigint generated always as identity primary key,
  user_id text not null default requesting_user_id(),
  claimed text not null,
  source text not null default 'seed',
  pid int default pg_backend_pid());
insert into stress.items (user_id, claimed) select 'user_' || (i % 500 + 1), 'user_' || (i % 500 + 1) from generate_series(1, 5000) i;
create index on stress.items (user_id);
alter table stress.items enable row level security;
create policy own_rows on stress.items using (user_id = requesting_user_id()) with check (user_id = requesting_user_id());
grant select, insert on stress.items to authenticated;

-- Raises unless requesting_user_id() is `expected` and every row in `seen` (the user_id of each
-- row the caller read or wrote) is its own, and at least `min_seen` rows were seen.
create function stress.check(expected text, seen text[], min_seen int default 0) returns int
language plpgsql stable as $$
declare
  me text := requesting_user_id();
  others int;
begin
  if me is distinct from expected then
    raise exception 'requesting_user_id() is %, expected %', coalesce(me, 'NULL'), expected;
  end if;
  select count(*) into others from unnest(seen) u where u is distinct from expected;
  if others > 0 then
    raise exception '% rows of another user seen or written by %', others, expected;
  end if;
  if coalesce(cardinality(seen), 0) < min_seen then
    raise exception '% saw % rows, expected at least %', expected, coalesce(cardinality(seen), 0), min_seen;
  end if;
  return coalesce(cardinality(seen), 0);
end $$;

-- Raises if this backend still shows an identity: claims, a token, a role or a reader's answer;
-- else logs the backend under `label` and returns its pid.
create table stress.probes (pid int, label text);
create function stress.no_identity(label text) returns int language plpgsql as $$
declare
  found text := concat_ws(', ',
    'requesting_user_id() = ' || requesting_user_id(),
    'requesting_org_id() = ' || requesting_org_id(),
    'jwt_claims() = ' || jwt_claims()::text,
    'request.jwt.claims = ' || nullif(current_setting('request.jwt.claims', true), ''),
    'pg_jwt_claims.token = ' || left(nullif(current_setting('pg_jwt_claims.token', true), ''), 20),
    'current_user = ' || nullif(current_user::text, session_user::text));
begin
  if found <> '' then
    raise exception 'identity left on backend % (%): %', pg_backend_pid(), label, found;
  end if;
  insert into stress.probes values (pg_backend_pid(), label);
  return pg_backend_pid();
end $$;

-- 20,000 rows for the parallel and replica checks: users 1..200, organizations org_0..org_6; a
-- user sees their own rows and, with org:docs:manage, their organization's.
create table stress.docs (id int primary key, user_id text not null, org_id text not null)
  with (parallel_workers = 2);
insert into stress.docs select i, 'user_' || (i % 200 + 1), 'org_' || (i % 7) from generate_series(1, 20000) i;
alter table stress.docs enable row level security;
create policy own_or_managed on stress.docs using (
  user_id = requesting_user_id() or (org_id = requesting_org_id() and jwt_has_permission('org:docs:manage')));
grant select on stress.docs to authenticated;

-- A ~256 KiB token (claims padded to about 190 KB, base64url makes 4/3 of that) for the
-- cancel and timeout checks.
create table stress.big (token text);
insert into stress.big select jwt_sign(stress.claims_of(1) || jsonb_build_object('pad', repeat('x', 190000)), :'secret');

vacuum analyze;
