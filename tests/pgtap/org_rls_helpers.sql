-- A Clerk organization's policies tested with the extension's test helpers: jwt_test_login()
-- sets the claims and the role as PostgREST does for a request, jwt_test_logout() ends it.
-- The claims are what Clerk puts in a v2 session token (what Supabase's third-party auth hands
-- to PostgREST): an organization in "o", its permissions in "per"/"fpm" over the org features
-- of "fea".
begin;
select plan(10);

create role authenticated nologin;
create role anon nologin;
create table invoices (
    id     bigint generated always as identity primary key,
    org_id text not null default requesting_org_id(),
    amount numeric not null
);
alter table invoices enable row level security;
create policy read_invoices on invoices for select
    using (org_id = requesting_org_id() and jwt_has_permission('org:invoices:read'));
create policy write_invoices on invoices for insert
    with check (org_id = requesting_org_id() and jwt_has_org_role('admin'));
grant select, insert on invoices to authenticated, anon;
insert into invoices (org_id, amount) values ('org_acme', 100), ('org_acme', 250), ('org_other', 999);

-- fea "o:invoices", per "read,write": fpm 3 = read and write (the admin), 1 = read (a member).
select jwt_test_login('{"sub":"user_admin","v":2,"fea":"o:invoices","o":{"id":"org_acme","rol":"admin","per":"read,write","fpm":"3"}}');
select is(current_user::text, 'authenticated', 'jwt_test_login() sets the role as PostgREST does');
select results_eq('select amount from invoices order by id', array[100, 250]::numeric[], 'the admin reads the organization''s invoices');
select lives_ok($$insert into invoices (amount) values (42)$$, 'the admin adds an invoice');
select results_eq($$select org_id from invoices where amount = 42$$, array['org_acme'], 'the default filled org_id');

select jwt_test_login('{"sub":"user_member","v":2,"fea":"o:invoices","o":{"id":"org_acme","rol":"member","per":"read,write","fpm":"1"}}');
select results_eq('select count(*)::int from invoices', array[3], 'a member reads them too');
select throws_ok($$insert into invoices (amount) values (1)$$, '42501', null, 'a member cannot add one');

-- The same member with the session still pending (sts): Clerk counts it as signed out.
select jwt_test_login('{"sub":"user_member","sts":"pending","v":2,"fea":"o:invoices","o":{"id":"org_acme","rol":"member","per":"read,write","fpm":"1"}}');
select is_empty('select * from invoices', 'a pending session sees nothing');

-- Without an organization, and signed out.
select jwt_test_login('{"sub":"user_member","v":2,"fea":"o:invoices"}');
select is_empty('select * from invoices', 'without an active organization nothing is visible');
select jwt_test_logout('anon');
select is_empty('select * from invoices', 'anonymous sees nothing');
select jwt_test_logout();
select results_eq('select count(*)::int from invoices', array[4], 'logged out, the owner sees every row');

select * from finish();
rollback;
