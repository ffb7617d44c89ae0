-- 1,500 org features x 128 permissions, every bit set (about 70 kB of v2 claims): the whole
-- permission list and one permission check within a 2 s statement_timeout. Prints
-- "wide|<count>|<has last>|<lacks unknown>|<ms>", ms being the statement's time so far.
\set ON_ERROR_STOP 1
set statement_timeout = '2s';
select set_config('request.jwt.claims', jsonb_build_object(
    'sub', 'user_wide', 'v', 2,
    'fea', (select string_agg('o:f' || i, ',') from generate_series(1, 1500) i),
    'o', jsonb_build_object('id', 'org_wide', 'rol', 'admin',
        'per', (select string_agg('p' || i, ',') from generate_series(1, 128) i),
        'fpm', (select string_agg('340282366920938463463374607431768211455', ',') from generate_series(1, 1500))))::text,
    false) is not null as set \gset
select 'wide', cardinality(jwt_org_permissions()), jwt_has_permission('org:f1500:p128'),
       not jwt_has_permission('org:f1501:p1'),
       round(extract(epoch from clock_timestamp() - statement_timestamp()) * 1000);
