//! `leadvault demo`: a fresh installation with a demo firm whose every role can sign in with
//! the details printed once, then served; never on an installation that has data.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use leadvault_accounts::{OrgId, TotpSecret, UserId};
use leadvault_test_support::{
    Browser, Chromium, LeadvaultProcess, TestPerson, next_code, run_leadvault,
};

use crate::leadvault_bin;

/// (role, e-mail, password, authenticator key) from the demo's output.
fn accounts(stdout: &str) -> Vec<(String, String, String, Option<String>)> {
    stdout
        .lines()
        .filter(|l| l.contains("@lima-law.example  password "))
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let key = line.split("authenticator key ").nth(1).map(str::to_owned);
            (
                words[0].to_owned(),
                words[1].to_owned(),
                words[3].to_owned(),
                key,
            )
        })
        .collect()
}

/// Whom to sign in as for `role`, from the printed details, and their authenticator key.
fn person(
    printed: &[(String, String, String, Option<String>)],
    role: &str,
) -> (TestPerson, Option<TotpSecret>) {
    let (_, email, password, key) = printed.iter().find(|a| a.0 == role).unwrap().clone();
    let person = TestPerson {
        email,
        password,
        user_id: UserId::random(),
        org_id: OrgId::random(),
    };
    (person, key.map(|k| TotpSecret::from_base32(&k).unwrap()))
}

/// `leadvault demo` on a fresh data directory in `dir`, listening on a free loopback port.
async fn start_demo(dir: &std::path::Path) -> (LeadvaultProcess, SocketAddr) {
    let mut demo = LeadvaultProcess::spawn(
        leadvault_bin(),
        dir,
        &["demo", "--listen", "127.0.0.1:0"],
        &[],
    );
    let addr = demo.listening().await;
    (demo, addr)
}

/// The demo's output once it has printed its pages' addresses (after it listens).
async fn printed_addresses(demo: &LeadvaultProcess) -> String {
    for _ in 0..100 {
        let stdout = demo.stdout();
        if stdout.contains("analytics dashboard") {
            return stdout;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no addresses printed: {}", demo.stdout())
}

/// The path of the printed address of `what` (the line that starts with it), served at
/// `addr`.
fn address(stdout: &str, what: &str, addr: SocketAddr) -> String {
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with(what))
        .unwrap_or_else(|| panic!("no {what} in {stdout}"));
    let url = line.split_whitespace().last().unwrap();
    url.strip_prefix(&format!("http://{addr}"))
        .unwrap_or_else(|| panic!("{url} is not at {addr}"))
        .to_owned()
}

#[tokio::test]
async fn the_demo_seeds_a_firm_whose_every_role_can_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let (mut demo, addr) = start_demo(dir.path()).await;
    let printed = accounts(&demo.stdout());
    let roles: Vec<&str> = printed.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(
        roles,
        [
            "owner", "admin", "intake", "attorney", "analyst", "billing", "client"
        ],
        "{}",
        demo.stdout()
    );
    assert!(
        printed
            .iter()
            .all(|a| a.3.is_some() == !matches!(a.0.as_str(), "analyst" | "client"))
    );

    let client = leadvault_test_support::http_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let sign_in = |role: &str| person(&printed, role);

    // The attorney signs in with the printed password and a code from the printed key, and
    // sees the leads the assignment rule and the seeding gave them.
    let (attorney, key) = sign_in("attorney");
    let mut browser = Browser::at(&client, addr);
    let page = browser.sign_in_with_password(&attorney).await;
    assert_eq!(page.location(), Some("/login/two-factor"), "{page:?}");
    let done = browser.second_factor(&next_code(&key.unwrap())).await;
    assert_eq!(done.location(), Some("/"), "{done:?}");
    let leads = browser.get("/leads").await;
    assert_eq!(
        leads.html.matches("href=\"/leads/").count(),
        3,
        "{}",
        leads.html
    );

    // Intake staff see every lead and the forms are there for the owner.
    let (intake, key) = sign_in("intake");
    let mut browser = Browser::at(&client, addr);
    browser.sign_in_with_password(&intake).await;
    browser.second_factor(&next_code(&key.unwrap())).await;
    assert_eq!(
        browser
            .get("/leads")
            .await
            .html
            .matches("href=\"/leads/")
            .count(),
        4
    );
    // ... and the work orders, which the client follows in the portal.
    let orders = browser.get("/orders").await;
    assert_eq!(
        orders.html.matches("href=\"/orders/").count(),
        2,
        "{}",
        orders.html
    );
    assert!(orders.html.contains("In progress"), "{}", orders.html);
    let (client_account, _) = sign_in("client");
    let mut browser = Browser::at(&client, addr);
    browser.sign_in_with_password(&client_account).await;
    let portal = browser.get("/portal").await;
    assert_eq!(
        portal.html.matches("href=\"/portal/orders/").count(),
        3,
        "two orders and the form: {}",
        portal.html
    );
    let (analyst, _) = sign_in("analyst");
    let mut browser = Browser::at(&client, addr);
    assert_eq!(
        browser.sign_in_with_password(&analyst).await.location(),
        Some("/")
    );

    // The printed addresses work: the public form and the tracking page for anyone, the
    // dashboard (a month of visits) and the running experiment for the analyst.
    let stdout = printed_addresses(&demo).await;
    let address = |what: &str| address(&stdout, what, addr);
    let mut visitor = Browser::at(&client, addr);
    let form = visitor.get(&address("public consultation form")).await;
    assert_eq!(form.status, 200, "{}", form.html);
    assert_eq!(visitor.get(&address("tracking page")).await.status, 200);
    assert_eq!(address("sign in"), "/login");
    assert_eq!(address("client portal"), "/portal");
    let dashboard = browser.get(&address("analytics dashboard")).await;
    assert_eq!(dashboard.status, 200, "{}", dashboard.html);
    assert!(
        !dashboard.html.contains("No visits in this period yet"),
        "{}",
        dashboard.html
    );
    let experiments = address("analytics dashboard").replace("/analytics", "/experiments");
    let experiments = browser.get(&experiments).await;
    assert!(
        experiments.html.contains("Hero headline"),
        "{}",
        experiments.html
    );
    assert!(
        experiments.html.contains("<td>running</td>"),
        "{}",
        experiments.html
    );
    demo.stop().await;

    // Never on an installation with data.
    let again = run_leadvault(
        leadvault_bin(),
        dir.path(),
        &["demo", "--listen", "127.0.0.1:0"],
        &[],
        None,
    )
    .await;
    assert!(!again.status.success());
    assert!(
        again.stderr.contains("already has an organization"),
        "{}",
        again.stderr
    );
}

