-- policy_advice: jwt_policy_advice() over a small database that followed the Clerk + Supabase
-- guide and Supabase's docs. It lists the RLS policies and column defaults that still read the
-- claims in SQL once per row, with the compiled call for each; a call wrapped in (select …) runs
-- once per statement and is listed only in verify mode; policies on the compiled functions are
-- not listed.
--
-- Every part runs in a transaction that is rolled back, so nothing it creates is left behind
-- (but the temporary function below, dropped at the end).
-- Only this test's tables (schemas and tables named adv…) are shown, whatever else the
-- regression database holds.
\set SHOW_CONTEXT never
\pset null '(null)'

create function pg_temp.advice()
returns table(kind text, table_name regclass, name text, found text, suggestion text)
language sql as $$
    select a.kind, a.table_name, a.name, a.found, a.suggestion
    from jwt_policy_advice() a
    join pg_class c on c.oid = a.table_name
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname ilike 'adv%' or c.relname ilike 'adv%'
$$;

-- 1. The extension as setup.sql installs it, in public: no auth schema, no policies of this
--    test yet, nothing to report (and no error).
select count(*) as hits from pg_temp.advice();
select proname, pg_get_function_result(p.oid) as returns, provolatile as volatility,
       prosecdef as security_definer, lanname as language, proconfig,
       obj_description(p.oid, 'pg_proc') is not null as commented
from pg_proc p join pg_language l on l.oid = p.prolang
where proname = 'jwt_policy_advice';

-- 2. Still in public, a Supabase project's table in public. The extension's own schema is
--    skipped except when it is public, where applications keep their tables. Suggestions name
--    the extension's schema.
begin;
create schema auth;
create function auth.uid() returns uuid language sql stable set search_path to '' as $$
    select coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid
$$;
create table public.adv_profiles (id uuid primary key default auth.uid(), bio text);
alter table public.adv_profiles enable row level security;
create policy "Profiles are their owner's" on public.adv_profiles using (auth.uid() = id);
select * from pg_temp.advice();
rollback;

-- 3. The guide's database, switching to the compiled functions as the README says: the
--    extension in its own schema, jwt, and the guide's function still in public.
begin;
drop extension pg_jwt_claims;
create schema jwt;
create extension pg_jwt_claims schema jwt;
grant usage on schema jwt to public;
set local search_path = public, jwt;

-- The guide's function, verbatim, and its to-do list.
create or replace function requesting_user_id()
returns text
language sql stable
as $$
  select nullif(current_setting('request.jwt.claims', true)::json->>'sub', '')::text;
$$;
create schema adv_app;
create table adv_app.todos (
    id bigint generated always as identity primary key,
    user_id text not null default requesting_user_id(),
    task text not null
);
alter table adv_app.todos enable row level security;
create policy "Users can read their own todos" on adv_app.todos for select using (requesting_user_id() = user_id);
create policy "Users can add todos" on adv_app.todos for insert with check (requesting_user_id() = user_id);
create policy "Users can update their own todos" on adv_app.todos for update using (requesting_user_id() = user_id);
create policy "Users can delete their own todos" on adv_app.todos for delete using (requesting_user_id() = user_id);

-- The claims read in the policy itself.
create table adv_app.invites (email text primary key, org_id text);
alter table adv_app.invites enable row level security;
create policy by_email on adv_app.invites for select
    using (email = current_setting('request.jwt.claims', true)::json ->> 'email');

-- A user-written helper in the guide's style, for the organization.
create function adv_app.current_org() returns text language sql stable as $$
    select current_setting('request.jwt.claims', true)::json ->> 'org_id'
$$;
create policy org_invites on adv_app.invites for update using (org_id = adv_app.current_org());

-- Supabase's helpers, as Supabase's auth server creates them.
create schema auth;
create function auth.uid() returns uuid language sql stable set search_path to '' as $$
    select coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid
$$;
create function auth.role() returns text language sql stable set search_path to '' as $$
    select coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
                    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'))::text
$$;
create function auth.jwt() returns jsonb language sql stable set search_path to '' as $$
    select coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                    nullif(current_setting('request.jwt.claims', true), ''))::jsonb
$$;

