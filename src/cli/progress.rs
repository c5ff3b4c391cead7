//! Progress on the terminal: a bar of cells done (`run`) or one refreshing status line of a
//! load step's figures so far (`load`) when stderr is a terminal (and not under CI), else a
//! plain line now and then, so a CI log stays short.

use crate::locks::lock;
use std::io::IsTerminal;
use std::sync::Mutex;

/// Whether stderr shows a live progress bar.
pub fn fancy() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

/// Cells done out of a total.
#[derive(Default)]
pub struct CellProgress {
    bar: Mutex<Option<indicatif::ProgressBar>>,
}

impl CellProgress {
    pub fn start(&self, cells: usize) {
        if !fancy() {
            return;
        }
        let pb = indicatif::ProgressBar::new(cells as u64);
        pb.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} cells {elapsed_precise} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        *lock(&self.bar) = Some(pb);
    }

    pub fn cell_done(&self, cell: &str, done: usize, total: usize) {
        if let Some(pb) = lock(&self.bar).as_ref() {
            pb.set_position(done as u64);
            pb.set_message(cell.to_string());
        } else if total <= 100 || done % (total / 20).max(1) == 0 || done == total {
            eprintln!("[{done}/{total}] {cell} done");
        }
    }

    pub fn finish(&self) {
        if let Some(pb) = lock(&self.bar).take() {
            pb.finish_and_clear();
        }
    }
}

/// A load step's figures so far: one refreshing line on a terminal, else a line every 10 s.
#[derive(Default)]
pub struct LoadView {
    bar: Mutex<Option<indicatif::ProgressBar>>,
    /// Seconds into the step of the last plain line.
    last_line: Mutex<u64>,
}

impl LoadView {
    pub fn show(&self, p: &crate::drive::load::LoadProgress) {
        let ms = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.1}"));
        let status = format!(
            "{:.0}/{:.0} orders/min · {} started, {} late, {} done · order p50 {} p99 {} ms · {} unknown · {} violations",
            p.achieved_per_min,
            p.scheduled_per_min,
            p.started,
            p.late,
            p.completed,
            ms(p.order_p50_ms),
            ms(p.order_p99_ms),
            p.errors,
            p.violations
        );
        if !fancy() {
            let second = p.elapsed.as_secs();
            let mut last = lock(&self.last_line);
            if second >= *last + 10 {
                *last = second;
                eprintln!("  [{second}s/{}s] {status}", p.total.as_secs());
            }
            return;
        }
        let mut bar = lock(&self.bar);
        let pb = bar.get_or_insert_with(|| {
            let pb = indicatif::ProgressBar::new(p.total.as_secs().max(1));
            pb.set_style(
                indicatif::ProgressStyle::with_template("{bar:20} {pos}s/{len}s {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            pb
        });
        pb.set_position(p.elapsed.as_secs());
        pb.set_message(status);
    }

    /// The step is over: the status line goes, the step's summary line follows.
    pub fn step_done(&self) {
        if let Some(pb) = lock(&self.bar).take() {
            pb.finish_and_clear();
        }
        *lock(&self.last_line) = 0;
    }
}
