-- The 1,000,000-row table t scanned through RLS policies, readable by bench_reader. No variables.
create table t (id bigint, user_id text, org_id text);
insert into t select i, 'user_' || (i % 1000), 'org_' || (i % 1000) from generate_series(1, 1000000) i;
vacuum analyze t;
alter table t enable row level security;
grant select on t to bench_reader;
