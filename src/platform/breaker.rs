//! A circuit breaker per PG: after `threshold` consecutive system, network or timeout
//! failures the PG is not called for `cooldown`; then one trial call decides.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    cooldown: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    consecutive_failures: u32,
    open_until: Option<Instant>,
}

impl Breaker {
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Breaker { threshold, cooldown, state: Mutex::new(State::default()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether a call may go to the PG now.
    pub fn allows(&self) -> bool {
        let mut st = self.lock();
        match st.open_until {
            Some(until) if Instant::now() < until => false,
            Some(_) => {
                // Half-open: let this call through as the trial; re-open at once if it fails.
                st.open_until = None;
                st.consecutive_failures = self.threshold.saturating_sub(1);
                true
            }
            None => true,
        }
    }

    pub fn succeeded(&self) {
        let mut st = self.lock();
        st.consecutive_failures = 0;
        st.open_until = None;
    }

    pub fn failed(&self) {
        let mut st = self.lock();
        st.consecutive_failures += 1;
        if st.consecutive_failures >= self.threshold {
            st.open_until = Some(Instant::now() + self.cooldown);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_threshold_and_half_opens_after_cooldown() {
        let b = Breaker::new(3, Duration::from_millis(30));
        b.failed();
        b.failed();
        assert!(b.allows());
        b.failed();
        assert!(!b.allows());
        std::thread::sleep(Duration::from_millis(40));
        assert!(b.allows(), "trial call after cooldown");
        b.failed();
        assert!(!b.allows(), "a failed trial re-opens");
        std::thread::sleep(Duration::from_millis(40));
        assert!(b.allows());
        b.succeeded();
        b.failed();
        assert!(b.allows());
    }
}
