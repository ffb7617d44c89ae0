-- Reference: the HS256 token scan calling nothing; prints 'ms ms …'. Variables: :runs.
select bench_runs('select count(octet_length(tok)) from tokens where alg = ''HS256''', :runs);
