//! Open-model pacing: every order has a scheduled start at a fixed arrival rate, whatever the
//! platform's latency, so a slow platform cannot slow the arrivals down and hide its queue
//! (coordinated omission). Starts that could not begin on time are counted.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How late a start may be and still count as on time.
pub const ON_TIME: Duration = Duration::from_millis(10);

/// The arrival schedule of one load step.
pub struct Schedule {
    /// Fixed when the first order is claimed, plus a lead so every user is up.
    start: OnceLock<Instant>,
    lead: Duration,
    interval_ns: f64,
    /// Orders scheduled in all; the first `warmup` are not measured.
    pub total: u64,
    pub warmup: u64,
    next: AtomicU64,
}

/// One claimed arrival.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    pub n: u64,
    pub scheduled: Instant,
    pub measured: bool,
}

impl Schedule {
    /// `per_second` arrivals over `warmup + duration`.
    pub fn new(per_second: f64, warmup: Duration, duration: Duration, lead: Duration) -> Schedule {
        let interval_ns = 1e9 / per_second;
        Schedule {
            start: OnceLock::new(),
            lead,
            interval_ns,
            total: ((warmup + duration).as_secs_f64() * per_second).round() as u64,
            warmup: (warmup.as_secs_f64() * per_second).round() as u64,
            next: AtomicU64::new(0),
        }
    }

    fn start(&self) -> Instant {
        *self.start.get_or_init(|| Instant::now() + self.lead)
    }

    /// The next arrival, or `None` once every order of the step is claimed.
    pub fn claim(&self) -> Option<Slot> {
        let start = self.start();
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        if n >= self.total {
            return None;
        }
        let scheduled = start + Duration::from_nanos((n as f64 * self.interval_ns) as u64);
        Some(Slot { n, scheduled, measured: n >= self.warmup })
    }

    /// When the last arrival is due.
    pub fn end(&self) -> Instant {
        self.start() + Duration::from_nanos((self.total as f64 * self.interval_ns) as u64)
    }
}

/// Picks scenario `i` for order `n` from weights, spreading each scenario evenly over time.
pub fn pick(weights: &[u32], n: u64) -> usize {
    let total: u64 = weights.iter().map(|w| *w as u64).sum::<u64>().max(1);
    // A golden-ratio stride walks the weight line without clumping.
    let x = ((n as f64 * 0.618_033_988_749_895).fract() * total as f64) as u64;
    let mut acc = 0;
    for (i, w) in weights.iter().enumerate() {
        acc += *w as u64;
        if x < acc {
            return i;
        }
    }
    weights.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrivals_are_evenly_spaced_and_counted() {
        let s = Schedule::new(100.0, Duration::from_secs(1), Duration::from_secs(2), Duration::ZERO);
        assert_eq!((s.total, s.warmup), (300, 100));
        let a = s.claim().unwrap();
        let b = s.claim().unwrap();
        assert_eq!(b.scheduled - a.scheduled, Duration::from_millis(10));
        assert!(!a.measured);
        for _ in 2..300 {
            s.claim().unwrap();
        }
        assert!(s.claim().is_none());
    }

    #[test]
    fn the_mix_follows_the_weights() {
        let weights = [6, 2, 1, 1];
        let mut counts = [0u32; 4];
        for n in 0..10_000 {
            counts[pick(&weights, n)] += 1;
        }
        assert!((5900..=6100).contains(&counts[0]), "{counts:?}");
        assert!((1900..=2100).contains(&counts[1]), "{counts:?}");
    }
}
