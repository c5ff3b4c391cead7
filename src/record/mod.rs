//! The recorded history of a run, the one file every later step reads: every call as an invoke
//! event and a completion (`ok`, `fail`, or `info` when the outcome is unknown), ledger
//! observations, the PGs' final ledgers and the requests they received.
//!
//! This file is the room's face: [`event`] is the schema of `history.jsonl`, [`History`] reads it
//! back, [`Recorder`] writes it.

mod event;
mod history;
mod recorder;

pub use event::{
    cap, now, AnswerFields, CallEvent, Cell, CellNote, CellNoteKind, CustomerStep, Event, LedgerSnapshot, Mode,
    Observation, PgRequest, Phase, Purpose, RequestRecord, ResponseRecord, RunEnd, RunInfo, BODY_CAP, LEDGER_READ,
};
pub use history::{Call, History};
pub use recorder::Recorder;
