//! Accounts as a person meets them: first-run setup, signing in (password, second factor),
//! the account page (sessions, second factor, password, e-mail address), password reset,
//! invitations accepted and re-authentication before sensitive changes.

pub(crate) mod device;
pub(crate) mod email;
pub(crate) mod invitation;
pub(crate) mod page;
pub(crate) mod password;
pub(crate) mod password_reset;
pub(crate) mod reauth;
pub(crate) mod setup;
pub(crate) mod sign_in;
pub(crate) mod two_factor;
pub(crate) mod views;

use crate::routes::Route;

/// This feature's routes: its slice of the one table ([`crate::routes`]).
pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::get("/setup", setup::show),
        Route::post("/setup", setup::submit).signed_out(),
        Route::get("/login", sign_in::show),
        Route::post("/login", sign_in::submit).signed_out(),
        Route::get("/login/two-factor", sign_in::show_second_factor),
        Route::post("/login/two-factor", sign_in::submit_second_factor),
        Route::post("/logout", sign_in::sign_out),
        Route::get("/password-reset", password_reset::show_request),
        Route::post("/password-reset", password_reset::request).signed_out(),
        Route::get("/password-reset/confirm", password_reset::show_reset),
        Route::post("/password-reset/confirm", password_reset::reset).signed_out(),
        Route::get("/account", page::show),
        Route::get("/account/two-factor", page::show_enrolment),
        Route::post("/account/two-factor", page::confirm),
        Route::post(
            "/account/two-factor/recovery-codes",
            two_factor::new_recovery_codes,
        ),
        Route::post("/account/two-factor/disable", two_factor::turn_off),
        Route::post("/account/email", email::request),
        Route::get("/account/email/confirm", email::show_confirm),
        Route::post("/account/email/confirm", email::confirm).signed_out(),
        Route::get("/account/password", password::show),
        Route::post("/account/password", password::change),
        Route::get("/account/two-factor/qr.svg", page::enrolment_qr),
        Route::post("/account/sessions/end-others", page::end_other),
        Route::post("/account/sessions/{id}/end", page::end_one_session),
        Route::get("/invitation", invitation::show),
        Route::post("/invitation", invitation::accept).signed_out(),
    ]
    // A person's own account and signing in and out: open to the members of an
    // organization whose plan has lapsed too.
    .into_iter()
    .map(Route::open_when_lapsed)
    .collect()
}
