//! The client portal: a client's own work orders. `GET /portal` lists them with the forms
//! to place new ones; `/portal/orders/new/{form}` takes an order with its documents;
//! `/portal/orders/{id}` shows one (audited), and a client may cancel an order nobody
//! accepted yet. Staff are refused every page here (theirs are under `/orders`).

use std::collections::BTreeMap;

use axum::Extension;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_accounts::{Capability, list_members};
use leadvault_analytics::Day;
use leadvault_intake::form::{FieldErrors, FormKind, Submitted, check_answers};
use leadvault_intake::{
    Form, FormId, Holder, NewOrder, OrderAccess, OrderStatus, StatusChange, find_order_form,
    list_forms, open_order, order_board, place_order, set_order_status,
};
use leadvault_mail::{SealedMail, seal};
use leadvault_store::Timestamp;

use crate::intake::form_view::{Uploads, field_views};
use crate::intake::order_board::{BoardParams, Paging, board_rows};
use crate::intake::order_view::{download, order_id, order_page};
use crate::intake::views::{OrderFormPage, PortalPage};
use crate::mails;
use crate::payments::checkout::{checkout_order, close_checkouts_of};
use crate::payments::panel::order_panel;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::headers::LeadsToCheckout;
use crate::web::multipart;
use crate::web::person::Person;
use crate::web::render::render;

fn own(person: &Person) -> OrderAccess {
    OrderAccess::Client(person.user_id.as_uuid())
}

/// A client's own orders, a page at a time, by status if they choose.
pub async fn show(
    State(state): State<AppState>,
    person: Person,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    person.require_customer(&state).await?;
    let params = BoardParams::new("/portal", params);
    let today = Day::of(person.acting.now);
    let (found, error) = match params.query(today) {
        Ok(query) => {
            let page = order_board(state.db(), person.org_id, &own(&person), &query).await?;
            (Some(page), None)
        }
        Err(problem) => (None, Some(problem)),
    };
    let (orders, paging) = match found {
        Some(page) => board_rows(&params, page, today, |_| String::new()),
        None => (Vec::new(), Paging::default()),
    };
    let forms = list_forms(state.db(), person.org_id)
        .await?
        .into_iter()
        .filter(|f| f.kind == FormKind::WorkOrder && f.published)
        .map(|f| (f.id.to_string(), f.name))
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = PortalPage {
        org_name: person.org_name,
        email: person.email,
        orders,
        paging,
        filtered: params.filtered(),
        error,
        forms,
    };
    Ok((status, render(&page)).into_response())
}

