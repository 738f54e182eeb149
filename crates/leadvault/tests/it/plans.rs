//! The operator's billing of organizations (an operator hosting Leadvault for many firms):
//! plans sold through Stripe Billing on the operator's own account (the stand-in's), an
//! organization's plan and state kept from the operator's Stripe webhooks, a trial and a
//! grace period, and a lapsed organization that may still read and export everything (and
//! whose clients and visitors are never turned away) but changes nothing until it pays.

use leadvault_store::{Timestamp, sqlx};
use leadvault_test_support::{Engine, StripeStandIn, TestApp, both_engines};
use serde_json::json;

const OPERATOR_KEY: &str = "sk_test_51OperatorOfTheHostedService";
const OPERATOR_SECRET: &str = "whsec_OperatorBillingSigningSecret";
const PLANS: &[(&str, &str, &str)] = &[("standard", "Standard, USD 49 a month", "price_standard")];

/// A stand-in for the operator's Stripe account and an app selling [`PLANS`] on it, with
/// `(trial, grace)` days, the account's webhooks sent to the app.
async fn operator_selling(engine: Engine, days: (u32, u32)) -> (StripeStandIn, TestApp) {
    let stand_in = StripeStandIn::start().await;
    stand_in.add_account("acct_operator", OPERATOR_KEY);
    let app = TestApp::builder(engine)
        .stripe(stand_in.api_url())
        .billing(PLANS, days, OPERATOR_KEY, OPERATOR_SECRET)
        .build()
        .await;
    stand_in.send_webhooks(
        "acct_operator",
        &app.url("/billing/stripe/webhooks"),
        OPERATOR_SECRET,
    );
    (stand_in, app)
}

async fn plan_row(app: &TestApp) -> (Option<String>, Option<String>) {
    sqlx::query_as("SELECT plan, status FROM org_plans")
        .fetch_optional(app.db.pool())
        .await
        .unwrap()
        .unwrap_or((None, None))
}

