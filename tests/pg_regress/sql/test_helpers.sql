-- test_helpers: jwt_test_login(), jwt_test_logout() and jwt_test_authenticate() for users' own
-- RLS tests (pgTAP, pg_regress, cargo pgrx test). They set the claims and the role the way
-- PostgREST does, transaction-locally, and can do nothing the caller could not do with
-- set_config, SET ROLE, jwt_sign and jwt_authenticate: a plain role runs them here.
\set SHOW_CONTEXT never
\pset null '(null)'

create role authenticated nologin;
create role anon nologin;
create role outsider nologin;
create role tester login;
grant authenticated, anon to tester;
create table notes (id int primary key, owner text default requesting_user_id(), org text, body text);
alter table notes enable row level security;
create policy own_notes on notes using (owner = requesting_user_id());
create policy org_admins on notes using (org = requesting_org_id() and jwt_has_org_role('admin'));
grant select, insert on notes to authenticated, anon;
insert into notes (id, owner, org, body) values
    (1, 'user_a', null, 'a''s note'), (2, 'user_b', 'org_1', 'b''s note in org_1'), (3, 'user_c', 'org_2', 'c''s note in org_2');
grant usage on schema regress to tester;
\c - tester

-- 1. A user, then an organization admin, then anonymous, then back: one transaction, as a test.
begin;
select jwt_test_login('{"sub":"user_a"}') ->> 'sub' as logged_in, current_user,
       current_setting('request.jwt.claims') as claims;
select id, body from notes order by id;
insert into notes (id, body) values (4, 'a''s second note') returning id, owner;
select jwt_test_login('{"sub":"user_x","v":2,"o":{"id":"org_1","rol":"admin"}}') is not null as admin_logged_in;
select id, body from notes order by id;
select jwt_test_logout('anon');
select current_user, requesting_user_id(), current_setting('request.jwt.claims') = '' as claims_empty,
       (select count(*) from notes) as anon_sees;
select jwt_test_logout();
select current_user;
rollback;
select current_user, coalesce(current_setting('request.jwt.claims', true), '') = '' as claims_empty;

-- 2. A NULL role keeps the current one; the claims alone change.
begin;
select jwt_test_login('{"sub":"user_b"}', null) is not null as logged_in, current_user, requesting_user_id();
rollback;

-- 3. Outside a transaction block the change lasts one statement, with a warning as SET LOCAL's.
select jwt_test_login('{"sub":"user_a"}', null) ->> 'sub' as for_one_statement;
select coalesce(current_setting('request.jwt.claims', true), '') = '' as gone_after_it;

-- 4. Mistakes: claims that are not an object (22023), no claims (22004), a role the caller is
--    not a member of (42501, as SET ROLE), and, with no keys configured, signing (55000).
begin;
select n, regress.expect_error(statement) as error from (values
    (1, $$select jwt_test_login('[1]')$$),
    (2, $$select jwt_test_login('"user_a"')$$),
    (3, $$select jwt_test_login(null)$$),
    (4, $$select jwt_test_login('{"sub":"user_a"}', 'outsider')$$),
    (5, $$select jwt_test_login('{"sub":"user_a"}', 'no_such_role')$$),
    (6, $$select jwt_test_authenticate('{"sub":"user_a"}', 'a secret', 'HS256')$$),
    (7, $$select jwt_test_authenticate(null, 'k')$$)
) as cases(n, statement) order by n;
rollback;

-- 5. Verify mode: claims set by jwt_test_login() count for nothing (it warns);
--    jwt_test_authenticate() signs with a test key the configured keys verify, and authenticates.
\c - postgres
alter role tester set pg_jwt_claims.mode = 'verify';
alter role tester set pg_jwt_claims.jwks = $pem$-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEzMmG9jD1yMm4SJP30FZIryHW+IoQ
ZmvDooAWsKkCVpSaPYcF44HIUGpY3BJcIW9u7MMF7L0kWxyGLldzXUKayQ==
-----END PUBLIC KEY-----$pem$;
\c - tester
select $pem$-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgdRh0KbY2FU4vePoh
xnfLiIhEj4OtKgi6AB2SHZs6q62hRANCAATMyYb2MPXIybhIk/fQVkivIdb4ihBm
a8OigBawqQJWlJo9hwXjgchQaljcElwhb27swwXsvSRbHIYuV3NdQprJ
-----END PRIVATE KEY-----$pem$ as test_key \gset
begin;
select jwt_test_login('{"sub":"user_a"}') is not null as logged_in, requesting_user_id();
select jwt_test_authenticate('{"sub":"user_a"}', :'test_key', 'ES256') ->> 'sub' as authenticated,
       current_user, requesting_user_id();
select id, body from notes order by id;
select regress.expect_error(format('select jwt_test_authenticate(%L, %L, %L)',
           '{"sub":"user_b","exp":1}', :'test_key', 'ES256')) as expired,
       regress.expect_error(format('select jwt_test_authenticate(%L, %L, %L)',
           '{"sub":"user_b"}', 'a secret', 'HS256')) as another_key;
rollback;
begin;
select jwt_test_authenticate('{"sub":"user_b","v":2,"o":{"id":"org_2","rol":"admin"}}', :'test_key', 'ES256') is not null as org_admin;
select id, body from notes order by id;
select jwt_test_logout();
select requesting_user_id(), current_setting('pg_jwt_claims.token') = '' as token_cleared;
rollback;
\c - postgres
alter role tester reset all;
drop table notes;
drop owned by tester;
drop role tester, authenticated, anon, outsider;
