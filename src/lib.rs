//! pg_jwt_claims: compiled JWT claim helpers for Row Level Security.
//!
//! Layout: a pure core (no Postgres, tested by plain `cargo test`) and a thin glue.

// The pure core:
mod claims; // the claims object: parsing, paths, JSON types
mod clerk; // Clerk organizations, roles, permissions, features, plans
mod interrupts; // cancellation points, wired to Postgres' interrupt check at load
mod verify; // JWS/JWT decoding, keys, signatures, claim validation, signing

// The Postgres glue (reads settings, calls the core, returns Datums and errors):
mod accessors; // requesting_user_id(), jwt_claims(), jwt_claim*()
mod advice; // jwt_policy_advice(): policies and defaults still on the guide's per-row SQL
mod callsite; // per-call-site answers and the V1 function plumbing
mod datums; // claim values to Datums with Postgres' own conversions
mod errors; // SQLSTATEs and the one way to raise
mod guc_records; // Postgres' records of settings, looked up by name in every version
mod gucs; // settings under pg_jwt_claims.*
mod install; // what CREATE EXTENSION checks first (the target schema)
mod jsonb; // a parsed document written as jsonb, byte for byte as jsonb_in would
mod organizations; // Clerk helpers: requesting_org_id(), jwt_has_permission(), …
mod protected; // settings no role may read or weaken before the library loads
mod source; // where claims come from, and the per-process caches
mod testing; // jwt_test_login(), jwt_test_logout(), jwt_test_authenticate() for users' RLS tests
mod verification; // jwt_verify(), jwt_decode(), jwt_sign(), jwt_authenticate(), verify mode

#[cfg(any(test, feature = "pg_test"))]
mod glue_tests; // #[pg_test]s

::pgrx::pg_module_magic!(name, version);

#[pgrx::pg_guard]
pub extern "C-unwind" fn _PG_init() {
    interrupts::install(check_for_interrupts);
    gucs::init();
    source::init();
}

fn check_for_interrupts() {
    pgrx::check_for_interrupts!();
}

/// Required by `cargo pgrx test`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}
