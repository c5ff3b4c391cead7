//! `paydrill settle`: rebuild the settlement CSV (and its totals, with `--out`) from a recorded
//! history, byte for byte what the run wrote.

use crate::exit::CommandResult;
use crate::exit::{Exit, Fatal};
use crate::record::History;
use crate::report;
use crate::settle;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct SettleArgs {
    /// A run's history.jsonl.
    pub history: PathBuf,
    /// Write settlement.csv and settlement-summary.csv into this folder instead of printing
    /// settlement.csv.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn settle(args: SettleArgs) -> CommandResult {
    let history = History::read(&args.history)?;
    if history.run().is_none() {
        return Err(Fatal::bad_input(format!("{}: no run header: not a paydrill history", args.history.display())));
    }
    let rows = settle::rows(&history);
    let (rows, summary) =
        report::run::settlement_csvs(&rows).map_err(|e| Fatal::bad_input(format!("cannot write CSV: {e}")))?;
    match args.out {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| Fatal::bad_input(format!("cannot create {} (--out): {e}", dir.display())))?;
            for (name, text) in [("settlement.csv", &rows), ("settlement-summary.csv", &summary)] {
                let path = report::write_atomic(&dir, name, text.as_bytes())
                    .map_err(|e| Fatal::bad_input(format!("cannot write {name} in {}: {e}", dir.display())))?;
                eprintln!("wrote {}", path.display());
            }
        }
        None => print!("{rows}"),
    }
    Ok(Exit::Held)
}
