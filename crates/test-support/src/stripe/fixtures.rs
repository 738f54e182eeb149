//! Connecting a test's organization to the stand-in and pricing its work, as an owner does
//! on the settings page.

use super::StripeStandIn;

impl crate::TestApp {
    /// Connects the signed-in owner's organization `org` to the stand-in's account
    /// `account` (opened by `key`, webhooks signed with `secret`) through the settings page,
    /// as an owner would, and sends that account's webhooks to the organization's endpoint.
    pub async fn connect_stripe(
        &self,
        owner: &mut crate::Browser<'_>,
        stand_in: &StripeStandIn,
        org: leadvault_store::OrgId,
        (account, key, secret): (&str, &str, &str),
    ) {
        stand_in.add_account(account, key);
        stand_in.send_webhooks(
            account,
            &self.url(&format!("/stripe/webhooks/{org}")),
            secret,
        );
        let page = owner.get("/settings/payments").await;
        assert_eq!(page.status, 200, "{}", page.html);
        let connected = owner
            .submit(
                &page,
                "/settings/payments/stripe",
                &[("secret_key", key), ("signing_secret", secret)],
            )
            .await;
        assert_eq!(connected.status, 200, "{}", connected.html);
        assert!(
            connected.html.contains("Stripe is connected"),
            "{}",
            connected.html
        );
    }

    /// Sets the organization's prices through the settings page: `jobs` as (job type,
    /// amount), a rush surcharge, in `currency`.
    pub async fn set_prices(
        &self,
        owner: &mut crate::Browser<'_>,
        currency: &str,
        rush: &str,
        jobs: &[(&str, &str)],
    ) -> crate::Page {
        let page = owner.get("/settings/payments").await;
        let mut fields = vec![("currency", currency), ("rush_surcharge", rush)];
        for (job, amount) in jobs {
            fields.push(("job", job));
            fields.push(("job_price", amount));
        }
        owner
            .submit(&page, "/settings/payments/prices", &fields)
            .await
    }
}

/// The stand-in's first account, as `connect_stripe` takes it: (account, key, secret).
pub const STRIPE_ACCOUNT: (&str, &str, &str) = (
    "acct_one",
    super::STRIPE_TEST_KEY,
    super::STRIPE_SIGNING_SECRET,
);

/// A firm that takes payments: an owner signed in, Stripe connected (the stand-in's first
/// account), "Service of process" at 125.00, "Court filing" without a price, a rush
/// surcharge of 50.00; a work-order form (job, due date, rush, party) and a client of the
/// portal, signed in.
#[derive(Debug)]
pub struct PayingFirm<'a> {
    pub owner: crate::TestPerson,
    pub owner_browser: crate::Browser<'a>,
    pub client: crate::Browser<'a>,
    /// The work-order form's id.
    pub form: String,
}

impl PayingFirm<'_> {
    /// The client places a rush order for `job`; the answer (for a priced job, a redirect
    /// to Stripe's page).
    pub async fn order(&mut self, job: &str) -> crate::Page {
        self.client
            .place_order(
                &self.form,
                &[("job", job), ("rush", "yes"), ("party", "Quentin Marlowe")],
                &[],
            )
            .await
    }
}

impl crate::TestApp {
    /// A [`PayingFirm`] on this app, connected to `stand_in`.
    pub async fn paying_firm(&self, stand_in: &StripeStandIn) -> PayingFirm<'_> {
        let (owner, mut owner_browser, _) = self.signed_in_owner("ana@spectrum.legal").await;
        let form = self
            .form(owner.org_id, crate::forms::WORK_ORDER_WITH_DUE_DATE)
            .await;
        self.connect_stripe(&mut owner_browser, stand_in, owner.org_id, STRIPE_ACCOUNT)
            .await;
        let prices = self
            .set_prices(
                &mut owner_browser,
                "usd",
                "50",
                &[("Service of process", "125.00"), ("Court filing", "")],
            )
            .await;
        assert!(prices.html.contains("Prices saved"), "{}", prices.html);
        let person = self.customer(&owner, "dee@client.example").await;
        let (client, _) = self.signed_in(&person).await;
        PayingFirm {
            owner,
            owner_browser,
            client,
            form: form.id.to_string(),
        }
    }

    /// The id of the one work order in the test's database.
    pub async fn only_order(&self) -> String {
        leadvault_store::sqlx::query_scalar("SELECT id FROM work_orders")
            .fetch_one(self.db.pool())
            .await
            .unwrap()
    }

    /// Every payment's state, in the order they were started.
    pub async fn payment_states(&self) -> Vec<String> {
        leadvault_store::sqlx::query_scalar(
            "SELECT state FROM payments ORDER BY created_at, attempt",
        )
        .fetch_all(self.db.pool())
        .await
        .unwrap()
    }

    /// Posts `body` to `org`'s Stripe endpoint with the header `signature`; the status.
    pub async fn post_stripe_webhook(&self, org: &str, body: &str, signature: &str) -> u16 {
        self.client
            .post(self.url(&format!("/stripe/webhooks/{org}")))
            .header("stripe-signature", signature)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

impl StripeStandIn {
    /// The session id of a redirect to the stand-in's hosted page.
    pub fn session_of(&self, page: &crate::Page) -> String {
        let location = page.location().expect("a redirect");
        location
            .strip_prefix(&format!("http://{}/checkout/", self.addr))
            .filter(|id| id.starts_with("cs_"))
            .unwrap_or_else(|| panic!("not Stripe's page: {location}"))
            .to_owned()
    }
}

/// Now, in unix seconds, as Stripe's signatures count time.
pub fn unix_now() -> i64 {
    leadvault_store::Timestamp::now().as_unix_micros() / 1_000_000
}
