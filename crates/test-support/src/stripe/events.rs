//! What Stripe does on its own and tells by webhook: a customer paying on the hosted page,
//! a delayed payment settling, a session expiring, a refund in the dashboard, a
//! subscription changing; and events made, signed and delivered as Stripe does.

use serde_json::{Value, json};

use super::{StripeStandIn, now};
use leadvault_payments::SigningSecret;

impl StripeStandIn {
    /// The customer paid on the hosted page: the session completes (`paid`, or `unpaid`
    /// for a payment method that settles later) and Stripe sends
    /// `checkout.session.completed`; a subscription's session also starts the
    /// subscription (`customer.subscription.created`). The event's answer status, if sent.
    pub async fn complete(&self, id: &str, settles_later: bool) -> Option<u16> {
        if self.session(id)["mode"] == json!("subscription") {
            return self.start_subscription(id).await;
        }
        let intent = {
            let mut shared = self.shared.lock().unwrap();
            shared.next_id("pi")
        };
        let (account, session) = self.update_session(id, |s| {
            s["status"] = json!("complete");
            s["payment_status"] = json!(if settles_later { "unpaid" } else { "paid" });
            s["payment_intent"] = json!(intent);
            s["url"] = Value::Null;
        });
        if !settles_later {
            self.charge(&intent, &session);
        }
        self.send_event(&account, "checkout.session.completed", session)
            .await
    }

    fn charge(&self, intent: &str, session: &Value) {
        let mut shared = self.shared.lock().unwrap();
        let id = shared.next_id("ch");
        shared.charges.insert(
            intent.to_owned(),
            json!({
                "id": id, "object": "charge", "payment_intent": intent,
                "amount": session["amount_total"], "amount_refunded": 0, "refunded": false,
                "currency": session["currency"],
                "metadata": session["metadata"],
            }),
        );
    }

    async fn start_subscription(&self, id: &str) -> Option<u16> {
        let session = self.session(id);
        let sub = {
            let mut shared = self.shared.lock().unwrap();
            shared.next_id("sub")
        };
        let account = self.shared.lock().unwrap().sessions[id].0.clone();
        let subscription = json!({
            "id": sub, "object": "subscription", "customer": session["customer"],
            "status": "active", "metadata": session["subscription_metadata"],
            "items": {"object": "list", "data": [{
                "id": "si_1", "object": "subscription_item",
                "price": {"id": session["price"], "object": "price"},
                "current_period_end": now() + 30 * 24 * 3600,
            }]},
        });
        self.shared
            .lock()
            .unwrap()
            .subscriptions
            .insert(sub.clone(), (account.clone(), subscription.clone()));
        let (_, session) = self.update_session(id, |s| {
            s["status"] = json!("complete");
            s["payment_status"] = json!("paid");
            s["subscription"] = json!(sub);
            s["url"] = Value::Null;
        });
        self.send_event(&account, "checkout.session.completed", session)
            .await;
        self.send_event(&account, "customer.subscription.created", subscription)
            .await
    }

    /// A subscription made on `account` some other way (its dashboard, say).
    pub fn add_subscription(&self, account: &str, subscription: Value) {
        let id = subscription["id"].as_str().unwrap().to_owned();
        self.shared
            .lock()
            .unwrap()
            .subscriptions
            .insert(id, (account.to_owned(), subscription));
    }

    /// Every subscription, oldest first.
    pub fn subscriptions(&self) -> Vec<Value> {
        self.shared
            .lock()
            .unwrap()
            .subscriptions
            .values()
            .map(|(_, s)| s.clone())
            .collect()
    }

    /// The subscription moved to `status` (a renewal failed: `past_due`; it ended:
    /// `canceled`, then `customer.subscription.deleted`), and Stripe says so.
    pub async fn set_subscription_status(&self, id: &str, status: &str) -> Option<u16> {
        let (account, subscription) = {
            let mut shared = self.shared.lock().unwrap();
            let (account, subscription) = shared.subscriptions.get_mut(id).expect("a subscription");
            subscription["status"] = json!(status);
            (account.clone(), subscription.clone())
        };
        let kind = if status == "canceled" {
            "customer.subscription.deleted"
        } else {
            "customer.subscription.updated"
        };
        self.send_event(&account, kind, subscription).await
    }

