//! Postgres conversions, the bottom layer: nothing here reads a setting or keeps a cache.

pub mod args; // function arguments from fcinfo, text as UTF-8 or 22021
pub mod catalog; // an extension's schema and its tables' rows, read below SQL
pub mod clock; // the statement's start, in Postgres and Unix units
pub mod datums; // claim values to Datums with Postgres' own conversions
pub mod errors; // SQLSTATEs and the one way to raise
pub mod guc_records; // Postgres' records of settings, looked up by name in every version
pub mod jsonb; // a parsed document written as jsonb, byte for byte as jsonb_in would
pub mod rows; // the one row a set-returning function returns (materialize mode)
