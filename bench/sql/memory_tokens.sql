-- mem_tokens: 1,000,000 distinct HS256 tokens for the jwt_verify memory item. No variables.
create table mem_tokens (tok text);
insert into mem_tokens
  select jwt_sign(bench_claims('user_' || (i % 1000), 'jti_' || md5(i::text)), (select priv from keys where alg = 'HS256'), 'HS256')
  from generate_series(1, 1000000) i;
vacuum analyze mem_tokens;
