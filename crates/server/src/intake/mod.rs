//! Intake: public forms and their submission, tracking codes, the client portal, work orders,
//! leads, the form builder and forms API, and the intake and webhook settings.

pub(crate) mod consultation;
pub(crate) mod contact_target_settings;
pub(crate) mod desk;
pub(crate) mod form_builder;
pub(crate) mod form_token;
pub(crate) mod form_view;
pub(crate) mod forms_api;
pub(crate) mod forms_list;
pub(crate) mod inbox;
pub(crate) mod intake_settings;
pub(crate) mod lead_bulk;
pub(crate) mod lead_contact;
pub(crate) mod lead_export;
pub(crate) mod lead_page;
pub(crate) mod leads;
pub(crate) mod order_board;
pub(crate) mod order_view;
pub(crate) mod orders;
pub(crate) mod portal;
pub(crate) mod public_form;
pub(crate) mod reach;
pub(crate) mod track;
pub(crate) mod view_params;
pub(crate) mod views;
pub(crate) mod webhook_settings;

use crate::routes::Route;

/// This feature's routes: its slice of the one table ([`crate::routes`]).
pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::get("/portal", portal::show),
        Route::get("/portal/orders/new/{form}", portal::show_new),
        // Documents stream to disk, each held to the store's own limit: the
        // application-wide body limit would cut them off.
        Route::post("/portal/orders/new/{form}", portal::place).streaming_body(),
        Route::get("/portal/orders/{id}", portal::show_order),
        Route::post("/portal/orders/{id}/cancel", portal::cancel),
        Route::get("/portal/documents/{id}", portal::download_document),
        Route::get("/orders", orders::list),
        Route::get("/orders/{id}", orders::show),
        Route::post("/orders/{id}/status", orders::change_status),
        Route::get("/orders/documents/{id}", orders::download_document),
        Route::get("/f/{form}", public_form::show),
        // A form whose owner asked for documents streams them (each held to the store's
        // limit); other bodies are held to the usual limit by the handler.
        Route::post("/f/{form}", public_form::submit).streaming_body()
            .csrf_exempt("a public form lives in the firm's site's frame, where no SameSite cookie is sent: its signed page token, which also holds the minimum fill time, is checked by the submission, with the Origin check"),
        Route::get("/track", track::show),
        Route::post("/track", track::lookup)
            .csrf_exempt("a tracking-code lookup changes nothing; it is rate limited"),
        Route::get("/forms", forms_list::list),
        Route::get("/forms/new", form_builder::show_new),
        Route::post("/forms/new", form_builder::submit_new),
        Route::get("/forms/{id}/edit", form_builder::show_edit),
        Route::post("/forms/{id}/edit", form_builder::submit_edit),
        Route::get("/api/forms", forms_api::list),
        Route::post("/api/forms", forms_api::create),
        Route::get("/api/forms/{id}", forms_api::show),
        Route::put("/api/forms/{id}", forms_api::revise),
        Route::get("/leads", leads::list),
        Route::post("/leads/bulk", lead_bulk::apply),
        // Searching reads (it is posted only so that what is searched stays out of URLs).
        Route::post("/leads/search", leads::search).open_when_lapsed(),
        Route::get("/leads/export", lead_export::download),
        Route::get("/leads/{id}", leads::show),
        Route::post("/leads/{id}/status", leads::change_status),
        Route::post("/leads/{id}/assign", leads::assign),
        Route::post("/leads/{id}/notes", leads::add_note),
        Route::post("/leads/{id}/contacted", lead_contact::contacted),
        Route::post("/leads/{id}/follow-up", lead_contact::follow_up),
        Route::get("/leads/documents/{id}", leads::download_document),
        Route::get("/settings/intake", intake_settings::show),
        Route::post("/settings/intake/pipeline", intake_settings::change_pipeline),
        Route::post(
            "/settings/intake/contact-target",
            contact_target_settings::change,
        ),
        Route::post("/settings/intake/rules", intake_settings::add),
        Route::post("/settings/intake/rules/{id}/remove", intake_settings::remove),
        Route::post("/settings/intake/rules/{id}/move", intake_settings::move_one),
        Route::post("/settings/intake/webhooks", webhook_settings::add),
        Route::post("/settings/intake/webhooks/{id}/remove", webhook_settings::remove).open_when_lapsed(),
    ]
}
