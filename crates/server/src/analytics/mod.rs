//! Analytics on the web: the event endpoint, dashboards (shared or not), goals, and
//! experiments (their API, pages and results), with the caches that serve them.

pub(crate) mod cache;
pub(crate) mod dashboard;
pub(crate) mod dashboard_view;
pub(crate) mod event;
pub(crate) mod experiment_form;
pub(crate) mod experiment_view;
pub(crate) mod experiments_api;
pub(crate) mod experiments_page;
#[cfg(test)]
mod script_tests;
pub(crate) mod site_script;

pub use cache::Analytics;
pub(crate) use cache::on;

use crate::routes::Route;

/// This feature's routes: its slice of the one table ([`crate::routes`]).
pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::post("/api/event", event::collect).body_limit(event::EVENT_BODY_LIMIT)
            .csrf_exempt("the analytics beacon: sent from the firm's own site, it carries no cookie and acts for no one"),
        Route::get("/sites/{id}/analytics", dashboard::dashboard),
        Route::get("/sites/{id}/analytics.csv", dashboard::export),
        Route::get("/api/sites/{id}/analytics", dashboard::json),
        Route::get("/api/sites/{id}/analytics/goals/{goal}", dashboard::goal_breakdown),
        Route::post("/sites/{id}/analytics/goals", dashboard::add),
        Route::post("/sites/{id}/analytics/goals/{goal}/remove", dashboard::remove),
        Route::post("/sites/{id}/analytics/share", dashboard::share_link),
        Route::post("/sites/{id}/analytics/share/remove", dashboard::stop_sharing),
        Route::get("/share/{token}", dashboard::shared),
        Route::get("/api/sites/{id}/experiments", experiments_api::list),
        Route::post("/api/sites/{id}/experiments", experiments_api::create),
        Route::post("/api/sites/{id}/experiments/{experiment}/state", experiments_api::change_state),
        Route::get("/api/sites/{id}/experiments/{experiment}/results", experiments_page::results_json),
        Route::get("/sites/{id}/experiments", experiments_page::page),
        Route::post("/sites/{id}/experiments", experiments_page::create),
        Route::get("/sites/{id}/experiments/{experiment}", experiments_page::results_page),
        Route::post("/sites/{id}/experiments/{experiment}/state", experiments_page::change_state),
        Route::get("/api/sites/{id}/analytics/events/{name}/properties", dashboard::event_properties_json),
    ]
}