/// Where the screenshots go: `docs/screenshots` when `LV_UPDATE_SCREENSHOTS=1` (to refresh
/// the ones the README shows), a temporary directory otherwise, so that a test run never
/// changes the checkout.
fn screenshot_dir(temporary: &std::path::Path) -> PathBuf {
    if std::env::var("LV_UPDATE_SCREENSHOTS").as_deref() == Ok("1") {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots")
    } else {
        temporary.to_owned()
    }
}

#[tokio::test]
async fn screenshots_of_the_main_pages_are_taken_from_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let (mut demo, addr) = start_demo(dir.path()).await;
    let stdout = printed_addresses(&demo).await;
    let printed = accounts(&stdout);
    let client = leadvault_test_support::http_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (owner, key) = person(&printed, "owner");
    let mut owner_browser = Browser::at(&client, addr);
    owner_browser.sign_in_with_password(&owner).await;
    let done = owner_browser.second_factor(&next_code(&key.unwrap())).await;
    assert_eq!(done.location(), Some("/"), "{done:?}");
    let lead = crate::leads::listed_leads(&owner_browser.get("/leads").await)[0].clone();
    let order = owner_browser
        .get("/orders")
        .await
        .attributes("tbody a", "href")[0]
        .clone();
    let (client_person, _) = person(&printed, "client");
    let mut client_browser = Browser::at(&client, addr);
    client_browser.sign_in_with_password(&client_person).await;

    let out = screenshot_dir(dir.path());
    std::fs::create_dir_all(&out).unwrap();
    let base = format!("http://{addr}");
    let pages: Vec<(&Browser<'_>, &str, String)> = vec![
        (&owner_browser, "home", "/".to_owned()),
        (&owner_browser, "inbox", "/leads".to_owned()),
        (&owner_browser, "lead", format!("/leads/{lead}")),
        (&owner_browser, "orders", "/orders".to_owned()),
        (&owner_browser, "order", order),
        (
            &owner_browser,
            "analytics",
            address(&stdout, "analytics dashboard", addr),
        ),
        (
            &owner_browser,
            "experiments",
            address(&stdout, "analytics dashboard", addr).replace("/analytics", "/experiments"),
        ),
        (
            &owner_browser,
            "intake-settings",
            "/settings/intake".to_owned(),
        ),
        (&client_browser, "portal", "/portal".to_owned()),
        (
            &client_browser,
            "public-form",
            address(&stdout, "public consultation form", addr),
        ),
    ];
    let chromium = Chromium::start(&[]).await;
    chromium.resize(1280, 1000).await;
    let mut session = None;
    for (browser, name, path) in pages {
        let cookie = browser.cookie("lv_session").unwrap().to_owned();
        if session.as_deref() != Some(cookie.as_str()) {
            chromium.goto(&format!("{base}/login")).await;
            chromium.set_cookie("lv_session", &cookie).await;
            session = Some(cookie);
        }
        chromium.goto(&format!("{base}{path}")).await;
        chromium
            .wait_until("return document.readyState === 'complete';")
            .await;
        let png = chromium.screenshot().await;
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name} is a PNG");
        assert!(
            png.len() > 10_000,
            "{name} shows a page ({} bytes)",
            png.len()
        );
        let title = chromium.run("return document.title;").await;
        assert!(
            !title.as_str().unwrap_or_default().contains("rror"),
            "{name}: {title}"
        );
        std::fs::write(out.join(format!("{name}.png")), png).unwrap();
    }
    chromium.close().await;
    demo.stop().await;
}
