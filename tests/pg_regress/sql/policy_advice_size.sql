-- policy_advice_size: jwt_policy_advice() reads each policy in time linear in its size. A table
-- owner can write a policy of a megabyte for the DBA to run into; the function reads it within
-- a fraction of a second (a scan by character position took about half an hour at this size).
-- statement_timeout stands in for a timed assertion: far above the linear time, far below the
-- quadratic one.
\set SHOW_CONTEXT never
\pset null '(null)'
begin;
set local statement_timeout = '20s';
create schema auth;
create function auth.uid() returns uuid language sql stable as $$
    select (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')::uuid
$$;
create function adv_size_owner(note text) returns text language sql stable as $$
    select current_setting('request.jwt.claims', true)::jsonb ->> 'sub'
$$;
create table adv_size (owner uuid, note text);
alter table adv_size enable row level security;
-- A million two-byte characters in a string literal, after a claim read …
do $$ begin
    execute format('create policy literal on adv_size using (owner = auth.uid() and note <> %L)',
                   repeat('é', 1000000));
end $$;
-- … inside the call of a function that reads the claims, followed by a cast …
do $$ begin
    execute format('create policy argument on adv_size for update using (adv_size_owner(%L)::text = note)',
                   repeat('é', 1000000));
end $$;
-- … and a thousand claim reads in one policy.
do $$ begin
    execute format('create policy many on adv_size for delete using (%s)',
                   (select string_agg(format('note = auth.uid()::text || %L', repeat('é', 100) || i), ' or ')
                    from generate_series(1, 1000) as i));
end $$;
select kind, table_name, name, length(expression) as expression_length, found, suggestion
from jwt_policy_advice() where table_name = 'adv_size'::regclass
order by kind, name, found;
rollback;
