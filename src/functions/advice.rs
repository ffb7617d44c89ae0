//! `jwt_policy_advice()`: the RLS policies and column defaults that still read the request's JWT
//! claims in SQL once per row, each with the compiled call that replaces it.
//!
//! It is written in PL/pgSQL (no Rust entry point), in `sql/advice.sql`: it reads `pg_policy`,
//! `pg_attrdef`, `pg_depend` and `pg_proc` as the caller (`SECURITY INVOKER`, with its own
//! search path) and changes nothing. Its work is linear in the size of the text it reads: one
//! regular expression cuts the text before every possible hit, and each hit reads only the text
//! around it (a scan by character position is quadratic in UTF-8). What it matches:
//!
//! * a `LANGUAGE sql` or `plpgsql` function the expression calls (found through `pg_depend`)
//!   whose body (`prosrc`, or the deparsed body of a `BEGIN ATOMIC` function) reads
//!   `current_setting('request.jwt.claims'…)`: the guide's `requesting_user_id()` and the like;
//! * `current_setting('request.jwt.claims'…)::json` or `::jsonb` written in the expression;
//! * Supabase's `auth.uid()`, `auth.jwt()`, `auth.role()` and `auth.email()` (zero-argument
//!   functions in schema `auth` whose body reads `request.jwt.claim…`), with the `->`, `->>`,
//!   `#>`, `#>>` path that follows `auth.jwt()`.
//!
//! A call that is the whole target of a `FROM`-less sub-select, `(select auth.uid())`, runs once
//! per statement as an InitPlan: it is listed only when `pg_jwt_claims.mode` is `verify`, where
//! it still trusts a setting any role can set. A function whose body calls the compiled
//! functions (the README's switch) reads no setting and is not listed.
//!
//! Limits (also in the function's comment): it matches text, the deparsed expression
//! (`pg_get_expr`) and function bodies, not plans; calls through other functions, operators,
//! views or dynamic SQL are not seen; a body with more than a single claim read gets the calls
//! for its claims rather than one replacement; text inside string literals that looks like a
//! call can be matched.
//!
//! The suggestions name the extension's schema through `@extschema@`, which `CREATE EXTENSION`
//! replaces with the quoted schema name (the extension is not relocatable).

pgrx::extension_sql_file!(
    "../../sql/advice.sql",
    name = "policy_advice",
    // After the functions its suggestions call.
    requires = [
        "requesting_user_id",
        "requesting_session_id",
        "jwt_role",
        "jwt_email",
        "jwt_claims",
        "jwt_claim",
        "jwt_claim_json",
        "requesting_org_id",
        "requesting_org_role",
        "requesting_org_slug",
        "requesting_actor_id",
        "jwt_session_status",
    ],
);