async fn sites(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM sites")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

#[both_engines]
async fn a_lapsed_organization_reads_and_exports_and_a_plan_paid_on_stripe_restores_it(
    engine: Engine,
) {
    // No trial at all, a week's grace.
    let (stand_in, app) = operator_selling(engine, (0, 7)).await;
    let (ana, form) = crate::public_form::form_of(&app).await;
    let (mut owner, _) = app.signed_in(&ana).await;

    // Lapsed: every page reads, the leads export, a change is refused (402) and changes
    // nothing; visitors' requests are still received.
    let home = owner.get("/").await;
    assert!(home.html.contains("Lapsed since"), "{}", home.html);
    let mut visitor = app.browser();
    let page = visitor.get(&format!("/f/{form}")).await;
    let sent = crate::public_form::send(&mut visitor, &page, form, crate::public_form::GOOD).await;
    assert_eq!(sent.status, 200, "no lead is lost to a lapsed plan");
    let leads = owner.get("/leads").await;
    assert_eq!(leads.status, 200);
    let searched = owner
        .submit(&leads, "/leads/search", &[("q", "marisol@example.com")])
        .await;
    assert_eq!(searched.status, 200, "searching reads: {}", searched.html);
    let export = owner.get("/leads/export").await;
    assert_eq!(export.status, 200);
    assert!(export.html.contains("Marisol"), "{}", export.html);
    let before = sites(&app).await;
    let sites_page = owner.get("/sites").await;
    let refused = owner
        .submit(&sites_page, "/sites", &[("domain", "new.lima.law")])
        .await;
    assert_eq!(refused.status, 402, "{}", refused.html);
    assert!(refused.html.contains("nothing is lost"), "{}", refused.html);
    assert_eq!(sites(&app).await, before);

    // The owner subscribes through Stripe's Checkout (subscription mode, the operator's
    // price, the organization as its reference).
    let plan_page = owner.get("/settings/plan").await;
    assert!(
        plan_page.html.contains("Standard, USD 49 a month"),
        "{}",
        plan_page.html
    );
    let chosen = owner
        .submit(
            &plan_page,
            "/settings/plan/subscribe",
            &[("plan", "standard")],
        )
        .await;
    let location = chosen.location().expect("sent to Stripe").to_owned();
    let session_id = location.rsplit('/').next().unwrap().to_owned();
    let session = stand_in.session(&session_id);
    assert_eq!(session["mode"], json!("subscription"));
    assert_eq!(session["price"], json!("price_standard"));
    assert_eq!(
        session["client_reference_id"],
        json!(ana.org_id.to_string())
    );
    assert_eq!(stand_in.complete(&session_id, false).await, Some(200));
    assert_eq!(
        plan_row(&app).await,
        (Some("standard".into()), Some("active".into()))
    );
    let plan_page = owner.get("/settings/plan").await;
    assert!(
        plan_page.html.contains("In good standing"),
        "{}",
        plan_page.html
    );
    let added = owner
        .submit(&sites_page, "/sites", &[("domain", "new.lima.law")])
        .await;
    assert_eq!(added.status, 303, "{}", added.html);
    assert!(!owner.get("/").await.html.contains("plan-notice"));

    // The customer portal, for the card and the invoices.
    let portal = owner.submit(&plan_page, "/settings/plan/portal", &[]).await;
    let customer = stand_in.subscriptions()[0]["customer"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        portal.location(),
        Some(format!("http://{}/billing/{customer}", stand_in.addr).as_str())
    );

    // A renewal fails: a week's grace, changes still made, the frame says until when.
    let subscription = stand_in.subscriptions()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    stand_in
        .set_subscription_status(&subscription, "past_due")
        .await;
    assert_eq!(plan_row(&app).await.1.as_deref(), Some("past_due"));
    assert!(owner.get("/").await.html.contains("everything works until"));
    // The plan is alive (Stripe retries the payment): paid in the portal, not doubled.
    let plan_page = owner.get("/settings/plan").await;
    assert!(!plan_page.html.contains("Subscribe:"), "{}", plan_page.html);
    let doubled = owner
        .submit(
            &plan_page,
            "/settings/plan/subscribe",
            &[("plan", "standard")],
        )
        .await;
    assert_eq!(doubled.status, 422, "{}", doubled.html);
    assert!(doubled.html.contains("billing portal"), "{}", doubled.html);
    let more = owner
        .submit(&sites_page, "/sites", &[("domain", "more.lima.law")])
        .await;
    assert_eq!(more.status, 303);
    // ... and it ends: the grace counts from the failed payment, not from the end.
    stand_in
        .set_subscription_status(&subscription, "canceled")
        .await;
    let eight_days_ago = Timestamp::now().as_unix_micros() - 8 * 24 * 3600 * 1_000_000;
    sqlx::query("UPDATE org_plans SET lapsed_at = $1")
        .bind(eight_days_ago)
        .execute(app.db.pool())
        .await
        .unwrap();
    let lapsed = owner
        .submit(&sites_page, "/sites", &[("domain", "late.lima.law")])
        .await;
    assert_eq!(lapsed.status, 402);
    // Signing out and one's own account stay open.
    assert_eq!(owner.get("/account").await.status, 200);

    // Paid again: good standing, the grace clock cleared.
    stand_in
        .set_subscription_status(&subscription, "active")
        .await;
    let lapsed_at: Option<i64> = sqlx::query_scalar("SELECT lapsed_at FROM org_plans")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(lapsed_at, None);
    let again = owner
        .submit(&sites_page, "/sites", &[("domain", "late.lima.law")])
        .await;
    assert_eq!(again.status, 303);
    let audited = app
        .audited(
            leadvault_audit::Chain::of(ana.org_id),
            "billing.plan_updated",
        )
        .await;
    assert_eq!(
        audited.len(),
        5,
        "created, past due, canceled, active (and the checkout's)"
    );
}

#[both_engines]
async fn the_operators_webhooks_are_signed_applied_once_and_move_only_their_organizations_plan(
    engine: Engine,
) {
    let (stand_in, app) = operator_selling(engine, (14, 14)).await;
    let (ana, mut owner, _) = app.signed_in_owner("ana@lima.law").await;
    // A new organization is in its trial: everything works, the frame says until when.
    assert!(
        owner
            .get("/")
            .await
            .html
            .contains("Trial: everything works until")
    );
    let plan_page = owner.get("/settings/plan").await;
    let chosen = owner
        .submit(
            &plan_page,
            "/settings/plan/subscribe",
            &[("plan", "standard")],
        )
        .await;
    let session_id = chosen
        .location()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    // An unknown plan is refused, nothing sent to Stripe.
    let unknown = owner
        .submit(&plan_page, "/settings/plan/subscribe", &[("plan", "gold")])
        .await;
    assert_eq!(unknown.status, 422);

    // A forged or old signature: 400, nothing changed.
    stand_in.send_webhooks("acct_operator", "http://127.0.0.1:9/", OPERATOR_SECRET);
    stand_in.complete(&session_id, false).await;
    let subscription = stand_in.subscriptions()[0].clone();
    let event = stand_in.event("customer.subscription.created", subscription.clone());
    let body = event.to_string();
    let now = Timestamp::now().as_unix_micros() / 1_000_000;
    for signature in [
        StripeStandIn::signature("whsec_NotTheOperatorsSecret0000", now, body.as_bytes()),
        StripeStandIn::signature(OPERATOR_SECRET, now - 600, body.as_bytes()),
    ] {
        let answer = app
            .client
            .post(app.url("/billing/stripe/webhooks"))
            .header("stripe-signature", signature)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400);
    }
    assert_eq!(plan_row(&app).await.1, None);

    // Delivered, then delivered again: applied once.
    stand_in.send_webhooks(
        "acct_operator",
        &app.url("/billing/stripe/webhooks"),
        OPERATOR_SECRET,
    );
    for _ in 0..2 {
        assert_eq!(stand_in.deliver("acct_operator", &event).await, Some(200));
    }
    assert_eq!(plan_row(&app).await.1.as_deref(), Some("active"));
    let audited = app
        .audited(
            leadvault_audit::Chain::of(ana.org_id),
            "billing.plan_updated",
        )
        .await;
    assert_eq!(audited.len(), 1);

    // A subscription claiming another organization in its metadata, for a customer that is
    // not that organization's: changes nothing there.
    let mut forged = subscription.clone();
    forged["id"] = json!("sub_forged");
    forged["status"] = json!("canceled");
    forged["metadata"]["leadvault_org"] = json!(ana.org_id.to_string());
    forged["customer"] = json!("cus_someone_else");
    stand_in.add_subscription("acct_operator", forged.clone());
    let event = stand_in.event("customer.subscription.deleted", forged);
    assert_eq!(stand_in.deliver("acct_operator", &event).await, Some(200));
    assert_eq!(plan_row(&app).await.1.as_deref(), Some("active"));
}

#[both_engines]
async fn without_plans_there_is_no_plan_page_and_nothing_is_refused(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (_ana, mut owner, _) = app.signed_in_owner("ana@lima.law").await;
    assert_eq!(owner.get("/settings/plan").await.status, 404);
    assert!(!owner.get("/").await.html.contains("plan-notice"));
    let page = owner.get("/sites").await;
    let added = owner
        .submit(&page, "/sites", &[("domain", "a.lima.law")])
        .await;
    assert_eq!(added.status, 303);
    let hook = app
        .client
        .post(app.url("/billing/stripe/webhooks"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(hook.status(), 404);
}
