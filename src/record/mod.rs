//! The recorded history of a run, the one file every later step reads: every call as an invoke
//! event and a completion (`ok`, `fail`, or `info` when the outcome is unknown), ledger
//! observations, the PGs' final ledgers and the requests they received.
//!
//! This file is the room's face: [`event`] is the schema of `history.jsonl`, [`History`] holds it
//! read back, [`HistoryReader`] streams it (plain or gzip, a load run's order by order),
//! [`Recorder`] writes it.

mod event;
mod history;
mod reader;
mod recorder;

pub use event::{
    cap, now, AnswerFields, CallEvent, Cell, CellNote, CellNoteKind, Convergence, CustomerStep, Event, LedgerSnapshot,
    Mode, Observation, PgRequest, Phase, Purpose, RequestRecord, ResponseRecord, RunEnd, RunInfo, BODY_CAP,
    LEDGER_READ,
};
pub use history::{Call, History};
pub use reader::{history_in, HistoryReader, Orders, HISTORY_FILES};
pub use recorder::Recorder;
