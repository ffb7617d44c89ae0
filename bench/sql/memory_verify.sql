-- Backend memory around a second jwt_verify pass over mem_tokens; prints 'anon0 anon1 rss0 rss1'
-- (kB). No variables.
select pub as secret from keys where alg = 'HS256' \gset
select count(jwt_verify(tok, :'secret')) from mem_tokens \gset ignored_
select backend_kb('RssAnon') as a0, backend_kb('VmRSS') as v0 \gset
select count(jwt_verify(tok, :'secret')) from mem_tokens \gset ignored_
select concat_ws(' ', :a0, backend_kb('RssAnon'), :v0, backend_kb('VmRSS'));
