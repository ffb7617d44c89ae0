//! #[pg_test]s for the glue.
