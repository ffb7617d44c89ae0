//! pg_jwt_claims: compiled JWT claim helpers for Row Level Security.
//!
//! Layout (see the README's "Development" section): the pure core is the crate
//! `pg_jwt_claims_core` (`core/`), which cannot see Postgres. This crate is the glue, in three
//! layers through which data flows one way: `functions` (what SQL calls) uses `runtime`
//! (settings, identity, caches), which uses `pg` (Datums, jsonb, errors, arguments).

mod functions;
mod pg;
mod runtime;

#[cfg(any(test, feature = "pg_test"))]
mod glue_tests; // #[pg_test]s

::pgrx::pg_module_magic!(name, version);

#[pgrx::pg_guard]
pub extern "C-unwind" fn _PG_init() {
    pg_jwt_claims_core::interrupts::install(check_for_interrupts);
    runtime::settings::init();
    runtime::identity::init();
    // SAFETY: a flag Postgres sets while it loads shared_preload_libraries.
    if unsafe { pgrx::pg_sys::process_shared_preload_libraries_in_progress } {
        runtime::keystore::init();
        runtime::worker::register();
    }
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
