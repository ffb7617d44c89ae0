//! The SQL-facing layer: every function a user calls. Each reads what it needs from the
//! runtime, and turns it into a Datum or an error through `pg`.

pub mod advice; // jwt_policy_advice(): policies and defaults still on the guide's per-row SQL
pub mod claims; // requesting_user_id(), jwt_claims(), jwt_claim*()
pub mod install; // what CREATE EXTENSION checks first (the target schema)
pub mod organizations; // Clerk helpers: requesting_org_id(), jwt_has_permission(), …
pub mod testing; // jwt_test_login(), jwt_test_logout(), jwt_test_authenticate()
pub mod tokens; // jwt_verify(), jwt_decode(), jwt_sign(), jwt_authenticate()

/// Declares a V1 function: Postgres' info record under `$finfo` and a guarded entry point.
/// Each is declared in SQL by the `extension_sql!` block beside it.
macro_rules! v1_function {
    ($(#[$meta:meta])* $name:ident, $finfo:ident, |$fcinfo:ident| $body:expr) => {
        #[unsafe(no_mangle)]
        #[doc(hidden)]
        pub extern "C" fn $finfo() -> &'static ::pgrx::pg_sys::Pg_finfo_record {
            const V1: ::pgrx::pg_sys::Pg_finfo_record =
                ::pgrx::pg_sys::Pg_finfo_record { api_version: 1 };
            &V1
        }

        $(#[$meta])*
        #[unsafe(no_mangle)]
        pub unsafe extern "C-unwind" fn $name(
            $fcinfo: ::pgrx::pg_sys::FunctionCallInfo,
        ) -> ::pgrx::pg_sys::Datum {
            // A Rust panic or a raised error unwinds to here and becomes a Postgres ERROR.
            unsafe { ::pgrx::pg_sys::submodules::panic::pgrx_extern_c_guard(|| $body) }
        }
    };
}

pub(crate) use v1_function;
