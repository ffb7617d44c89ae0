//! What `CREATE EXTENSION` checks before it creates anything.
//!
//! The extension is trusted, so a database owner who is not a superuser may install it, and its
//! script then runs as a superuser. Without a check, that owner could install it into
//! `pg_catalog` or into another role's schema and so plant superuser-owned functions where they
//! could never create objects themselves. The script therefore refuses a target schema in which
//! the installing role (`@extowner@`) lacks CREATE; a superuser has it everywhere.

pgrx::extension_sql!(
    r#"
DO $install_check$
BEGIN
    IF NOT pg_catalog.has_schema_privilege($role$@extowner@$role$::pg_catalog.regrole,
            $schema$@extschema@$schema$::pg_catalog.regnamespace, 'CREATE') THEN
        RAISE EXCEPTION USING
            ERRCODE = 'insufficient_privilege',
            MESSAGE = pg_catalog.format('permission denied for schema %s', $schema$@extschema@$schema$),
            DETAIL = pg_catalog.format('pg_jwt_claims is installed into the target schema, and role %s cannot create objects there.', $role$@extowner@$role$),
            HINT = 'Install it into a schema where you have CREATE privilege, e.g. CREATE EXTENSION pg_jwt_claims SCHEMA extensions.';
    END IF;
END
$install_check$;
"#,
    name = "install_check",
    bootstrap,
);
