//! Reading a history back the way it was written, one event at a time: plain JSON Lines or
//! gzip-compressed (`history.jsonl.gz`, told by its first two bytes), and a load run's history
//! order by order, so that a reader of a long run holds one order in memory, never the run.

use super::event::{Event, Mode, RunEnd, RunInfo};
use super::history::History;
use crate::input::InputError;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// The names a run folder's history goes by: a load run writes it compressed.
pub const HISTORY_FILES: [&str; 2] = ["history.jsonl.gz", "history.jsonl"];

/// The history in a run folder, whichever of [`HISTORY_FILES`] it is; the plain name when none is.
pub fn history_in(dir: &Path) -> PathBuf {
    HISTORY_FILES.iter().map(|name| dir.join(name)).find(|p| p.is_file()).unwrap_or_else(|| dir.join(HISTORY_FILES[1]))
}

/// A history's events in file order; a bad line is an error naming the file and the line.
pub struct HistoryReader {
    path: PathBuf,
    lines: Box<dyn BufRead + Send>,
    line: usize,
    text: String,
}

impl HistoryReader {
    /// Opens `path`, plain or gzip-compressed.
    pub fn open(path: &Path) -> Result<HistoryReader, InputError> {
        let file = std::fs::File::open(path).map_err(|e| InputError::new(path, None, format!("cannot read: {e}")))?;
        let mut plain = BufReader::new(file);
        let gzipped = plain.fill_buf().map(|b| b.starts_with(&[0x1f, 0x8b])).unwrap_or(false);
        let lines: Box<dyn BufRead + Send> = if gzipped {
            Box::new(BufReader::new(flate2::bufread::MultiGzDecoder::new(plain)))
        } else {
            Box::new(plain)
        };
        Ok(HistoryReader { path: path.to_path_buf(), lines, line: 0, text: String::new() })
    }

    /// Reads the history's text as if it were the file `path`.
    pub fn from_text(path: &Path, text: &str) -> HistoryReader {
        let lines = Box::new(BufReader::new(std::io::Cursor::new(text.as_bytes().to_vec())));
        HistoryReader { path: path.to_path_buf(), lines, line: 0, text: String::new() }
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its orders one at a time (see [`Orders`]).
    pub fn orders(self) -> Orders {
        Orders { events: self, header: None, end: None, done: false }
    }
}

impl Iterator for HistoryReader {
    type Item = Result<Event, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.text.clear();
            self.line += 1;
            match self.lines.read_line(&mut self.text) {
                Ok(0) => return None,
                Ok(_) if self.text.trim().is_empty() => continue,
                Ok(_) => {
                    return Some(serde_json::from_str(&self.text).map_err(|e| {
                        InputError::new(&self.path, Some(self.line), format!("not a history event: {e}"))
                    }))
                }
                Err(e) => return Some(Err(InputError::new(&self.path, Some(self.line), e.to_string()))),
            }
        }
    }
}

/// A history as histories small enough to hold. A load run's history yields one per order,
/// each under the run's header: the order's events up to its `cell_end`, closed by an end that
/// is not partial. Any other history (a `run`'s, bounded by its matrix) yields itself whole.
pub struct Orders {
    events: HistoryReader,
    header: Option<RunInfo>,
    end: Option<RunEnd>,
    done: bool,
}

impl Orders {
    /// The run's header, once the first chunk has been read.
    pub fn header(&self) -> Option<&RunInfo> {
        self.header.as_ref()
    }

    /// The run's own end, once every chunk has been read: `None` when the run never wrote one.
    pub fn end(&self) -> Option<&RunEnd> {
        self.end.as_ref()
    }

    fn chunk(&mut self) -> Result<Option<History>, InputError> {
        let mut events = Vec::new();
        while let Some(event) = self.events.next().transpose()? {
            let per_order = self.header.as_ref().is_some_and(|h| h.mode == Mode::Load);
            match event {
                Event::Run(info) if self.header.is_none() && info.mode == Mode::Load => {
                    // A load run's header opens every order's chunk, not a chunk of its own.
                    self.header = Some(info);
                }
                Event::CellEnd(cell) if per_order => {
                    events.push(Event::CellEnd(cell));
                    return Ok(Some(self.order(events)));
                }
                Event::End(end) if per_order => {
                    // The run's end: whatever came after the last order (or a history written
                    // before orders were delimited) closes here.
                    self.end = Some(end);
                    self.done = true;
                    return Ok((!events.is_empty()).then(|| self.order(events)));
                }
                event => {
                    match &event {
                        Event::Run(info) if self.header.is_none() => self.header = Some(info.clone()),
                        Event::End(end) => self.end = Some(end.clone()),
                        _ => {}
                    }
                    events.push(event);
                }
            }
        }
        self.done = true;
        let per_order = self.header.as_ref().is_some_and(|h| h.mode == Mode::Load);
        Ok((!events.is_empty()).then(|| if per_order { self.order(events) } else { History { events } }))
    }

    /// One order's events under the header, closed as a finished history.
    fn order(&self, events: Vec<Event>) -> History {
        let header = self.header.clone().map(Event::Run);
        let end = Event::End(RunEnd { finished_at: String::new(), partial: false });
        History { events: header.into_iter().chain(events).chain([end]).collect() }
    }
}

impl Iterator for Orders {
    type Item = Result<History, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        self.chunk().transpose()
    }
}

impl History {
    /// Reads a history file whole (plain or gzip-compressed); a bad line is reported with its
    /// number. A long load history is better read order by order ([`HistoryReader::orders`]).
    pub fn read(path: &Path) -> Result<History, InputError> {
        Ok(History { events: HistoryReader::open(path)?.collect::<Result<_, _>>()? })
    }

    /// A history from its text, as [`History::read`] reads a file named `path`.
    pub fn from_text(path: &Path, text: &str) -> Result<History, InputError> {
        Ok(History { events: HistoryReader::from_text(path, text).collect::<Result<_, _>>()? })
    }
}
