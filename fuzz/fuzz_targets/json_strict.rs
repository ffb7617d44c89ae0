#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pg_jwt_claims_fuzz::targets::json_strict(data));
