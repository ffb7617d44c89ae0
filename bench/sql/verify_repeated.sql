-- jwt_verify of one token 100,000 times; prints 'ms ms …'. Variables: :alg, :runs.
select bench_runs(format('select count(jwt_verify((select tok from tokens where alg = %L and i = 1), (select pub from keys where alg = %L))) from generate_series(1, 100000)', :'alg', :'alg'), :runs);
