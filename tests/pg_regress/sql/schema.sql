-- schema: the extension installs into a schema of the user's choosing, as Supabase projects
-- keep such helpers in "auth" or "extensions", and works there schema-qualified, from policies,
-- and with an empty search_path.
\set SHOW_CONTEXT never
\pset null '(null)'

begin;
drop extension pg_jwt_claims;
create schema auth;
create extension pg_jwt_claims schema auth;
select extname, extnamespace::regnamespace as schema from pg_extension where extname = 'pg_jwt_claims';

-- Every function of the extension moved with it: none is left in public.
select bool_and(p.pronamespace = 'auth'::regnamespace) as all_in_auth,
       count(*) filter (where p.pronamespace <> 'auth'::regnamespace) as elsewhere
from pg_proc p
join pg_depend d on d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e'
join pg_extension e on e.oid = d.refobjid and e.extname = 'pg_jwt_claims';
select regress.expect_error('select public.requesting_user_id()') as public_function;

-- Schema-qualified calls, with an empty search_path, as a SECURITY DEFINER function should
-- be written.
set local search_path = '';
select set_config('request.jwt.claims',
    '{"sub":"user_2abc","v":2,"o":{"id":"org_2acme","rol":"admin","per":"read","fpm":"1"},"fea":"o:invoices"}', true) is not null as claims_set;
select auth.requesting_user_id(), auth.jwt_claim('o', 'id'), auth.requesting_org_id(),
       auth.jwt_has_permission('org:invoices:read') as invoices_read,
       auth.jwt_claims() ->> 'sub' as sub;
reset search_path;

-- A policy and a column default in another schema use them.
create role schema_reader nologin;
create schema notes;
grant usage on schema notes, auth to schema_reader;
create table notes.notes (
    id bigserial primary key,
    user_id text not null default auth.requesting_user_id(),
    body text not null
);
grant select, insert on notes.notes to schema_reader;
grant usage on sequence notes.notes_id_seq to schema_reader;
alter table notes.notes enable row level security;
create policy own_notes on notes.notes to schema_reader
    using (user_id = auth.requesting_user_id()) with check (user_id = auth.requesting_user_id());
insert into notes.notes (user_id, body) values ('user_other', 'Not yours');
set local role schema_reader;
insert into notes.notes (body) values ('Call the bank') returning user_id, body;
select user_id, body from notes.notes order by id;
reset role;
rollback;

-- After the rollback the extension is back in public, as before.
select extnamespace::regnamespace as schema from pg_extension where extname = 'pg_jwt_claims';
select requesting_user_id() is null as works_in_public;

-- The extension is trusted: a role that is not a superuser but may create in the database (a
-- Supabase or Neon database owner) installs it, and its script runs as a superuser. So it
-- installs only into a schema where that role may create objects: never into pg_catalog or
-- another role's schema, where it would plant superuser-owned functions (42501).
begin;
drop extension pg_jwt_claims;
create role regress_installer;
grant create on database :"DBNAME" to regress_installer;
create schema regress_installer_own authorization regress_installer;
create schema regress_someone_else;
set local role regress_installer;
select regress.expect_error('create extension pg_jwt_claims schema pg_catalog') as into_pg_catalog;
select regress.expect_error('create extension pg_jwt_claims schema regress_someone_else') as into_another_roles_schema;
create extension pg_jwt_claims schema regress_installer_own;
select extnamespace::regnamespace as schema, extowner::regrole as owner
from pg_extension where extname = 'pg_jwt_claims';
reset role;
rollback;
