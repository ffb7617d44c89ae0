-- Peak memory of jwt_claim_array over a 1 MB array claim (strings and 10-digit numbers, about
-- 80,000 elements), claims parsing included: the backend's peak RSS is reset (clear_refs 5, as
-- root) once the claims are set, then read after one call that reads every element. Prints
-- "bytes n", "before kB" (the reset peak, i.e. the RSS then) and "after kB" (the new peak).
\set ON_ERROR_STOP 1
select (select jsonb_agg(case when i % 2 = 0 then to_jsonb('role_' || lpad(i::text, 7, '0'))
                              else to_jsonb(1000000000 + i) end)
        from generate_series(1, 80000) i)::text as roles \gset
select octet_length(:'roles') as bytes \gset
\echo bytes :bytes
select set_config('request.jwt.claims', '{"sub":"u","roles":' || :'roles' || '}', false) is not null as set \gset
select pg_backend_pid() as pid \gset
\setenv STRESS_PID :pid
\! echo 5 > /proc/$STRESS_PID/clear_refs && awk '/^VmHWM:/ { print "before", $2 }' /proc/$STRESS_PID/status
select cardinality(jwt_claim_array('roles')) = 80000 as all_elements,
       (jwt_claim_array('roles'))[80000] = 'role_0080000' as last_element \gset
\! awk '/^VmHWM:/ { print "after", $2 }' /proc/$STRESS_PID/status
\if :all_elements
\else
\echo wrong array
\quit
\endif
