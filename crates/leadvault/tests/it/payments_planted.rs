//! No card data and no Stripe secret anywhere on Leadvault's side: the real binary (the
//! demo firm) is connected to the Stripe stand-in with planted keys, a client pays a work
//! order typing planted card details on Stripe's page, the owner refunds part of it; then
//! every file of the installation (databases, their WAL, documents), everything the process
//! printed (its logs at debug level), the pages shown and every e-mail it sent (to a real
//! SMTP server) are searched for each planted value.

use leadvault_accounts::{OrgId, TotpSecret, UserId};
use leadvault_test_support::{
    Browser, Haystack, LeadvaultProcess, SmtpSink, StripeStandIn, TestPerson, files_under,
    next_code, planted_in,
};

use crate::leadvault_bin;

const KEY: &str = "rk_test_51PlantedRestrictedKey8831";
const SIGNING_SECRET: &str = "whsec_PlantedSigningSecret55214";
const CARD_NUMBER: &str = "4000056655665556";
const CARD_SPACED: &str = "4000 0566 5566 5556";
const EXPIRY: &str = "09/38";
const CARDHOLDER: &str = "Planted Cardholder Wolcott";

/// The demo's printed (e-mail, password, authenticator key) of `role`.
fn account(stdout: &str, role: &str) -> (TestPerson, Option<TotpSecret>) {
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{role} ")) && l.contains("password"))
        .unwrap_or_else(|| panic!("no {role} in {stdout}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let key = line
        .split("authenticator key ")
        .nth(1)
        .map(|k| TotpSecret::from_base32(k.trim()).unwrap());
    let person = TestPerson {
        email: words[1].to_owned(),
        password: words[3].to_owned(),
        user_id: UserId::random(),
        org_id: OrgId::random(),
    };
    (person, key)
}

#[tokio::test]
async fn no_card_data_or_stripe_secret_is_kept_logged_or_shown() {
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let smtp = sink.url();
    let stand_in = StripeStandIn::start().await;
    stand_in.add_account("acct_planted", KEY);
    let dir = tempfile::tempdir().unwrap();
    let api = stand_in.api_url().to_string();
    let mut demo = LeadvaultProcess::spawn(
        leadvault_bin(),
        dir.path(),
        &["demo", "--listen", "127.0.0.1:0"],
        &[
            ("LEADVAULT_STRIPE_API_URL", api.as_str()),
            ("LEADVAULT_LOG_LEVEL", "debug"),
            ("LEADVAULT_MAIL_SMTP_URL", smtp.as_str()),
            (
                "LEADVAULT_MAIL_FROM",
                "Leadvault <noreply@lima-law.example>",
            ),
            ("LEADVAULT_PUBLIC_URL", "https://intake.lima-law.example"),
        ],
    );
    let addr = demo.listening().await;
    let http = leadvault_test_support::http_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // The owner connects Stripe with the planted key and secret, and prices a job.
    let (owner, key) = account(&demo.stdout(), "owner");
    let mut browser = Browser::at(&http, addr);
    browser.sign_in_with_password(&owner).await;
    browser.second_factor(&next_code(&key.unwrap())).await;
    let page = browser.get("/settings/payments").await;
    let org = page
        .html
        .split("/stripe/webhooks/")
        .nth(1)
        .and_then(|rest| rest.get(..36))
        .unwrap()
        .to_owned();
    stand_in.send_webhooks(
        "acct_planted",
        &format!("http://{addr}/stripe/webhooks/{org}"),
        SIGNING_SECRET,
    );
    let connected = browser
        .submit(
            &page,
            "/settings/payments/stripe",
            &[("secret_key", KEY), ("signing_secret", SIGNING_SECRET)],
        )
        .await;
    assert!(connected.html.contains("Test mode"), "{}", connected.html);
    let page = browser.get("/settings/payments").await;
    let priced = browser
        .submit(
            &page,
            "/settings/payments/prices",
            &[
                ("currency", "usd"),
                ("job", "Service of process"),
                ("job_price", "150"),
            ],
        )
        .await;
    assert!(priced.html.contains("Prices saved"), "{}", priced.html);

    // The client orders and pays on Stripe's page with planted card details.
    let (client, _) = account(&demo.stdout(), "client");
    let mut portal = Browser::at(&http, addr);
    portal.sign_in_with_password(&client).await;
    let listed = portal.get("/portal").await;
    let form = listed.link_to("/portal/orders/new/");
    let form = form.trim_start_matches("/portal/orders/new/").to_owned();
    let placed = portal
        .place_order(
            &form,
            &[("job", "Service of process"), ("party", "R. Roe")],
            &[],
        )
        .await;
    let checkout = placed.location().expect("sent to Stripe").to_owned();
    assert!(
        checkout.starts_with(&api.trim_end_matches('/').to_string()),
        "{checkout}"
    );
    let paid = http
        .post(format!("{checkout}/pay"))
        .form(&[
            ("card_number", CARD_SPACED),
            ("exp", EXPIRY),
            ("cvc", "737"),
            ("cardholder", CARDHOLDER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 303);
    assert_eq!(stand_in.cards().len(), 1, "Stripe has the card");
    let order = paid.headers()["location"].to_str().unwrap().to_owned();
    let order = order.split("/portal/orders/").nth(1).unwrap().to_owned();
    let shown = portal.get(&format!("/portal/orders/{order}")).await;
    assert!(shown.html.contains("Paid"), "{}", shown.html);

    // The owner refunds part of it.
    let staff_page = browser.get(&format!("/orders/{order}")).await;
    let refund = staff_page.form_to("/payments/");
    let refunded = browser
        .submit(&staff_page, &refund, &[("amount", "20"), ("back", "order")])
        .await;
    assert_eq!(refunded.status, 303, "{}", refunded.html);
    let pages = [
        connected.html,
        shown.html,
        browser.get(&format!("/orders/{order}")).await.html,
        browser.get("/payments").await.html,
        browser.get("/audit").await.html,
    ];
    // The client hears the order was paid (the e-mail that would carry an amount, if any).
    let paid_notice = sink.wait_for_recipient(&client.email).await;
    assert!(
        paid_notice.subject.contains("Paid"),
        "{}",
        paid_notice.subject
    );
    demo.stop().await;

    let mut haystacks = files_under(dir.path());
    for mail in sink.messages() {
        haystacks.push(Haystack {
            name: format!("e-mail to {}: {}", mail.to, mail.subject),
            bytes: mail.raw.into_bytes(),
        });
    }
    haystacks.push(Haystack {
        name: "stdout".into(),
        bytes: demo.stdout().into_bytes(),
    });
    haystacks.push(Haystack {
        name: "stderr (the logs)".into(),
        bytes: demo.stderr().into_bytes(),
    });
    for (n, html) in pages.into_iter().enumerate() {
        haystacks.push(Haystack {
            name: format!("page {n}"),
            bytes: html.into_bytes(),
        });
    }
    assert!(
        demo.stderr().contains("/stripe/webhooks/"),
        "Stripe's webhooks were logged (without what they carried)"
    );
    let needles: Vec<String> = [
        KEY,
        SIGNING_SECRET,
        CARD_NUMBER,
        CARD_SPACED,
        EXPIRY,
        CARDHOLDER,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let found = planted_in(&haystacks, &needles);
    assert!(found.is_empty(), "planted values kept: {found:?}");
}
