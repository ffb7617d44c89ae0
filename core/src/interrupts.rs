//! Cancellation points for loops whose length the input decides.
//!
//! The core runs inside a database backend, where a statement must stop promptly on
//! `statement_timeout`, `pg_cancel_backend` or `pg_terminate_backend`. The core cannot see
//! Postgres, so the glue installs Postgres' interrupt check here at load; plain `cargo test`
//! runs without one. A check that fires does not return: the error unwinds the Rust frames and
//! becomes the usual Postgres error (57014, 57P01).

use std::sync::OnceLock;

static CHECK: OnceLock<fn()> = OnceLock::new();

/// Installs the interrupt check (once per process).
pub fn install(check: fn()) {
    let _ = CHECK.set(check);
}

/// A cancellation point: call it once per iteration of every loop whose length the input
/// decides. Costs a load and a branch when nothing is pending.
#[inline]
pub fn check() {
    if let Some(check) = CHECK.get() {
        check();
    }
}

/// [`check`] once every `every` iterations, for tight loops.
#[inline]
pub fn check_every(i: usize, every: usize) {
    if i.is_multiple_of(every) {
        check();
    }
}
