//! The lapsed-plan guard: where the operator sells plans, an organization whose plan has
//! lapsed (past its trial or its grace period) may read and export everything, and change
//! nothing, until a plan is in good standing again; none of its data is touched. The router
//! puts this guard on every state-changing route a member reaches with a session, except
//! those a lapsed organization needs (choosing a plan, the billing portal, signing out, the
//! person's own account), which the route table marks: a new route is guarded unless its
//! entry says otherwise. Clients of the portal and public forms are never refused here, so
//! no request and no lead is lost to a lapsed plan.

use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leadvault_payments::org_plan;

use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::person::{Person, Relation};

pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(billing) = state.billing() else {
        return next.run(request).await;
    };
    let api = request.uri().path().starts_with("/api/");
    let (mut parts, body) = request.into_parts();
    // No session, or not a full one: the handler refuses it as it would anyway.
    if let Ok(person) = Person::from_request_parts(&mut parts, &state).await
        && matches!(person.relation, Relation::Member(_))
    {
        let standing = org_plan(state.db(), billing, person.org_id, person.acting.now).await;
        let refusal = match standing {
            Ok(plan) if plan.standing.may_change() => None,
            Ok(_) => Some(AppError::PlanLapsed),
            Err(err) => Some(AppError::from(err)),
        };
        if let Some(refusal) = refusal {
            return if api {
                crate::web::error::ApiError::from(refusal).into_response()
            } else {
                refusal.into_response()
            };
        }
    }
    next.run(Request::from_parts(parts, body)).await
}
