//! The recorded history of a run: every call as an invoke event and a completion (`ok`,
//! `fail`, or `info` when the outcome is unknown), ledger observations, and the PGs' final
//! ledgers. Written as JSON Lines as it happens; read back by the checkers and by `settle`.

use crate::fakes::LedgerPayment;
use crate::pg::{Krw, PgName};
use crate::spec::Op;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One scenario on one PG, one repetition.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Cell {
    pub scenario: String,
    pub pg: PgName,
    /// 1-based repetition.
    pub repeat: u32,
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}#{}", self.scenario, self.pg, self.repeat)
    }
}

/// How a call ended, in the Jepsen sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Invoke,
    /// Accepted (2xx, outcome known).
    Ok,
    /// Refused (4xx): nothing happened.
    Fail,
    /// Outcome unknown: no answer, a 5xx, or the platform itself says UNKNOWN.
    Info,
}

/// Why a call was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// A scenario step (one click of it).
    Step,
    /// A read right after a multi-click step, to check its expectations.
    AfterStep,
    /// The read of every acknowledged order at the end of its scenario.
    Final,
}

/// A request as sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub method: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
}

/// A response as received (body capped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseRecord {
    pub status: u16,
    pub body: String,
    #[serde(default)]
    pub replayed: bool,
}

/// The canonical fields read from an answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub order_id: Option<String>,
    pub payment_id: Option<String>,
    pub status: Option<String>,
    pub balance: Option<Krw>,
    pub amount: Option<Krw>,
}

/// One call event; an invoke and its completion share `id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallEvent {
    pub id: u64,
    pub phase: Phase,
    pub at: String,
    pub cell: Cell,
    /// 1-based step; 0 for a final read.
    pub step: usize,
    pub click: u32,
    pub purpose: Purpose,
    pub op: Op,
    /// The order the call is about, when known before sending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Krw>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<Seen>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Microseconds from invoke to completion (completions only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_us: Option<u64>,
    /// Direct mode: the PG's raw exchanges behind the canonical answer (secrets redacted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pg_exchanges: Vec<crate::pg::Exchange>,
}

/// What a PG ledger held for an order right after a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub cell: Cell,
    pub step: usize,
    pub order_id: String,
    pub pg_approvals: u32,
    pub pg_cancels: u32,
}

/// The run's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    pub run_id: String,
    pub started_at: String,
    /// `platform` or `direct`.
    pub mode: String,
    pub target: String,
    pub profile: String,
    pub scenarios: Vec<String>,
    pub pgs: Vec<PgName>,
    pub repeat: u32,
    /// Whether the PGs are paydrill fakes whose ledgers can be read.
    pub pg_observable: bool,
    /// Whether PG faults were drawn at random rates: step expectations then cannot hold and
    /// only the invariants are checked.
    #[serde(default)]
    pub random_faults: bool,
}

/// One PG's ledger at the end of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerSnapshot {
    pub pg: PgName,
    pub payments: Vec<LedgerPayment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunEnd {
    pub finished_at: String,
    /// Interrupted before every cell finished.
    pub partial: bool,
}

/// A request a PG fake received (from wiremock's journal), kept as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PgRequest {
    pub pg: PgName,
    pub method: String,
    pub path: String,
    pub body: String,
}

/// One line of `history.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Run(RunInfo),
    Call(Box<CallEvent>),
    Observe(Observation),
    Ledger(LedgerSnapshot),
    PgRequest(PgRequest),
    /// A cell ran to its end (an interrupted run checks only these).
    CellEnd(Cell),
    End(RunEnd),
}

/// A completed call: its invoke and completion joined.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub id: u64,
    pub phase: Phase,
    pub invoked_at: String,
    pub completed_at: Option<String>,
    pub cell: Cell,
    pub step: usize,
    pub click: u32,
    pub purpose: Purpose,
    pub op: Op,
    pub order_id: Option<String>,
    pub idempotency_key: Option<String>,
    pub amount: Option<Krw>,
    pub request: Option<RequestRecord>,
    pub response: Option<ResponseRecord>,
    pub seen: Seen,
    pub error: Option<String>,
    pub latency_us: Option<u64>,
    pub pg_exchanges: Vec<crate::pg::Exchange>,
}

impl Call {
    /// Whether the target answered with its view of things: accepted, or a 2xx that still says
    /// the outcome is unknown.
    pub fn answered(&self) -> bool {
        self.phase == Phase::Ok || self.response.as_ref().is_some_and(|r| (200..300).contains(&r.status))
    }
}

