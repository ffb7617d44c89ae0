//! Clerk's organization, role, permission, feature and plan checks for policies.
//!
//! What each answer means, exactly as Clerk's own SDK derives it, lives in the core's `clerk`; this
//! module only serves the SQL functions through the per-call-site cache. A pending session
//! (`sts = pending`) answers NULL or false unless `pg_jwt_claims.pending_session = allow`, as the
//! SDK's default `treatPendingAsSignedOut` does.

use crate::pg::args::varlena_text;
use crate::pg::datums::{self, Answer};
use crate::pg::errors::SqlError;
use crate::runtime::callsite::serve;
use crate::runtime::identity::view;
use pg_jwt_claims_core::clerk;
use pg_jwt_claims_core::json::{self, Item};
use pg_jwt_claims_macros::sql_function;
use pgrx::pg_sys::{Datum, FunctionCallInfo};
use pgrx::PgSqlErrorCode;

/// The top-level claims Clerk's helpers read (the legacy per-claim settings are asked for these).
const CLERK_CLAIMS: &[&str] = &[
    "sub",
    "o",
    "org_id",
    "org_role",
    "org_slug",
    "org_permissions",
    "fea",
    "pla",
    "sts",
    "act",
    "v",
];

/// Serves a helper over the claims. With no claims, or claims a pending session hides, `read`
/// sees JSON null, for which every decoder fails closed (NULL or false) — after it has judged its
/// argument, so a mistake in a policy raises whoever is asking.
unsafe fn clerk_reader(
    fcinfo: FunctionCallInfo,
    read: impl FnOnce(Item<'_>, Option<&str>) -> Result<Answer, SqlError>,
) -> Datum {
    unsafe {
        serve(fcinfo, |args| {
            let argument = match args.first() {
                Some(Some(bytes)) => Some(varlena_text(bytes.as_ptr().cast())),
                _ => None,
            };
            let (view, validity) = view(CLERK_CLAIMS);
            let answer = match view {
                Some(v) if !v.signed_out() => read(v.root(), argument)?,
                _ => read(json::null(), argument)?,
            };
            Ok((answer, validity))
        })
    }
}

fn boolean(b: bool) -> Result<Answer, SqlError> {
    Ok(Answer::Value(Datum::from(b)))
}

fn scope_error(err: clerk::ScopeError) -> SqlError {
    SqlError::new(PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE, err.to_string())
        .hint("Use no prefix for either scope, \"o:\", \"org:\" or \"organization:\" for the organization's, \"u:\" or \"user:\" for the user's.")
}

/// `requesting_org_id() → text`: Clerk's `orgId` (`o.id` when `v` is 2, else `org_id`);
/// NULL with no organization. Example: `using (org_id = requesting_org_id())`.
#[sql_function(
    "requesting_org_id() RETURNS text",
    "STABLE PARALLEL SAFE",
    comment = "Clerk's orgId: o.id when v is 2, else org_id; NULL without one."
)]
unsafe fn requesting_org_id(fcinfo: FunctionCallInfo) -> Datum {
    clerk_reader(fcinfo, |c, _| {
        datums::opt_text(clerk::org_id(c), &["o", "id"])
    })
}

/// `requesting_org_role() → text`: Clerk's `orgRole`: `org:` + `o.rol` when `v` is 2
/// (`admin` → `org:admin`), else `org_role` as it is; NULL without one.
#[sql_function(
    "requesting_org_role() RETURNS text",
    "STABLE PARALLEL SAFE",
    comment = "Clerk's orgRole: org: and o.rol when v is 2, else org_role; NULL without one."
)]
unsafe fn requesting_org_role(fcinfo: FunctionCallInfo) -> Datum {
    clerk_reader(fcinfo, |c, _| {
        datums::opt_text(clerk::org_role(c).as_deref(), &["o", "rol"])
    })
}

/// `requesting_org_slug() → text`: Clerk's `orgSlug` (`o.slg`, else `org_slug`).
#[sql_function(
    "requesting_org_slug() RETURNS text",
    "STABLE PARALLEL SAFE",
    comment = "Clerk's orgSlug: o.slg when v is 2, else org_slug; NULL without one."
)]
unsafe fn requesting_org_slug(fcinfo: FunctionCallInfo) -> Datum {
    clerk_reader(fcinfo, |c, _| {
        datums::opt_text(clerk::org_slug(c), &["o", "slg"])
    })
}

