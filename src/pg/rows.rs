//! Rows a set-returning C function returns.

use crate::pg::errors::SqlError;
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};
use pgrx::PgSqlErrorCode;

/// Returns `values` as the only row of a set-returning function (see [`rows`]).
///
/// # Safety
/// `fcinfo` is the call's own, and `values` match the function's result columns.
pub unsafe fn one_row(fcinfo: FunctionCallInfo, values: &mut [Datum]) -> Datum {
    let nulls = vec![false; values.len()];
    rows(fcinfo, vec![(values.to_vec(), nulls)])
}

/// Returns `rows` (each its values and null flags) from a set-returning function, in
/// materialize mode (which every caller of a set-returning function accepts: `FROM` and the
/// select list alike).
///
/// # Safety
/// `fcinfo` is the call's own, and every row matches the function's result columns.
pub unsafe fn rows(fcinfo: FunctionCallInfo, rows: Vec<(Vec<Datum>, Vec<bool>)>) -> Datum {
    let rsinfo = (*fcinfo).resultinfo.cast::<pg_sys::ReturnSetInfo>();
    if rsinfo.is_null()
        || !pgrx::is_a(rsinfo.cast(), pg_sys::NodeTag::T_ReturnSetInfo)
        || (*rsinfo).allowedModes & pg_sys::SetFunctionReturnMode::SFRM_Materialize as i32 == 0
    {
        SqlError::new(
            PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
            "set-valued function called in context that cannot accept a set",
        )
        .raise();
    }
    // The description and the store live as long as the query that reads them.
    let caller = pg_sys::MemoryContextSwitchTo((*(*rsinfo).econtext).ecxt_per_query_memory);
    let mut desc = std::ptr::null_mut();
    if pg_sys::get_call_result_type(fcinfo, std::ptr::null_mut(), &mut desc)
        != pg_sys::TypeFuncClass::TYPEFUNC_COMPOSITE
    {
        SqlError::new(
            PgSqlErrorCode::ERRCODE_DATATYPE_MISMATCH,
            "function returning a row is declared without one",
        )
        .raise();
    }
    let random_access =
        (*rsinfo).allowedModes & pg_sys::SetFunctionReturnMode::SFRM_Materialize_Random as i32 != 0;
    let store = pg_sys::tuplestore_begin_heap(random_access, false, pg_sys::work_mem);
    pg_sys::MemoryContextSwitchTo(caller);
    for (mut values, mut nulls) in rows {
        pg_sys::tuplestore_putvalues(store, desc, values.as_mut_ptr(), nulls.as_mut_ptr());
    }
    (*rsinfo).returnMode = pg_sys::SetFunctionReturnMode::SFRM_Materialize;
    (*rsinfo).setResult = store;
    (*rsinfo).setDesc = desc;
    Datum::null()
}
