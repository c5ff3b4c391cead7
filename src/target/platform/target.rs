//! What a platform target holds (its base URL, profile, HTTP client, timeout and minted
//! orders), what one exchange with it received, and the answer when the transport failed.

use crate::record::{AnswerFields, Phase, RequestRecord};
use crate::spec::{Means, Profile};
use crate::target::answer::TargetAnswer;
use crate::target::minted::MintedOrders;
use std::time::Duration;

/// A platform reached over HTTP through a profile.
pub struct PlatformTarget {
    pub(super) base_url: String,
    pub(super) profile: Box<Profile>,
    pub(super) http: reqwest::Client,
    pub(super) timeout: Duration,
    /// Orders paydrill mints when the platform has no create route.
    pub(super) minted: MintedOrders,
}

/// One HTTP answer as received.
pub(super) struct Received {
    pub(super) status: u16,
    pub(super) body: String,
    pub(super) replayed: bool,
    pub(super) location: Option<String>,
    /// When the server says the request arrived (the profile's `arrival_header`).
    pub(super) arrived_ns: Option<u64>,
}

/// No answer at all: the outcome is unknown.
pub(super) fn transport_failure(request: RequestRecord, e: String) -> (Means, TargetAnswer) {
    let answer = TargetAnswer {
        request,
        response: None,
        seen: AnswerFields::default(),
        phase: Phase::Info,
        error: Some(e),
        raw: Vec::new(),
        released_ns: None,
        arrived_ns: None,
    };
    (Means::Unknown, answer)
}
