//! How close together the clicks of each `together = true` step arrived: per step, the time
//! from the first arrival to the last (server-stamped where the profile names an arrival
//! header, else when paydrill wrote the last bytes), and their median and maximum over the run.

use crate::record::{Call, Cell, Purpose};
use std::collections::BTreeMap;

/// Arrival spreads over a run's together-released steps.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Spreads {
    /// How many steps released clicks together.
    pub steps: usize,
    /// The most clicks one such step released.
    pub most_clicks: usize,
    /// Median and largest spread, microseconds.
    pub p50_us: u64,
    pub max_us: u64,
    /// Whether the spreads come from the server's own arrival stamps.
    pub server_stamped: bool,
}

/// The spreads of `calls`, or `None` when no step released clicks together.
pub fn spreads(calls: &[Call]) -> Option<Spreads> {
    let mut steps: BTreeMap<(&Cell, usize), Vec<&Call>> = BTreeMap::new();
    for c in calls.iter().filter(|c| c.purpose == Purpose::Step && c.released_ns.is_some()) {
        steps.entry((&c.cell, c.step)).or_default().push(c);
    }
    let mut all = Vec::new();
    let mut stamped = true;
    let mut most = 0;
    for clicks in steps.values().filter(|c| c.len() > 1) {
        most = most.max(clicks.len());
        let arrivals: Option<Vec<u64>> = clicks.iter().map(|c| c.arrived_ns).collect();
        let times = match arrivals {
            Some(a) => a,
            None => {
                stamped = false;
                clicks.iter().filter_map(|c| c.released_ns).collect()
            }
        };
        let (min, max) = (times.iter().min().copied().unwrap_or(0), times.iter().max().copied().unwrap_or(0));
        all.push((max - min) / 1000);
    }
    if all.is_empty() {
        return None;
    }
    all.sort_unstable();
    Some(Spreads {
        steps: all.len(),
        most_clicks: most,
        p50_us: all[(all.len() - 1) / 2],
        max_us: *all.last().unwrap_or(&0),
        server_stamped: stamped,
    })
}
