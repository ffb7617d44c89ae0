-- Where claims come from, and how transaction-local values are honoured.
select requesting_user_id() is null as no_claims_yet;
begin;
select set_config('request.jwt.claims', '{"sub":"user_1"}', true) is not null as set;
select requesting_user_id();
commit;
select requesting_user_id() is null as gone_after_commit;
