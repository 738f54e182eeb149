//! Stripe's hosted Checkout page, much simplified: what is paid for, the card fields, and a
//! button that completes the session and sends the customer back.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::json;

use super::StripeStandIn;
use super::api::parse_form;

pub(super) async fn hosted_page(
    State(stand_in): State<StripeStandIn>,
    Path(id): Path<String>,
) -> Response {
    let session = match stand_in.shared.lock().unwrap().sessions.get(&id) {
        Some((_, session)) => session.clone(),
        None => return (StatusCode::NOT_FOUND, "no such session").into_response(),
    };
    if session["status"] != json!("open") {
        return Html(
            "<!doctype html><title>Stripe</title><p>This checkout is closed.</p>".to_owned(),
        )
        .into_response();
    }
    Html(format!(
        "<!doctype html><html lang=\"en\"><title>Checkout (Stripe stand-in)</title><main>\
         <h1>Pay {} {}</h1><p id=\"item\">{}</p>\
         <form method=\"post\" action=\"/checkout/{id}/pay\">\
         <label>Card number <input id=\"card_number\" name=\"card_number\" autocomplete=\"cc-number\"></label>\
         <label>Expiry <input id=\"exp\" name=\"exp\" autocomplete=\"cc-exp\"></label>\
         <label>CVC <input id=\"cvc\" name=\"cvc\" autocomplete=\"cc-csc\"></label>\
         <label>Name on card <input id=\"cardholder\" name=\"cardholder\" autocomplete=\"cc-name\"></label>\
         <button id=\"pay\" type=\"submit\">Pay</button></form>\
         </main></html>",
        session["currency"].as_str().unwrap_or_default().to_uppercase(),
        session["amount_total"],
        session["line_items_name"].as_str().unwrap_or_default(),
    ))
    .into_response()
}

pub(super) async fn hosted_pay(
    State(stand_in): State<StripeStandIn>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    stand_in
        .shared
        .lock()
        .unwrap()
        .cards
        .push(parse_form(&body));
    let success = match stand_in.shared.lock().unwrap().sessions.get(&id) {
        Some((_, session)) if session["status"] == json!("open") => session["success_url"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        _ => return (StatusCode::NOT_FOUND, "no such open session").into_response(),
    };
    stand_in.complete(&id, false).await;
    Redirect::to(&success).into_response()
}
