//! Locks: per-key async locks that serialise the requests touching one idempotency key, one
//! order's approval or one payment's cancels while unrelated requests run in parallel; and the
//! one way paydrill takes a plain mutex.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::OwnedMutexGuard;

/// Takes `m`. A panic while another thread held it leaves the data as that thread left it,
/// which every user of this function can live with (counters, maps, buffers), so a poisoned
/// lock is taken all the same rather than spreading the panic.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

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
            let mut map = lock(&self.map);
            map.entry(key.clone()).or_default().clone()
        };
        let guard = mutex.lock_owned().await;
        KeyGuard { owner: self, key, guard: Some(guard) }
    }
}

impl Drop for KeyGuard<'_> {
    fn drop(&mut self) {
        self.guard.take();
        let mut map = lock(&self.owner.map);
        if let Some(m) = map.get(&self.key) {
            if Arc::strong_count(m) == 1 {
                map.remove(&self.key);
            }
        }
    }
}