/// `jwt_org_permissions() → text[]`: Clerk's `orgPermissions`: decoded from `fea`, `o.per`
/// and `o.fpm` when `v` is 2, else `org_permissions` as it is; NULL without them.
#[sql_function(
    "jwt_org_permissions() RETURNS text[]",
    "STABLE PARALLEL SAFE",
    comment = "Clerk's orgPermissions: org:<feature>:<permission> names; NULL without them."
)]
unsafe fn jwt_org_permissions(fcinfo: FunctionCallInfo) -> Datum {
    clerk_reader(fcinfo, |c, _| match clerk::org_permissions(c) {
        Ok(Some(perms)) => datums::text_array(
            &perms.iter().map(|p| Some(p.as_str())).collect::<Vec<_>>(),
            &["o", "per"],
        ),
        Ok(None) => Ok(Answer::Null),
        Err(clerk::TooLarge) => Err(SqlError::new(
            PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED,
            "organization permissions are too large to list",
        )
        .detail(format!(
            "The claims grant permissions whose names take more than {} bytes.",
            clerk::MAX_EXPANDED_BYTES
        ))),
    })
}

/// `jwt_has_org_role(role text) → boolean`: Clerk's `has({ role })` (`admin`, `org:admin`).
#[sql_function(
    "jwt_has_org_role(role text) RETURNS boolean",
    "STABLE STRICT PARALLEL SAFE",
    comment = "Clerk's has({ role }): admin, org:admin."
)]
unsafe fn jwt_has_org_role(fcinfo: FunctionCallInfo) -> Datum {
    clerk_reader(fcinfo, |c, role| {
        boolean(role.is_some_and(|r| clerk::has_org_role(c, r)))
    })
}

/// `jwt_has_permission(permission text) → boolean`: Clerk's `has({ permission })`
/// (`org:invoices:read` or `invoices:read`).
#[sql_function(
    "jwt_has_permission(permission text) RETURNS boolean",
    "STABLE STRICT PARALLEL SAFE",
    comment = "Clerk's has({ permission }): org:invoices:read, invoices:read."
)]
unsafe fn jwt_has_permission(fcinfo: FunctionCallInfo) -> Datum {
    clerk_reader(fcinfo, |c, p| {
        boolean(p.is_some_and(|p| clerk::has_permission(c, p)))
    })
}

/// `jwt_has_feature(feature text) → boolean`: Clerk's `has({ feature })`: `dashboard` either
/// scope, `o:`/`org:`/`organization:` the organization's, `u:`/`user:` the user's; an unknown
/// scope raises 22023.
#[sql_function(
    "jwt_has_feature(feature text) RETURNS boolean",
    "STABLE STRICT PARALLEL SAFE",
    comment = "Clerk's has({ feature }) (scopes: none, o:/org:/organization:, u:/user:)."
)]
unsafe fn jwt_has_feature(fcinfo: FunctionCallInfo) -> Datum {
    clerk_reader(fcinfo, |c, f| match f {
        Some(f) => boolean(clerk::has_feature(c, f).map_err(scope_error)?),
        None => boolean(false),
    })
}

/// `jwt_has_plan(plan text) → boolean`: Clerk's `has({ plan })`, scopes as for features.
#[sql_function(
    "jwt_has_plan(plan text) RETURNS boolean",
    "STABLE STRICT PARALLEL SAFE",
    comment = "Clerk's has({ plan }) (scopes: none, o:/org:/organization:, u:/user:)."
)]
unsafe fn jwt_has_plan(fcinfo: FunctionCallInfo) -> Datum {
    clerk_reader(fcinfo, |c, p| match p {
        Some(p) => boolean(clerk::has_plan(c, p).map_err(scope_error)?),
        None => boolean(false),
    })
}

/// `requesting_actor_id() → text`: the impersonator (`act.sub`) when the session is
/// impersonated, else NULL. Example: `audited_by text default requesting_actor_id()`.
#[sql_function(
    "requesting_actor_id() RETURNS text",
    "STABLE PARALLEL SAFE",
    comment = "The impersonator (act.sub) of an impersonated session; NULL otherwise."
)]
unsafe fn requesting_actor_id(fcinfo: FunctionCallInfo) -> Datum {
    clerk_reader(fcinfo, |c, _| {
        datums::opt_text(clerk::actor_id(c), &["act", "sub"])
    })
}

/// `jwt_session_status() → text`: the `sts` claim (`active`, `pending`, …). The one helper
/// the pending-session rule does not hide: it is how a policy sees that a session is pending.
#[sql_function(
    "jwt_session_status() RETURNS text",
    "STABLE PARALLEL SAFE",
    comment = "The Clerk session status claim sts (active, pending, ...)."
)]
unsafe fn jwt_session_status(fcinfo: FunctionCallInfo) -> Datum {
    serve(fcinfo, |_| {
        let (view, validity) = view(&["sts"]);
        let status = view.as_ref().and_then(|v| clerk::session_status(v.root()));
        Ok((datums::opt_text(status, &["sts"])?, validity))
    })
}
