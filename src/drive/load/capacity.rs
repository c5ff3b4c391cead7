//! The capacity search: double the rate from the start while it holds, halve it while it does
//! not, then bisect between the highest rate that held and the lowest that did not, until
//! they are within 8% or twelve steps are spent.

/// Where the search stands.
#[derive(Debug, Clone)]
pub struct CapacitySearch {
    rate: f64,
    max_rate: f64,
    held: Option<f64>,
    broke: Option<f64>,
    steps: u32,
}

/// The most steps a search runs.
const MAX_STEPS: u32 = 12;
/// The lowest rate tried, orders/min.
const MIN_RATE: f64 = 60.0;

impl CapacitySearch {
    pub fn new(start_per_min: f64, max_per_min: f64) -> CapacitySearch {
        CapacitySearch { rate: start_per_min, max_rate: max_per_min, held: None, broke: None, steps: 0 }
    }

    /// The rate of the next step, or `None` when the search is over.
    pub fn next_rate(&self) -> Option<f64> {
        (self.steps < MAX_STEPS && self.rate > 0.0).then_some(self.rate)
    }

    /// Records whether the current rate held and picks the next.
    pub fn record(&mut self, held: bool) {
        self.steps += 1;
        if held {
            self.held = Some(self.rate);
        } else {
            self.broke = Some(self.rate);
        }
        self.rate = match (self.held, self.broke) {
            (Some(g), None) if g * 2.0 <= self.max_rate => g * 2.0,
            (None, Some(b)) if b / 2.0 >= MIN_RATE => b / 2.0,
            (Some(g), Some(b)) if (b - g) / b > 0.08 => (g + b) / 2.0,
            _ => 0.0,
        };
    }

    /// The highest rate that held.
    pub fn best(&self) -> Option<f64> {
        self.held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_then_bisects_to_the_edge() {
        let capacity = 41_000.0;
        let mut s = CapacitySearch::new(15_000.0, 600_000.0);
        let mut tried = Vec::new();
        while let Some(rate) = s.next_rate() {
            tried.push(rate);
            s.record(rate <= capacity);
        }
        assert_eq!(&tried[..3], &[15_000.0, 30_000.0, 60_000.0]);
        let best = s.best().unwrap();
        assert!(best <= capacity && best > capacity * 0.9, "{best} from {tried:?}");
    }

    #[test]
    fn nothing_holds_then_no_best() {
        let mut s = CapacitySearch::new(600.0, 600_000.0);
        while s.next_rate().is_some() {
            s.record(false);
        }
        assert_eq!(s.best(), None);
    }
}
