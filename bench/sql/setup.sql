-- The bench database: the extension (every function pointed at this run's library copy), roles,
-- bench_claims(), the guide's and Supabase's functions and the timing helpers. Variables: :lib.
create extension pg_jwt_claims;
-- Every function loads this run's copy of the library (a throwaway cluster: a catalog edit is fine).
update pg_proc set probin = :'lib' where probin = '$libdir/pg_jwt_claims';
select count(*) = 0 as only_this_copy from pg_proc where probin like '%pg_jwt_claims%' and probin <> :'lib' \gset
\if :only_this_copy
\else
  \warn 'some functions do not load this run''s library copy'
\endif
create role bench_reader nologin;
create role authenticated nologin;

-- About 1 KB of claims shaped like a Clerk v2 session token; the organization grants
-- org:invoices:manage, org:invoices:read and org:dashboard:read.
create function bench_claims(uid text, jti text default 'jti_2xYzKq8RmP') returns jsonb
language sql immutable as $$
  select jsonb_build_object(
    'azp', 'https://app.example.com', 'exp', 4102444800, 'iat', 1735689600, 'nbf', 1735689590,
    'iss', 'https://clerk.example.com', 'jti', jti, 'v', 2, 'fva', jsonb_build_array(12, -1),
    'sid', 'sess_2pQ8vN3kR7tY1mW5xZ9aB4cD6eF', 'sts', 'active', 'sub', uid,
    'role', 'authenticated', 'email', uid || '@example.com',
    'fea', 'o:invoices,o:dashboard,u:export', 'pla', 'o:pro,u:free',
    'o', jsonb_build_object('id', 'org_7', 'rol', 'admin', 'slg', 'acme-corp',
                            'per', 'manage,read', 'fpm', '3,2'),
    'metadata', jsonb_build_object(
      'onboarding_complete', true, 'locale', 'en-GB', 'timezone', 'Europe/London',
      'theme', 'dark', 'beta_features', jsonb_build_array('new-editor', 'ai-summaries', 'bulk-export'),
      'company', jsonb_build_object('name', 'Acme Corporation', 'size', '51-200', 'industry', 'software'),
      'notes', repeat('Lorem ipsum dolor sit amet, consectetur adipiscing elit. ', 8)))
$$;

-- The guide's function.
create function guide_requesting_user_id() returns text language sql stable as $$
  select nullif(current_setting('request.jwt.claims', true)::json->>'sub', '')::text
$$;

-- Supabase's auth.jwt(), as Supabase defines it, which its docs use for Clerk's third-party auth
-- (auth.jwt() ->> 'sub').
create schema auth;
create function auth.jwt() returns jsonb language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                  nullif(current_setting('request.jwt.claims', true), ''))::jsonb
$$;
grant usage on schema auth to public;

-- Server-side execution time of one statement, in ms.
create function bench_ms(query text) returns float8 language plpgsql as $$
declare plan json;
begin
  execute 'explain (analyze, timing off, summary on, format json) ' || query into plan;
  return (plan -> 0 ->> 'Execution Time')::float8;
end $$;

-- One untimed run, then `runs` timed runs, as 'ms ms ms …'.
create function bench_runs(query text, runs int) returns text language plpgsql as $$
declare times text[] := '{}';
begin
  perform bench_ms(query);
  for i in 1..runs loop
    times := times || round(bench_ms(query)::numeric, 4)::text;
  end loop;
  return array_to_string(times, ' ');
end $$;

-- A field of this backend's /proc status, in kB (VmRSS, RssAnon, …).
create function backend_kb(field text) returns bigint language sql as $$
  select (regexp_match(pg_read_file('/proc/self/status'), field || ':\s+(\d+)'))[1]::bigint
$$;
