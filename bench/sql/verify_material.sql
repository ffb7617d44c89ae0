-- The keys table (one key pair per algorithm) and distinct signed tokens for jwt_verify.
-- Variables: :hs, :rs_priv, :rs_pub, :es_priv, :es_pub, :ed_priv, :ed_pub (key texts).
create table keys (alg text primary key, priv text, pub text, n int);
insert into keys values ('HS256', :'hs', :'hs', 20000), ('RS256', :'rs_priv', :'rs_pub', 2000),
  ('ES256', :'es_priv', :'es_pub', 2000), ('EdDSA', :'ed_priv', :'ed_pub', 2000);
-- Distinct tokens: each has its own jti and one of 1000 users.
create table tokens (alg text, i int, tok text, primary key (alg, i));
insert into tokens
  select alg, i, jwt_sign(bench_claims('user_' || (i % 1000), 'jti_' || md5(i::text)), priv, alg)
  from keys, generate_series(1, n) i;
vacuum analyze tokens;
