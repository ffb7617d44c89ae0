-- About 1 MB of v2 claims built to make permission expansion as large as possible (about 24,000
-- org features x 128 permissions, every bit set: three million names). Under a 100 ms
-- statement_timeout each call must end: with an answer, 54000 (too large to list) or 57014.
-- Prints "bytes n", and per call psql's "Time: … ms" and "ended".
select jsonb_build_object(
    'sub', 'user_adversary', 'v', 2,
    'fea', (select string_agg('o:f' || i, ',') from generate_series(1, 24000) i),
    'o', jsonb_build_object('id', 'org_x', 'rol', 'admin',
        'per', (select string_agg('p' || i, ',') from generate_series(1, 128) i),
        'fpm', (select string_agg('340282366920938463463374607431768211455', ',') from generate_series(1, 24000))))::text
    as claims \gset
select octet_length(:'claims') as bytes \gset
\echo bytes :bytes
select set_config('request.jwt.claims', :'claims', false) is not null as set \gset
set statement_timeout = '100ms';
\set VERBOSITY sqlstate
\timing on
select cardinality(jwt_org_permissions());
\echo ended
select jwt_has_permission('org:f24000:p128');
\echo ended
select jwt_has_permission('org:nothing:p1');
\echo ended
