//! Catalog reads below SQL: an extension's schema, and whether a table in it holds a row.
//!
//! These run on a claims cache miss, inside whatever query called a reader, as whatever role
//! runs it: they check no privileges (what they read is the extension's own configuration, which
//! every role may see) and call no function a search path could replace.

use pgrx::pg_sys::{self, Oid};
use std::ffi::CStr;

/// The schema and the owner of the extension `name` in this database, `None` when it is not
/// installed.
pub fn extension_schema(name: &CStr) -> Option<(Oid, Oid)> {
    let mut found = None;
    // SAFETY: a heap scan of pg_extension under AccessShareLock with the catalog snapshot, as
    // Postgres' own get_extension_schema does (without its index: the catalog has a few rows).
    unsafe {
        let rel = pg_sys::table_open(pg_sys::ExtensionRelationId, pg_sys::AccessShareLock as _);
        let scan = pg_sys::systable_beginscan(
            rel,
            pg_sys::InvalidOid,
            false,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
        );
        loop {
            let tuple = pg_sys::systable_getnext(scan);
            if tuple.is_null() {
                break;
            }
            let form = pg_sys::heap_tuple_get_struct::<pg_sys::FormData_pg_extension>(tuple);
            if CStr::from_ptr((*form).extname.data.as_ptr()) == name {
                found = Some(((*form).extnamespace, (*form).extowner));
                break;
            }
        }
        pg_sys::systable_endscan(scan);
        pg_sys::table_close(rel, pg_sys::AccessShareLock as _);
    }
    found
}

/// The table `name` in schema `schema` and whether it holds a row visible now; `None` when no
/// such table exists, or when it is owned by a role that is neither `owner` nor a superuser (a
/// table some other role created under that name, in a schema others can create in). The lock
/// taken is kept to the end of the transaction, as a query's is.
pub fn table_has_rows(schema: Oid, name: &CStr, owner: Oid) -> Option<(Oid, bool)> {
    // SAFETY: a name lookup in one schema; InvalidOid when there is no such relation.
    let relid = unsafe { pg_sys::get_relname_relid(name.as_ptr(), schema) };
    if relid == pg_sys::InvalidOid {
        return None;
    }
    // SAFETY: the relation exists (a concurrent DROP waits for our lock, or makes table_open
    // raise); a heap scan with the catalog snapshot.
    let any = unsafe {
        let rel = pg_sys::table_open(relid, pg_sys::AccessShareLock as _);
        let form = (*rel).rd_rel;
        if (*form).relkind != pg_sys::RELKIND_RELATION as std::ffi::c_char
            || ((*form).relowner != owner && !pg_sys::superuser_arg((*form).relowner))
        {
            pg_sys::table_close(rel, pg_sys::AccessShareLock as _);
            return None;
        }
        // No snapshot given: the catalog snapshot, what is committed now (a fresh one, as the
        // table has no syscache), which a parallel worker may take too.
        let scan = pg_sys::systable_beginscan(
            rel,
            pg_sys::InvalidOid,
            false,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
        );
        let any = !pg_sys::systable_getnext(scan).is_null();
        pg_sys::systable_endscan(scan);
        pg_sys::table_close(rel, pg_sys::NoLock as _);
        any
    };
    Some((relid, any))
}
