//! A bounded, expiring cache of unwrapped keys, so that a busy server does not ask the HSM
//! for every field it decrypts, and no unwrapped key stays in memory indefinitely.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::Duration;

use leadvault_crypto::KeyBytes;
use leadvault_store::Timestamp;

#[derive(Debug, Clone, Copy)]
pub struct CacheSettings {
    pub capacity: usize,
    pub ttl: Duration,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            capacity: 4096,
            ttl: Duration::from_secs(300),
        }
    }
}

#[derive(Debug)]
pub(crate) struct KeyCache<K> {
    settings: CacheSettings,
    entries: HashMap<K, (KeyBytes, Timestamp)>,
}

impl<K: Hash + Eq + Clone> KeyCache<K> {
    pub(crate) fn new(settings: CacheSettings) -> Self {
        Self {
            settings,
            entries: HashMap::new(),
        }
    }

    pub(crate) fn get(&mut self, key: &K, now: Timestamp) -> Option<KeyBytes> {
        match self.entries.get(key) {
            Some((value, expires)) if *expires > now => Some(value.clone()),
            Some(_) => {
                self.entries.remove(key);
                None
            }
            None => None,
        }
    }

    pub(crate) fn insert(&mut self, key: K, value: KeyBytes, now: Timestamp) {
        if self.settings.capacity == 0 {
            return;
        }
        if self.entries.len() >= self.settings.capacity {
            self.entries.retain(|_, (_, expires)| *expires > now);
        }
        if self.entries.len() >= self.settings.capacity {
            // Still full of live keys: drop the one closest to expiry.
            if let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, (_, expires))| *expires)
                .map(|(k, _)| k.clone())
            {
                self.entries.remove(&oldest);
            }
        }
        let expires = now.saturating_add(self.settings.ttl);
        self.entries.insert(key, (value, expires));
    }

    pub(crate) fn retain(&mut self, keep: impl Fn(&K) -> bool) {
        self.entries.retain(|k, _| keep(k));
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_unix_micros(secs * 1_000_000)
    }

    #[test]
    fn entries_expire_and_the_cache_stays_bounded() -> Result<(), Box<dyn std::error::Error>> {
        let mut cache = KeyCache::new(CacheSettings {
            capacity: 2,
            ttl: Duration::from_secs(10),
        });
        cache.insert(1, KeyBytes::generate()?, at(0));
        cache.insert(2, KeyBytes::generate()?, at(1));
        assert!(cache.get(&1, at(9)).is_some());
        assert!(
            cache.get(&1, at(10)).is_none(),
            "expired at exactly its TTL"
        );
        cache.insert(3, KeyBytes::generate()?, at(2));
        cache.insert(4, KeyBytes::generate()?, at(3));
        assert_eq!(cache.len(), 2);
        assert!(
            cache.get(&2, at(3)).is_none(),
            "the entry nearest expiry made room"
        );
        assert!(cache.get(&4, at(3)).is_some());
        Ok(())
    }
}
