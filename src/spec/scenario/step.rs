//! A scenario's step: what it is ([`Step`], its [`Expect`]ations and scripted fault), the
//! `[[steps]]` table as written, and how one becomes the other — each key checked against the
//! op (an amount where one is needed, a fault or webhook only on a PG call, expectations that
//! can hold), with the line of whatever is wrong.

use crate::input::line_of;
use crate::pg::{Krw, MAX_ORDER_AMOUNT};
use crate::spec::fault::Fault;
use crate::spec::op::{Op, STATES};
use crate::spec::webhook::{WebhookScript, WebhookTable};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// What a step's answers must be: `ok` (accepted), `rejected` (refused), or `any`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Rejected,
    Any,
}

/// A step's expectations; each is checked only when given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub status: Option<String>,
    pub balance: Option<Krw>,
    pub outcome: Option<Outcome>,
    /// How many distinct order ids the step's answers may carry (clicks on create).
    pub distinct_orders: Option<u32>,
    /// How many approvals the PG ledger holds for this order after the step.
    pub pg_approvals: Option<u32>,
    /// How many cancels the PG ledger holds for this order after the step.
    pub pg_cancels: Option<u32>,
}

impl Expect {
    pub fn is_empty(&self) -> bool {
        *self == Expect::default()
    }
}

/// A fault scripted on this step's PG call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepFault {
    pub fault: Fault,
    /// How many of the order's calls it hits (retries included).
    pub times: u32,
}

/// One step of a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// 1-based position in the scenario.
    pub index: usize,
    /// Line of the step's `[[steps]]` table in its file.
    pub line: usize,
    pub op: Op,
    pub amount: Option<Krw>,
    /// Send the request this many times.
    pub clicks: u32,
    /// Release the clicks at one barrier, truly concurrently.
    pub together: bool,
    /// Give every click its own idempotency key (separate intents) instead of one.
    pub distinct_keys: bool,
    /// Send the clicks this far apart, without waiting for answers (a retry while the first
    /// is still in flight).
    pub stagger: Option<std::time::Duration>,
    /// Send without an idempotency key.
    pub no_key: bool,
    /// Pause this long before the step.
    pub wait: Option<std::time::Duration>,
    pub fault: Option<StepFault>,
    /// How the webhook this step's PG event sends is delivered.
    pub webhook: Option<WebhookScript>,
    /// Send with the idempotency key of this earlier step (1-based) — a reused key.
    pub reuse_key: Option<usize>,
    pub expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStep {
    op: Spanned<String>,
    amount: Option<Spanned<i64>>,
    clicks: Option<Spanned<i64>>,
    #[serde(default)]
    together: bool,
    #[serde(default)]
    distinct_keys: bool,
    stagger: Option<Spanned<String>>,
    #[serde(default)]
    no_key: bool,
    wait: Option<Spanned<String>>,
    fault: Option<Spanned<RawFault>>,
    webhook: Option<Spanned<RawWebhook>>,
    reuse_key: Option<Spanned<i64>>,
    expect: Option<Spanned<Expect>>,
}

/// A step's `fault`: a word (`"timeout"`) or a table. Read as a TOML value first, so a bad
/// table is named by its own field's message, not by serde's "no variant matched".
#[derive(Deserialize)]
#[serde(transparent)]
struct RawFault(toml::Value);

/// A step's `webhook`: a word (`"duplicate"`) or a table.
#[derive(Deserialize)]
#[serde(transparent)]
struct RawWebhook(toml::Value);

/// `timeout = true`, or how long the PG holds its answer (`"5s"`).
#[derive(Deserialize)]
#[serde(transparent)]
struct RawTimeout(toml::Value);

/// The value as a string or a table of `T`, with a message in words for anything else.
fn word_or_table<T: serde::de::DeserializeOwned>(value: toml::Value, what: &str) -> Result<Result<String, T>, String> {
    match value {
        toml::Value::String(word) => Ok(Ok(word)),
        table @ toml::Value::Table(_) => {
            table.try_into().map(Err).map_err(|e: toml::de::Error| format!("{what}: {}", e.message().trim()))
        }
        other => Err(format!("{what}: a word or a table, not the {} `{other}`", other.type_str())),
    }
}

/// Most times one scripted fault may hit.
const MOST_FAULT_TIMES: i64 = 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFaultTable {
    /// `true`, or how long the PG holds its answer (`"5s"`).
    timeout: Option<RawTimeout>,
    #[serde(default)]
    error: bool,
    #[serde(default)]
    reset: bool,
    #[serde(default)]
    malformed: bool,
    slow: Option<String>,
    times: Option<i64>,
}

