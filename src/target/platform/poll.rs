//! Asynchronous ops: an answer that says the work goes on (a 202 with a status URL in a header
//! or the body) is polled with backoff until the profile's `done` or `failed` value, or its
//! deadline, when the outcome counts as unknown.

use super::target::{transport_failure, PlatformTarget, Received};
use crate::pg::RawExchange;
use crate::record::{cap, Phase, RequestRecord};
use crate::spec::{Means, Op, OpForm};
use crate::target::answer::TargetAnswer;
use crate::target::answer::Transport;
use serde_json::Value;
use std::time::{Duration, Instant};

impl PlatformTarget {
    /// Polls the status URL of an asynchronous answer until the form's `done` or `failed`
    /// value, or the deadline (then the outcome is unknown). The polls are kept as exchanges.
    pub(super) async fn follow(
        &self,
        op: Op,
        form: &OpForm,
        first: Received,
        request: RequestRecord,
        raw: &mut Vec<RawExchange>,
        via: Option<&dyn Transport>,
    ) -> (Means, TargetAnswer) {
        let poll = form.poll.as_ref().expect("called for a form that polls");
        let first_json: Option<Value> = serde_json::from_str(&first.body).ok();
        let status_url = match (&poll.url_header, &poll.url_pointer) {
            (Some(_), _) => first.location.clone(),
            (None, Some(p)) => {
                first_json.as_ref().and_then(|v| v.pointer(p)).and_then(Value::as_str).map(str::to_string)
            }
            (None, None) => None,
        };
        let Some(status_url) = status_url else {
            let mut answer = self.answer(form, request, first, Means::Accepted).1;
            answer.phase = Phase::Info;
            answer.error = Some("an asynchronous answer without the status URL the profile says it carries".into());
            return (Means::Unknown, answer);
        };
        let url = if status_url.starts_with("http://") || status_url.starts_with("https://") {
            status_url
        } else {
            format!(
                "{}{}",
                self.base_url,
                if status_url.starts_with('/') { status_url } else { format!("/{status_url}") }
            )
        };
        raw.push(RawExchange {
            method: request.method.clone(),
            url: request.url.clone(),
            request_body: request.body.clone(),
            status: Some(first.status),
            response_body: Some(cap(self.profile.redact(&first.body))),
            error: None,
            elapsed_ms: 0,
        });
        let started = Instant::now();
        let mut pause = poll.interval;
        loop {
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(500));
            let polled = self.exchange(op, "GET", &url, &[], "", via).await;
            let poll_record =
                RequestRecord { method: "GET".into(), url: self.profile.redact(&url), body: String::new() };
            match polled {
                Ok(r) => {
                    let value = serde_json::from_str::<Value>(&r.body).ok().and_then(|v| {
                        v.pointer(&poll.until_pointer).map(|x| match x {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                    });
                    let done = value.as_ref().is_some_and(|v| poll.done.contains(v));
                    let failed = value.as_ref().is_some_and(|v| poll.failed.contains(v));
                    if done || failed {
                        let at_least = if failed { Means::Refused } else { Means::Accepted };
                        return self.answer(form, request, r, at_least);
                    }
                    if started.elapsed() > poll.deadline {
                        let (_, mut answer) = self.answer(form, request, r, Means::Accepted);
                        answer.phase = Phase::Info;
                        answer.error = Some(format!("still not final after {:?} of polling {url}", poll.deadline));
                        return (Means::Unknown, answer);
                    }
                    raw.push(RawExchange {
                        method: "GET".into(),
                        url: poll_record.url,
                        request_body: String::new(),
                        status: Some(r.status),
                        response_body: Some(cap(self.profile.redact(&r.body))),
                        error: None,
                        elapsed_ms: started.elapsed().as_millis() as u64,
                    });
                }
                Err(e) if started.elapsed() > poll.deadline => return transport_failure(request, e),
                Err(_) => {}
            }
        }
    }
}
