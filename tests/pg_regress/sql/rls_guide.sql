-- rls_guide: the Clerk + Supabase guide's to-do list, with requesting_user_id() from the
-- extension, run as the role PostgREST switches to for a signed-in user.
--
-- Row Level Security does not apply to superusers or to the table's owner, so every request
-- below runs as the non-superuser role "authenticated", with the claims set the way PostgREST
-- sets them: set_config('request.jwt.claims', …, true) at the start of the transaction.
\set SHOW_CONTEXT never
\pset null '(null)'

create role authenticated nologin;
create schema guide;
grant usage on schema guide to authenticated;

-- The guide's table: the owner of a row is filled in from the token.
create table guide.todos (
    id bigserial primary key,
    user_id text not null default requesting_user_id(),
    task text not null
);
grant select, insert, update, delete on guide.todos to authenticated;
grant usage on sequence guide.todos_id_seq to authenticated;
alter table guide.todos enable row level security;
create policy "Select own todos" on guide.todos for select to authenticated
    using (requesting_user_id() = user_id);
create policy "Insert own todos" on guide.todos for insert to authenticated
    with check (requesting_user_id() = user_id);
create policy "Update own todos" on guide.todos for update to authenticated
    using (requesting_user_id() = user_id) with check (requesting_user_id() = user_id);
create policy "Delete own todos" on guide.todos for delete to authenticated
    using (requesting_user_id() = user_id);

-- 1. Alice signs in and adds two todos without saying whose they are.
begin;
set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"user_2alice","role":"authenticated","iss":"https://clerk.example.com","sid":"sess_alice","exp":1713158460}', true) is not null as claims_set;
insert into guide.todos (task) values ('Buy milk'), ('Book the dentist') returning user_id, task;
select user_id, task from guide.todos order by id;
commit;

-- 2. Bob signs in: he sees only his own todos, and cannot touch Alice's.
begin;
set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"user_2bob","role":"authenticated","iss":"https://clerk.example.com","sid":"sess_bob","exp":1713158460}', true) is not null as claims_set;
insert into guide.todos (task) values ('Walk the dog') returning user_id, task;
select user_id, task from guide.todos order by id;
-- Alice's rows are invisible to UPDATE and DELETE: no row is changed.
with changed as (update guide.todos set task = 'Buy oat milk' where task = 'Buy milk' returning id)
select count(*) as rows_updated from changed;
with removed as (delete from guide.todos where user_id = 'user_2alice' returning id)
select count(*) as rows_deleted from removed;
-- Writing a row in Alice's name is refused, whether inserted or moved over.
select regress.expect_error($$insert into guide.todos (user_id, task) values ('user_2alice', 'Cancel the dentist')$$) as insert_as_alice;
select regress.expect_error($$update guide.todos set user_id = 'user_2alice' where task = 'Walk the dog'$$) as give_to_alice;
-- His own row he may change.
with changed as (update guide.todos set task = 'Walk the dog twice' where task = 'Walk the dog' returning id)
select count(*) as rows_updated from changed;
select user_id, task from guide.todos order by id;
commit;

-- 3. Alice again: her todos are untouched; she finishes one.
begin;
set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"user_2alice","role":"authenticated","iss":"https://clerk.example.com","sid":"sess_alice","exp":1713158460}', true) is not null as claims_set;
with removed as (delete from guide.todos where task = 'Buy milk' returning id)
select count(*) as rows_deleted from removed;
select user_id, task from guide.todos order by id;
commit;

-- 4. No claims (or '' after an earlier transaction): nothing is visible, and an insert has no
--    owner, so it is refused.
begin;
set local role authenticated;
select requesting_user_id() is null as no_user;
select count(*) as visible from guide.todos;
select regress.expect_error($$insert into guide.todos (task) values ('Anonymous task')$$) as anonymous_insert;
select set_config('request.jwt.claims', '', true) is not null as claims_emptied;
select count(*) as visible from guide.todos;
select regress.expect_error($$insert into guide.todos (task) values ('Anonymous task')$$) as anonymous_insert;
-- A token without a sub (e.g. PostgREST's anon role) is no user either.
select set_config('request.jwt.claims', '{"role":"anon"}', true) is not null as claims_set;
select count(*) as visible from guide.todos;
with changed as (update guide.todos set task = 'x' returning id)
select count(*) as rows_updated from changed;
with removed as (delete from guide.todos returning id)
select count(*) as rows_deleted from removed;
rollback;

-- 5. The same policies in parallel workers: Bob's count is the same with the query forced
--    into a worker.
begin;
set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"user_2bob","role":"authenticated"}', true) is not null as claims_set;
select set_config(case when current_setting('server_version_num')::int >= 160000
                       then 'debug_parallel_query' else 'force_parallel_mode' end, 'on', true) as forced;
select count(*) as bobs_todos from guide.todos;
select user_id, task from guide.todos order by id;
rollback;

-- 6. For contrast: a superuser bypasses Row Level Security and sees every row.
select user_id, task from guide.todos order by id;

drop schema guide cascade;
drop role authenticated;