-- Supabase-style policies: bare, wrapped in (select …), and inside a correlated sub-select
-- (which runs once per row of the outer table however it is written).
create table adv_app.notes (
    id bigint generated always as identity primary key,
    owner uuid not null default auth.uid(),
    org_id text,
    body text
);
alter table adv_app.notes enable row level security;
create policy notes_read on adv_app.notes for select using (owner = auth.uid());
create policy notes_write on adv_app.notes for insert with check ((select auth.uid()) = owner);
create policy notes_staff on adv_app.notes for delete using (auth.role() = 'service_role' or (select auth.jwt() ->> 'email') like '%@example.com');
create table adv_app.members (org_id text, user_id uuid);
create policy notes_members on adv_app.notes for update using (
    exists (select 1 from adv_app.members m where m.org_id = notes.org_id and m.user_id = auth.uid()));

-- Clerk's organization claim through auth.jwt(), in a partitioned table.
create table adv_app.projects (
    org_id text not null default auth.jwt() -> 'o' ->> 'id',
    name text,
    plan text
) partition by list (plan);
create table adv_app.projects_free partition of adv_app.projects for values in ('free');
create table adv_app.projects_pro partition of adv_app.projects for values in ('pro');
alter table adv_app.projects enable row level security;
create policy org_projects on adv_app.projects
    using (org_id = auth.jwt() -> 'o' ->> 'id' and auth.jwt() ->> 'sub' is not null)
    with check (org_id = auth.jwt() -> 'o' ->> 'id' and plan = auth.jwt() -> 'app_metadata' ->> 'plan');

-- Quoted identifiers everywhere.
create schema "Adv Space";
create function "Adv Space"."Who Am I"() returns uuid language sql stable as $$
    select (current_setting('request.jwt.claims', true)::jsonb ->> 'sub')::uuid
$$;
create table "Adv Space"."Shared Notes" ("Owner Id" uuid default "Adv Space"."Who Am I"(), "Body" text);
alter table "Adv Space"."Shared Notes" enable row level security;
create policy "Owner's notes" on "Adv Space"."Shared Notes" using ("Owner Id" = "Adv Space"."Who Am I"());

-- Already on the compiled functions: not listed, bare or wrapped.
create table adv_app.reports (
    org_id text default jwt.requesting_org_id(),
    created_by text default jwt.requesting_user_id()
);
alter table adv_app.reports enable row level security;
create policy reports_org on adv_app.reports
    using (org_id = jwt.requesting_org_id() and jwt.jwt_has_permission('org:reports:read'));
create policy reports_own on adv_app.reports for delete using (created_by = (select jwt.requesting_user_id()));

-- A table in the extension's own schema is not the application's: skipped.
create table jwt.adv_in_extension_schema (user_id text default requesting_user_id());

select * from pg_temp.advice();

-- One row per clause: org_projects reads the organization in USING and in WITH CHECK.
select name, expression, found from jwt_policy_advice()
where table_name = 'adv_app.projects'::regclass and kind = 'policy' and found like '%''id''';

-- What the expressions look like: the wrapped calls are there, and left out.
select name, expression from jwt_policy_advice()
where table_name = 'adv_app.notes'::regclass and kind = 'policy';
select p.polname, pg_get_expr(p.polqual, p.polrelid) as using, pg_get_expr(p.polwithcheck, p.polrelid) as with_check
from pg_policy p where p.polname in ('notes_write', 'notes_staff') order by 1;

-- In verify mode a wrapped call still reads claims any role can set: listed too.
select set_config('pg_jwt_claims.mode', 'verify', true) as mode;
select kind, table_name, name, found, suggestion from pg_temp.advice() where found like '(SELECT%';
select set_config('pg_jwt_claims.mode', 'trust', true) as mode;

-- A role sees the tables it has privileges on, nothing else.
create role adv_reader nologin;
grant usage on schema adv_app to adv_reader;
grant select on adv_app.invites to adv_reader;
set local role adv_reader;
select kind, table_name, name, suggestion from jwt_policy_advice() order by 1, 2, 3;
reset role;

-- The README's switch: the guide's function now calls the compiled one. Its body reads no
-- setting, so none of its policies or its default is listed any more; the rest still are.
create or replace function public.requesting_user_id() returns text
    language sql stable parallel safe
    as $$ select jwt.requesting_user_id() $$;
select count(*) filter (where table_name = 'adv_app.todos'::regclass) as todos_hits,
       count(*) as all_hits
from pg_temp.advice();
rollback;

-- After the rollback the extension is back in public, as before.
select extnamespace::regnamespace as schema from pg_extension where extname = 'pg_jwt_claims';
select count(*) as leftovers from pg_namespace where nspname in ('jwt', 'auth', 'adv_app', 'Adv Space');
drop function pg_temp.advice();
