//! The second wall between tenants: on PostgreSQL, row-level security on every tenant
//! table, keyed on the organization the transaction set. The first wall (every query names
//! its organization) is what the access-matrix and members tests exercise.

use leadvault_accounts::{Role, Scope, SiteDomain, add_site};
use leadvault_audit::Acting;
use leadvault_store::{Engine, OrgId, TenantScope, Timestamp, sqlx};
use leadvault_test_support::forms::ORDER_WITH_PAPERS;
use leadvault_test_support::{
    TestApp, TestDb, fixture, postgres_admin_url, postgres_app_role, postgres_available,
    run_leadvault,
};

const TENANT_TABLES: [&str; 16] = [
    "organizations",
    "memberships",
    "sites",
    "membership_sites",
    "invitations",
    "invitation_sites",
    "customers",
    "access_reviews",
    "forms",
    "form_versions",
    "leads",
    "lead_contacts",
    "lead_events",
    "work_orders",
    "work_order_events",
    "documents",
];

async fn count(tx: &mut leadvault_store::Tx, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(&mut **tx)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_organization_in_scope_no_tenant_row_is_visible_or_writable() {
    if !postgres_available().await {
        return;
    }
    let app = TestApp::start(Engine::Postgres).await;
    let (ana, mut browser, _) = app.signed_in_owner("ana@lima.law").await;
    let bo = app.owner("bo@other.law").await;
    let now = Timestamp::now();
    for (org, domain) in [(ana.org_id, "lima.law"), (bo.org_id, "other.law")] {
        add_site(
            &app.db,
            &Acting::new(org, fixture(), now),
            &SiteDomain::parse(domain).unwrap(),
        )
        .await
        .unwrap();
    }
    app.member(&ana, "cy@lima.law", Role::Intake, Scope::Organization)
        .await;
    let page = browser.get("/members").await;
    let invited = browser
        .submit(
            &page,
            "/members/invite",
            &[("email", "dee@lima.law"), ("role", "analyst")],
        )
        .await;
    assert_eq!(invited.status, 200);

    // A work order with a document, so that those tables have rows to wall off.
    let order_form = app.form(ana.org_id, ORDER_WITH_PAPERS).await;
    app.order(
        &order_form,
        uuid::Uuid::new_v4(),
        &[("party", "P")],
        &[("papers", "p.pdf", b"%PDF-1.4")],
    )
    .await;

    // Every table that says whose a row is carries the wall, forced, so none can be added
    // without one; except these, read before any organization is known or by workers that
    // serve every organization, and holding only wrapped keys, hashes and ciphertexts.
    const OUTSIDE_THE_WALL: [&str; 6] = [
        "data_keys",        // the keyring: wrapped keys, unwrapped per organization
        "tenant_keys",      // the keyring: wrapped by the root key
        "signing_keys",     // the audit checkpoint key, sealed
        "sessions",         // found by the hash of the cookie, before the organization is known
        "totp_credentials", // secrets as ciphertexts under the installation's key
        "outbox",           // sealed messages, sent by the one delivery worker
    ];
    let unwalled: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind = 'r' \
         AND EXISTS (SELECT 1 FROM information_schema.columns i WHERE i.table_schema = n.nspname \
                     AND i.table_name = c.relname AND i.column_name = 'org_id') \
         AND NOT (c.relrowsecurity AND c.relforcerowsecurity) ORDER BY 1",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let unwalled: Vec<&String> = unwalled
        .iter()
        .filter(|t| !OUTSIDE_THE_WALL.contains(&t.as_str()))
        .collect();
    assert!(
        unwalled.is_empty(),
        "tenant tables without row security: {unwalled:?}"
    );

    // The application's own connection: an ordinary role, as the server uses.
    let plain = app.test_db().connect().await;
    let mut tx = plain.begin().await.unwrap();
    let (is_super, bypasses): (i64, i64) = sqlx::query_as(
        "SELECT CASE WHEN rolsuper THEN 1 ELSE 0 END, CASE WHEN rolbypassrls THEN 1 ELSE 0 END FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(
        (is_super, bypasses),
        (0, 0),
        "the test must run as a role row security binds"
    );
    for table in TENANT_TABLES {
        assert_eq!(count(&mut tx, table).await, 0, "{table} without a scope");
    }
    drop(tx);

    // Scoped to Ana's organization: her rows, none of Bo's.
    let mut tx = plain.begin_in(TenantScope::Org(ana.org_id)).await.unwrap();
    assert_eq!(count(&mut tx, "organizations").await, 1);
    assert_eq!(count(&mut tx, "memberships").await, 2);
    assert_eq!(count(&mut tx, "sites").await, 1);
    assert_eq!(count(&mut tx, "invitations").await, 1);
    let domains: Vec<String> = sqlx::query_scalar("SELECT domain FROM sites")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(domains, vec!["lima.law".to_owned()]);
    // Not even a write into Bo's organization gets through.
    let smuggled = sqlx::query(
        "INSERT INTO sites (id, org_id, domain, created_at) VALUES ('x', $1, 'evil.test', 0)",
    )
    .bind(bo.org_id.to_string())
    .execute(&mut *tx)
    .await;
    assert!(
        smuggled.is_err(),
        "a row of another organization cannot be written"
    );
    drop(tx);

    // An unknown organization sees nothing; all organizations, everything.
    let mut tx = plain
        .begin_in(TenantScope::Org(OrgId::random()))
        .await
        .unwrap();
    for table in TENANT_TABLES {
        assert_eq!(
            count(&mut tx, table).await,
            0,
            "{table} of an unknown organization"
        );
    }
    drop(tx);
    let mut tx = plain.begin_in(TenantScope::Org(ana.org_id)).await.unwrap();
    for table in ["work_orders", "work_order_events", "documents"] {
        assert_eq!(
            count(&mut tx, table).await,
            1,
            "{table} of Ana's organization"
        );
    }
    drop(tx);
    let mut tx = plain.begin_in(TenantScope::AllOrganizations).await.unwrap();
    assert_eq!(count(&mut tx, "organizations").await, 2);
    assert_eq!(count(&mut tx, "sites").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_as_a_role_that_bypasses_row_security_is_warned_about() {
    if !postgres_available().await {
        return;
    }
    let warning = "row-level security does not separate organizations";
    let test_db = TestDb::new(Engine::Postgres).await;
    let dir = tempfile::tempdir().unwrap();
    let migrate = |url: String| {
        let dir = dir.path().to_owned();
        async move {
            run_leadvault(
                crate::leadvault_bin(),
                &dir,
                &["migrate", "--database-url", &url],
                &[],
                None,
            )
            .await
        }
    };
    let ordinary = migrate(test_db.raw_url().to_owned()).await;
    assert!(ordinary.status.success(), "{}", ordinary.stderr);
    assert!(!ordinary.stderr.contains(warning), "{}", ordinary.stderr);

    // Where the test server's admin is a superuser (not in every CI), it shows the warning.
    if postgres_app_role().await.unwrap().is_some() {
        let mut admin = url::Url::parse(&postgres_admin_url().await.unwrap()).unwrap();
        admin.set_path(url::Url::parse(test_db.raw_url()).unwrap().path());
        let privileged = migrate(admin.to_string()).await;
        assert!(privileged.status.success(), "{}", privileged.stderr);
        assert!(privileged.stderr.contains(warning), "{}", privileged.stderr);
    }
}
