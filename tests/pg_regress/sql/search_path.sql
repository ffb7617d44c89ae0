-- search_path: the extension's SQL-language and PL/pgSQL functions run with their own search
-- path (pg_catalog, pg_temp) and qualify their calls, so an overload that a plain role plants
-- in a schema on the caller's search path never runs in them, whoever calls them. Such a
-- function runs with the caller's privileges: often a superuser's, running pgTAP tests.
\set SHOW_CONTEXT never
\pset null '(null)'

-- 1. Every function of the extension that is not written in C has search_path in proconfig:
--    each one with its setting, then the number without one.
create function pg_temp.non_c_functions()
returns table(function regprocedure, language name, setting text)
language sql as $$
    select p.oid::regprocedure, l.lanname,
           (select s from unnest(p.proconfig) as s where s like 'search\_path=%')
    from pg_depend d
    join pg_proc p on p.oid = d.objid
    join pg_language l on l.oid = p.prolang
    where d.classid = 'pg_proc'::regclass and d.deptype = 'e'
      and d.refclassid = 'pg_extension'::regclass
      and d.refobjid = (select oid from pg_extension where extname = 'pg_jwt_claims')
      and l.lanname not in ('c', 'internal')
$$;
select function, language, setting from pg_temp.non_c_functions() order by function::text;
select count(*) as without_search_path from pg_temp.non_c_functions() where setting is null;
drop function pg_temp.non_c_functions();

-- 2. The attack. A plain role that can create in public (the default before PostgreSQL 15)
--    plants overloads that match the helpers' calls more exactly than pg_catalog's do, so they
--    would win even though pg_catalog is searched first. A superuser whose search path is
--    public runs each helper; in verify mode, with a key, as a pgTAP suite does.
create role sp_attacker login;
create role sp_admin login superuser;
create role sp_user nologin;
grant create on schema public to sp_attacker;
alter role sp_admin set search_path = public;
alter role sp_admin set pg_jwt_claims.mode = 'verify';
alter role sp_admin set pg_jwt_claims.jwks = $pem$-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEzMmG9jD1yMm4SJP30FZIryHW+IoQ
ZmvDooAWsKkCVpSaPYcF44HIUGpY3BJcIW9u7MMF7L0kWxyGLldzXUKayQ==
-----END PUBLIC KEY-----$pem$;

\c - sp_attacker
-- Each planted function leaves a row behind when it runs, and then does what it stands for.
create table public.sp_ran (fn text, ran_as name default current_user);
grant select, insert, delete on public.sp_ran to public;
-- jwt_test_authenticate() calls set_config('role', role, true) with role of type name.
create function public.set_config(text, name, boolean) returns text language plpgsql as $$
begin
    insert into public.sp_ran (fn) values ('set_config(text, name, boolean)');
    return pg_catalog.set_config($1, $2::text, $3);
end $$;
-- … and jsonb_build_object('exp', <bigint>) for a token's expiry.
create function public.jsonb_build_object(text, bigint) returns jsonb language plpgsql as $$
begin
    insert into public.sp_ran (fn) values ('jsonb_build_object(text, bigint)');
    return pg_catalog.jsonb_build_object($1, $2);
end $$;
-- jwt_policy_advice() joins text and name: 'auth.' || proname.
create function public.sp_concat(text, name) returns text language plpgsql as $$
begin
    insert into public.sp_ran (fn) values ('||(text, name)');
    return $1 operator(pg_catalog.||) $2::text;
end $$;
create operator public.|| (leftarg = text, rightarg = name, function = public.sp_concat);

\c - sp_admin
select $pem$-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgdRh0KbY2FU4vePoh
xnfLiIhEj4OtKgi6AB2SHZs6q62hRANCAATMyYb2MPXIybhIk/fQVkivIdb4ihBm
a8OigBawqQJWlJo9hwXjgchQaljcElwhb27swwXsvSRbHIYuV3NdQprJ
-----END PRIVATE KEY-----$pem$ as test_key \gset
select current_user, current_setting('search_path') as search_path,
       current_setting('pg_jwt_claims.mode') as mode;
begin;
-- The plant works: the same calls written in a query run the planted code, as the superuser.
select set_config('sp.demo', 'x'::name, true) as set_config,
       jsonb_build_object('exp', 1::bigint) as jsonb_build_object,
       'auth.' || 'uid'::name as joined;
select fn, ran_as from sp_ran order by fn;
delete from sp_ran;

-- A Supabase-style policy, so that jwt_policy_advice() names auth.uid().
create schema auth;
create function auth.uid() returns uuid language sql stable as $$
    select (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')::uuid
$$;
create table sp_notes (owner uuid default auth.uid(), body text);
alter table sp_notes enable row level security;
create policy sp_own on sp_notes using (owner = auth.uid());
select kind, table_name, name, found, suggestion
from jwt_policy_advice() where table_name = 'sp_notes'::regclass order by kind, name, found;

-- jwt_test_authenticate() signs (with an expiry), authenticates and sets the role.
select jwt_test_authenticate('{"sub":"user_a"}', :'test_key', 'ES256', 'sp_user') ->> 'sub' as authenticated,
       current_user, requesting_user_id();
reset role;

-- The planted code never ran.
select count(*) as planted_code_runs from sp_ran;
rollback;

\c - postgres
drop owned by sp_attacker;
drop role sp_attacker, sp_admin, sp_user;
