-- jwt_verify over the distinct tokens of one algorithm; prints 'ms ms …'. Variables: :alg, :runs.
select bench_runs(format('select count(jwt_verify(tok, (select pub from keys where alg = %L))) from tokens where alg = %L', :'alg', :'alg'), :runs);
