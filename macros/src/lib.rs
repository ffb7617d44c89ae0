//! `#[sql_function]`: each SQL function of pg_jwt_claims declared once.
//!
//! ```ignore
//! /// `requesting_user_id() → text`: the `sub` claim, …
//! #[sql_function(
//!     "requesting_user_id() RETURNS text",
//!     "STABLE PARALLEL SAFE",
//!     comment = "The sub claim of the request's JWT claims; NULL when absent, …"
//! )]
//! unsafe fn requesting_user_id(fcinfo: FunctionCallInfo) -> Datum { … }
//! ```
//!
//! gives, beside the function (which keeps its name and doc comment):
//!
//! * `pg_jwt_claims_<name>`, the V1 entry point, which calls it inside pgrx's guard (a panic or
//!   a raised error becomes a Postgres ERROR), and `pg_finfo_pg_jwt_claims_<name>`, its record;
//! * through `pgrx::extension_sql!` (named `<name>` for `requires`), `CREATE FUNCTION <signature>
//!   LANGUAGE c <attributes> AS 'MODULE_PATHNAME', 'pg_jwt_claims_<name>'` and
//!   `COMMENT ON FUNCTION <name>(<argument types>) IS '<comment>'`.
//!
//! The Rust function has the SQL function's name: one name, one symbol scheme. It is called with
//! its call's own `fcinfo`. `old_symbol = "…"` also exports the entry point under a symbol an
//! earlier release's script names. Whatever cannot be read is a compile error.
//! (`extension_sql!` takes a string literal only, which is why this is a proc macro.)

mod declaration;

use declaration::{check_attributes, Signature};
use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::{parse_macro_input, Ident, ItemFn, LitStr, Token};

/// The macro's arguments: signature, attributes, `comment = …`, optionally `old_symbol = …`.
struct Arguments {
    signature: LitStr,
    attributes: LitStr,
    comment: LitStr,
    old_symbol: Option<LitStr>,
}

impl Parse for Arguments {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let signature = input.parse()?;
        input.parse::<Token![,]>()?;
        let attributes = input.parse()?;
        let (mut comment, mut old_symbol) = (None, None);
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let value: LitStr = input.parse()?;
            let slot = match key.to_string().as_str() {
                "comment" => &mut comment,
                "old_symbol" => &mut old_symbol,
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        "expected `comment` or `old_symbol`",
                    ))
                }
            };
            if slot.replace(value).is_some() {
                return Err(syn::Error::new(
                    key.span(),
                    format!("`{key}` is given twice"),
                ));
            }
        }
        let comment = comment
            .filter(|c| !c.value().trim().is_empty())
            .ok_or_else(|| input.error("every SQL function needs `comment = \"…\"`"))?;
        Ok(Arguments {
            signature,
            attributes,
            comment,
            old_symbol,
        })
    }
}

/// Declares a SQL function in C: see the crate's documentation.
#[proc_macro_attribute]
pub fn sql_function(arguments: TokenStream, item: TokenStream) -> TokenStream {
    let arguments = parse_macro_input!(arguments as Arguments);
    let function = parse_macro_input!(item as ItemFn);
    expand(&arguments, function)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

fn expand(arguments: &Arguments, function: ItemFn) -> syn::Result<TokenStream2> {
    let signature = Signature::parse(&arguments.signature.value())
        .map_err(|e| syn::Error::new(arguments.signature.span(), e))?;
    check_attributes(&arguments.attributes.value())
        .map_err(|e| syn::Error::new(arguments.attributes.span(), e))?;
    let rust_name = &function.sig.ident;
    if *rust_name != signature.name {
        return Err(syn::Error::new(
            rust_name.span(),
            format!(
                "the Rust function is named `{rust_name}` and the SQL function `{}`: name them alike",
                signature.name
            ),
        ));
    }
    let sql = LitStr::new(
        &signature.statements(&arguments.attributes.value(), &arguments.comment.value()),
        arguments.signature.span(),
    );
    let name = LitStr::new(&signature.name, arguments.signature.span());
    let symbol = format_ident!("{}", signature.symbol());
    let entry = v1_entry(&symbol, rust_name);
    let old = match &arguments.old_symbol {
        None => quote! {},
        // The entry point again rather than a call of it: one guard per call.
        Some(old) => v1_entry(&old.parse()?, rust_name),
    };
    Ok(quote! {
        #function
        #entry
        #old
        ::pgrx::extension_sql!(#sql, name = #name);
    })
}

/// A V1 function `symbol` that calls `function` inside pgrx's guard, and its `pg_finfo_` record.
fn v1_entry(symbol: &Ident, function: &Ident) -> TokenStream2 {
    let finfo = format_ident!("pg_finfo_{}", symbol);
    quote! {
        #[unsafe(no_mangle)]
        #[doc(hidden)]
        pub extern "C" fn #finfo() -> &'static ::pgrx::pg_sys::Pg_finfo_record {
            const V1: ::pgrx::pg_sys::Pg_finfo_record =
                ::pgrx::pg_sys::Pg_finfo_record { api_version: 1 };
            &V1
        }

        #[unsafe(no_mangle)]
        #[doc(hidden)]
        pub unsafe extern "C-unwind" fn #symbol(
            fcinfo: ::pgrx::pg_sys::FunctionCallInfo,
        ) -> ::pgrx::pg_sys::Datum {
            // A Rust panic or a raised error unwinds to here and becomes a Postgres ERROR.
            unsafe {
                ::pgrx::pg_sys::submodules::panic::pgrx_extern_c_guard(|| #function(fcinfo))
            }
        }
    }
}
