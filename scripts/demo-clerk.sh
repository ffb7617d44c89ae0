#!/usr/bin/env bash
# The walkthrough of today's flow: Clerk's own session tokens (v2) as Supabase's third-party auth
# hands their claims to PostgREST in request.jwt.claims. An organization with an admin and a
# member, permissions decoded from fpm, a pending session, an impersonated session, then verify
# mode with a JWK Set made here and a forged token refused. Each step says what to notice.
# Set-up, a release build (PGJC_DEMO_PROFILE=debug: the debug build), a throwaway cluster.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash "$REPO/scripts/setup.sh"
version=${PGJC_VERSION:-pg15}
dir="$PGJC_RUN/demo-clerk-$version"; port=54426
profile=$([ "${PGJC_DEMO_PROFILE:-release}" = debug ] && echo "" || echo --release)
echo "== building (${PGJC_DEMO_PROFILE:-release}) and installing into $version"
install_extension "$version" "$profile"
start_cluster "$version" "$dir" "$port"
trap 'stop_cluster "$dir" "$version"; rm -rf "$dir"' EXIT
psql_demo() { "$("$(pg_config_for "$version")" --bindir)/psql" -X -q -h "$dir" -p "$port" -U postgres -v ON_ERROR_STOP=1 "$@"; }

