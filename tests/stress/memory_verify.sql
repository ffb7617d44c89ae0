-- Backend memory over jwt_verify of distinct HS256 tokens (stress.mem_tokens: token i is user_i's):
-- RssAnon after a warm-up pass over the first :warmup tokens and after a pass over all of them,
-- which also counts wrong answers. Prints "before kB", "after kB" and "wrong n".
\set ON_ERROR_STOP 1
select pg_backend_pid() as pid \gset
\setenv STRESS_PID :pid
select count(jwt_verify(token, :'secret')) from stress.mem_tokens where id <= :warmup \gset ignored_
\! awk '/^RssAnon:/ { print "before", $2 }' /proc/$STRESS_PID/status
select count(*) filter (where jwt_verify(token, :'secret') ->> 'sub' is distinct from 'user_' || id) as wrong from stress.mem_tokens \gset
\! awk '/^RssAnon:/ { print "after", $2 }' /proc/$STRESS_PID/status
\echo wrong :wrong
