//! Back-off after repeated failures, per account: a few mistakes are free, then each further
//! failure doubles the wait before the next attempt is even checked, up to a cap.
//!
//! Held in memory only (nothing about who failed is written anywhere). Callers key it by
//! something that exists whether or not the account does (a hash of the address typed), so
//! that a blocked address does not reveal that it belongs to someone.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::Duration;

use leadvault_store::Timestamp;

/// How generous the back-off is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffPolicy {
    /// Failures allowed before any wait.
    pub free_failures: u32,
    /// The wait after the first failure beyond the free ones; doubled for each next one.
    pub first_wait: Duration,
    pub max_wait: Duration,
    /// A key with no failure for this long starts afresh.
    pub forget_after: Duration,
    /// At most this many keys are remembered; beyond it the stalest are forgotten.
    pub capacity: usize,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        Self {
            free_failures: 5,
            first_wait: Duration::from_secs(2),
            max_wait: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(24 * 60 * 60),
            capacity: 100_000,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Timestamp,
}

/// Failure counts per key.
#[derive(Debug)]
pub struct Backoff<K> {
    policy: BackoffPolicy,
    failures: Mutex<HashMap<K, Failures>>,
}

impl<K: Hash + Eq + Clone> Backoff<K> {
    pub fn new(policy: BackoffPolicy) -> Self {
        Self {
            policy,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(wait)` while `key` must wait before its next attempt.
    pub fn check(&self, key: &K, now: Timestamp) -> Result<(), Duration> {
        let Ok(map) = self.failures.lock() else {
            return Ok(());
        };
        let Some(entry) = map.get(key) else {
            return Ok(());
        };
        let until = entry.last.saturating_add(self.wait_after(entry.count));
        if until > now {
            let micros = until.as_unix_micros() - now.as_unix_micros();
            Err(Duration::from_micros(u64::try_from(micros).unwrap_or(0)))
        } else {
            Ok(())
        }
    }

    pub fn record_failure(&self, key: &K, now: Timestamp) {
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() >= self.policy.capacity && !map.contains_key(key) {
            self.forget_stale(&mut map, now);
        }
        let forget_after = self.policy.forget_after;
        let entry = map.entry(key.clone()).or_insert(Failures {
            count: 0,
            last: now,
        });
        if entry.last.saturating_add(forget_after) <= now {
            entry.count = 0;
        }
        entry.count = entry.count.saturating_add(1);
        entry.last = now;
    }

    pub fn record_success(&self, key: &K) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(key);
        }
    }

    fn wait_after(&self, count: u32) -> Duration {
        let Some(beyond) = count.checked_sub(self.policy.free_failures) else {
            return Duration::ZERO;
        };
        if beyond == 0 {
            return Duration::ZERO;
        }
        let factor = 1u32.checked_shl(beyond - 1).unwrap_or(u32::MAX);
        self.policy
            .first_wait
            .saturating_mul(factor)
            .min(self.policy.max_wait)
    }

    /// Drops keys whose wait is over and that are past `forget_after`; if the map is still
    /// full, the half with the oldest failures goes.
    fn forget_stale(&self, map: &mut HashMap<K, Failures>, now: Timestamp) {
        let forget_after = self.policy.forget_after;
        map.retain(|_, f| f.last.saturating_add(forget_after) > now);
        if map.len() >= self.policy.capacity {
            let mut lasts: Vec<Timestamp> = map.values().map(|f| f.last).collect();
            lasts.sort_unstable();
            if let Some(&median) = lasts.get(lasts.len() / 2) {
                map.retain(|_, f| f.last > median);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_micros(seconds * 1_000_000)
    }

    fn policy() -> BackoffPolicy {
        BackoffPolicy {
            free_failures: 3,
            first_wait: Duration::from_secs(2),
            max_wait: Duration::from_secs(10),
            forget_after: Duration::from_secs(3600),
            capacity: 4,
        }
    }

    #[test]
    fn free_failures_then_doubling_waits_up_to_the_cap() {
        let backoff = Backoff::new(policy());
        for _ in 0..3 {
            backoff.record_failure(&"a", at(0));
            assert_eq!(backoff.check(&"a", at(0)), Ok(()));
        }
        backoff.record_failure(&"a", at(0));
        assert_eq!(backoff.check(&"a", at(0)), Err(Duration::from_secs(2)));
        assert_eq!(backoff.check(&"a", at(2)), Ok(()));
        backoff.record_failure(&"a", at(2));
        assert_eq!(backoff.check(&"a", at(3)), Err(Duration::from_secs(3)));
        for _ in 0..10 {
            backoff.record_failure(&"a", at(100));
        }
        assert_eq!(backoff.check(&"a", at(100)), Err(Duration::from_secs(10)));
        assert_eq!(backoff.check(&"b", at(100)), Ok(()), "other keys are free");
    }

    #[test]
    fn success_and_time_both_wipe_the_slate() {
        let backoff = Backoff::new(policy());
        for _ in 0..5 {
            backoff.record_failure(&"a", at(0));
        }
        assert!(backoff.check(&"a", at(0)).is_err());
        backoff.record_success(&"a");
        assert_eq!(backoff.check(&"a", at(0)), Ok(()));

        for _ in 0..5 {
            backoff.record_failure(&"b", at(0));
        }
        backoff.record_failure(&"b", at(4000));
        assert_eq!(backoff.check(&"b", at(4000)), Ok(()), "count restarted");
    }

    #[test]
    fn memory_stays_bounded() {
        let backoff = Backoff::new(policy());
        for key in 0..100 {
            backoff.record_failure(&key, at(key));
        }
        let len = backoff
            .failures
            .lock()
            .map(|m| m.len())
            .unwrap_or(usize::MAX);
        assert!(len <= 4, "{len}");
        // The newest key is still remembered.
        for _ in 0..3 {
            backoff.record_failure(&99, at(99));
        }
        assert!(backoff.check(&99, at(99)).is_err());
    }
}