# Keys made here, as Clerk's instance keys are: an RSA key pair with a kid, its public half as a
# JWK Set (what https://<frontend-api>/.well-known/jwks.json serves), and an impostor's key with
# the same kid.
keys=$(node -e '
  const { generateKeyPairSync } = require("node:crypto");
  const pair = () => generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = (k) => ({ ...k.export({ format: "jwk" }), kid: "ins_demo", alg: "RS256", use: "sig" });
  const clerk = pair(), impostor = pair();
  console.log(JSON.stringify({
    private: jwk(clerk.privateKey), jwks: { keys: [jwk(clerk.publicKey)] }, impostor: jwk(impostor.privateKey) }));')
field() { node -e 'process.stdout.write(JSON.stringify(JSON.parse(process.argv[1])[process.argv[2]]))' "$keys" "$1"; }

echo "== the walkthrough: Clerk session tokens v2, as Supabase's third-party auth passes them on"
psql_demo --echo-queries -v clerk_key="$(field private)" -v jwks="$(field jwks)" -v impostor_key="$(field impostor)" <<'SQL'
\pset null '(null)'
create extension pg_jwt_claims;
create role authenticated nologin;
create role anon nologin;

-- An organization's projects and invoices. Members read the projects; only admins delete them.
-- Invoices need the org:invoices:read permission, which Clerk packs into "fpm".
create table projects (
    id         bigint generated always as identity primary key,
    org_id     text not null default requesting_org_id(),
    name       text not null,
    created_by text default requesting_user_id(),
    acting_for text default requesting_actor_id()   -- set when support impersonates a user
);
create table invoices (id bigint generated always as identity primary key,
                       org_id text not null default requesting_org_id(), amount numeric not null);
alter table projects enable row level security;
alter table invoices enable row level security;
create policy members_read on projects for select using (org_id = requesting_org_id());
create policy members_add on projects for insert with check (org_id = requesting_org_id());
create policy admins_delete on projects for delete
    using (org_id = requesting_org_id() and jwt_has_org_role('admin'));
create policy read_invoices on invoices for select
    using (org_id = requesting_org_id() and jwt_has_permission('org:invoices:read'));
create policy write_invoices on invoices for insert
    with check (org_id = requesting_org_id() and jwt_has_permission('org:invoices:write'));
grant select, insert, delete on projects, invoices to authenticated;
insert into projects (org_id, name) values ('org_acme', 'Website'), ('org_acme', 'App'), ('org_globex', 'Secret plan');
insert into invoices (org_id, amount) values ('org_acme', 1200), ('org_globex', 99);

-- The claims of Clerk's v2 session tokens, as they arrive in request.jwt.claims ("role" is
-- added by Clerk's Supabase integration). fea lists the org features; per the permission names;
-- fpm one bitmask per org feature: 3 = read and write, 1 = read.
\set admin   '{"sub":"user_ada","sid":"sess_1","role":"authenticated","v":2,"sts":"active","fea":"o:invoices","o":{"id":"org_acme","slg":"acme","rol":"admin","per":"read,write","fpm":"3"}}'
\set member  '{"sub":"user_bo","sid":"sess_2","role":"authenticated","v":2,"sts":"active","fea":"o:invoices","o":{"id":"org_acme","slg":"acme","rol":"member","per":"read,write","fpm":"1"}}'
\set pending '{"sub":"user_cy","sid":"sess_3","role":"authenticated","v":2,"sts":"pending","fea":"o:invoices","o":{"id":"org_acme","slg":"acme","rol":"member","per":"read,write","fpm":"1"}}'
\set support '{"sub":"user_ada","sid":"sess_4","role":"authenticated","v":2,"sts":"active","act":{"sub":"user_support","sid":"sess_imp"},"fea":"o:invoices","o":{"id":"org_acme","slg":"acme","rol":"admin","per":"read,write","fpm":"3"}}'

\echo
\echo '-- 1. The admin. Notice: the organization and role come from "o", and the permissions are'
\echo '--    decoded from fpm: org:invoices:read and org:invoices:write. Only acme''s rows show.'
begin;
select jwt_test_login(:'admin') is not null as logged_in;
select requesting_user_id(), requesting_org_id(), requesting_org_role(), jwt_org_permissions();
select id, name, org_id from projects order by id;
select id, amount from invoices order by id;
insert into invoices (amount) values (300);
commit;

\echo
\echo '-- 2. The member. Notice: fpm 1 grants org:invoices:read only: the invoices show, but adding'
\echo '--    one is refused by the policy, and deleting a project deletes nothing (not an admin).'
begin;
select jwt_test_login(:'member') is not null as logged_in;
select jwt_org_permissions(), jwt_has_org_role('admin') as is_admin;
select id, amount from invoices order by id;
delete from projects returning id;
savepoint before_insert;
\set ON_ERROR_STOP 0
insert into invoices (amount) values (5);
\set ON_ERROR_STOP 1
rollback to before_insert;
commit;

\echo
\echo '-- 3. A pending session (sts = pending: the user still has tasks, such as choosing an'
\echo '--    organization). Notice: Clerk counts it as signed out, and so does every helper here'
\echo '--    except jwt_session_status(), which a policy can use to let the task page through.'
begin;
select jwt_test_login(:'pending') is not null as logged_in;
select jwt_session_status(), requesting_user_id(), requesting_org_id();
select count(*) as projects_visible from projects;
commit;

\echo
\echo '-- 4. Support impersonates the admin (act.sub). Notice: requesting_user_id() is the user,'
\echo '--    requesting_actor_id() the support agent, and the column default records both.'
begin;
select jwt_test_login(:'support') is not null as logged_in;
select requesting_user_id(), requesting_actor_id();
insert into projects (name) values ('Fixed by support') returning name, created_by, acting_for;
commit;

\echo
\echo '-- 5. Verify mode, for connections that do not come through a verifying gateway (a worker,'
\echo '--    psql). The database checks Clerk''s signature itself with the JWK Set, and accepts exactly'
\echo '--    what Clerk''s verifyToken accepts. Notice: the signed token gives the same identity; the'
\echo '--    same claims signed by an impostor''s key with the same kid are refused with 28000.'
alter system set pg_jwt_claims.mode = 'verify';
alter system set pg_jwt_claims.jwks = :'jwks';
alter system set pg_jwt_claims.issuer = 'https://clerk.acme.example';
alter system set pg_jwt_claims.authorized_parties = 'https://app.acme.example';
alter system set pg_jwt_claims.algorithms = 'RS256';
alter system set pg_jwt_claims.required_claims = 'exp, sub';
select pg_reload_conf();
select pg_sleep(0.2);
\c
\echo '-- (tokens are long: the statements that carry one are not echoed)'
\set ECHO none
select (:'admin'::jsonb || jsonb_build_object('iss', 'https://clerk.acme.example', 'azp', 'https://app.acme.example',
        'iat', floor(extract(epoch from now()))::bigint, 'exp', floor(extract(epoch from now()))::bigint + 60)) as claims \gset
select jwt_sign(:'claims', :'clerk_key', 'RS256') as token, jwt_sign(:'claims', :'impostor_key', 'RS256') as forged \gset
\echo 'select header from jwt_decode(<the token>);'
select header from jwt_decode(:'token');
\set ECHO queries
begin;
set local role authenticated;
\echo 'select jwt_authenticate(<the token>) ->> ''sub'' as verified_user;'
\set ECHO none
select jwt_authenticate(:'token') ->> 'sub' as verified_user;
\set ECHO queries
select requesting_user_id(), requesting_org_id(), jwt_has_permission('org:invoices:write') as can_write;
select count(*) as acme_projects from projects;
commit;
begin;
set local role authenticated;
\set ON_ERROR_STOP 0
\echo 'select jwt_authenticate(<the forged token>);'
\set ECHO none
select jwt_authenticate(:'forged');
\set ECHO queries
\set ON_ERROR_STOP 1
rollback;
\echo '-- ... and claims set directly, as a client on a direct connection could, count for nothing:'
begin;
set local role authenticated;
select jwt_test_login(:'admin', null) is not null as claims_set;
select requesting_user_id() as user_from_unverified_claims, count(*) as projects_visible from projects;
commit;
SQL
echo "== the walkthrough ran: organization roles and fpm permissions, a pending session, impersonation, and verify mode with a forged token refused"
