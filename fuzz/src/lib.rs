//! Fuzz harnesses for the pure core of `pg_jwt_claims`.
//!
//! The extension crate links against PostgreSQL symbols, so this crate does not depend on it:
//! it compiles the pure modules (`claims`, `clerk`, `verify`) by path, with the extension's own
//! dependencies. The harnesses live here, not in `fuzz_targets/`, so that
//! `tests/regressions.rs` replays kept crash inputs through exactly the same code under plain
//! `cargo test`.

#[allow(dead_code)]
#[path = "../../src/claims.rs"]
pub mod claims;
#[allow(dead_code)]
#[path = "../../src/clerk.rs"]
pub mod clerk;
#[allow(dead_code)]
#[path = "../../src/interrupts.rs"]
pub mod interrupts;
// Public here (private in the extension), so clippy would ask for `KeySet::is_empty`.
#[allow(dead_code, clippy::len_without_is_empty)]
#[path = "../../src/verify/mod.rs"]
pub mod verify;

pub mod keys;
pub mod targets;
