-- Reference: the HS256 claims texts made jsonb by jsonb_in; prints 'ms ms …'. Variables: :runs.
select bench_runs('select count(claims::jsonb) from payloads', :runs);
