//! A circuit breaker per PG: when at least `min_calls` calls in the last `window` saw half or
//! more of them fail (system, network or timeout), the PG is not called for `cooldown`; then
//! one trial call decides whether it closes again.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Breaker {
    window: Duration,
    min_calls: u32,
    cooldown: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Calls per 100 ms slot: (slot start, calls, failures).
    slots: VecDeque<(Instant, u32, u32)>,
    open_until: Option<Instant>,
    trial_in_flight: bool,
}

const SLOT: Duration = Duration::from_millis(100);

impl Breaker {
    pub fn new(window: Duration, min_calls: u32, cooldown: Duration) -> Self {
        Breaker { window, min_calls, cooldown, state: Mutex::new(State::default()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        crate::locks::lock(&self.state)
    }

    /// Whether a call may go to the PG now.
    pub fn allows(&self) -> bool {
        let mut st = self.lock();
        match st.open_until {
            Some(until) if Instant::now() < until => false,
            Some(_) if st.trial_in_flight => false,
            Some(_) => {
                // Half-open: this call is the trial.
                st.trial_in_flight = true;
                true
            }
            None => true,
        }
    }

    pub fn succeeded(&self) {
        let mut st = self.lock();
        if st.open_until.is_some() {
            st.open_until = None;
            st.trial_in_flight = false;
            st.slots.clear();
        }
        self.count(&mut st, false);
    }

    pub fn failed(&self) {
        let mut st = self.lock();
        if st.trial_in_flight {
            st.trial_in_flight = false;
            st.open_until = Some(Instant::now() + self.cooldown);
            return;
        }
        self.count(&mut st, true);
        let (calls, failures) = st.slots.iter().fold((0, 0), |(c, f), s| (c + s.1, f + s.2));
        if calls >= self.min_calls && failures * 2 >= calls {
            st.open_until = Some(Instant::now() + self.cooldown);
            st.slots.clear();
        }
    }

    fn count(&self, st: &mut State, failure: bool) {
        let now = Instant::now();
        while st.slots.front().is_some_and(|s| now.duration_since(s.0) > self.window) {
            st.slots.pop_front();
        }
        match st.slots.back_mut() {
            Some(slot) if now.duration_since(slot.0) < SLOT => {
                slot.1 += 1;
                slot.2 += failure as u32;
            }
            _ => st.slots.push_back((now, 1, failure as u32)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_on_a_failure_majority_and_half_opens_after_cooldown() {
        let b = Breaker::new(Duration::from_secs(10), 4, Duration::from_millis(30));
        b.failed();
        b.failed();
        b.failed();
        assert!(b.allows(), "too few calls to judge");
        b.failed();
        assert!(!b.allows(), "4 of 4 failed");
        std::thread::sleep(Duration::from_millis(40));
        assert!(b.allows(), "the trial call after the cooldown");
        assert!(!b.allows(), "one trial at a time");
        b.failed();
        assert!(!b.allows(), "a failed trial re-opens");
        std::thread::sleep(Duration::from_millis(40));
        assert!(b.allows());
        b.succeeded();
        assert!(b.allows(), "a good trial closes");
    }

    #[test]
    fn a_minority_of_failures_keeps_it_closed() {
        let b = Breaker::new(Duration::from_secs(10), 4, Duration::from_secs(1));
        for _ in 0..30 {
            b.succeeded();
            b.succeeded();
            b.failed();
        }
        assert!(b.allows());
    }
}
