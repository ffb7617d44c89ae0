//! The pure core of pg_jwt_claims: everything that decides an answer, with no PostgreSQL and
//! no pgrx (the compiler enforces it: this crate cannot see them), tested by plain
//! `cargo test` and fuzzed by `fuzz/`.
//!
//! Modules, each depending only on those above it:
//! * [`interrupts`]: cancellation points the extension wires to Postgres' interrupt check.
//! * [`json`]: one strict, single-pass JSON parser into a flat document over its own text.
//! * [`jose`]: compact JWS/JWT decoding, keys, signatures, claim validation, signing.
//! * [`claims`]: the claims object and the rules of paths and JSON types.
//! * [`clerk`]: Clerk's organization, role, permission, feature and plan semantics.
//! * [`issuers`]: the declared issuers setting: each issuer's keys and rules.
//! * [`fetch`] (feature `fetch`): the key worker's HTTPS client.

pub mod claims;
pub mod clerk;
#[cfg(feature = "fetch")]
pub mod fetch;
pub mod interrupts;
pub mod issuers;
pub mod jose;
pub mod json;