/// A whole history in memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub events: Vec<Event>,
}

impl History {
    pub fn run(&self) -> Option<&RunInfo> {
        self.events.iter().find_map(|e| match e {
            Event::Run(r) => Some(r),
            _ => None,
        })
    }

    pub fn partial(&self) -> bool {
        !self.events.iter().any(|e| matches!(e, Event::End(end) if !end.partial))
    }

    /// Every call, invoke joined with completion, in invoke order. A call with no completion
    /// (an interrupted run) is `info`: its outcome is unknown.
    pub fn calls(&self) -> Vec<Call> {
        let mut calls: Vec<Call> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for event in &self.events {
            let Event::Call(c) = event else { continue };
            if c.phase == Phase::Invoke {
                index.insert(c.id, calls.len());
                calls.push(Call {
                    id: c.id,
                    phase: Phase::Info,
                    invoked_at: c.at.clone(),
                    completed_at: None,
                    cell: c.cell.clone(),
                    step: c.step,
                    click: c.click,
                    purpose: c.purpose,
                    op: c.op,
                    order_id: c.order_id.clone(),
                    idempotency_key: c.idempotency_key.clone(),
                    amount: c.amount,
                    request: c.request.clone(),
                    response: None,
                    seen: Seen::default(),
                    error: Some("no completion recorded (interrupted)".into()),
                    latency_us: None,
                    pg_exchanges: Vec::new(),
                });
            } else if let Some(&i) = index.get(&c.id) {
                let call = &mut calls[i];
                call.phase = c.phase;
                call.completed_at = Some(c.at.clone());
                call.response = c.response.clone();
                call.seen = c.seen.clone().unwrap_or_default();
                call.error = c.error.clone();
                call.latency_us = c.latency_us;
                call.pg_exchanges = c.pg_exchanges.clone();
            }
        }
        calls
    }

    /// The cells that ran to their end.
    pub fn finished_cells(&self) -> std::collections::BTreeSet<Cell> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::CellEnd(c) => Some(c.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn observations(&self) -> impl Iterator<Item = &Observation> {
        self.events.iter().filter_map(|e| match e {
            Event::Observe(o) => Some(o),
            _ => None,
        })
    }

    /// Every PG payment the history's ledger snapshots hold, per PG, each once (the latest
    /// snapshot of a payment wins), sorted by merchant order id.
    pub fn ledger_payments(&self) -> std::collections::BTreeMap<PgName, Vec<LedgerPayment>> {
        let mut by_pg: std::collections::BTreeMap<PgName, std::collections::BTreeMap<String, LedgerPayment>> =
            Default::default();
        for l in self.ledgers() {
            let payments = by_pg.entry(l.pg).or_default();
            for p in &l.payments {
                payments.insert(p.pg_payment_id.clone(), p.clone());
            }
        }
        by_pg
            .into_iter()
            .map(|(pg, payments)| {
                let mut list: Vec<_> = payments.into_values().collect();
                list.sort_by(|a, b| {
                    (&a.merchant_order_id, &a.pg_payment_id).cmp(&(&b.merchant_order_id, &b.pg_payment_id))
                });
                (pg, list)
            })
            .collect()
    }

    pub fn ledgers(&self) -> impl Iterator<Item = &LedgerSnapshot> {
        self.events.iter().filter_map(|e| match e {
            Event::Ledger(l) => Some(l),
            _ => None,
        })
    }

    pub fn pg_requests(&self) -> impl Iterator<Item = &PgRequest> {
        self.events.iter().filter_map(|e| match e {
            Event::PgRequest(r) => Some(r),
            _ => None,
        })
    }

    /// Reads `history.jsonl`; a bad line is reported with its number.
    pub fn read(path: &Path) -> Result<History, crate::input::InputError> {
        let file = std::fs::File::open(path)
            .map_err(|e| crate::input::InputError::new(path, None, format!("cannot read: {e}")))?;
        let mut events = Vec::new();
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| crate::input::InputError::new(path, Some(i + 1), e.to_string()))?;
            if line.trim().is_empty() {
                continue;
            }
            let event = serde_json::from_str(&line)
                .map_err(|e| crate::input::InputError::new(path, Some(i + 1), format!("not a history event: {e}")))?;
            events.push(event);
        }
        Ok(History { events })
    }
}

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
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
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

/// Current time, RFC 3339 UTC.
pub fn now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
