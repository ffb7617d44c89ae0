//! The mode a database requires, held by the database itself: the configuration table
//! `jwt_database_mode` (a row `verify` puts every session of the database in verify mode,
//! whatever `pg_jwt_claims.mode` says), dumped with the extension so that `pg_dump` and
//! `pg_restore` keep it, and the trigger that tells every backend when it changes
//! (`runtime/database.rs` keeps the answer until then).

use crate::pg::errors::SqlError;
use pg_jwt_claims_macros::sql_function;
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};
use pgrx::PgSqlErrorCode;

/// `jwt_database_mode_changed() → trigger`: the statement trigger of `jwt_database_mode`.
/// Sends a relcache invalidation of the table with the transaction, so every backend drops its
/// kept answer at commit (and this one at its next command). Raises 39P01 when not called as a
/// trigger.
#[sql_function(
    "jwt_database_mode_changed() RETURNS trigger",
    "VOLATILE PARALLEL UNSAFE",
    comment = "Trigger of jwt_database_mode: makes every session read the database's required mode again after a change."
)]
unsafe fn jwt_database_mode_changed(fcinfo: FunctionCallInfo) -> Datum {
    let context = (*fcinfo).context;
    if context.is_null() || (*context).type_ != pg_sys::NodeTag::T_TriggerData {
        SqlError::new(
            PgSqlErrorCode::ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED,
            "jwt_database_mode_changed() must be called as a trigger",
        )
        .raise();
    }
    // SAFETY: the context is a TriggerData (checked above), whose relation is open.
    let trigger = context.cast::<pg_sys::TriggerData>();
    pg_sys::CacheInvalidateRelcacheByRelid((*(*trigger).tg_relation).rd_id);
    Datum::null()
}

pgrx::extension_sql!(
    r#"
CREATE TABLE jwt_database_mode (
    mode text PRIMARY KEY CHECK (mode = 'verify')
);
COMMENT ON TABLE jwt_database_mode IS
    'A row ''verify'' puts every session of this database in verify mode, whatever pg_jwt_claims.mode says; dumped with the extension, so pg_dump and pg_restore keep it.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.jwt_database_mode', '');
-- Every role may see what the database requires; the extension's owner (a database owner, for
-- a trusted install) may require it, as may a superuser.
GRANT SELECT ON jwt_database_mode TO PUBLIC;
GRANT INSERT, UPDATE, DELETE, TRUNCATE ON jwt_database_mode TO @extowner@;
CREATE TRIGGER jwt_database_mode_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON jwt_database_mode
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.jwt_database_mode_changed();
"#,
    name = "jwt_database_mode",
    requires = ["jwt_database_mode_changed"],
);
