//! The organization's team: members, their roles and reach, invitations sent, and the sites
//! the organization runs.

pub(crate) mod members;
pub(crate) mod sites;
pub(crate) mod views;

use crate::routes::Route;

/// This feature's routes: its slice of the one table ([`crate::routes`]).
pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::get("/members", members::show),
        Route::post("/members/invite", members::invite_someone),
        Route::post("/members/{id}/role", members::change_role),
        // Taking access away lowers risk: open while a plan has lapsed.
        Route::post("/members/{id}/remove", members::remove).open_when_lapsed(),
        Route::post("/invitations/{id}/revoke", members::withdraw_invitation).open_when_lapsed(),
        Route::get("/sites", sites::show),
        Route::post("/sites", sites::add),
        Route::post("/sites/{id}/remove", sites::remove),
        Route::post("/sites/{id}/privacy", sites::privacy),
    ]
}
