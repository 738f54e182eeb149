//! What the operator and every page rely on: health and readiness, static assets and the
//! scripts sites embed, and the home page.

pub(crate) mod assets;
pub(crate) mod backups;
pub(crate) mod health;
pub(crate) mod home;
pub(crate) mod views;

use crate::routes::Route;

/// This feature's routes: its slice of the one table ([`crate::routes`]).
pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::get("/", home::home),
        Route::get("/healthz", health::healthz),
        Route::get("/readyz", health::readyz),
        Route::get("/healthz/backup", backups::health),
        Route::get("/operations/backups", backups::show),
        Route::post("/operations/backups", backups::back_up_now),
        Route::get("/static/app.css", assets::stylesheet),
        Route::get("/static/form.js", assets::form_script),
        Route::get("/embed.js", assets::embed_script),
        Route::get("/js/lv.js", assets::analytics_script),
    ]
}
