//! Payments through Stripe, with no card data on Leadvault's side: an organization connects
//! its own Stripe account ([`connect_stripe`], secrets sealed by the keyring), sets prices
//! ([`PriceList`]), sends customers to Stripe's hosted Checkout ([`start_checkout`]), learns
//! the outcome from Stripe's signed webhooks ([`receive_event`], [`apply_event`]: each event
//! once, forward only, the session fetched back before anything is marked paid), and
//! refunds ([`refund_payment`]). Stripe ids, amounts, currencies and states are all it
//! stores. Knows nothing of HTTP requests to Leadvault; it makes its own calls to Stripe
//! ([`Stripe`]) through the installation's one HTTP client.

mod account;
mod actions;
mod checkout;
mod error;
mod events;
mod ledger;
mod migrations;
mod money;
mod payment;
mod plans;
mod prices;
mod refunds;
mod secrets;
pub mod signature;
mod stripe;

pub use account::{
    Connect, KEY_COLUMN, ROTATION_GRACE_MICROS, SIGNING_SECRET_COLUMN, StripeAccount,
    connect_stripe, disconnect_stripe, stripe_account,
};
pub use actions::PaymentAction;
pub use checkout::{CheckoutRequest, close_checkouts, start_checkout};
pub use error::PaymentError;
pub use events::{Applied, PendingChange, Received, STRIPE_ACTOR, apply_event, receive_event};
pub use ledger::{find_payment, payments_of, recent_payments};
pub use migrations::MIGRATIONS;
pub use money::{AmountError, Currency, MAX_MINOR, Money};
pub use payment::{Payment, PaymentState, Subject};
pub use plans::{
    OperatorBilling, OrgPlan, Plan, PlanUpdate, Standing, SubscriptionStatus, billing_portal,
    org_plan, receive_plan_event, subscribe,
};
pub use prices::{JOB_FIELD, PriceList, consultation_fee, price_list, set_prices};
pub use refunds::refund_payment;
pub use secrets::{Mode, SecretError, SecretKey, SigningSecret};
pub use stripe::{NewSession, Refund, STRIPE_API, Session, Stripe, StripeError, Subscription};
