-- The database behind the PostGraphile suite (suite.js), run as a superuser on a fresh cluster.
-- PostGraphile connects as app_postgraphile and switches to the token's `role` claim (app_user)
-- or, without a token, to app_anonymous; RLS applies to both (neither is a superuser).
\set ON_ERROR_STOP 1
create schema extensions;
create extension pg_jwt_claims schema extensions;

create role app_anonymous nologin;
create role app_user nologin;
create role app_postgraphile login noinherit;
grant app_anonymous, app_user to app_postgraphile;

create schema app;
create schema test;
-- The token type PostGraphile signs when a function returns it (none here; it is set so that
-- PostGraphile runs as it is usually configured).
create type app.jwt_token as (role text, sub text, exp bigint);
grant usage on schema app, extensions to app_anonymous, app_user;
grant usage on schema test to app_anonymous, app_user;

-- Own rows: the policy and the column default read the identity the extension resolves from the
-- per-claim settings PostGraphile sets.
create table app.todo (
  id bigint generated always as identity primary key,
  user_id text not null default extensions.requesting_user_id(),
  title text not null
);
alter table app.todo enable row level security;
create policy own_todos on app.todo
  using (user_id = extensions.requesting_user_id())
  with check (user_id = extensions.requesting_user_id());
grant select, insert on app.todo to app_user;
grant select on app.todo to app_anonymous;

-- Documents behind typed and nested readers: the organization, a team and a level inside the
-- `meta` claim, and an `admin` boolean.
create table app.doc (
  id int primary key,
  org_id text not null,
  team text not null,
  min_level int not null,
  admin_only boolean not null
);
alter table app.doc enable row level security;
create policy by_claims on app.doc using (
  org_id = extensions.requesting_org_id()
  and team = extensions.jwt_claim('meta', 'team')
  and min_level <= extensions.jwt_claim_bigint('meta', 'level')
  and (not admin_only or extensions.jwt_claim_bool('admin')));
grant select on app.doc to app_user;
insert into app.doc
  select row_number() over (), o, t, l, a
  from unnest(array['org_1', 'org_2']) o, unnest(array['red', 'blue']) t, generate_series(0, 3) l,
       unnest(array[false, true]) a;

-- The pooled load and the measurement: the same rows under the same policy, on the extension's
-- reader per row, on the plain setting read PostGraphile's own documentation uses, and on the
-- reader once per statement. No index on user_id: every request evaluates the policy once per
-- row of the table.
create table app.bench_compiled (id int primary key, user_id text not null, body text not null);
create table app.bench_setting (id int primary key, user_id text not null, body text not null);
create table app.bench_once (id int primary key, user_id text not null, body text not null);
alter table app.bench_compiled enable row level security;
alter table app.bench_setting enable row level security;
alter table app.bench_once enable row level security;
create policy own_rows on app.bench_compiled using (user_id = extensions.requesting_user_id());
create policy own_rows on app.bench_setting using (user_id = current_setting('jwt.claims.sub', true));
create policy own_rows on app.bench_once using (user_id = (select extensions.requesting_user_id()));
grant select on app.bench_compiled, app.bench_setting, app.bench_once to app_user;
insert into app.bench_compiled
  select i, format('user_%s', lpad((i % 20 + 1)::text, 2, '0')), md5(i::text)
  from generate_series(1, 2000) i;
insert into app.bench_setting select * from app.bench_compiled;
insert into app.bench_once select * from app.bench_compiled;
vacuum analyze app.bench_compiled, app.bench_setting, app.bench_once;

-- One reader call, its answer as text: {"text": …}, {"null": true} for SQL NULL, or
-- {"error": SQLSTATE}. `call` is a SELECT list expression over $1 (jsonb claims, for the
-- oracle) and $2 (text[] path).
create function test.attempt(call text, claims jsonb, path text[]) returns jsonb
language plpgsql stable set search_path = pg_catalog, pg_temp as $$
declare
  answer text;
begin
  execute 'select (' || call || ')::text' into answer using claims, path;
  return case when answer is null then '{"null": true}'::jsonb else jsonb_build_object('text', answer) end;
exception when others then
  return jsonb_build_object('error', sqlstate);
end
$$;