async fn order_form(state: &AppState, person: &Person, id: &str) -> Result<Form, AppError> {
    let id = FormId::parse(id).ok_or(AppError::NotFound)?;
    find_order_form(state.db(), person.org_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

fn form_page(
    state: &AppState,
    person: &Person,
    form: &Form,
    typed: &Submitted,
    errors: &FieldErrors,
    notice: Option<String>,
) -> OrderFormPage {
    OrderFormPage {
        form_id: form.id.to_string(),
        name: form.name.clone(),
        csrf: person.csrf_token(),
        fields: field_views(form, typed, errors, Uploads::Asked),
        notice,
        error_count: errors.errors.len(),
        upload_limit_mb: state.documents().limit() / 1_000_000,
    }
}

pub async fn show_new(
    State(state): State<AppState>,
    person: Person,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    person.require_customer(&state).await?;
    let form = order_form(&state, &person, &id).await?;
    let page = form_page(
        &state,
        &person,
        &form,
        &Submitted::new(),
        &FieldErrors::default(),
        None,
    );
    // Its form ends on Stripe's checkout when the order has a price.
    Ok((Extension(LeadsToCheckout), render(&page)).into_response())
}

/// "A work order is waiting", for everyone who handles the organization's orders, sealed
/// for the outbox when e-mail is configured. Nothing from the order is in it.
async fn staff_notices(
    state: &AppState,
    form: &Form,
    now: Timestamp,
) -> Result<Vec<SealedMail>, AppError> {
    let Some(public) = state.mail_links().cloned() else {
        return Ok(Vec::new());
    };
    let link = format!("{public}/orders");
    let mut sealed = Vec::new();
    for member in list_members(state.db(), form.org_id).await? {
        let reaches = match (&form.site, &member.scope) {
            (Some(site), scope) => scope.covers(site.id),
            (None, scope) => *scope == leadvault_accounts::Scope::Organization,
        };
        if member.role.grants(Capability::WorkOrders) && reaches {
            let mail = mails::new_order(&member.email, &form.name, &link)?;
            sealed.push(
                seal(state.keyring(), &mail, now)
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            );
        }
    }
    Ok(sealed)
}

pub async fn place(
    State(state): State<AppState>,
    person: Person,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Request,
) -> Result<Response, AppError> {
    person.require_customer(&state).await?;
    let form = order_form(&state, &person, &id).await?;
    // Read only now, after the checks: whoever may not place orders is told so, whatever
    // they sent. The first part is the token, which the route's guard has checked.
    let mut multipart = multipart::parts(body, &state, &form).await?;
    multipart::first_part(&mut multipart, "csrf").await?;
    let gate = multipart::Gate {
        take_documents: true,
        honeypot: None,
    };
    let mut sent = multipart::read_rest(&state, &form, multipart, gate).await?;
    let mut typed = Submitted::new();
    for (name, value) in sent.fields.pairs() {
        if form.definition.field(name).is_some() {
            typed
                .entry(name.to_owned())
                .or_default()
                .push(value.to_owned());
        }
    }
    let checked = check_answers(&form.definition, &typed, false);
    let answers = match multipart::with_documents(&form, checked, &mut sent.uploads, &sent.refused)
    {
        Ok(answers) => answers,
        // The documents received go with `sent`: nothing of a refused order is kept.
        Err(errors) => {
            let page = form_page(&state, &person, &form, &typed, &errors, None);
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Extension(LeadsToCheckout),
                render(&page),
            )
                .into_response());
        }
    };
    let now = Timestamp::now();
    let notify = staff_notices(&state, &form, now).await?;
    let order = NewOrder {
        client: person.user_id.as_uuid(),
        form: &form,
        answers: &answers,
        uploads: sent.uploads,
        notify: &notify,
        request_id: person.by().request_id,
    };
    let id = place_order(state.db(), state.keyring(), state.documents(), order, now).await?;
    if !notify.is_empty() {
        state.wake_mail();
    }
    state.wake_webhooks();
    tracing::info!(form_id = %form.id, work_order_id = %id, "work order placed");
    // A priced order goes on to Stripe; any other to its page. The order is stored: a
    // failure now says so on its page rather than inviting the client to place it again.
    match checkout_order(&state, &person, &headers, id).await {
        Ok(next) => Ok(next),
        Err(err) => {
            tracing::warn!(work_order_id = %id, error = %err, "checkout after placing failed");
            Ok(Redirect::to(&format!("/portal/orders/{id}?payment=unavailable")).into_response())
        }
    }
}

pub async fn show_order(
    State(state): State<AppState>,
    person: Person,
    Path(id): Path<String>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    person.require_customer(&state).await?;
    let file = open_order(state.vault(), &person.acting, order_id(&id)?, &own(&person)).await?;
    let summary = file.order.summary.clone();
    let mut page = order_page(file, None, person.csrf_token(), |kind, _| match kind {
        "client" => "you".to_owned(),
        "system" => "Stripe".to_owned(),
        _ => format!("{} staff", person.org_name),
    });
    // Set by a checkout that could not start: the order is kept, and payable later.
    let problem = (params.get("payment").map(String::as_str) == Some("unavailable")).then(|| {
        "Your order is saved, but the payment page could not be opened just now. Try “Pay now” again in a moment.".to_owned()
    });
    let now = person.acting.now;
    page.payment = order_panel(&state, &summary, person.org_id, now, true, false, problem).await?;
    // Its form ends on Stripe's checkout when the order has a price.
    Ok((Extension(LeadsToCheckout), render(&page)).into_response())
}

pub async fn cancel(
    State(state): State<AppState>,
    person: Person,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    person.require_customer(&state).await?;
    let order = order_id(&id)?;
    let change = StatusChange {
        to: OrderStatus::Cancelled,
        notify: &[],
    };
    set_order_status(state.db(), &person.acting, order, &own(&person), &change).await?;
    close_checkouts_of(&state, person.org_id, order).await;
    state.wake_webhooks();
    Ok(Redirect::to(&format!("/portal/orders/{order}")).into_response())
}

pub async fn download_document(
    State(state): State<AppState>,
    person: Person,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    person.require_customer(&state).await?;
    let own = own(&person);
    download(&state, &person.acting, &id, Holder::Order(&own)).await
}
