//! Work orders for staff: `GET /orders` (no personal data: the list decrypts nothing),
//! `GET /orders/{id}` (every answer and the documents; audited), the status form, and
//! document downloads. Members whose role handles work orders reach those of their sites.

use std::collections::{BTreeMap, HashMap};

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_accounts::{Capability, UserId, find_customer, list_customers, list_members};
use leadvault_analytics::Day;
use leadvault_intake::{
    Holder, IntakeError, OrderAccess, OrderStatus, StatusChange, open_order, order_board,
    order_client, set_order_status,
};
use leadvault_mail::{SealedMail, seal};
use leadvault_store::{Timestamp, Uuid};
use serde::Deserialize;

use crate::intake::order_board::{BoardParams, Paging, board_rows};
use crate::intake::order_view::{download, order_id, order_page};
use crate::intake::reach::order_access;
use crate::intake::views::OrdersPage;
use crate::mails;
use crate::payments::checkout::close_checkouts_of;
use crate::payments::panel::order_panel;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::denial::Needed;
use crate::web::error::AppError;
use crate::web::render::render;
use crate::web::shell::{Section, Shell};

/// The orders this member handles; a refusal (audited) for a role that handles none.
async fn access(state: &AppState, signed_in: &SignedIn) -> Result<OrderAccess, AppError> {
    let member = &signed_in.member;
    match order_access(member.role, &member.scope) {
        Some(access) => Ok(access),
        None => Err(signed_in.refuse(state, Needed::WorkOrders).await),
    }
}

/// The board: filters and the page's start from the URL; a page of orders (nothing
/// decrypted), counts per status, overdue and due-soon marked.
pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let access = access(&state, &signed_in).await?;
    let (db, org) = (state.db(), signed_in.org());
    let params = BoardParams::new("/orders", params);
    let today = Day::of(signed_in.acting.now);
    let customers = list_customers(db, org).await?;
    let (found, error) = match params.query(today) {
        Ok(query) => (Some(order_board(db, org, &access, &query).await?), None),
        Err(problem) => (None, Some(problem)),
    };
    let email_of = |user: Uuid| {
        customers
            .iter()
            .find(|(id, _)| id.as_uuid() == user)
            .map_or_else(
                || "(no longer a client)".to_owned(),
                |(_, email)| email.clone(),
            )
    };
    let (orders, paging) = match found {
        Some(page) => board_rows(&params, page, today, email_of),
        None => (Vec::new(), Paging::default()),
    };
    let page = OrdersPage {
        shell: Some(Shell::of(&state, &signed_in, Section::Orders).await?),
        orders,
        paging,
        statuses: params.choices("status", statuses()),
        customers: params.choices(
            "customer",
            customers
                .iter()
                .map(|(id, email)| (id.to_string(), email.clone())),
        ),
        rush: params.choices(
            "rush",
            [("yes", "Rush only"), ("no", "Not rush")].map(|(v, l)| (v.to_owned(), l.to_owned())),
        ),
        sorts: params.choices(
            "sort",
            [
                ("newest", "Newest first"),
                ("oldest", "Oldest first"),
                ("due", "Soonest due first"),
            ]
            .map(|(v, l)| (v.to_owned(), l.to_owned())),
        ),
        overdue: params.get("overdue").is_some(),
        due_from: params.value("due_from"),
        due_until: params.value("due_until"),
        filtered: params.filtered(),
        error,
    };
    let status = if page.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, render(&page)).into_response())
}

/// Every order status as a choice: (name, label).
pub(crate) fn statuses() -> impl Iterator<Item = (String, String)> {
    OrderStatus::ALL
        .iter()
        .map(|s| (s.name().to_owned(), s.label().to_owned()))
}

async fn page(
    state: &AppState,
    signed_in: &SignedIn,
    access: &OrderAccess,
    id: &str,
    error: Option<String>,
) -> Result<crate::intake::views::OrderPage, AppError> {
    let org = signed_in.org();
    let emails: HashMap<String, String> = list_members(state.db(), org)
        .await?
        .into_iter()
        .map(|m| (m.user_id.to_string(), m.email))
        .collect();
    let file = open_order(state.vault(), &signed_in.acting, order_id(id)?, access).await?;
    let summary = file.order.summary.clone();
    let shell = Some(Shell::of(state, signed_in, Section::Orders).await?);
    let mut page = order_page(file, shell, signed_in.csrf_token(), |kind, id| match kind {
        "client" => "the client".to_owned(),
        "system" => "Stripe".to_owned(),
        _ => emails
            .get(id)
            .cloned()
            .unwrap_or_else(|| "staff".to_owned()),
    });
    page.error = error;
    let may_refund = signed_in.member.may(Capability::Billing);
    let now = signed_in.acting.now;
    page.payment = order_panel(state, &summary, org, now, false, may_refund, None).await?;
    Ok(page)
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let access = access(&state, &signed_in).await?;
    Ok(render(&page(&state, &signed_in, &access, &id, None).await?).into_response())
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

/// "Your order is now …" for the client, sealed for the outbox when e-mail is configured:
/// the new status and a link to the portal, nothing of what the order says.
async fn client_notice(
    state: &AppState,
    signed_in: &SignedIn,
    client: uuid::Uuid,
    to: OrderStatus,
    now: Timestamp,
) -> Result<Vec<SealedMail>, AppError> {
    let Some(public) = state.mail_links().cloned() else {
        return Ok(Vec::new());
    };
    let org = signed_in.org();
    let Some(customer) = find_customer(state.db(), UserId::from_uuid(client), org).await? else {
        return Ok(Vec::new()); // no longer a client: nobody to tell
    };
    let mail = mails::order_status(
        &customer.email,
        &customer.org_name,
        to.label(),
        &format!("{public}/portal"),
    )?;
    let sealed = seal(state.keyring(), &mail, now)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(vec![sealed])
}

pub async fn change_status(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Result<Response, AppError> {
    let access = access(&state, &signed_in).await?;
    let (org, order) = (signed_in.org(), order_id(&id)?);
    let Some(to) = OrderStatus::parse(&form.status) else {
        let page = page(
            &state,
            &signed_in,
            &access,
            &id,
            Some("Choose a status.".to_owned()),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    };
    let now = Timestamp::now();
    let client = order_client(state.db(), org, order, &access).await?;
    let notify = client_notice(&state, &signed_in, client, to, now).await?;
    let change = StatusChange {
        to,
        notify: &notify,
    };
    match set_order_status(state.db(), &signed_in.acting, order, &access, &change).await {
        Ok(_) => {
            if !notify.is_empty() {
                state.wake_mail();
            }
            if to == OrderStatus::Cancelled {
                close_checkouts_of(&state, org, order).await;
            }
            state.wake_webhooks();
            Ok(Redirect::to(&format!("/orders/{order}")).into_response())
        }
        Err(refused @ IntakeError::NotAllowed { .. }) => {
            let page = page(&state, &signed_in, &access, &id, Some(refused.to_string())).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn download_document(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let access = access(&state, &signed_in).await?;
    let holder = Holder::Order(&access);
    download(&state, &signed_in.acting, &id, holder).await
}
