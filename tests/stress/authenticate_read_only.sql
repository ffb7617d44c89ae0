-- jwt_authenticate only verifies and sets a setting, so it needs no write: it works in a read-only
-- transaction on the hot standby, and on the primary it assigns no transaction ID (which would
-- consume XIDs and make every authenticated read wait for a WAL flush at commit).
\set VERBOSITY verbose
begin transaction read only;
select 'authenticated', jwt_authenticate(token) ->> 'sub' from stress.tokens where id = 51;
select 'identity', requesting_user_id(), requesting_org_id();
select 'transaction id assigned', pg_current_xact_id_if_assigned() is not null;
commit;