impl RawFault {
    fn resolve(self) -> Result<StepFault, String> {
        let table: RawFaultTable = match word_or_table(self.0, "fault")? {
            Ok(word) => {
                let fault = match word.as_str() {
                    "timeout" => Fault::Timeout,
                    "error" => Fault::Error,
                    "reset" => Fault::Reset,
                    "malformed" => Fault::Malformed,
                    other => {
                        return Err(format!(
                            "unknown fault `{other}` (use timeout, error, reset, malformed, or {{ slow = \"2s\" }})"
                        ))
                    }
                };
                return Ok(StepFault { fault, times: 1 });
            }
            Err(t) => t,
        };
        let times = match table.times {
            None => 1,
            Some(n) if (1..=MOST_FAULT_TIMES).contains(&n) => n as u32,
            Some(n) => return Err(format!("fault.times = {n}: must be 1 to {MOST_FAULT_TIMES}")),
        };
        let mut chosen = Vec::new();
        match table.timeout.map(|t| t.0) {
            Some(toml::Value::Boolean(true)) => chosen.push(Fault::Timeout),
            Some(toml::Value::String(hold)) => chosen.push(Fault::TimeoutFor(
                crate::units::parse_duration(&hold).map_err(|m| format!("fault.timeout: {m}"))?,
            )),
            Some(toml::Value::Boolean(false)) | None => {}
            Some(other) => {
                return Err(format!(
                    "fault.timeout: `true` or how long the PG holds its answer (\"5s\"), not `{other}`"
                ))
            }
        }
        for (on, fault) in
            [(table.error, Fault::Error), (table.reset, Fault::Reset), (table.malformed, Fault::Malformed)]
        {
            if on {
                chosen.push(fault);
            }
        }
        if let Some(slow) = &table.slow {
            chosen.push(Fault::Slow(crate::units::parse_duration(slow).map_err(|m| format!("fault.slow: {m}"))?));
        }
        match chosen.as_slice() {
            [fault] => Ok(StepFault { fault: *fault, times }),
            [] => {
                Err("a fault needs one of timeout, error, reset, malformed = true, timeout = \"5s\" or slow = \"2s\""
                    .into())
            }
            _ => Err("a fault names exactly one kind".into()),
        }
    }
}