    /// A delayed payment settled (`succeeded`) or failed.
    pub async fn settle(&self, id: &str, succeeded: bool) -> Option<u16> {
        let (account, session) = self.update_session(id, |s| {
            if succeeded {
                s["payment_status"] = json!("paid");
            }
        });
        if succeeded {
            let intent = session["payment_intent"].as_str().unwrap().to_owned();
            self.charge(&intent, &session);
        }
        let kind = if succeeded {
            "checkout.session.async_payment_succeeded"
        } else {
            "checkout.session.async_payment_failed"
        };
        self.send_event(&account, kind, session).await
    }

    /// The session expired unpaid (Stripe's 24 hours, at once).
    pub async fn expire(&self, id: &str) -> Option<u16> {
        let (account, session) = self.update_session(id, |s| {
            s["status"] = json!("expired");
            s["url"] = Value::Null;
        });
        self.send_event(&account, "checkout.session.expired", session)
            .await
    }

    /// A refund made in Stripe's dashboard: `charge.refunded` follows.
    pub async fn refund_in_dashboard(&self, intent: &str, amount: i64) -> Option<u16> {
        let (account, charge) = self.refund(intent, amount).unwrap();
        self.send_event(&account, "charge.refunded", charge).await
    }

    pub(super) fn refund(
        &self,
        intent: &str,
        amount: i64,
    ) -> Result<(String, Value), &'static str> {
        let mut shared = self.shared.lock().unwrap();
        let account = shared
            .sessions
            .values()
            .find(|(_, s)| s["payment_intent"] == json!(intent))
            .map(|(a, _)| a.clone())
            .ok_or("No such payment_intent")?;
        let charge = shared
            .charges
            .get_mut(intent)
            .ok_or("This payment has not been charged")?;
        let left = charge["amount"].as_i64().unwrap() - charge["amount_refunded"].as_i64().unwrap();
        if amount > left {
            return Err("Refund amount is greater than the unrefunded amount on the charge");
        }
        let refunded = charge["amount_refunded"].as_i64().unwrap() + amount;
        charge["amount_refunded"] = json!(refunded);
        charge["refunded"] = json!(refunded == charge["amount"].as_i64().unwrap());
        Ok((account, charge.clone()))
    }

    /// An event of `account` with `object`, as Stripe makes it (not sent).
    pub fn event(&self, kind: &str, object: Value) -> Value {
        let id = self.shared.lock().unwrap().next_id("evt");
        json!({
            "id": id, "object": "event", "api_version": "2025-03-31.basil",
            "created": now(), "livemode": false, "pending_webhooks": 1,
            "type": kind, "data": {"object": object},
        })
    }

    /// `body` signed as Stripe signs it, at `timestamp`, with `secret`.
    pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
        leadvault_payments::signature::sign(&SigningSecret::parse(secret).unwrap(), timestamp, body)
    }

    /// Makes an event and sends it to `account`'s endpoint; the answer's status.
    pub async fn send_event(&self, account: &str, kind: &str, object: Value) -> Option<u16> {
        let event = self.event(kind, object);
        self.deliver(account, &event).await
    }

    /// Sends `event` (again, perhaps) to `account`'s endpoint, signed now.
    pub async fn deliver(&self, account: &str, event: &Value) -> Option<u16> {
        let (url, secret) = self
            .shared
            .lock()
            .unwrap()
            .account_settings
            .get(account)?
            .webhook
            .clone()?;
        let body = event.to_string();
        let signature = Self::signature(&secret, now(), body.as_bytes());
        let answer = crate::http_client()
            .post(url)
            .header("content-type", "application/json; charset=utf-8")
            .header("stripe-signature", signature)
            .body(body)
            .send()
            .await
            .ok()?;
        Some(answer.status().as_u16())
    }
}
