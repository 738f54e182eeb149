//! Webhooks: an organization's endpoint hears of new leads and status changes, signed as
//! Standard Webhooks says, with ids and statuses only, retried until it answers 2xx.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use leadvault_audit::Chain;
use leadvault_store::{Timestamp, sqlx};
use leadvault_test_support::forms::NAME_AND_CONSENT;
use leadvault_test_support::{Engine, ReceivedHook, TestApp, WebhookReceiver, both_engines};
use leadvault_webhooks::{WebhookClient, deliver_due};

/// Checks the signature as a receiver would, from the specification alone.
fn signed_with(hook: &ReceivedHook, secret: &str) -> bool {
    let key = STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .unwrap();
    let signed = format!(
        "{}.{}.{}",
        hook.headers["webhook-id"], hook.headers["webhook-timestamp"], hook.body
    );
    let tag = ring::hmac::sign(
        &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key),
        signed.as_bytes(),
    );
    hook.headers["webhook-signature"] == format!("v1,{}", STANDARD.encode(tag.as_ref()))
}

#[both_engines]
async fn an_endpoint_hears_of_leads_signed_without_personal_data_until_it_answers(engine: Engine) {
    // The firm's system fails the first time.
    let receiver = WebhookReceiver::start(&[500]).await;
    let app = TestApp::start(engine).await;
    let (ana, mut owner, _) = app.signed_in_owner("ana@lima.law").await;
    let form = app.form(ana.org_id, NAME_AND_CONSENT).await;

    let settings = owner.get("/settings/intake").await;
    let refused = owner
        .submit(
            &settings,
            "/settings/intake/webhooks",
            &[("url", "ftp://crm.example/x")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.html.contains("an endpoint must be https://"),
        "{}",
        refused.html
    );
    let added = owner
        .submit(
            &settings,
            "/settings/intake/webhooks",
            &[("url", &receiver.url())],
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.html);
    let secret = added.code_with_class("signing-secret");
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert!(
        !owner.get("/settings/intake").await.html.contains(&secret),
        "the secret is shown once"
    );
    let stored: Vec<u8> = sqlx::query_scalar("SELECT secret FROM webhook_endpoints")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(
        !stored
            .windows(8)
            .any(|w| secret.as_bytes().windows(8).any(|s| s == w)),
        "stored encrypted"
    );
    assert_eq!(
        app.audited(Chain::Org(ana.org_id), "webhook.endpoint_added")
            .await
            .len(),
        1
    );

    // A new lead: the endpoint answers 500 first; the retry, due later, is delivered.
    let mut visitor = app.browser();
    let page = visitor.get(&format!("/f/{}", form.id)).await;
    let token = page.hidden("_token");
    let sent = visitor
        .post(
            &format!("/f/{}", form.id),
            &[
                ("_token", token.as_str()),
                ("name", "Marisol Quintana"),
                ("agree", "yes"),
            ],
        )
        .await;
    assert_eq!(sent.status, 200);
    let lead: String = sqlx::query_scalar("SELECT id FROM leads")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    receiver.wait_for(1).await;
    // The server's deliverer records the failure after the endpoint has answered (waited
    // for, up to 30 s, as a loaded machine can be slow to record it).
    let mut attempts = 0_i64;
    for _ in 0..300 {
        attempts = sqlx::query_scalar("SELECT attempts FROM webhook_deliveries")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        if attempts == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(attempts, 1, "the first failure is recorded");
    let later = Timestamp::now().saturating_add(std::time::Duration::from_secs(120));
    let round = deliver_due(&app.db, &app.keyring, &WebhookClient::new(true), later, 10)
        .await
        .unwrap();
    assert_eq!(round.delivered, 1, "{round:?}");
    let hooks = receiver.received();
    assert_eq!(hooks.len(), 2);
    assert_eq!(
        hooks[0].headers["webhook-id"], hooks[1].headers["webhook-id"],
        "a retry is the same message"
    );
    for hook in &hooks {
        assert!(signed_with(hook, &secret), "{hook:?}");
        assert!(
            !hook.body.contains("Marisol"),
            "no personal data: {}",
            hook.body
        );
    }
    let body: serde_json::Value = serde_json::from_str(&hooks[1].body).unwrap();
    assert_eq!(body["type"], "lead.created");
    assert_eq!(body["data"]["lead_id"], lead.as_str());
    assert_eq!(body["data"]["status"], "new");

    // A status change is heard too.
    let path = format!("/leads/{lead}");
    let lead_page = owner.get(&path).await;
    owner
        .submit(
            &lead_page,
            &format!("{path}/status"),
            &[("status", "contacted")],
        )
        .await;
    let hooks = receiver.wait_for(3).await;
    let body: serde_json::Value = serde_json::from_str(&hooks[2].body).unwrap();
    assert_eq!(
        (body["type"].as_str(), body["data"]["status"].as_str()),
        (Some("lead.status_changed"), Some("contacted"))
    );
    assert!(signed_with(&hooks[2], &secret));
    let listed = owner.get("/settings/intake").await;
    assert!(
        listed.html.contains("lead.status_changed") && listed.html.contains("delivered"),
        "{}",
        listed.html
    );

    // Only the organization removes its endpoint; then nothing more is sent.
    let id: String = sqlx::query_scalar("SELECT id FROM webhook_endpoints")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let (_, mut bo, _) = app.signed_in_owner("bo@nyx.law").await;
    let bo_page = bo.get("/settings/intake").await;
    assert_eq!(
        bo.submit(
            &bo_page,
            &format!("/settings/intake/webhooks/{id}/remove"),
            &[]
        )
        .await
        .status,
        404
    );
    let removed = owner
        .submit(
            &listed,
            &format!("/settings/intake/webhooks/{id}/remove"),
            &[],
        )
        .await;
    assert_eq!(removed.location(), Some("/settings/intake"));
    assert_eq!(
        app.audited(Chain::Org(ana.org_id), "webhook.endpoint_removed")
            .await
            .len(),
        1
    );
}
