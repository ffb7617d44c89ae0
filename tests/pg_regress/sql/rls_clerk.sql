-- rls_clerk: organization-scoped data under Row Level Security, with Clerk session tokens.
--
-- Projects belong to the active organization; only an org:admin may delete one; invoices need
-- the org:invoices:read permission to be seen and org:invoices:create to be added; a pending
-- session sees nothing; an impersonated session is recorded by a column default. Everything
-- runs as the non-superuser role "authenticated", as PostgREST runs a request.
\set SHOW_CONTEXT never
\pset null '(null)'

create role authenticated nologin;
create schema app;
grant usage on schema app to authenticated;

create table app.projects (
    id bigserial primary key,
    org_id text not null default requesting_org_id(),
    name text not null,
    created_by text not null default requesting_user_id(),
    impersonated_by text default requesting_actor_id()
);
create table app.invoices (
    id bigserial primary key,
    org_id text not null default requesting_org_id(),
    customer text not null,
    amount numeric(12, 2) not null
);
grant select, insert, update, delete on app.projects, app.invoices to authenticated;
grant usage on sequence app.projects_id_seq, app.invoices_id_seq to authenticated;
alter table app.projects enable row level security;
alter table app.invoices enable row level security;

create policy "Members see their organization's projects" on app.projects for select
    to authenticated using (org_id = requesting_org_id());
create policy "Members add projects to their organization" on app.projects for insert
    to authenticated with check (org_id = requesting_org_id());
create policy "Members rename their organization's projects" on app.projects for update
    to authenticated using (org_id = requesting_org_id()) with check (org_id = requesting_org_id());
create policy "Only admins delete projects" on app.projects for delete
    to authenticated using (org_id = requesting_org_id() and jwt_has_org_role('admin'));
create policy "Invoices need org:invoices:read" on app.invoices for select
    to authenticated using (org_id = requesting_org_id() and jwt_has_permission('org:invoices:read'));
create policy "Invoices need org:invoices:create" on app.invoices for insert
    to authenticated with check (org_id = requesting_org_id() and jwt_has_permission('org:invoices:create'));

-- The session tokens (Clerk v2, plus one v1) of the people below. In Acme, fea lists the
-- org features invoices and projects; per is "read,create,manage"; fpm gives one bitmask
-- per feature: 7 = all three, 3 = read+create, 1 = read, 0 = nothing.
create temp table sessions (who text primary key, claims text not null);
insert into sessions values
    ('alice, acme admin', '{"azp":"https://app.example.com","exp":1713158460,"fea":"o:invoices,o:projects","fva":[3,-1],"iat":1713158400,"iss":"https://clerk.example.com","nbf":1713158390,"o":{"fpm":"7,7","id":"org_2acme","per":"read,create,manage","rol":"admin","slg":"acme"},"pla":"o:business","sid":"sess_alice","sts":"active","sub":"user_2alice","v":2}'),
    ('bob, acme member', '{"azp":"https://app.example.com","exp":1713158460,"fea":"o:invoices,o:projects","fva":[3,-1],"iat":1713158400,"iss":"https://clerk.example.com","nbf":1713158390,"o":{"fpm":"0,3","id":"org_2acme","per":"read,create,manage","rol":"member","slg":"acme"},"pla":"o:business","sid":"sess_bob","sts":"active","sub":"user_2bob","v":2}'),
    ('carol, globex admin', '{"azp":"https://app.example.com","exp":1713158460,"fea":"o:invoices,o:projects","fva":[3,-1],"iat":1713158400,"iss":"https://clerk.example.com","nbf":1713158390,"o":{"fpm":"7,7","id":"org_2globex","per":"read,create,manage","rol":"admin","slg":"globex"},"pla":"o:business","sid":"sess_carol","sts":"active","sub":"user_2carol","v":2}'),
    ('alice, pending', '{"azp":"https://app.example.com","exp":1713158460,"fea":"o:invoices,o:projects","fva":[3,-1],"iat":1713158400,"iss":"https://clerk.example.com","nbf":1713158390,"o":{"fpm":"7,7","id":"org_2acme","per":"read,create,manage","rol":"admin","slg":"acme"},"pla":"o:business","sid":"sess_alice2","sts":"pending","sub":"user_2alice","v":2}'),
    ('support as alice', '{"act":{"iss":"https://dashboard.clerk.com","sid":"sess_support","sub":"user_2support"},"azp":"https://app.example.com","exp":1713158460,"fea":"o:invoices,o:projects","fva":[0,-1],"iat":1713158400,"iss":"https://clerk.example.com","nbf":1713158390,"o":{"fpm":"7,7","id":"org_2acme","per":"read,create,manage","rol":"admin","slg":"acme"},"pla":"o:business","sid":"sess_imp","sts":"active","sub":"user_2alice","v":2}'),
    ('dave, personal account', '{"azp":"https://app.example.com","exp":1713158460,"fea":"","fva":[3,-1],"iat":1713158400,"iss":"https://clerk.example.com","nbf":1713158390,"pla":"u:free","sid":"sess_dave","sts":"active","sub":"user_2dave","v":2}'),
    ('erin, acme member (v1 token)', '{"azp":"https://app.example.com","exp":1713158460,"iat":1713158400,"iss":"https://clerk.example.com","nbf":1713158390,"org_id":"org_2acme","org_permissions":["org:invoices:read","org:projects:read"],"org_role":"org:member","org_slug":"acme","sid":"sess_erin","sub":"user_2erin"}');
