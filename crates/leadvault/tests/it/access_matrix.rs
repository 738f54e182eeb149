//! The access matrix: every route the router has × every role (and anonymous) × an object
//! of one's own organization or of another, against the expected answer. The list of
//! routes comes from the server itself, so a route added without an entry here fails.

use leadvault_accounts::{
    Email, Grant, Joining, OrgId, Role, Scope, SiteDomain, UserId, add_site, invite,
};
use leadvault_audit::Acting;
use leadvault_crypto::SecretToken;
use leadvault_server::{Csrf, RouteInfo, routes};
use leadvault_store::Engine;
use leadvault_store::{Timestamp, sqlx};
use leadvault_test_support::forms::{NAME_AND_PHOTO, NAME_ONLY, ORDER_WITH_PAPERS};
use leadvault_test_support::{Browser, TestApp, TestPerson, both_engines, fixture};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    Anonymous,
    Member(Role),
    /// A client (client portal): no role, no staff page.
    Customer,
}

/// What a request should get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Status(u16),
    /// 303 to this location.
    Redirect(&'static str),
}

const SIGN_IN: Expect = Expect::Redirect("/login");

/// Which object an `{id}` in the path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Whose {
    Own,
    Other,
}

/// How a route treats each actor.
#[derive(Clone, Copy)]
enum Rule {
    /// The same answer for everyone, signed in or not.
    Public(Expect),
    /// Anonymous: sign in. Every member: this.
    SignedIn(Expect),
    /// Anonymous: sign in. Members in these roles: this; others 403. Written out here, not
    /// read from the policy, so that a change to the policy shows up as a failure.
    Roles(&'static [Role], Expect),
    /// A JSON API route: anonymous 401 (not a redirect); these roles this; others 403.
    Api(&'static [Role], Expect),
    /// A client-portal page: anonymous sign in, clients this (their own objects), every
    /// member 403.
    Client(Expect),
    /// Anything else, spelled out.
    Custom(fn(Actor) -> Expect),
}

/// How the request is made: which anti-CSRF token a form carries, and the fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    None,
    /// An anonymous form: double-submit cookie and field.
    AnonymousForm(&'static [(&'static str, &'static str)]),
    /// A signed-in form: the session's token.
    SessionForm(&'static [(&'static str, &'static str)]),
    /// JSON, with the session's token in `X-CSRF-Token`.
    SessionJson(&'static str),
}

struct Entry {
    method: &'static str,
    path: &'static str,
    body: Body,
    rule: Rule,
}

fn enrolled(role: Role) -> bool {
    role.requires_second_factor()
}

/// The expected answer of every route. Request bodies are chosen so that an allowed
/// request is accepted up to validation (422) or succeeds harmlessly.
fn table() -> Vec<Entry> {
    use Body::*;
    use Expect::*;
    const MANAGERS: &[Role] = &[Role::Owner, Role::Admin];
    const INTAKE_STAFF: &[Role] = &[Role::Owner, Role::Admin, Role::Intake];
    const LEAD_WORKERS: &[Role] = &[Role::Owner, Role::Admin, Role::Intake, Role::Attorney];
    const SITE_USERS: &[Role] = &[Role::Owner, Role::Admin, Role::Intake, Role::Analyst];
    const ORDER_STAFF: &[Role] = &[Role::Owner, Role::Admin, Role::Intake];
    const ANALYSTS: &[Role] = &[Role::Owner, Role::Admin, Role::Analyst];
    const BILLING: &[Role] = &[Role::Owner, Role::Admin, Role::Billing];
    const OWNERS: &[Role] = &[Role::Owner];
    use Rule::*;
    let e = |method, path, body, rule| Entry {
        method,
        path,
        body,
        rule,
    };
    vec![
        e("GET", "/", None, Public(Status(200))),
        e("GET", "/healthz", None, Public(Status(200))),
        e("GET", "/readyz", None, Public(Status(200))),
        // No backups configured in this installation: monitoring hears `off`, and there is
        // no job to ask for one.
        e("GET", "/healthz/backup", None, Public(Status(200))),
        e(
            "GET",
            "/operations/backups",
            None,
            Roles(OWNERS, Status(200)),
        ),
        e(
            "POST",
            "/operations/backups",
            SessionForm(&[]),
            Roles(OWNERS, Status(404)),
        ),
        e("GET", "/static/app.css", None, Public(Status(200))),
        e("GET", "/static/form.js", None, Public(Status(200))),
        e("GET", "/embed.js", None, Public(Status(200))),
        e("GET", "/js/lv.js", None, Public(Status(200))),
        // The tracking script's events: anyone's browser sends them; an empty body is no event.
        e("POST", "/api/event", None, Public(Status(422))),
        e("GET", "/setup", None, Public(Status(404))),
        e("POST", "/setup", AnonymousForm(&[]), Public(Status(404))),
        e(
            "GET",
            "/login",
            None,
            Custom(|a| match a {
                Actor::Anonymous => Status(200),
                Actor::Member(_) | Actor::Customer => Redirect("/"),
            }),
        ),
        e(
            "POST",
            "/login",
            AnonymousForm(&[("password", "x")]),
            Public(Status(422)),
        ),
        e("GET", "/password-reset", None, Public(Status(200))),
        e(
            "POST",
            "/password-reset",
            AnonymousForm(&[]),
            Public(Status(200)),
        ),
        e("GET", "/password-reset/confirm", None, Public(Status(404))),
        e(
            "POST",
            "/password-reset/confirm",
            AnonymousForm(&[("password", "a long enough password")]),
            Public(Status(404)),
        ),
        e("GET", "/login/two-factor", None, SignedIn(Redirect("/"))),
        e(
            "POST",
            "/login/two-factor",
            SessionForm(&[("code", "x")]),
            SignedIn(Redirect("/")),
        ),
        e("GET", "/account", None, SignedIn(Status(200))),
        e(
            "GET",
            "/account/two-factor",
            None,
            Custom(|a| match a {
                Actor::Anonymous => SIGN_IN,
                Actor::Member(r) if enrolled(r) => Redirect("/account"),
                Actor::Member(_) | Actor::Customer => Status(200),
            }),
        ),
        e(
            "POST",
            "/account/two-factor",
            SessionForm(&[("code", "x")]),
            Custom(|a| match a {
                Actor::Anonymous => SIGN_IN,
                Actor::Member(r) if enrolled(r) => Redirect("/account"),
                Actor::Member(_) | Actor::Customer => Status(422),
            }),
        ),
        e(
            "GET",
            "/account/two-factor/qr.svg",
            None,
            Custom(|a| match a {
                Actor::Anonymous => SIGN_IN,
                Actor::Member(r) if enrolled(r) => Status(404),
                Actor::Member(_) | Actor::Customer => Status(200),
            }),
        ),
        e(
            "POST",
            "/account/sessions/end-others",
            SessionForm(&[]),
            SignedIn(Redirect("/account")),
        ),
        e(
            "POST",
            "/account/sessions/{id}/end",
            SessionForm(&[]),
            SignedIn(Status(404)),
        ),
        e(
            "POST",
            "/account/two-factor/recovery-codes",
            SessionForm(&[("password", "not the password")]),
            SignedIn(Status(422)),
        ),
        e(
            "POST",
            "/account/two-factor/disable",
            SessionForm(&[("password", "not the password")]),
            SignedIn(Status(422)),
        ),
        e(
            "POST",
            "/account/email",
            SessionForm(&[("password", "not the password"), ("email", "new@x.test")]),
            SignedIn(Status(422)),
        ),
        e("GET", "/account/email/confirm", None, Public(Status(404))),
        e(
            "POST",
            "/account/email/confirm",
            AnonymousForm(&[]),
            Public(Status(404)),
        ),
        e("GET", "/account/password", None, SignedIn(Status(200))),
        e(
            "POST",
            "/account/password",
            SessionForm(&[("current", "x"), ("new", "short")]),
            SignedIn(Status(422)),
        ),
        e("GET", "/members", None, Roles(MANAGERS, Status(200))),
        e(
            "POST",
            "/members/invite",
            SessionForm(&[("email", "x"), ("role", "intake")]),
            Roles(MANAGERS, Status(422)),
        ),
        e(
            "POST",
            "/members/{id}/role",
            SessionForm(&[("role", "superuser")]),
            Roles(MANAGERS, Status(422)),
        ),
        e(
            "POST",
            "/members/{id}/remove",
            SessionForm(&[]),
            Roles(MANAGERS, Redirect("/members")),
        ),
        e(
            "POST",
            "/invitations/{id}/revoke",
            SessionForm(&[]),
            Roles(MANAGERS, Redirect("/members")),
        ),
        e("GET", "/invitation", None, Public(Status(404))),
        e(
            "POST",
            "/invitation",
            AnonymousForm(&[]),
            Public(Status(404)),
        ),
        e(
            "GET",
            "/portal",
            None,
            Custom(|a| match a {
                Actor::Anonymous => SIGN_IN,
                Actor::Customer => Status(200),
                Actor::Member(_) => Status(403),
            }),
        ),
        // No form is named: a client is told there is none, a member that the portal is
        // not theirs, whatever the body.
        e(
            "GET",
            "/portal/orders/new/{form}",
            None,
            Client(Status(404)),
        ),
        e(
            "POST",
            "/portal/orders/new/{form}",
            SessionForm(&[]),
            Client(Status(404)),
        ),
        e("GET", "/portal/orders/{id}", None, Client(Status(200))),
        e(
            "POST",
            "/portal/orders/{id}/cancel",
            SessionForm(&[]),
            Client(Redirect("/portal/orders/{id}")),
        ),
        // No price is set: nothing to pay, back to the order.
        e(
            "POST",
            "/portal/orders/{id}/pay",
            SessionForm(&[]),
            Client(Redirect("/portal/orders/{id}")),
        ),
        e("GET", "/portal/documents/{id}", None, Client(Status(200))),
        e("GET", "/orders", None, Roles(ORDER_STAFF, Status(200))),
        e("GET", "/orders/{id}", None, Roles(ORDER_STAFF, Status(200))),
        e(
            "POST",
            "/orders/{id}/status",
            SessionForm(&[("status", "bogus")]),
            Roles(ORDER_STAFF, Status(422)),
        ),
        e(
            "GET",
            "/orders/documents/{id}",
            None,
            Roles(ORDER_STAFF, Status(200)),
        ),
        e("GET", "/sites", None, Roles(SITE_USERS, Status(200))),
        e("GET", "/forms", None, Roles(MANAGERS, Status(200))),
        e("GET", "/forms/new", None, Roles(MANAGERS, Status(200))),
        e(
            "POST",
            "/forms/new",
            SessionForm(&[("name", ""), ("action", "save")]),
            Roles(MANAGERS, Status(422)),
        ),
        e(
            "GET",
            "/forms/{id}/edit",
            None,
            Roles(MANAGERS, Status(200)),
        ),
        e(
            "POST",
            "/forms/{id}/edit",
            SessionForm(&[("name", ""), ("action", "save")]),
            Roles(MANAGERS, Status(422)),
        ),
        e("GET", "/api/forms", None, Api(MANAGERS, Status(200))),
        e(
            "POST",
            "/api/forms",
            SessionJson(r#"{"name": "x"}"#),
            Api(MANAGERS, Status(422)),
        ),
        e("GET", "/api/forms/{id}", None, Api(MANAGERS, Status(200))),
        e(
            "PUT",
            "/api/forms/{id}",
            SessionJson(r#"{"name": "x"}"#),
            Api(MANAGERS, Status(422)),
        ),
        e("GET", "/leads", None, Roles(LEAD_WORKERS, Status(200))),
        e("GET", "/leads/export", None, Roles(MANAGERS, Status(200))),
        e("GET", "/leads/{id}", None, Roles(LEAD_WORKERS, Status(200))),
        e(
            "POST",
            "/leads/{id}/contacted",
            SessionForm(&[]),
            Roles(LEAD_WORKERS, Redirect("/leads/{id}")),
        ),
        e(
            "POST",
            "/leads/{id}/follow-up",
            SessionForm(&[("at", "soon")]),
            Roles(LEAD_WORKERS, Status(422)),
        ),
        e(
            "POST",
            "/leads/bulk",
            SessionForm(&[("action", "status"), ("status", "bogus")]),
            Roles(LEAD_WORKERS, Status(422)),
        ),
        e(
            "POST",
            "/leads/search",
            SessionForm(&[("q", "nothing")]),
            Roles(LEAD_WORKERS, Status(422)),
        ),
        e(
            "POST",
            "/leads/{id}/status",
            SessionForm(&[("status", "bogus")]),
            Roles(LEAD_WORKERS, Status(422)),
        ),
        e(
            "POST",
            "/leads/{id}/assign",
            SessionForm(&[("attorney", "nobody")]),
            Roles(INTAKE_STAFF, Status(404)),
        ),
        e(
            "POST",
            "/leads/{id}/notes",
            SessionForm(&[("note", " ")]),
            Roles(LEAD_WORKERS, Status(422)),
        ),
        e(
            "GET",
            "/leads/documents/{id}",
            None,
            Roles(LEAD_WORKERS, Status(200)),
        ),
        // Public pages: the form's own tests use real forms; here, no form is named.
        e("GET", "/f/{form}", None, Public(Status(404))),
        e("POST", "/f/{form}", AnonymousForm(&[]), Public(Status(404))),
        e("GET", "/track", None, Public(Status(200))),
        e(
            "POST",
            "/track",
            AnonymousForm(&[("code", "x")]),
            Public(Status(404)),
        ),
        e(
            "GET",
            "/settings/intake",
            None,
            Roles(MANAGERS, Status(200)),
        ),
        e(
            "POST",
            "/settings/intake/pipeline",
            SessionForm(&[("states", "")]),
            Roles(MANAGERS, Status(422)),
        ),
        e(
            "POST",
            "/settings/intake/contact-target",
            SessionForm(&[("minutes", "never")]),
            Roles(MANAGERS, Status(422)),
        ),
        e(
            "POST",
            "/settings/intake/rules",
            SessionForm(&[]),
            Roles(MANAGERS, Status(422)),
        ),
        e(
            "POST",
            "/settings/intake/rules/{id}/remove",
            SessionForm(&[]),
            Roles(MANAGERS, Redirect("/settings/intake")),
        ),
        e(
            "POST",
            "/settings/intake/rules/{id}/move",
            SessionForm(&[("direction", "up")]),
            Roles(MANAGERS, Redirect("/settings/intake")),
        ),
        e(
            "POST",
            "/settings/intake/webhooks",
            SessionForm(&[("url", "not a url")]),
            Roles(MANAGERS, Status(422)),
        ),
        e(
            "POST",
            "/settings/intake/webhooks/{id}/remove",
            SessionForm(&[]),
            Roles(MANAGERS, Redirect("/settings/intake")),
        ),
        e("GET", "/payments", None, Roles(BILLING, Status(200))),
        // A payment still awaiting payment cannot be refunded.
        e(
            "POST",
            "/payments/{id}/refund",
            SessionForm(&[("amount", "1")]),
            Roles(BILLING, Status(422)),
        ),
        e(
            "GET",
            "/settings/payments",
            None,
            Roles(BILLING, Status(200)),
        ),
        e(
            "POST",
            "/settings/payments/stripe",
            SessionForm(&[("secret_key", "not a key")]),
            Roles(BILLING, Status(422)),
        ),
        e(
            "POST",
            "/settings/payments/stripe/disconnect",
            SessionForm(&[]),
            Roles(BILLING, Redirect("/settings/payments")),
        ),
        e(
            "POST",
            "/settings/payments/prices",
            SessionForm(&[("currency", "dollars")]),
            Roles(BILLING, Status(422)),
        ),
        // A visitor paying a consultation fee: `{form}` stays as written, which is no form.
        e("POST", "/f/{form}/pay", None, Public(Status(404))),
        e("GET", "/f/{form}/paid", None, Public(Status(404))),
        // The operator sells no plans here.
        e("GET", "/settings/plan", None, Roles(BILLING, Status(404))),
        e(
            "POST",
            "/settings/plan/subscribe",
            SessionForm(&[("plan", "standard")]),
            Roles(BILLING, Status(404)),
        ),
        e(
            "POST",
            "/settings/plan/portal",
            SessionForm(&[]),
            Roles(BILLING, Status(404)),
        ),
        e(
            "POST",
            "/billing/stripe/webhooks",
            None,
            Public(Status(404)),
        ),
        // Stripe's servers: `{org}` stays as written, which is no organization: refused like
        // a wrong signature.
        e("POST", "/stripe/webhooks/{org}", None, Public(Status(400))),
        e("GET", "/audit", None, Roles(MANAGERS, Status(200))),
        e("GET", "/audit.csv", None, Roles(MANAGERS, Status(200))),
        e(
            "POST",
            "/sites",
            SessionForm(&[("domain", "not a domain")]),
            Roles(MANAGERS, Status(422)),
        ),
        e(
            "POST",
            "/sites/{id}/remove",
            SessionForm(&[]),
            Roles(MANAGERS, Redirect("/sites")),
        ),
        e(
            "POST",
            "/sites/{id}/privacy",
            SessionForm(&[("honour", "on")]),
            Roles(MANAGERS, Redirect("/sites")),
        ),
        e(
            "GET",
            "/sites/{id}/analytics",
            None,
            Roles(ANALYSTS, Status(200)),
        ),
        e(
            "GET",
            "/sites/{id}/analytics.csv",
            None,
            Roles(ANALYSTS, Status(200)),
        ),
        e(
            "GET",
            "/api/sites/{id}/analytics",
            None,
            Api(ANALYSTS, Status(200)),
        ),
        // `{goal}` stays as written: no goal of that name, once the site is reached.
        e(
            "GET",
            "/api/sites/{id}/analytics/goals/{goal}",
            None,
            Api(ANALYSTS, Status(404)),
        ),
        e(
            "POST",
            "/sites/{id}/analytics/goals",
            SessionForm(&[("kind", "event"), ("target", "Signup")]),
            Roles(ANALYSTS, Redirect("/sites/{id}/analytics")),
        ),
        e(
            "POST",
            "/sites/{id}/analytics/goals/{goal}/remove",
            SessionForm(&[]),
            Roles(ANALYSTS, Status(404)),
        ),
        e(
            "POST",
            "/sites/{id}/analytics/share",
            SessionForm(&[]),
            Roles(ANALYSTS, Status(200)),
        ),
        e(
            "POST",
            "/sites/{id}/analytics/share/remove",
            SessionForm(&[]),
            Roles(ANALYSTS, Redirect("/sites/{id}/analytics")),
        ),
        e(
            "GET",
            "/api/sites/{id}/analytics/events/{name}/properties",
            None,
            Api(ANALYSTS, Status(200)),
        ),
        e(
            "GET",
            "/api/sites/{id}/experiments",
            None,
            Api(ANALYSTS, Status(200)),
        ),
        e(
            "POST",
            "/api/sites/{id}/experiments",
            SessionJson(
                r#"{"name": "Hero", "traffic": 100, "variations": [{"name": "A", "weight": 50}, {"name": "B", "weight": 50, "changes": [{"hide": {"selector": "h1"}}]}]}"#,
            ),
            Api(ANALYSTS, Status(201)),
        ),
        e(
            "POST",
            "/api/sites/{id}/experiments/{experiment}/state",
            SessionJson(r#"{"state": "running"}"#),
            Api(ANALYSTS, Status(404)),
        ),
        // `{experiment}` stays as written: no such experiment, once the site is reached.
        e(
            "GET",
            "/api/sites/{id}/experiments/{experiment}/results",
            None,
            Api(ANALYSTS, Status(404)),
        ),
        e(
            "GET",
            "/sites/{id}/experiments",
            None,
            Roles(ANALYSTS, Status(200)),
        ),
        e(
            "POST",
            "/sites/{id}/experiments",
            SessionForm(&[("name", "Hero"), ("primary", "event:Form submitted")]),
            Roles(ANALYSTS, Status(422)),
        ),
        e(
            "GET",
            "/sites/{id}/experiments/{experiment}",
            None,
            Roles(ANALYSTS, Status(404)),
        ),
        e(
            "POST",
            "/sites/{id}/experiments/{experiment}/state",
            SessionForm(&[("state", "running")]),
            Roles(ANALYSTS, Status(404)),
        ),
        // Anyone with a share link; `{token}` stays as written, which is no token.
        e("GET", "/share/{token}", None, Public(Status(404))),
        // Last, because it ends the session the rows above use.
        e("POST", "/logout", SessionForm(&[]), Custom(|_| SIGN_IN)),
    ]
}

fn expected(rule: Rule, actor: Actor, whose: Whose) -> Expect {
    let member_answer = |allowed: bool, answer: Expect| match (allowed, whose) {
        (false, _) => Expect::Status(403),
        // Another organization's object is indistinguishable from no object.
        (true, Whose::Other) => Expect::Status(404),
        (true, Whose::Own) => answer,
    };
    match (rule, actor) {
        (Rule::Public(answer), _) => answer,
        (Rule::Custom(f), actor) => f(actor),
        (Rule::SignedIn(_) | Rule::Roles(..) | Rule::Client(_), Actor::Anonymous) => SIGN_IN,
        (Rule::Client(_), Actor::Member(_)) => Expect::Status(403),
        (Rule::Client(answer), Actor::Customer) => member_answer(true, answer),
        (Rule::Api(..), Actor::Anonymous) => Expect::Status(401),
        (Rule::Api(..), Actor::Customer) => member_answer(false, Expect::Status(403)),
        (Rule::Api(roles, answer), Actor::Member(role)) => {
            member_answer(roles.contains(&role), answer)
        }
        (Rule::SignedIn(answer), Actor::Member(_) | Actor::Customer) => member_answer(true, answer),
        (Rule::Roles(..), Actor::Customer) => member_answer(false, Expect::Status(403)),
        (Rule::Roles(roles, answer), Actor::Member(role)) => {
            member_answer(roles.contains(&role), answer)
        }
    }
}

/// Inserts a member directly (no password hashing): a fresh target for removal.
async fn bystander(app: &TestApp, org: OrgId) -> UserId {
    let user = UserId::random();
    let now = Timestamp::now().as_unix_micros();
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, 'x', $3)",
    )
    .bind(user.to_string())
    .bind(format!("{user}@bystanders.test"))
    .bind(now)
    .execute(app.db.pool())
    .await
    .unwrap();
    sqlx::query("INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, 'analyst', $3)")
        .bind(org.to_string())
        .bind(user.to_string())
        .bind(now)
        .execute(app.db.pool())
        .await
        .unwrap();
    user
}

/// A fresh lead of `org` with a document, assigned to its attorney when it has one (so that
/// an attorney's own organization's lead is theirs, and another organization's is not).
async fn lead_for(app: &TestApp, org: OrgId) -> leadvault_intake::LeadId {
    let form = app.form(org, NAME_AND_PHOTO).await;
    let png: &[u8] = b"\x89PNG\r\n\x1a\n0000";
    let lead = app
        .lead_with_documents(&form, &[("name", "N")], &[("photo", "p.png", png)])
        .await;
    let attorney: Option<String> = sqlx::query_scalar(
        "SELECT user_id FROM memberships WHERE org_id = $1 AND role = 'attorney'",
    )
    .bind(org.to_string())
    .fetch_optional(app.db.pool())
    .await
    .unwrap();
    if let Some(attorney) = attorney {
        let by = leadvault_test_support::fixture();
        let to = uuid::Uuid::try_parse(&attorney).unwrap();
        let all = leadvault_intake::LeadAccess::all();
        leadvault_intake::assign_lead(
            &app.db,
            &Acting::new(org, by, Timestamp::now()),
            lead,
            &all,
            to,
        )
        .await
        .unwrap();
    }
    lead
}

/// A fresh work order of `org` (placed by its client, when it has one), or its document
/// for the download routes.
async fn order_object(app: &TestApp, path: &str, org: OrgId) -> String {
    let form = app.form(org, ORDER_WITH_PAPERS).await;
    let client: Option<String> =
        sqlx::query_scalar("SELECT user_id FROM customers WHERE org_id = $1")
            .bind(org.to_string())
            .fetch_optional(app.db.pool())
            .await
            .unwrap();
    let client = client.map_or_else(uuid::Uuid::new_v4, |c| uuid::Uuid::try_parse(&c).unwrap());
    let order = app
        .order(
            &form,
            client,
            &[("party", "P")],
            &[("papers", "p.pdf", b"%PDF-1.4 test")],
        )
        .await;
    if path.contains("/documents/") {
        sqlx::query_scalar("SELECT id FROM documents WHERE owner_id = $1")
            .bind(order.to_string())
            .fetch_one(app.db.pool())
            .await
            .unwrap()
    } else {
        order.to_string()
    }
}

/// The id an `{id}` route gets: a fresh object, so a request that succeeds leaves the next
/// actor an object of its own.
async fn object_id(
    app: &TestApp,
    path: &str,
    whose: Whose,
    org: OrgId,
    owner: &TestPerson,
) -> String {
    let now = Timestamp::now();
    if path.starts_with("/members/") {
        bystander(app, org).await.to_string()
    } else if path.starts_with("/sites/") || path.starts_with("/api/sites/") {
        let domain = SiteDomain::parse(&format!("s{}.example", UserId::random())).unwrap();
        add_site(&app.db, &Acting::new(org, fixture(), now), &domain)
            .await
            .unwrap()
            .id
            .to_string()
    } else if path.starts_with("/invitations/") {
        let email = Email::parse(&format!("{}@invitees.test", UserId::random())).unwrap();
        let joining = Joining::Member(Grant::new(Role::Analyst, Scope::Organization).unwrap());
        let (id, _) = invite(
            &app.db,
            &Acting::new(org, fixture(), now),
            owner.user_id,
            &email,
            &joining,
        )
        .await
        .unwrap();
        id.to_string()
    } else if path.starts_with("/portal/") || path.starts_with("/orders/") {
        order_object(app, path, org).await
    } else if path.starts_with("/leads/documents/") {
        let lead = lead_for(app, org).await;
        sqlx::query_scalar("SELECT id FROM documents WHERE owner_id = $1")
            .bind(lead.to_string())
            .fetch_one(app.db.pool())
            .await
            .unwrap()
    } else if path.starts_with("/leads/") {
        lead_for(app, org).await.to_string()
    } else if path.starts_with("/payments/") {
        // A payment of `org` still awaiting payment (for whichever order).
        let id = format!("pay_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(
            "INSERT INTO payments (id, org_id, subject_kind, subject_id, attempt, amount, \
             currency, state, session_id, checkout_url, created_at, updated_at) \
             VALUES ($1, $2, 'work_order', $3, 1, 100, 'usd', 'awaiting_payment', $1, \
             'http://127.0.0.1:9/', $4, $4)",
        )
        .bind(&id)
        .bind(org.to_string())
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(now.as_unix_micros())
        .execute(app.db.pool())
        .await
        .unwrap();
        id
    } else if path.starts_with("/settings/intake/webhooks/") {
        let url = url::Url::parse("http://127.0.0.1:9/hooks").unwrap();
        let acting = Acting::new(org, fixture(), now);
        let (id, _) = leadvault_webhooks::add_endpoint(&app.db, &app.keyring, &acting, &url)
            .await
            .unwrap();
        id
    } else if path.starts_with("/settings/intake/rules/") {
        // Whom the rule names does not matter here (the settings page checks that).
        let rule =
            leadvault_intake::NewRule::new(None, None, vec![UserId::random().as_uuid()]).unwrap();
        leadvault_intake::add_rule(&app.db, &Acting::new(org, fixture(), now), &rule)
            .await
            .unwrap()
            .to_string()
    } else if path.starts_with("/forms/") || path.starts_with("/api/forms/") {
        app.form(org, NAME_ONLY).await.id.to_string()
    } else if path.starts_with("/account/sessions/") {
        // Someone else's live session (the other organization's owner's) or, for one's own
        // organization, none at all: ending one's own current session is signing out.
        let id: Option<Vec<u8>> = match whose {
            Whose::Other => sqlx::query_scalar("SELECT id_hash FROM sessions WHERE user_id = $1")
                .bind(owner.user_id.to_string())
                .fetch_optional(app.db.pool())
                .await
                .unwrap(),
            Whose::Own => None,
        };
        id.unwrap_or_else(|| vec![0xab; 32])
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    } else {
        panic!("no object for {path}")
    }
}

async fn answer(
    browser: &mut Browser<'_>,
    method: &str,
    path: &str,
    body: Body,
    session_csrf: &str,
    actor: Actor,
) -> Expect {
    let page = match (method, body) {
        ("GET", Body::None) => browser.get(path).await,
        ("POST" | "PUT", Body::SessionJson(json)) => {
            let body: serde_json::Value = serde_json::from_str(json).unwrap();
            let csrf = (!session_csrf.is_empty()).then_some(session_csrf);
            browser
                .send_json(
                    reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                    path,
                    csrf,
                    &body,
                )
                .await
        }
        ("POST", Body::None | Body::SessionForm(_)) => {
            let fields = match body {
                Body::SessionForm(fields) => fields,
                _ => &[],
            };
            let mut all = vec![("csrf", session_csrf)];
            all.extend_from_slice(fields);
            browser.post(path, &all).await
        }
        ("POST", Body::AnonymousForm(fields)) => {
            let token = SecretToken::generate().unwrap();
            browser.set_cookie("lv_csrf", token.expose());
            let email = format!("matrix-{actor:?}@nowhere.test").replace(['(', ')'], "");
            let mut all = vec![("csrf", token.expose()), ("email", email.as_str())];
            all.extend_from_slice(fields);
            browser.post(path, &all).await
        }
        other => panic!("cannot make {other:?}"),
    };
    match (page.status.as_u16(), page.location()) {
        (303, Some(location)) => match location {
            "/" => Expect::Redirect("/"),
            "/login" => SIGN_IN,
            "/account" => Expect::Redirect("/account"),
            "/members" => Expect::Redirect("/members"),
            "/sites" => Expect::Redirect("/sites"),
            "/settings/intake" => Expect::Redirect("/settings/intake"),
            "/settings/payments" => Expect::Redirect("/settings/payments"),
            lead if lead.starts_with("/leads/") => Expect::Redirect("/leads/{id}"),
            portal if portal.starts_with("/portal/orders/") => {
                Expect::Redirect("/portal/orders/{id}")
            }
            analytics if analytics.starts_with("/sites/") && analytics.ends_with("/analytics") => {
                Expect::Redirect("/sites/{id}/analytics")
            }
            other => panic!("{method} {path}: unexpected redirect to {other}"),
        },
        (status, _) => Expect::Status(status),
    }
}

#[both_engines]
async fn every_route_answers_every_role_as_the_policy_says(engine: Engine) {
    // Each actor comes from its own address, so per-address rate limits stay out of the
    // way of what this test is about.
    let app = TestApp::builder(engine)
        .trusted_proxies(&["127.0.0.1"])
        .build()
        .await;
    let table = table();

    // Every route of the router is in the table, and nothing else is.
    let served: Vec<(String, &str)> = routes()
        .into_iter()
        .map(|route| (route.method.to_string(), route.path))
        .collect();
    for (method, path) in &served {
        assert!(
            table.iter().any(|e| e.method == method && e.path == *path),
            "{method} {path} is served but missing from the access matrix"
        );
    }
    for entry in &table {
        assert!(
            served
                .iter()
                .any(|(m, p)| m == entry.method && *p == entry.path),
            "{} {} is in the matrix but not served",
            entry.method,
            entry.path
        );
    }

    let (owner, owner_browser, _) = app.signed_in_owner("owner@a.test").await;
    let (other_owner, _other_browser, _) = app.signed_in_owner("owner@b.test").await;
    let mut actors: Vec<(Actor, Browser<'_>)> = vec![
        (Actor::Anonymous, app.browser()),
        (Actor::Member(Role::Owner), owner_browser),
    ];
    for role in Role::ALL.into_iter().filter(|r| *r != Role::Owner) {
        let person = app
            .member(&owner, &format!("{role}@a.test"), role, Scope::Organization)
            .await;
        let (browser, _) = app.signed_in(&person).await;
        actors.push((Actor::Member(role), browser));
    }
    let client = app.customer(&owner, "client@a.test").await;
    let (browser, enrolled) = app.signed_in(&client).await;
    assert!(enrolled.is_none(), "clients need no second factor");
    actors.push((Actor::Customer, browser));

    let mut failures = Vec::new();
    for (n, (actor, browser)) in actors.iter_mut().enumerate() {
        browser.set_client_address(&format!("192.0.2.{}", n + 1));
        let csrf = match actor {
            Actor::Anonymous => String::new(),
            Actor::Member(_) | Actor::Customer => browser.get("/account").await.csrf(),
        };
        for entry in &table {
            let sides: &[Whose] = if entry.path.contains("{id}") {
                &[Whose::Own, Whose::Other]
            } else {
                &[Whose::Own]
            };
            for whose in sides {
                let path = if entry.path.contains("{id}") {
                    let (org, holder) = match whose {
                        Whose::Own => (owner.org_id, &owner),
                        Whose::Other => (other_owner.org_id, &other_owner),
                    };
                    entry.path.replace(
                        "{id}",
                        &object_id(&app, entry.path, *whose, org, holder).await,
                    )
                } else {
                    entry.path.to_owned()
                };
                let want = expected(entry.rule, *actor, *whose);
                let got = answer(browser, entry.method, &path, entry.body, &csrf, *actor).await;
                if got != want {
                    failures.push(format!(
                        "{actor:?} {whose:?} {} {}: expected {want:?}, got {got:?}",
                        entry.method, entry.path
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "access matrix violations:\n{}",
        failures.join("\n")
    );
}

/// What a refused request must leave as it was: the number of rows of every table, the
/// changes the audit log has recorded, and the refusals it has recorded.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    rows: Vec<(String, i64)>,
    changes: i64,
    csrf_refusals: i64,
}

async fn snapshot(app: &TestApp) -> Snapshot {
    let tables: Vec<String> = match app.engine {
        Engine::Sqlite => {
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                .fetch_all(app.db.pool())
                .await
                .unwrap()
        }
        Engine::Postgres => sqlx::query_scalar(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
        )
        .fetch_all(app.db.pool())
        .await
        .unwrap(),
    };
    let mut rows = Vec::new();
    for table in tables.into_iter().filter(|t| t != "audit_records") {
        let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM \"{table}\""
        )))
        .fetch_one(app.db.pool())
        .await
        .unwrap();
        rows.push((table, count));
    }
    let changes =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_records WHERE action <> 'access.denied'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let csrf_refusals = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_records WHERE action = 'access.denied' AND target_id = 'csrf'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    Snapshot {
        rows,
        changes,
        csrf_refusals,
    }
}

#[both_engines]
async fn every_state_changing_route_refuses_a_request_without_its_sessions_token(engine: Engine) {
    let app = TestApp::builder(engine)
        .trusted_proxies(&["127.0.0.1"])
        .build()
        .await;
    let (owner, mut browser, _) = app.signed_in_owner("owner@a.test").await;
    let (_, mut other_browser, _) = app.signed_in_owner("owner@b.test").await;
    let others_token = other_browser.get("/account").await.csrf();
    browser.set_client_address("192.0.2.7");

    let mut checked = 0;
    let mut failures = Vec::new();
    let policy = |method: &str, path: &str| {
        routes()
            .into_iter()
            .find(|route| route.method.as_str() == method && route.path == path)
            .and_then(|route| route.csrf)
    };
    for entry in table() {
        if policy(entry.method, entry.path) != Some(Csrf::Session) {
            continue;
        }
        let path = if entry.path.contains("{id}") {
            entry.path.replace(
                "{id}",
                &object_id(&app, entry.path, Whose::Own, owner.org_id, &owner).await,
            )
        } else {
            entry.path.to_owned()
        };
        for (what, token) in [
            ("no token", ""),
            ("another session's token", others_token.as_str()),
        ] {
            let before = snapshot(&app).await;
            let got = answer(
                &mut browser,
                entry.method,
                &path,
                entry.body,
                token,
                Actor::Member(Role::Owner),
            )
            .await;
            let after = snapshot(&app).await;
            if got != Expect::Status(403) {
                failures.push(format!(
                    "{} {} with {what}: got {got:?}",
                    entry.method, entry.path
                ));
            }
            if after.rows != before.rows || after.changes != before.changes {
                failures.push(format!(
                    "{} {} with {what}: something changed",
                    entry.method, entry.path
                ));
            }
            if after.csrf_refusals != before.csrf_refusals + 1 {
                failures.push(format!(
                    "{} {} with {what}: the refusal was not audited",
                    entry.method, entry.path
                ));
            }
            checked += 1;
        }
    }
    // The routes that are not guarded by the session's token, spelled out, so that a new
    // exemption shows up here as a failure.
    let mut unguarded: Vec<String> = routes()
        .into_iter()
        .filter(|route| matches!(route.csrf, Some(Csrf::Anonymous | Csrf::Exempt(_))))
        .map(|RouteInfo { method, path, .. }| format!("{method} {path}"))
        .collect();
    unguarded.sort();
    assert_eq!(
        unguarded,
        [
            "POST /account/email/confirm",
            "POST /api/event",
            "POST /billing/stripe/webhooks",
            "POST /f/{form}",
            "POST /f/{form}/pay",
            "POST /invitation",
            "POST /login",
            "POST /password-reset",
            "POST /password-reset/confirm",
            "POST /setup",
            "POST /stripe/webhooks/{org}",
            "POST /track",
        ]
    );
    let guarded = routes()
        .into_iter()
        .filter(|route| route.csrf == Some(Csrf::Session))
        .count();
    assert!(
        guarded >= 30,
        "only {guarded} routes are guarded by the session's token"
    );
    assert_eq!(checked, 2 * guarded, "every guarded route was tried twice");
    assert!(
        failures.is_empty(),
        "CSRF violations:\n{}",
        failures.join("\n")
    );
}
