//! Bugs the reference platform can be told to have (`--defect NAME`), each a real-world payment
//! bug, so the test suite can prove every checker catches the bug it exists for.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Defect {
    /// create ignores the idempotency key: every click makes a new order.
    NoIdempotency,
    /// create checks for the key, then inserts, without the UNIQUE constraint: duplicates
    /// only under concurrency.
    RacyCreate,
    /// the cancel balance check happens outside the per-payment serialisation, and the cancel
    /// is written ahead of the PG call: racing cancels drive the balance below zero.
    RacyCancel,
    /// a retry after a PG timeout approves again (under a new merchant order id) without
    /// inquiring first.
    DoubleChargeOnRetry,
    /// acknowledges the order, then (for every fourth order) loses it.
    AckBeforeCommit,
    /// a replay answers with another order id.
    StaleReplay,
    /// stores a cancel as a positive amount, so balance and settlement drift.
    WrongCancelSign,
    /// marks a payment cancelled without calling the PG.
    SkipPgCancel,
    /// takes every copy of a PG cancel webhook as a new cancel (no event dedupe, no check of
    /// what is already recorded), so duplicated webhooks cancel money twice.
    WebhookDoubleApply,
    /// never asks the PG about an approval whose outcome is unknown (no real-time inquiry, on
    /// a read or a retry): the payment stays UNKNOWN however long one waits.
    NoInquiry,
    /// a cancel whose PG call failed is answered "unknown" and forgotten: never inquired,
    /// parked or retried, so a cancel the PG did carry out never reaches the platform's books.
    CancelLost,
}

impl Defect {
    pub const ALL: [Defect; 11] = [
        Defect::NoIdempotency,
        Defect::RacyCreate,
        Defect::RacyCancel,
        Defect::DoubleChargeOnRetry,
        Defect::AckBeforeCommit,
        Defect::StaleReplay,
        Defect::WrongCancelSign,
        Defect::SkipPgCancel,
        Defect::WebhookDoubleApply,
        Defect::NoInquiry,
        Defect::CancelLost,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Defect::NoIdempotency => "no-idempotency",
            Defect::RacyCreate => "racy-create",
            Defect::RacyCancel => "racy-cancel",
            Defect::DoubleChargeOnRetry => "double-charge-on-retry",
            Defect::AckBeforeCommit => "ack-before-commit",
            Defect::StaleReplay => "stale-replay",
            Defect::WrongCancelSign => "wrong-cancel-sign",
            Defect::SkipPgCancel => "skip-pg-cancel",
            Defect::WebhookDoubleApply => "webhook-double-apply",
            Defect::NoInquiry => "no-inquiry",
            Defect::CancelLost => "cancel-lost",
        }
    }
}

impl fmt::Display for Defect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Defect {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Defect::ALL.into_iter().find(|d| d.name() == s).ok_or_else(|| {
            let names: Vec<_> = Defect::ALL.iter().map(|d| d.name()).collect();
            format!("unknown defect `{s}` (known: {})", names.join(", "))
        })
    }
}
