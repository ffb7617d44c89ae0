-- What user :n sees, printed for comparison between the primary and the replica (read-only: runs
-- on a hot standby). The claims setting holds user :claims_n's claims (:n in trust mode; 0, a user
-- without rows, in verify mode, where identity comes from user :n's token only). The client sets
-- the token itself, as verify mode allows (jwt_authenticate has its own check on the standby).
begin;
set local role authenticated;
select set_config('request.jwt.claims', stress.claims_of(:claims_n)::text, true),
  set_config('pg_jwt_claims.token', token, true) from stress.tokens where id = :n \gset ignored_
select :n, requesting_user_id(), requesting_session_id(), requesting_org_id(), requesting_org_role(),
  jwt_has_org_role('admin'), jwt_has_permission('org:docs:read'), jwt_has_permission('docs:manage'),
  jwt_org_permissions(), jwt_claim('email'), jwt_claim_bigint('exp');
select :n, jwt_verify(token, :'secret') ->> 'sub', jwt_verify(token) ->> 'sid',
  current_setting('pg_jwt_claims.token') = token from stress.tokens where id = :n;
-- RLS reads as the non-superuser: stress.check raises unless every row is user :n's.
select :n, stress.check('user_' || :n, array_agg(user_id), 10), md5(string_agg(id::text, ',' order by id)) from stress.items;
select :n, count(*), md5(string_agg(id::text, ',' order by id)) from stress.docs;
commit;
