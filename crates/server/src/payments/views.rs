//! The payments pages' view models.

use askama::Template;

use crate::web::shell::Shell;

/// A job type's or a consultation form's price, as the settings form shows it.
#[derive(Debug)]
pub struct PriceRow {
    /// The job's name, or the form's id.
    pub item: String,
    pub label: String,
    /// As typed ("125.00"); empty for no price.
    pub amount: String,
}

#[derive(Template)]
#[template(path = "payments/settings.html")]
pub struct PaymentSettingsPage {
    pub shell: Option<Shell>,
    pub csrf: String,
    /// Something was refused (the page is answered 422).
    pub status_error: bool,
    pub error: Option<String>,
    pub notice: Option<String>,
    /// "test" or "live" when connected.
    pub mode: Option<&'static str>,
    pub connected_at: String,
    pub signing_secrets: usize,
    /// The address to give Stripe for this organization's webhooks.
    pub webhook_url: String,
    pub currency: String,
    pub rush_surcharge: String,
    pub jobs: Vec<PriceRow>,
    pub consultations: Vec<PriceRow>,
}

/// A payment as listed on an order's or a lead's page.
#[derive(Debug)]
pub struct PaymentRow {
    pub id: String,
    pub started: String,
    pub amount: String,
    pub state: &'static str,
    /// "USD 20.00 refunded", when any was.
    pub refunded: Option<String>,
    /// What may still be refunded, as typed ("80.00"); empty when nothing may.
    pub refundable: String,
}

/// The payment part of an order's or a lead's page.
#[derive(Debug, Default)]
pub struct PaymentPanel {
    pub rows: Vec<PaymentRow>,
    /// What is still to pay ("USD 125.00"), when the customer may pay now.
    pub due: Option<String>,
    /// The page's viewer may pay (the client of the order).
    pub may_pay: bool,
    /// The page's viewer has billing, so may refund.
    pub may_refund: bool,
    /// Where a refund form sends the viewer back (`order` or `lead`).
    pub back: &'static str,
    /// Why paying did not start, when it did not.
    pub problem: Option<String>,
}

/// A payment in the organization's list.
#[derive(Debug)]
pub struct PaymentListRow {
    /// "Work order" or "Consultation fee".
    pub what: &'static str,
    /// The record's page, for a viewer who may open it.
    pub href: Option<String>,
    pub payment: PaymentRow,
}

#[derive(Template)]
#[template(path = "payments/payments.html")]
pub struct PaymentsPage {
    pub shell: Option<Shell>,
    pub csrf: String,
    pub connected: bool,
    pub test_mode: bool,
    pub rows: Vec<PaymentListRow>,
    /// The next page's address, when there is one.
    pub older: Option<String>,
    /// This is not the first page.
    pub newest: bool,
}

/// Where a visitor who paid a consultation fee lands.
#[derive(Template)]
#[template(path = "payments/fee_paid.html")]
pub struct FeePaidPage {
    /// The form's name.
    pub name: String,
}

/// A plan the operator sells, as offered.
#[derive(Debug)]
pub struct PlanOption {
    pub id: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "payments/plan.html")]
pub struct PlanPage {
    pub shell: Option<Shell>,
    pub csrf: String,
    pub error: Option<String>,
    /// The plan's name, once subscribed.
    pub current: Option<String>,
    /// The subscription's status as Stripe last said it.
    pub status: Option<&'static str>,
    /// What the organization may do, in a sentence.
    pub standing: String,
    /// When the current period ends (and renews).
    pub renews: Option<String>,
    pub plans: Vec<PlanOption>,
    /// Not in good standing: a plan may be chosen.
    pub may_subscribe: bool,
    /// A Stripe customer exists: the customer portal opens.
    pub has_portal: bool,
}
