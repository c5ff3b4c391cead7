//! The schema of `history.jsonl`: one [`Event`] per line — the run's header, every call's
//! invoke and completion, ledger observations, the PGs' ledgers and requests, and the end.

use crate::pg::{DrawnFault, Krw, LedgerPayment, PgName, RawExchange, WebhookDelivery};
use crate::spec::Op;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The method a read of a PG ledger is recorded with, where the platform has no read of its own.
pub const LEDGER_READ: &str = "PG-LEDGER";

/// Bodies kept in the history are cut to this many bytes.
pub const BODY_CAP: usize = 4096;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
pub struct AnswerFields {
    pub order_id: Option<String>,
    pub payment_id: Option<String>,
    pub status: Option<String>,
    pub balance: Option<Krw>,
    pub amount: Option<Krw>,
    /// The platform's own code and message in a refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
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
    /// Which of the op's profile forms sent it (0 is the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<AnswerFields>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Microseconds from invoke to completion (completions only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_us: Option<u64>,
    /// The raw exchanges behind the canonical answer (secrets redacted): direct mode's PG
    /// calls, an asynchronous op's polls, the attempts a platform answered "in progress", the
    /// other reads a final read merged.
    #[serde(default, skip_serializing_if = "Vec::is_empty", alias = "pg_exchanges")]
    pub exchanges: Vec<RawExchange>,
    /// Clicks released together: when the last byte went out, and when the server (where it is
    /// paydrill's) says the request arrived, in ns since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_ns: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrived_ns: Option<u64>,
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

/// What a run drilled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A platform through a profile (`run`).
    Platform,
    /// The PGs themselves through paydrill's PG clients (`run --direct`).
    Direct,
    /// A platform under an arrival rate (`load`).
    Load,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Platform => "platform",
            Mode::Direct => "direct",
            Mode::Load => "load",
        }
    }
}

/// The run's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    pub run_id: String,
    pub started_at: String,
    pub mode: Mode,
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

/// paydrill, playing the customer, authorised a payment at a PG fake (the PG's browser window).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerStep {
    pub cell: Cell,
    /// The step that needed the key.
    pub step: usize,
    /// The merchant order id the payment was authorised for.
    pub order_id: String,
    pub amount: Krw,
    /// The key the PG issued, or why none came.
    pub payment_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A cell that did not run, or ran without what it exists to test, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellNote {
    pub cell: Cell,
    pub kind: CellNoteKind,
    pub why: String,
}

/// Why a cell's result is not a pass or a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellNoteKind {
    /// The scenario needs an op the platform does not have: the cell did not run.
    NotSupported,
    /// It ran, but what it exists to test did not happen (a scripted fault never reached the PG).
    NotExercised,
}

/// After an unknown outcome (a timeout, a reset, a 5xx, an "unknown" answer): how long the
/// platform took to show what its PG's ledger holds, read again and again until it did or the
/// deadline passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Convergence {
    pub cell: Cell,
    pub order_id: String,
    /// From the first unknown outcome's answer to the read that agreed (or the last read).
    pub after_ms: u64,
    pub converged: bool,
    pub reads: u32,
    /// The deadline it had (`--converge-within`).
    pub within_ms: u64,
    /// What the PG's ledger held, and what the platform last showed.
    pub pg: String,
    pub platform: String,
}

/// One line of `history.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Run(RunInfo),
    Call(Box<CallEvent>),
    Observe(Observation),
    Authorized(CustomerStep),
    /// A cell not supported by the target, or not exercised.
    Note(CellNote),
    Ledger(LedgerSnapshot),
    PgRequest(PgRequest),
    /// A PG webhook delivery attempt, as the fake logged it.
    Webhook(WebhookDelivery),
    /// A fault a PG fake drew at its random rates, and what its call named.
    FaultDrawn(DrawnFault),
    /// A cell ran to its end (an interrupted run checks only these).
    CellEnd(Cell),
    /// How an order's unknown outcome converged (or did not).
    Converge(Convergence),
    End(RunEnd),
}

/// Cuts a body to [`BODY_CAP`] bytes on a character boundary.
pub fn cap(mut body: String) -> String {
    if body.len() > BODY_CAP {
        let mut end = BODY_CAP;
        while !body.is_char_boundary(end) {
            end -= 1;
        }
        body.truncate(end);
        body.push_str("…[cut]");
    }
    body
}

/// Current time, RFC 3339 UTC.
pub fn now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