pub(super) fn build_step(index: usize, line: usize, raw: RawStep, text: &str) -> Result<Step, (usize, String)> {
    let at = |offset: usize| line_of(text, offset);
    let op_line = at(raw.op.span().start);
    let op = Op::parse(raw.op.get_ref()).ok_or_else(|| {
        (
            op_line,
            format!(
                "unknown op `{}` (known: create_order, approve, partial_cancel, cancel, inquire)",
                raw.op.get_ref()
            ),
        )
    })?;
    let amount = match raw.amount {
        Some(a) if !(1..=MAX_ORDER_AMOUNT).contains(a.get_ref()) => {
            return Err((
                at(a.span().start),
                format!("amount {} must be a whole number of won from 1 to {MAX_ORDER_AMOUNT}", a.get_ref()),
            ))
        }
        Some(a) => Some(*a.get_ref()),
        None => None,
    };
    match (op, amount) {
        (Op::CreateOrder | Op::PartialCancel, None) => {
            return Err((op_line, format!("`{}` needs an amount", op.as_str())))
        }
        (Op::Approve | Op::Cancel | Op::Inquire, Some(_)) => {
            return Err((op_line, format!("`{}` takes no amount", op.as_str())));
        }
        _ => {}
    }
    let clicks = match raw.clicks {
        Some(c) if *c.get_ref() < 1 || *c.get_ref() > 1000 => {
            return Err((at(c.span().start), format!("clicks = {}: must be between 1 and 1000", c.get_ref())))
        }
        Some(c) => *c.get_ref() as u32,
        None => 1,
    };
    if (raw.together || raw.distinct_keys) && clicks < 2 {
        return Err((line, "`together` and `distinct_keys` need clicks of 2 or more".into()));
    }
    if raw.distinct_keys && op == Op::CreateOrder {
        return Err((
            line,
            "`distinct_keys` on create_order would make separate orders; use separate scenarios".into(),
        ));
    }
    let fault = match raw.fault {
        Some(f) => {
            let f_line = at(f.span().start);
            if !matches!(op, Op::Approve | Op::PartialCancel | Op::Cancel | Op::Inquire) {
                return Err((
                    f_line,
                    "a fault applies to a PG call: approve, partial_cancel, cancel or inquire".into(),
                ));
            }
            Some(f.into_inner().resolve().map_err(|m| (f_line, m))?)
        }
        None => None,
    };
    let webhook = match raw.webhook {
        Some(w) => {
            let w_line = at(w.span().start);
            if !matches!(op, Op::Approve | Op::PartialCancel | Op::Cancel) {
                return Err((w_line, "a webhook follows a PG event: approve, partial_cancel or cancel".into()));
            }
            let script = match word_or_table::<WebhookTable>(w.into_inner().0, "webhook") {
                Ok(Ok(word)) => WebhookScript::word(&word),
                Ok(Err(table)) => table.resolve(),
                Err(m) => Err(m),
            };
            Some(script.map_err(|m| (w_line, m))?)
        }
        None => None,
    };
    let expect = match raw.expect {
        Some(e) => {
            let e_line = at(e.span().start);
            let expect = e.into_inner();
            check_expect(op, amount, clicks, &expect).map_err(|m| (e_line, m))?;
            expect
        }
        None => Expect::default(),
    };
    let reuse_key = match raw.reuse_key {
        Some(r) if *r.get_ref() < 1 || *r.get_ref() as usize >= index => {
            return Err((
                at(r.span().start),
                format!("reuse_key = {}: must name an earlier step (1 to {})", r.get_ref(), index - 1),
            ))
        }
        Some(r) => Some(*r.get_ref() as usize),
        None => None,
    };
    if reuse_key.is_some() && raw.distinct_keys {
        return Err((line, "`reuse_key` and `distinct_keys` contradict each other".into()));
    }
    let duration = |d: Option<Spanned<String>>, what: &str| -> Result<Option<std::time::Duration>, (usize, String)> {
        d.map(|d| crate::units::parse_duration(d.get_ref()).map_err(|m| (at(d.span().start), format!("{what}: {m}"))))
            .transpose()
    };
    let stagger = duration(raw.stagger, "stagger")?;
    let wait = duration(raw.wait, "wait")?;
    if stagger.is_some() && (clicks < 2 || raw.together) {
        return Err((line, "`stagger` spaces out clicks: it needs clicks of 2 or more, and not `together`".into()));
    }
    if raw.no_key && (reuse_key.is_some() || raw.distinct_keys) {
        return Err((line, "`no_key` sends no key: it takes no `reuse_key` or `distinct_keys`".into()));
    }
    Ok(Step {
        index,
        line,
        op,
        amount,
        clicks,
        together: raw.together,
        distinct_keys: raw.distinct_keys,
        stagger,
        no_key: raw.no_key,
        wait,
        fault,
        webhook,
        reuse_key,
        expect,
    })
}

/// Expectations that cannot hold whatever the platform does.
fn check_expect(op: Op, amount: Option<Krw>, clicks: u32, e: &Expect) -> Result<(), String> {
    if let Some(status) = &e.status {
        if !STATES.contains(&status.as_str()) {
            return Err(format!("expect.status `{status}` is not a payment state ({})", STATES.join(", ")));
        }
        if e.outcome == Some(Outcome::Rejected) && op == Op::CreateOrder {
            return Err("a rejected create_order has no status to expect".into());
        }
    }
    if let Some(b) = e.balance {
        if b < 0 {
            return Err(format!("expect.balance = {b}: a balance is never negative"));
        }
        if op == Op::CreateOrder && b != 0 {
            return Err(format!("expect.balance = {b}: a new order has balance 0"));
        }
        if let (Op::CreateOrder, Some(a)) = (op, amount) {
            if b > a {
                return Err(format!("expect.balance = {b} exceeds the order amount {a}"));
            }
        }
    }
    if let Some(n) = e.distinct_orders {
        if op != Op::CreateOrder {
            return Err("expect.distinct_orders applies to create_order".into());
        }
        if n < 1 || n > clicks {
            return Err(format!("expect.distinct_orders = {n}: must be between 1 and clicks ({clicks})"));
        }
    }
    if e.pg_approvals.is_some_and(|n| n > clicks.max(1)) && op == Op::Approve {
        return Err("expect.pg_approvals exceeds the number of approve clicks".into());
    }
    Ok(())
}
