//! `#[both_engines]`: a test written once, run on SQLite and on PostgreSQL.
//!
//! ```ignore
//! #[both_engines]
//! async fn leads_are_kept(engine: Engine) {
//!     let app = TestApp::start(engine).await;
//!     // ...
//! }
//! ```
//!
//! becomes a module `leads_are_kept` holding the function and two tests, `sqlite` and
//! `postgres` (so a run names `leads_are_kept::sqlite`). The PostgreSQL one asks
//! `leadvault_test_support::postgres_available()` first: outside CI a machine without
//! PostgreSQL skips it loudly; in CI that is a failure. Being an attribute on an ordinary
//! function, the test's body is formatted by rustfmt like any other code.

use proc_macro::TokenStream;
use quote::{format_ident, quote};
use syn::{ItemFn, parse_macro_input};

#[proc_macro_attribute]
pub fn both_engines(args: TokenStream, item: TokenStream) -> TokenStream {
    if !args.is_empty() {
        return syn::Error::new(
            proc_macro2::Span::call_site(),
            "#[both_engines] takes no arguments",
        )
        .to_compile_error()
        .into();
    }
    let test = parse_macro_input!(item as ItemFn);
    if test.sig.asyncness.is_none() || test.sig.inputs.len() != 1 {
        return syn::Error::new_spanned(
            &test.sig,
            "#[both_engines] goes on an `async fn name(engine: Engine)`",
        )
        .to_compile_error()
        .into();
    }
    let name = test.sig.ident.clone();
    let (attrs, docs): (Vec<_>, Vec<_>) = test
        .attrs
        .iter()
        .cloned()
        .partition(|attr| !attr.path().is_ident("doc"));
    let mut body = test;
    body.sig.ident = format_ident!("body");
    body.attrs = Vec::new();
    body.vis = syn::Visibility::Inherited;
    quote! {
        #(#docs)*
        #(#attrs)*
        mod #name {
            #[allow(unused_imports)]
            use super::*;

            #body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                body(::leadvault_test_support::Engine::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if ::leadvault_test_support::postgres_available().await {
                    body(::leadvault_test_support::Engine::Postgres).await;
                }
            }
        }
    }
    .into()
}
