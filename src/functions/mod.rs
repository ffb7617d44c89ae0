//! The SQL-facing layer: every function a user calls. Each reads what it needs from the
//! runtime, and turns it into a Datum or an error through `pg`.
//!
//! Each C function is declared once, by `#[sql_function]` (the crate `pg_jwt_claims_macros`):
//! its SQL signature, attributes and comment beside its body, which give its V1 entry point
//! `pg_jwt_claims_<name>` and its `CREATE FUNCTION`.

pub mod advice; // jwt_policy_advice(): policies and defaults still on the guide's per-row SQL
pub mod database; // jwt_database_mode: the mode the database requires, dumped with it
pub mod install; // what CREATE EXTENSION checks first (the target schema)
pub mod issuers; // jwt_issuers(), jwt_refresh_keys(): declared issuers and the key worker
pub mod organizations; // Clerk helpers: requesting_org_id(), jwt_has_permission(), …
pub mod readers; // the claim readers: requesting_user_id(), jwt_claims(), jwt_claim*()
pub mod testing; // jwt_test_login(), jwt_test_logout(), jwt_test_authenticate()
pub mod tokens; // jwt_verify(), jwt_decode(), jwt_sign(), jwt_authenticate()
