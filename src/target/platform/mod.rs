//! A platform reached over HTTP through a profile: picks the op's form whose variables are
//! known, sends it (again while the platform says "in progress", following a status URL while
//! it says "accepted, working"), reads the canonical fields out of the answer, and says what the
//! answer means. Knows nothing of scenarios.

mod poll;
mod target;

pub use target::PlatformTarget;
use target::{transport_failure, Received};

use super::answer::{Prepared, TargetAnswer, Transport};
use super::last_byte::{can_release, release_together, RawRequest};
use super::minted::{local, MintedOrders};
use super::net::describe_error;
use crate::pg::RawExchange;
use crate::record::{cap, AnswerFields, Phase, RequestRecord, ResponseRecord};
use crate::spec::{Means, Op, OpForm, Profile, Vars};
use serde_json::Value;
use std::time::{Duration, Instant};

/// How long paydrill keeps sending a request the platform answers "in progress".
const RETRY_DEADLINE: Duration = Duration::from_secs(5);

impl PlatformTarget {
    pub fn new(base_url: &str, profile: Profile, timeout: Duration, run_id: &str) -> PlatformTarget {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(3))
            .pool_max_idle_per_host(256)
            .build()
            .expect("reqwest client with static settings");
        PlatformTarget {
            base_url: base_url.trim_end_matches('/').to_string(),
            profile: Box::new(profile),
            http,
            timeout,
            minted: MintedOrders::new(&format!("pd-{run_id}")),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The request `op` sends with `vars`: the first form whose variables are known.
    pub fn prepare(&self, op: Op, vars: &Vars<'_>) -> Prepared {
        let vars = Vars { env: Some(&self.profile.env), ..vars.clone() };
        match self.profile.forms(op).iter().position(|f| vars.knows_all(f.vars.iter())) {
            Some(index) => self.prepare_form(op, index, &vars),
            None => {
                let what = if op == Op::CreateOrder && self.profile.mints_orders() { "MINT" } else { "NONE" };
                Prepared::record_only(RequestRecord {
                    method: what.into(),
                    url: op.as_str().into(),
                    body: String::new(),
                })
            }
        }
    }

    /// Sends a prepared request (through `via` when given) and says what its answer means.
    pub async fn send(&self, op: Op, prepared: Prepared, vars: &Vars<'_>, via: Option<&dyn Transport>) -> TargetAnswer {
        self.send_after(op, prepared, vars, via, None).await
    }

    /// Sends clicks released together with last-byte synchronisation (plain HTTP), then
    /// handles each answer as [`PlatformTarget::send`] would.
    pub async fn send_together(&self, op: Op, clicks: Vec<(Prepared, Vars<'_>)>) -> Vec<TargetAnswer> {
        let raw_requests: Option<Vec<RawRequest>> = clicks
            .iter()
            .map(|(p, _)| {
                let form = self.profile.forms(op).get(p.form?)?;
                let (url, body) = p.sendable.clone()?;
                can_release(&url).then(|| RawRequest {
                    method: form.method.clone(),
                    url,
                    headers: p.headers.clone(),
                    body,
                })
            })
            .collect();
        let Some(raw_requests) = raw_requests else {
            // Not all sendable over plain HTTP: release them at one barrier instead.
            let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(clicks.len()));
            return futures::future::join_all(clicks.into_iter().map(|(p, v)| {
                let barrier = barrier.clone();
                async move {
                    barrier.wait().await;
                    self.send(op, p, &v, None).await
                }
            }))
            .await;
        };
        let released = release_together(&raw_requests, self.timeout).await;
        let mut answers = Vec::with_capacity(clicks.len());
        for ((prepared, vars), (got, released_ns)) in clicks.into_iter().zip(released) {
            let first = got.map(|r| Received {
                status: r.status,
                replayed: self
                    .profile
                    .replay_header
                    .as_deref()
                    .and_then(|h| r.header(&h.to_ascii_lowercase()))
                    .is_some_and(|v| v.eq_ignore_ascii_case("true")),
                location: r.header("location").map(str::to_string),
                arrived_ns: self
                    .profile
                    .arrival_header
                    .as_deref()
                    .and_then(|h| r.header(h))
                    .and_then(|v| v.parse().ok()),
                body: r.body,
            });
            let mut answer = self.send_after(op, prepared, &vars, None, Some(first)).await;
            answer.released_ns = Some(released_ns);
            answers.push(answer);
        }
        answers
    }

    /// [`PlatformTarget::send`], where the first attempt's answer may already be in hand.
    async fn send_after(
        &self,
        op: Op,
        prepared: Prepared,
        vars: &Vars<'_>,
        via: Option<&dyn Transport>,
        mut first: Option<Result<Received, String>>,
    ) -> TargetAnswer {
        let Some(form) = prepared.form.map(|i| &self.profile.forms(op)[i]) else {
            return self.unsendable(op, prepared.record, vars);
        };
        let Some((url, body)) = prepared.sendable.clone() else {
            return self.unsendable(op, prepared.record, vars);
        };
        let mut raw = Vec::new();
        let started = Instant::now();
        loop {
            let received = match first.take() {
                Some(got) => got,
                None => self.exchange(op, &form.method, &url, &prepared.headers, &body, via).await,
            };
            let answer = match received {
                Ok(r) if form.poll.as_ref().is_some_and(|p| p.when_status == r.status) => {
                    self.follow(op, form, r, prepared.record.clone(), &mut raw, via).await
                }
                Ok(r) => self.answer(form, prepared.record.clone(), r, Means::Accepted),
                Err(e) => transport_failure(prepared.record.clone(), e),
            };
            if answer.0 != Means::Retry || started.elapsed() > RETRY_DEADLINE {
                let mut answer = answer.1;
                answer.raw.splice(0..0, raw);
                return answer;
            }
            // In progress: the first attempt stays in flight on the platform; ask again.
            raw.push(as_exchange(&answer.1, started.elapsed()));
            tokio::time::sleep(Duration::from_millis(20 * (raw.len() as u64).min(10))).await;
        }
    }

    /// The read at the end of a scenario: every inquire form whose variables are known, each
    /// field taken from the first read that shows it (a payment read's balance and an order
    /// read's status, say). The other reads are kept as the answer's exchanges.
    pub async fn final_read(&self, vars: &Vars<'_>, via: Option<&dyn Transport>) -> TargetAnswer {
        let vars = Vars { env: Some(&self.profile.env), ..vars.clone() };
        let usable: Vec<usize> = (0..self.profile.forms(Op::Inquire).len())
            .filter(|i| vars.knows_all(self.profile.forms(Op::Inquire)[*i].vars.iter()))
            .collect();
        let mut merged: Option<TargetAnswer> = None;
        for index in usable {
            let prepared = self.prepare_form(Op::Inquire, index, &vars);
            let answer = self.send(Op::Inquire, prepared, &vars, via).await;
            merged = Some(match merged {
                None => answer,
                Some(mut first) => {
                    if first.phase != Phase::Ok && answer.phase == Phase::Ok {
                        let earlier = as_exchange(&first, Duration::ZERO);
                        let mut answer = answer;
                        answer.seen = fill_gaps(answer.seen, &first.seen);
                        answer.raw.insert(0, earlier);
                        answer
                    } else {
                        first.seen = fill_gaps(first.seen, &answer.seen);
                        first.raw.push(as_exchange(&answer, Duration::ZERO));
                        first
                    }
                }
            });
        }
        match merged {
            Some(answer) => answer,
            None => self.unsendable(
                Op::Inquire,
                RequestRecord { method: "NONE".into(), url: "inquire".into(), body: String::new() },
                &vars,
            ),
        }
    }

    fn prepare_form(&self, op: Op, index: usize, vars: &Vars<'_>) -> Prepared {
        let form = &self.profile.forms(op)[index];
        let url = format!("{}{}", self.base_url, vars.fill(&form.path));
        // A request sent without an idempotency key leaves the key's header out.
        let headers = form
            .headers
            .iter()
            .filter(|(_, v)| vars.idempotency_key.is_some() || !v.contains("{idempotency_key}"))
            .map(|(k, v)| (k.clone(), vars.fill(v)))
            .collect();
        let body = form.body.as_ref().map(|b| vars.fill_json(b).to_string()).unwrap_or_default();
        let record = RequestRecord {
            method: form.method.clone(),
            url: self.profile.redact(&url),
            body: self.profile.redact(&body),
        };
        Prepared { record, headers, sendable: Some((url, body)), form: Some(index) }
    }

    /// An op no form can send: minted when it is a create the platform lacks, else refused here.
    fn unsendable(&self, op: Op, request: RequestRecord, vars: &Vars<'_>) -> TargetAnswer {
        if op == Op::CreateOrder && self.profile.mints_orders() {
            return self.minted.mint(request, vars).0;
        }
        let why = if self.profile.supports(op) {
            let forms: Vec<String> =
                self.profile.forms(op).iter().map(|f| f.vars.iter().cloned().collect::<Vec<_>>().join(", ")).collect();
            format!(
                "not sent: every form of {} needs a variable this call does not have ({})",
                op.as_str(),
                forms.join(" | ")
            )
        } else {
            format!("not sent: the platform has no {} (the profile lists none)", op.as_str())
        };
        local(request, 0, Phase::Fail, why, AnswerFields::default())
    }

    async fn exchange(
        &self,
        op: Op,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: &str,
        via: Option<&dyn Transport>,
    ) -> Result<Received, String> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::POST);
        let mut builder = self.http.request(method, url);
        for (k, v) in headers {
            builder = builder.header(k, v);
        }
        if !body.is_empty() {
            builder = builder.header("content-type", "application/json").body(body.to_string());
        }
        let resp = match via {
            Some(transport) => transport.send(op, builder).await?,
            None => builder.send().await.map_err(|e| describe_error(&e))?,
        };
        let status = resp.status().as_u16();
        let replayed = self
            .profile
            .replay_header
            .as_deref()
            .and_then(|h| resp.headers().get(h))
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
        let location = header_value(resp.headers(), "location");
        let arrived_ns = self
            .profile
            .arrival_header
            .as_deref()
            .and_then(|h| header_value(resp.headers(), h))
            .and_then(|v| v.parse().ok());
        let body = resp.text().await.map_err(|e| describe_error(&e))?;
        Ok(Received { status, body, replayed, location, arrived_ns })
    }

    /// Reads an answer through `form` and says what it means (`at_least` lets a poll's final
    /// "failed" value count as a refusal).
    fn answer(&self, form: &OpForm, request: RequestRecord, r: Received, at_least: Means) -> (Means, TargetAnswer) {
        let json: Option<Value> = serde_json::from_str(&r.body).ok();
        let seen = json.as_ref().map(|v| self.read(form, v)).unwrap_or_default();
        let means = match at_least {
            Means::Refused => Means::Refused,
            _ => self.profile.classify(r.status, json.as_ref(), seen.status.as_deref()),
        };
        let phase = match means {
            Means::Accepted => Phase::Ok,
            Means::Refused => Phase::Fail,
            Means::Unknown | Means::Retry => Phase::Info,
        };
        let answer = TargetAnswer {
            request,
            response: Some(ResponseRecord {
                status: r.status,
                body: cap(self.profile.redact(&r.body)),
                replayed: r.replayed,
            }),
            seen,
            phase,
            error: None,
            raw: Vec::new(),
            released_ns: None,
            arrived_ns: r.arrived_ns,
        };
        (means, answer)
    }

    fn read(&self, form: &OpForm, v: &Value) -> AnswerFields {
        let x = &form.extract;
        let text = |p: &crate::spec::profile::Pointers| {
            p.find(v).and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        let number = |p: &crate::spec::profile::Pointers| {
            p.find(v).and_then(|v| match v {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            })
        };
        AnswerFields {
            order_id: text(&x.order_id),
            payment_id: text(&x.payment_id),
            status: text(&x.status).map(|w| self.profile.canonical_status(&w)),
            balance: number(&x.balance),
            amount: number(&x.amount),
            error_code: text(&x.error_code),
            error_message: text(&x.error_message),
        }
    }
}

fn header_value(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// An answer kept as evidence behind another.
fn as_exchange(a: &TargetAnswer, elapsed: Duration) -> RawExchange {
    RawExchange {
        method: a.request.method.clone(),
        url: a.request.url.clone(),
        request_body: a.request.body.clone(),
        status: a.response.as_ref().map(|r| r.status),
        response_body: a.response.as_ref().map(|r| r.body.clone()),
        error: a.error.clone(),
        elapsed_ms: elapsed.as_millis() as u64,
    }
}

/// `base` with every field it lacks taken from `other`.
fn fill_gaps(base: AnswerFields, other: &AnswerFields) -> AnswerFields {
    AnswerFields {
        order_id: base.order_id.or_else(|| other.order_id.clone()),
        payment_id: base.payment_id.or_else(|| other.payment_id.clone()),
        status: base.status.or_else(|| other.status.clone()),
        balance: base.balance.or(other.balance),
        amount: base.amount.or(other.amount),
        error_code: base.error_code.or_else(|| other.error_code.clone()),
        error_message: base.error_message.or_else(|| other.error_message.clone()),
    }
}
