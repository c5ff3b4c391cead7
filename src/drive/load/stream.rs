//! The files a load run streams as orders finish — `history.jsonl.gz` (compressed as it goes:
//! a load history is the same events over and over) and `settlement.csv` — and the settlement
//! totals added up on the way, so memory stays flat however long the run.

use crate::record::Event;
use crate::settle::{SettlementRow, SummaryBook};
use flate2::write::GzEncoder;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The streamed files, written under temporary names until [`StreamedFiles::finish`].
pub struct StreamedFiles {
    dir: PathBuf,
    history: BufWriter<GzEncoder<File>>,
    settlement: csv::Writer<File>,
    totals: SummaryBook,
    error: Option<String>,
}

/// What the streamed files hold, once finished.
pub struct Streamed {
    pub settlement: SummaryBook,
    /// The compressed history's size on disk.
    pub history_bytes: u64,
}

const FILES: [&str; 2] = ["history.jsonl.gz", "settlement.csv"];

fn tmp_name(name: &str) -> String {
    format!(".{name}.tmp")
}

impl StreamedFiles {
    pub fn create(dir: &Path) -> Result<StreamedFiles, String> {
        let open = |name: &str| {
            File::create(dir.join(tmp_name(name))).map_err(|e| format!("cannot write {name} in {}: {e}", dir.display()))
        };
        Ok(StreamedFiles {
            dir: dir.to_path_buf(),
            history: BufWriter::with_capacity(1 << 16, GzEncoder::new(open(FILES[0])?, flate2::Compression::fast())),
            settlement: csv::WriterBuilder::new().has_headers(true).from_writer(open(FILES[1])?),
            totals: SummaryBook::default(),
            error: None,
        })
    }

    /// Appends events to the history.
    pub fn events<'a>(&mut self, events: impl IntoIterator<Item = &'a Event>) {
        for e in events {
            let written = serde_json::to_writer(&mut self.history, e)
                .map_err(std::io::Error::other)
                .and_then(|_| self.history.write_all(b"\n"));
            if let Err(err) = written {
                self.error.get_or_insert_with(|| format!("cannot write the history: {err}"));
            }
        }
    }

    /// Appends settlement rows, and adds them to the totals.
    pub fn rows(&mut self, rows: &[SettlementRow]) {
        for r in rows {
            if let Err(err) = self.settlement.serialize(r) {
                self.error.get_or_insert_with(|| format!("cannot write the settlement CSV: {err}"));
            }
        }
        self.totals.add_all(rows);
    }

    /// Flushes both files and gives them their real names; returns the settlement totals and
    /// the history's size.
    pub fn finish(mut self) -> Result<Streamed, String> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let cannot = |e: std::io::Error| format!("cannot write in {}: {e}", self.dir.display());
        let encoder = self.history.into_inner().map_err(|e| cannot(e.into_error()))?;
        let history_bytes = encoder.finish().and_then(|f| f.metadata()).map_err(cannot)?.len();
        self.settlement.flush().map_err(cannot)?;
        for name in FILES {
            std::fs::rename(self.dir.join(tmp_name(name)), self.dir.join(name))
                .map_err(|e| format!("cannot write {name} in {}: {e}", self.dir.display()))?;
        }
        Ok(Streamed { settlement: self.totals, history_bytes })
    }
}
