//! Postgres' own records of settings (`struct config_generic`), looked up by name in every
//! supported version: 16 and later export `find_option`; before that the sorted array of every
//! setting is scanned. Names compare without case, as Postgres compares them.

use pgrx::pg_sys;
use std::ffi::CStr;

/// The record of setting `name` (placeholder or defined), if it exists. Valid until the
/// setting is defined again (a placeholder's record is freed when a module defines it).
#[cfg(not(any(feature = "pg13", feature = "pg14", feature = "pg15")))]
pub fn find(name: &CStr) -> Option<*mut pg_sys::config_generic> {
    // SAFETY: looks a setting up without creating a placeholder or raising.
    let found = unsafe { pg_sys::find_option(name.as_ptr(), false, true, pg_sys::DEBUG1 as i32) };
    (!found.is_null()).then_some(found)
}

#[cfg(any(feature = "pg13", feature = "pg14", feature = "pg15"))]
pub fn find(name: &CStr) -> Option<*mut pg_sys::config_generic> {
    // SAFETY: the array of every setting and its length, as Postgres keeps them; read only.
    unsafe {
        let all = pg_sys::get_guc_variables();
        let count = usize::try_from(pg_sys::GetNumConfigOptions()).unwrap_or(0);
        (0..count).map(|i| *all.add(i)).find(|&g| {
            !g.is_null()
                && CStr::from_ptr((*g).name)
                    .to_bytes()
                    .eq_ignore_ascii_case(name.to_bytes())
        })
    }
}

/// The record of a string setting, if `name` is one.
pub fn find_string(name: &CStr) -> Option<*mut pg_sys::config_string> {
    let found = find(name)?;
    // SAFETY: a live record; a PGC_STRING record is a config_string.
    unsafe { ((*found).vartype == pg_sys::config_type::PGC_STRING).then(|| found.cast()) }
}

/// The names of every setting (placeholders included) whose name starts with `prefix`, compared
/// without case, with the prefix removed: the names as they were first set.
pub fn names_under(prefix: &str) -> Vec<String> {
    let mut names = Vec::new();
    for g in all() {
        // SAFETY: a live record's name is a NUL-terminated string.
        let name = unsafe { CStr::from_ptr((*g).name) }.to_bytes();
        if name.len() > prefix.len() && name[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
        {
            names.push(String::from_utf8_lossy(&name[prefix.len()..]).into_owned());
        }
    }
    names
}

/// Every setting's record.
fn all() -> Vec<*mut pg_sys::config_generic> {
    // SAFETY: the records of every setting as Postgres lists them (before 16 its own array, from
    // 16 a palloc'd copy of the list); read only, before anything can define a setting.
    unsafe {
        #[cfg(any(feature = "pg13", feature = "pg14", feature = "pg15"))]
        let (list, count) = (pg_sys::get_guc_variables(), pg_sys::GetNumConfigOptions());
        #[cfg(not(any(feature = "pg13", feature = "pg14", feature = "pg15")))]
        let (list, count) = {
            let mut count = 0;
            (pg_sys::get_guc_variables(&mut count), count)
        };
        let count = usize::try_from(count).unwrap_or(0);
        (0..count)
            .map(|i| *list.add(i))
            .filter(|g| !g.is_null())
            .collect()
    }
}
