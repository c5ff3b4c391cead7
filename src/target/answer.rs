//! What every target gives back for one op — the request as sent, the answer, the canonical
//! fields read from it and how it ended — and the [`Transport`] a driver may hand a target to
//! carry its HTTP requests.

use crate::pg::RawExchange;
use crate::record::{AnswerFields, Phase, RequestRecord, ResponseRecord};
use crate::spec::Op;

/// One op's result, ready to record.
#[derive(Debug, Clone)]
pub struct TargetAnswer {
    pub request: RequestRecord,
    pub response: Option<ResponseRecord>,
    pub seen: AnswerFields,
    pub phase: Phase,
    pub error: Option<String>,
    /// The raw exchanges behind the answer (direct mode's PG calls, polls, retried attempts).
    pub raw: Vec<RawExchange>,
    /// For clicks released together: when the last byte went out, and when the server (where
    /// it is paydrill's) says the request arrived, in ns since the epoch.
    pub released_ns: Option<u64>,
    pub arrived_ns: Option<u64>,
}

/// Sends a built HTTP request somewhere else than paydrill's own client — under load, through
/// a goose user, so every op is a named request in goose's metrics.
pub trait Transport: Sync {
    fn send(
        &self,
        op: Op,
        request: reqwest::RequestBuilder,
    ) -> futures::future::BoxFuture<'_, Result<reqwest::Response, String>>;
}

/// A request built and ready to send, with what the invoke event records of it (credentials
/// masked).
pub struct Prepared {
    pub record: RequestRecord,
    pub(super) headers: Vec<(String, String)>,
    /// The URL and body as sent, credentials and all.
    pub(super) sendable: Option<(String, String)>,
    /// Which of the op's profile forms it is.
    pub(super) form: Option<usize>,
}

impl Prepared {
    /// A request that is only a record: direct mode builds its PG calls itself, and an op no
    /// form can send is answered without a request.
    pub fn record_only(record: RequestRecord) -> Prepared {
        Prepared { record, headers: Vec::new(), sendable: None, form: None }
    }

    /// Which of the op's profile forms this is (0 is the first), when a profile built it.
    pub fn form(&self) -> Option<usize> {
        self.form
    }
}
