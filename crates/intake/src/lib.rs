//! Intake: what people send a firm (consultation answers, work orders) and what the firm does
//! with it. Knows nothing of HTTP.
//!
//! Built so far: form definitions and answer checking ([`form`]), the prohibited-data guard
//! ([`guard`]) and tracking codes ([`TrackingCode`]).

pub mod form;
pub mod guard;
mod tracking;

pub use tracking::{NotATrackingCode, TrackingCode};
