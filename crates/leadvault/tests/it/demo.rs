//! `leadvault demo`: a fresh installation with a demo firm whose every role can sign in with
//! the details printed once, then served; never on an installation that has data.

use leadvault_accounts::{OrgId, TotpSecret, UserId};
use leadvault_test_support::{Browser, LeadvaultProcess, TestPerson, next_code, run_leadvault};

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

#[tokio::test]
async fn the_demo_seeds_a_firm_whose_every_role_can_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut demo = LeadvaultProcess::spawn(
        leadvault_bin(),
        dir.path(),
        &["demo", "--listen", "127.0.0.1:0"],
        &[],
    );
    let addr = demo.listening().await;
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

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let sign_in = |role: &str| {
        let (_, email, password, key) = printed.iter().find(|a| a.0 == role).unwrap().clone();
        (
            TestPerson {
                email,
                password,
                user_id: UserId::random(),
                org_id: OrgId::random(),
            },
            key.map(|k| TotpSecret::from_base32(&k).unwrap()),
        )
    };

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
    let stdout = demo.stdout();
    let address = |what: &str| -> String {
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(what))
            .unwrap_or_else(|| panic!("no {what} in {stdout}"));
        let url = line.split_whitespace().last().unwrap();
        let path = url.strip_prefix(&format!("http://{addr}")).unwrap();
        path.to_owned()
    };
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
