\echo Use "ALTER EXTENSION pg_jwt_claims UPDATE TO '0.3.0'" to load this file. \quit
-- 0.3.0 gives Clerk's own answers: every Clerk helper now derives what Clerk's SDK derives
-- (v2 only when v is 2, has() only for a signed-in user, fea/pla in any version, values as they
-- are), and verification refuses typ other than JWT and tokens without exp by default
-- (pg_jwt_claims.token_types, pg_jwt_claims.required_claims), with 5 s of leeway. The SQL objects
-- are unchanged but for the comments of the Clerk helpers, which say so.
COMMENT ON FUNCTION requesting_org_id() IS 'Clerk''s orgId: o.id when v is 2, else org_id; NULL without one.';
COMMENT ON FUNCTION requesting_org_role() IS 'Clerk''s orgRole: org: and o.rol when v is 2, else org_role; NULL without one.';
COMMENT ON FUNCTION requesting_org_slug() IS 'Clerk''s orgSlug: o.slg when v is 2, else org_slug; NULL without one.';
COMMENT ON FUNCTION jwt_org_permissions() IS 'Clerk''s orgPermissions: org:<feature>:<permission> names; NULL without them.';
COMMENT ON FUNCTION jwt_has_org_role(text) IS 'Clerk''s has({ role }): admin, org:admin.';
COMMENT ON FUNCTION jwt_has_permission(text) IS 'Clerk''s has({ permission }): org:invoices:read, invoices:read.';
COMMENT ON FUNCTION jwt_has_feature(text) IS 'Clerk''s has({ feature }) (scopes: none, o:/org:/organization:, u:/user:).';
COMMENT ON FUNCTION jwt_has_plan(text) IS 'Clerk''s has({ plan }) (scopes: none, o:/org:/organization:, u:/user:).';
