//! Per-key async locks: serialise the requests that touch one idempotency key, one order's
//! approval, or one payment's cancels, while unrelated requests run in parallel.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::OwnedMutexGuard;

#[derive(Default)]
pub struct KeyedLocks {
    map: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// Held while the key is locked; the entry is forgotten when nobody else waits on it.
pub struct KeyGuard<'a> {
    owner: &'a KeyedLocks,
    key: String,
    guard: Option<OwnedMutexGuard<()>>,
}

impl KeyedLocks {
    pub async fn lock(&self, key: String) -> KeyGuard<'_> {
        let mutex = {
            let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(key.clone()).or_default().clone()
        };
        let guard = mutex.lock_owned().await;
        KeyGuard { owner: self, key, guard: Some(guard) }
    }
}

impl Drop for KeyGuard<'_> {
    fn drop(&mut self) {
        self.guard.take();
        let mut map = self.owner.map.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(m) = map.get(&self.key) {
            if Arc::strong_count(m) == 1 {
                map.remove(&self.key);
            }
        }
    }
}
