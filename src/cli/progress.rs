//! Progress on the terminal: a bar of cells done when stderr is a terminal (and not under CI),
//! else a plain line now and then, so a CI log stays short.

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
