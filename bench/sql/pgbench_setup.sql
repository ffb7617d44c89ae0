-- The todos table (1,000,000 rows, RLS on, readable by authenticated) and request_loop(), the
-- server-side PostgREST request loop. No variables.
create table todos (id bigint primary key, user_id text not null, task text not null);
insert into todos select i, 'user_' || (i % 1000 + 1), 'task number ' || i from generate_series(1, 1000000) i;
create index todos_user_id on todos (user_id, id);
vacuum analyze todos;
alter table todos enable row level security;
grant select on todos to authenticated;

-- PostgREST's requests done server-side: set the role and claims, then parse, plan and run the
-- query (EXECUTE plans each time); returns the rows seen (20 a request).
create function request_loop(requests int) returns bigint language plpgsql as $$
declare
  template text := bench_claims('user_:uid')::text;
  seen bigint := 0;
  n bigint;
begin
  for k in 1..requests loop
    perform set_config('role', 'authenticated', true),
            set_config('request.jwt.claims', replace(template, ':uid', (k % 1000 + 1)::text), true);
    execute 'select count(*) from (select * from todos order by id limit 20) s' into n;
    seen := seen + n;
  end loop;
  return seen;
end $$;
