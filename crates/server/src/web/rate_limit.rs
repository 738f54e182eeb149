//! Rate limits (GCRA, via `governor`), keyed per client IP or per account, in memory only.
//! Every limit answers 429 with `Retry-After` when exhausted.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use leadvault_accounts::{Backoff, BackoffPolicy, UserId};
use leadvault_store::Timestamp;

use crate::web::error::AppError;

/// A keyed limiter that forgets idle keys now and then, so memory stays bounded.
#[derive(Debug)]
pub struct Limit<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    checks: AtomicU32,
}

const PRUNE_EVERY: u32 = 4096;

impl<K: Hash + Eq + Clone> Limit<K> {
    /// `burst` requests at once, then one more every `period`.
    pub fn new(burst: u32, period: Duration) -> Self {
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period.max(Duration::from_millis(1)))
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Self {
            limiter: RateLimiter::keyed(quota),
            checks: AtomicU32::new(0),
        }
    }

    /// Takes one request's worth from `key`'s allowance, or says how long to wait.
    pub fn check(&self, key: &K) -> Result<(), AppError> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::RateLimited(wait)
        })
    }
}

/// Every limit the application enforces. Endpoints added by later features (password
/// reset, invitations, tracking codes, public forms, analytics) add theirs here; the table in
/// `docs/SECURITY.md` lists them all.
#[derive(Debug)]
pub struct RateLimits {
    /// First-run setup pages, per client IP: a setup attempt costs an Argon2 hash.
    pub setup: Limit<IpAddr>,
    /// Invitation links opened or accepted, per client IP: acceptance costs an Argon2 hash.
    pub invitation: Limit<IpAddr>,
    /// Password reset pages, per client IP.
    pub password_reset: Limit<IpAddr>,
    /// Reset links asked for, per address typed (its SHA-256): nobody can flood a mailbox.
    pub reset_requests: Limit<[u8; 32]>,
    /// Password sign-in attempts, per client IP.
    pub sign_in: Limit<IpAddr>,
    /// Second-factor attempts, per client IP.
    pub second_factor: Limit<IpAddr>,
    /// Public form pages shown, per client IP.
    pub public_form_pages: Limit<IpAddr>,
    /// Public form submissions, per client IP: each one stores a lead.
    pub public_form_submissions: Limit<IpAddr>,
    /// Tracking-code lookups, per client IP: 80-bit codes cannot be guessed, and this keeps
    /// anyone from trying.
    pub track: Limit<IpAddr>,
    /// Analytics events, per client IP: generous (an office behind one address is many
    /// visitors), and in memory only like every limit, so the address is never kept.
    pub analytics_events: Limit<IpAddr>,
    /// Shared dashboards opened, per client IP: share tokens cannot be guessed, and this
    /// keeps anyone from trying.
    pub shared_reports: Limit<IpAddr>,
    /// Failed sign-ins per address typed (SHA-256 of it, so no address is held), whether or
    /// not an account has that address.
    pub sign_in_failures: Backoff<[u8; 32]>,
    /// Failed second-factor codes per person.
    pub second_factor_failures: Backoff<UserId>,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            setup: Limit::new(10, Duration::from_secs(6)),
            invitation: Limit::new(10, Duration::from_secs(6)),
            password_reset: Limit::new(10, Duration::from_secs(6)),
            reset_requests: Limit::new(3, Duration::from_secs(20 * 60)),
            sign_in: Limit::new(20, Duration::from_secs(3)),
            second_factor: Limit::new(20, Duration::from_secs(3)),
            public_form_pages: Limit::new(60, Duration::from_secs(1)),
            public_form_submissions: Limit::new(10, Duration::from_secs(6)),
            track: Limit::new(10, Duration::from_secs(6)),
            analytics_events: Limit::new(300, Duration::from_millis(50)),
            shared_reports: Limit::new(30, Duration::from_secs(2)),
            sign_in_failures: Backoff::new(BackoffPolicy::default()),
            second_factor_failures: Backoff::new(BackoffPolicy::default()),
        }
    }
}

/// Turns a back-off verdict into the same 429 as every other limit.
pub fn backoff_check<K: Hash + Eq + Clone>(
    backoff: &Backoff<K>,
    key: &K,
    now: Timestamp,
) -> Result<(), AppError> {
    backoff.check(key, now).map_err(AppError::RateLimited)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_burst_then_a_wait_and_other_keys_are_unaffected() {
        let limit = Limit::new(3, Duration::from_secs(60));
        let (a, b): (IpAddr, IpAddr) = (
            "192.0.2.1".parse().expect("ip"),
            "192.0.2.2".parse().expect("ip"),
        );
        for _ in 0..3 {
            assert!(limit.check(&a).is_ok());
        }
        match limit.check(&a) {
            Err(AppError::RateLimited(wait)) => assert!(
                wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
                "{wait:?}"
            ),
            other => panic!("expected a wait, got {other:?}"),
        }
        assert!(limit.check(&b).is_ok());
    }
}
