//! Payments through Stripe: the organization's Stripe account and prices
//! (`/settings/payments`), paying for a work order (`checkout.rs`), the list of payments and
//! refunds (`/payments`), and the endpoint Stripe's webhooks reach.

pub(crate) mod checkout;
pub(crate) mod consultation_fee;
pub(crate) mod list;
pub(crate) mod panel;
pub(crate) mod plan;
pub(crate) mod refund;
pub(crate) mod settings;
pub(crate) mod stripe_webhook;
pub(crate) mod views;

use crate::routes::Route;

/// This feature's routes: its slice of the one table ([`crate::routes`]).
pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::get("/settings/payments", settings::show),
        Route::post("/settings/payments/stripe", settings::connect),
        Route::post("/settings/payments/stripe/disconnect", settings::disconnect).open_when_lapsed(),
        Route::post("/settings/payments/prices", settings::save_prices),
        Route::get("/payments", list::list),
        // Giving a client their money back, or disconnecting Stripe, never waits for a plan.
        Route::post("/payments/{id}/refund", refund::refund).open_when_lapsed(),
        Route::post("/portal/orders/{id}/pay", checkout::pay_order),
        Route::post("/f/{form}/pay", consultation_fee::pay).csrf_exempt(
            "the thank-you page of a public form lives in the firm's site's frame, where no SameSite cookie is sent: its signed pay token (one lead, one day) is checked, with the Origin check; it only sends the visitor to Stripe",
        ),
        Route::get("/f/{form}/paid", consultation_fee::paid),
        Route::get("/settings/plan", plan::show),
        // What a lapsed organization needs to be in good standing again.
        Route::post("/settings/plan/subscribe", plan::choose).open_when_lapsed(),
        Route::post("/settings/plan/portal", plan::portal).open_when_lapsed(),
        Route::post("/billing/stripe/webhooks", plan::receive).csrf_exempt(
            "the operator's Stripe account posts here with no session: the Stripe-Signature header (HMAC-SHA256 over the raw body with the operator's signing secret, five minutes' tolerance) proves the sender",
        ),
        Route::post("/stripe/webhooks/{org}", stripe_webhook::receive).csrf_exempt(
            "Stripe's servers post here with no session: the Stripe-Signature header (HMAC-SHA256 over the raw body with the organization's signing secret, five minutes' tolerance) proves the sender",
        ),
    ]
}
