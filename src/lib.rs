//! pg_jwt_claims: compiled JWT claim helpers for Row Level Security.
//!
//! Layout (see the README's "Development" section): the pure core is the crate
//! `pg_jwt_claims_core` (`core/`), which cannot see Postgres. This crate is the glue, in three
//! layers through which data flows one way: `functions` (what SQL calls) uses `runtime`
//! (settings, identity, caches), which uses `pg` (Datums, jsonb, errors, arguments).

mod functions;
mod pg;
mod runtime;

#[cfg(feature = "pg_test")]
mod glue_tests; // #[pg_test]s

::pgrx::pg_module_magic!(name, version);

#[pgrx::pg_guard]
pub extern "C-unwind" fn _PG_init() {
    pg_jwt_claims_core::interrupts::install(check_for_interrupts);
    runtime::settings::init();
    runtime::identity::init();
    MAIN_THREAD.set(true);
    // SAFETY: flags Postgres sets while it loads shared_preload_libraries, and in a server that
    // pg_upgrade started (no key worker then: nothing may be fetched during a binary upgrade).
    if unsafe {
        pgrx::pg_sys::process_shared_preload_libraries_in_progress && !pgrx::pg_sys::IsBinaryUpgrade
    } {
        runtime::keystore::init();
        runtime::worker::register();
    }
}

thread_local! {
    /// Whether this is the backend's own thread, the only one that may serve interrupts (the key
    /// worker fetches on a thread of its own, which runs core code only).
    static MAIN_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn check_for_interrupts() {
    if MAIN_THREAD.get() {
        pgrx::check_for_interrupts!();
    }
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
