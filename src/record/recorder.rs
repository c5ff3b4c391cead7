//! Where a run's events go as they happen: kept in memory and, when given a file, streamed to
//! it as JSON Lines.

use super::event::Event;
use super::history::History;
use crate::locks::lock;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where events go as they happen: kept in memory and, when given a file, streamed to it.
pub struct Recorder {
    inner: Mutex<RecorderInner>,
    keep_in_memory: bool,
}

struct RecorderInner {
    events: Vec<Event>,
    file: Option<(PathBuf, BufWriter<std::fs::File>)>,
    error: Option<String>,
    next_id: u64,
}

impl Recorder {
    /// Records to memory, and to `file` (JSON Lines) when given.
    pub fn new(file: Option<&Path>, keep_in_memory: bool) -> std::io::Result<Recorder> {
        let file = match file {
            Some(path) => Some((path.to_path_buf(), BufWriter::new(std::fs::File::create(path)?))),
            None => None,
        };
        Ok(Recorder {
            inner: Mutex::new(RecorderInner { events: Vec::new(), file, error: None, next_id: 1 }),
            keep_in_memory,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RecorderInner> {
        lock(&self.inner)
    }

    /// A fresh call id.
    pub fn next_id(&self) -> u64 {
        let mut inner = self.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        id
    }

    pub fn record(&self, event: Event) {
        let mut inner = self.lock();
        if let Some((_, writer)) = inner.file.as_mut() {
            let written = serde_json::to_writer(&mut *writer, &event)
                .map_err(std::io::Error::other)
                .and_then(|_| writer.write_all(b"\n"));
            if let Err(e) = written {
                inner.error.get_or_insert_with(|| format!("cannot write the history: {e}"));
            }
        }
        if self.keep_in_memory {
            inner.events.push(event);
        }
    }

    /// Flushes the file and returns what was kept in memory, or the first write error.
    pub fn finish(&self) -> Result<History, String> {
        let mut inner = self.lock();
        if let Some((path, writer)) = inner.file.as_mut() {
            if let Err(e) = writer.flush() {
                return Err(format!("cannot write {}: {e}", path.display()));
            }
        }
        if let Some(e) = inner.error.take() {
            return Err(e);
        }
        Ok(History { events: std::mem::take(&mut inner.events) })
    }
}