grant select on sessions to authenticated;

-- 1. Alice (acme admin) and Carol (globex admin) each add projects and invoices; the
--    organization and the author come from the token.
begin;
set local role authenticated;
select set_config('request.jwt.claims', claims, true) is not null as signed_in from sessions where who = 'alice, acme admin';
insert into app.projects (name) values ('Website relaunch'), ('Q3 roadmap'), ('Office move')
returning org_id, name, created_by, impersonated_by;
insert into app.invoices (customer, amount) values ('Initech', 1200.00), ('Umbrella', 560.50)
returning org_id, customer, amount;
commit;
begin;
set local role authenticated;
select set_config('request.jwt.claims', claims, true) is not null as signed_in from sessions where who = 'carol, globex admin';
insert into app.projects (name) values ('Globex intranet') returning org_id, name, created_by;
insert into app.invoices (customer, amount) values ('Hooli', 999.99) returning org_id, customer, amount;
commit;

-- 2. What each person sees.
create temp table seen (who text, projects text, invoices text);
grant insert on seen to authenticated;
do $$
declare
    s record;
begin
    for s in select who, claims from sessions order by who loop
        perform set_config('role', 'authenticated', true);
        perform set_config('request.jwt.claims', s.claims, true);
        insert into seen values (s.who,
            (select coalesce(string_agg(name, ', ' order by id), '-') from app.projects),
            (select coalesce(string_agg(customer, ', ' order by id), '-') from app.invoices));
        perform set_config('role', 'none', true);
    end loop;
end $$;
select who, projects, invoices from seen order by who;

-- 3. Bob (member, no invoices permission) renames a project but cannot delete one, and
--    cannot add an invoice.
begin;
set local role authenticated;
select set_config('request.jwt.claims', claims, true) is not null as signed_in from sessions where who = 'bob, acme member';
select jwt_has_org_role('admin') as bob_is_admin, jwt_has_permission('org:invoices:read') as bob_reads_invoices;
with changed as (update app.projects set name = 'Q3 roadmap (draft)' where name = 'Q3 roadmap' returning id)
select count(*) as rows_renamed from changed;
with removed as (delete from app.projects where name = 'Office move' returning id)
select count(*) as rows_deleted from removed;
select regress.expect_error($$insert into app.invoices (customer, amount) values ('Initech', 1.00)$$) as add_invoice;
-- Nor can he move a project to another organization.
select regress.expect_error($$update app.projects set org_id = 'org_2globex' where name = 'Website relaunch'$$) as move_project;
commit;

-- 4. Alice (admin) can delete; Carol (admin of another organization) cannot reach Acme's rows.
begin;
set local role authenticated;
select set_config('request.jwt.claims', claims, true) is not null as signed_in from sessions where who = 'carol, globex admin';
with removed as (delete from app.projects where name = 'Office move' returning id)
select count(*) as rows_deleted_by_carol from removed;
select regress.expect_error($$insert into app.projects (org_id, name) values ('org_2acme', 'Hostile takeover')$$) as insert_into_acme;
commit;
begin;
set local role authenticated;
select set_config('request.jwt.claims', claims, true) is not null as signed_in from sessions where who = 'alice, acme admin';
with removed as (delete from app.projects where name = 'Office move' returning id)
select count(*) as rows_deleted_by_alice from removed;
select name from app.projects order by id;
commit;

-- 5. A pending session (Alice has not finished her session tasks) sees nothing and writes
--    nothing, although the token names her organization and role.
begin;
set local role authenticated;
select set_config('request.jwt.claims', claims, true) is not null as signed_in from sessions where who = 'alice, pending';
select jwt_session_status(), requesting_user_id(), requesting_org_id(), jwt_has_org_role('admin') as admin;
select count(*) as projects from app.projects;
select count(*) as invoices from app.invoices;
select regress.expect_error($$insert into app.projects (name) values ('Pending project')$$) as add_project;
with removed as (delete from app.projects returning id)
select count(*) as rows_deleted from removed;
rollback;

-- 6. Support impersonating Alice acts as Alice, and the audit column says who really did it.
begin;
set local role authenticated;
select set_config('request.jwt.claims', claims, true) is not null as signed_in from sessions where who = 'support as alice';
insert into app.projects (name) values ('Fix billing address')
returning org_id, name, created_by, impersonated_by;
commit;

-- 7. Dave has no active organization: nothing to see, and nowhere to add a project (the
--    organization default is NULL).
begin;
set local role authenticated;
select set_config('request.jwt.claims', claims, true) is not null as signed_in from sessions where who = 'dave, personal account';
select requesting_org_id() as org_id, count(*) as projects from app.projects;
select regress.expect_error($$insert into app.projects (name) values ('Side project')$$) as add_project;
rollback;

-- 8. For contrast, a superuser sees every row.
select org_id, name, created_by, impersonated_by from app.projects order by id;
select org_id, customer, amount from app.invoices order by id;

drop schema app cascade;
drop table seen, sessions;
drop role authenticated;
