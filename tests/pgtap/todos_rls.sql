-- The guide's todos policies, tested the way Supabase users write RLS tests with pgTAP:
-- become the API role, set the request's claims, and assert what each user can see and do.
begin;
select plan(12);

create role authenticated nologin;
create table todos (
    id      bigint generated always as identity primary key,
    user_id text not null default requesting_user_id(),
    task    text not null
);
alter table todos enable row level security;
create policy select_own on todos for select using (requesting_user_id() = user_id);
create policy insert_own on todos for insert with check (requesting_user_id() = user_id);
create policy update_own on todos for update using (requesting_user_id() = user_id);
create policy delete_own on todos for delete using (requesting_user_id() = user_id);
grant select, insert, update, delete on todos to authenticated;
insert into todos (user_id, task) values ('user_a', 'a1'), ('user_a', 'a2'), ('user_b', 'b1');

select policies_are('todos', array['select_own', 'insert_own', 'update_own', 'delete_own']);

-- Alice.
set local role authenticated;
set local request.jwt.claims = '{"sub":"user_a","role":"authenticated"}';
select is(requesting_user_id(), 'user_a', 'the claims name Alice');
select results_eq('select task from todos order by id', array['a1', 'a2'], 'Alice sees only her todos');
select lives_ok($$insert into todos (task) values ('a3')$$, 'Alice adds a todo without naming herself');
select results_eq($$select user_id from todos where task = 'a3'$$, array['user_a'], 'the default filled user_id');
select throws_ok($$insert into todos (user_id, task) values ('user_b', 'forged')$$, '42501', null,
                 'Alice cannot add a todo in Bob''s name');
select is_empty($$update todos set task = 'x' where user_id = 'user_b' returning id$$, 'Alice cannot change Bob''s todos');
select is_empty($$delete from todos where user_id = 'user_b' returning id$$, 'Alice cannot delete Bob''s todos');

-- Bob.
set local request.jwt.claims = '{"sub":"user_b","role":"authenticated"}';
select results_eq('select task from todos order by id', array['b1'], 'Bob sees only his todo');

-- Signed out: no claims.
set local request.jwt.claims = '';
select is_empty('select * from todos', 'without claims nothing is visible');
select throws_ok($$insert into todos (task) values ('anon')$$, '42501', null, 'without claims nothing can be added');

reset role;
select results_eq('select count(*)::int from todos', array[4], 'the owner sees every row');

select * from finish();
rollback;
