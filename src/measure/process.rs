//! What this process costs, read from Linux's `/proc/self`: CPU time (user + system, every
//! thread) and resident memory, now and at its peak — how `load` reports its own cost and
//! `bench harness` compares harnesses. Zero where `/proc` is not there.

use serde::{Deserialize, Serialize};

/// Clock ticks per second in `/proc/self/stat` (`USER_HZ`, fixed at 100 by Linux's ABI).
const TICKS_PER_SECOND: u64 = 100;

/// A reading of this process's cost so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessReading {
    /// CPU time so far, user + system, in milliseconds (10 ms resolution).
    pub cpu_ms: u64,
    /// Resident memory now, KiB.
    pub rss_kb: u64,
    /// The most resident memory so far, KiB.
    pub peak_rss_kb: u64,
}

impl ProcessReading {
    pub fn now() -> ProcessReading {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        ProcessReading { cpu_ms: cpu_ms(), rss_kb: field("VmRSS:"), peak_rss_kb: field("VmHWM:") }
    }
}

/// CPU time so far of every thread of this process, in milliseconds.
fn cpu_ms() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces): state is the 3rd field, utime
    // and stime the 14th and 15th.
    let Some((_, rest)) = stat.rsplit_once(") ") else { return 0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    (ticks(11) + ticks(12)) * 1000 / TICKS_PER_SECOND
}

/// What a stretch of work cost this process: CPU between two readings, memory at both ends
/// and the peak.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessCost {
    pub cpu_ms: u64,
    pub rss_start_kb: u64,
    pub rss_end_kb: u64,
    pub peak_rss_kb: u64,
}

impl ProcessCost {
    pub fn between(start: ProcessReading, end: ProcessReading) -> ProcessCost {
        ProcessCost {
            cpu_ms: end.cpu_ms.saturating_sub(start.cpu_ms),
            rss_start_kb: start.rss_kb,
            rss_end_kb: end.rss_kb,
            peak_rss_kb: end.peak_rss_kb,
        }
    }

    /// Resident memory gained over the stretch, KiB (negative when it shrank).
    pub fn rss_growth_kb(&self) -> i64 {
        self.rss_end_kb as i64 - self.rss_start_kb as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_shows_as_cpu_time_and_memory_as_resident() {
        let start = ProcessReading::now();
        let give_up = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let mut x = 0u64;
        let mut end = start;
        while end.cpu_ms < start.cpu_ms + 50 && std::time::Instant::now() < give_up {
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(1));
            }
            end = ProcessReading::now();
        }
        assert!(ProcessCost::between(start, end).cpu_ms >= 50, "spinning shows as CPU time: {start:?} → {end:?}");
        assert!(end.rss_kb > 0 && end.peak_rss_kb >= end.rss_kb, "{end:?}");
    }
}
