//! Fuzz harnesses for the pure core of `pg_jwt_claims` (the `pg_jwt_claims_core` crate, which
//! the extension links). The harnesses live here, not in `fuzz_targets/`, so that
//! `tests/regressions.rs` replays kept crash inputs through exactly the same code under plain
//! `cargo test`.

pub mod keys;
pub mod targets;