-- The readers a policy would use at one path: the extension's (claims NULL), or the oracle's,
-- jsonb's own operators over `claims`.
create function test.readers_at(path text[], oracle boolean, claims jsonb) returns jsonb
language sql stable set search_path = pg_catalog, pg_temp as $$
  select case when oracle then jsonb_build_object(
    'jwt_claim', test.attempt('$1 #>> $2', claims, path),
    'jwt_claim_json', test.attempt('$1 #> $2', claims, path),
    'jwt_claim_bool', test.attempt($q$case coalesce(jsonb_typeof($1 #> $2), 'null') when 'null' then null
       when 'boolean' then ($1 #> $2)::boolean else test.wrong_type() end$q$, claims, path),
    'jwt_claim_bigint', test.attempt($q$case coalesce(jsonb_typeof($1 #> $2), 'null') when 'null' then null
       when 'number' then ($1 #> $2)::numeric::bigint else test.wrong_type()::int end$q$, claims, path),
    'jwt_claim_numeric', test.attempt($q$case coalesce(jsonb_typeof($1 #> $2), 'null') when 'null' then null
       when 'number' then ($1 #> $2)::numeric else test.wrong_type()::int end$q$, claims, path))
  else jsonb_build_object(
    'jwt_claim', test.attempt('extensions.jwt_claim(variadic $2)', null, path),
    'jwt_claim_json', test.attempt('extensions.jwt_claim_json(variadic $2)', null, path),
    'jwt_claim_bool', test.attempt('extensions.jwt_claim_bool(variadic $2)', null, path),
    'jwt_claim_bigint', test.attempt('extensions.jwt_claim_bigint(variadic $2)', null, path),
    'jwt_claim_numeric', test.attempt('extensions.jwt_claim_numeric(variadic $2)', null, path))
  end
$$;

-- The extension's error for a claim of another JSON type (42804), for the oracle.
create function test.wrong_type() returns boolean
language plpgsql immutable set search_path = pg_catalog, pg_temp as $$
begin
  raise exception 'wrong type' using errcode = '42804';
end
$$;

-- What the extension answers inside a request: the text of every per-claim setting PostGraphile
-- set for `names` (read in the same transaction), and every reader over `names` and `paths`.
create function app.probe(names text[], paths jsonb default '[]') returns jsonb
language sql stable set search_path = pg_catalog, pg_temp as $$
  select jsonb_build_object(
    'current_user', current_user::text,
    'settings', (select coalesce(jsonb_object_agg(n, current_setting('jwt.claims.' || n, true)), '{}')
                 from unnest(names) n),
    'requesting_user_id', test.attempt('extensions.requesting_user_id()', null, null),
    'requesting_org_id', test.attempt('extensions.requesting_org_id()', null, null),
    'jwt_claims', test.attempt('extensions.jwt_claims()', null, null),
    'readers', (select coalesce(jsonb_agg(test.readers_at(array(select jsonb_array_elements_text(p)), false, null)
                                          order by o), '[]')
                from jsonb_array_elements(paths) with ordinality as t(p, o)))
$$;
grant execute on function app.probe(text[], jsonb) to app_anonymous, app_user;

-- The same readers computed by jsonb's own operators over `claims`, the object the suite built
-- from the setting texts by JSON rules; `sub` is the text of jwt.claims.sub.
create function test.oracle(claims jsonb, sub text, paths jsonb) returns jsonb
language sql stable set search_path = pg_catalog, pg_temp as $$
  select jsonb_build_object(
    'requesting_user_id', case when nullif(sub, '') is null then '{"null": true}'::jsonb
                               else jsonb_build_object('text', sub) end,
    'requesting_org_id', test.attempt($q$case when $1 -> 'v' = '2' then $1 -> 'o' ->> 'id'
                                          else $1 ->> 'org_id' end$q$, claims, null),
    'jwt_claims', test.attempt('$1', claims, null),
    'readers', (select coalesce(jsonb_agg(test.readers_at(array(select jsonb_array_elements_text(p)), true, claims)
                                          order by o), '[]')
                from jsonb_array_elements(paths) with ordinality as t(p, o)))
$$;

-- The documents the same policy shows for `claims` when jsonb's operators read them: the ids as
-- text ('1,5,…', in order) or {"error": SQLSTATE}, as test.attempt gives them.
create function test.visible_docs(claims jsonb) returns jsonb
language sql stable set search_path = pg_catalog, pg_temp as $$
  select test.attempt($q$(select coalesce(string_agg(id::text, ',' order by id), '') from app.doc
    where org_id = (case when $1 -> 'v' = '2' then $1 -> 'o' ->> 'id' else $1 ->> 'org_id' end)
      and team = $1 #>> '{meta,team}'
      and min_level <= (case coalesce(jsonb_typeof($1 #> '{meta,level}'), 'null') when 'null' then null
                        when 'number' then ($1 #> '{meta,level}')::numeric::bigint else test.wrong_type()::int end)
      and (not admin_only or (case coalesce(jsonb_typeof($1 -> 'admin'), 'null') when 'null' then null
                              when 'boolean' then ($1 -> 'admin')::boolean else test.wrong_type() end)))$q$,
    claims, null)
$$;
