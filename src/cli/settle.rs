//! `paydrill settle`: rebuild the settlement CSV (and its totals, with `--out`) from a recorded
//! history, byte for byte what the run wrote; a load run's history is read order by order.

use crate::exit::CommandResult;
use crate::exit::{Exit, Fatal};
use crate::record::HistoryReader;
use crate::report;
use crate::settle::{self, SummaryBook};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct SettleArgs {
    /// A run's history.jsonl (or a load run's history.jsonl.gz).
    pub history: PathBuf,
    /// Write settlement.csv and settlement-summary.csv into this folder instead of printing
    /// settlement.csv.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn settle(args: SettleArgs) -> CommandResult {
    let mut orders = HistoryReader::open(&args.history)?.orders();
    let mut rows = csv::WriterBuilder::new().has_headers(true).from_writer(Vec::new());
    let mut totals = SummaryBook::default();
    let mut written = 0usize;
    let cannot = |e: csv::Error| Fatal::bad_input(format!("cannot write CSV: {e}"));
    for order in orders.by_ref() {
        let order = order?;
        for row in settle::rows(&order) {
            rows.serialize(&row).map_err(cannot)?;
            totals.add(&row);
            written += 1;
        }
    }
    if orders.header().is_none() {
        return Err(Fatal::bad_input(format!("{}: no run header: not a paydrill history", args.history.display())));
    }
    if written == 0 {
        rows.write_record(settle::ROW_HEADER).map_err(cannot)?;
    }
    let rows = rows.into_inner().map_err(|e| cannot(std::io::Error::other(e.to_string()).into()))?;
    let summary = settle::to_csv(&totals.rows(), &settle::SUMMARY_HEADER).map_err(cannot)?;
    match args.out {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| Fatal::bad_input(format!("cannot create {} (--out): {e}", dir.display())))?;
            for (name, bytes) in [("settlement.csv", &rows[..]), ("settlement-summary.csv", summary.as_bytes())] {
                let path = report::write_atomic(&dir, name, bytes)
                    .map_err(|e| Fatal::bad_input(format!("cannot write {name} in {}: {e}", dir.display())))?;
                eprintln!("wrote {}", path.display());
            }
        }
        None => {
            use std::io::Write;
            let _ = std::io::stdout().write_all(&rows);
        }
    }
    Ok(Exit::Held)
}
