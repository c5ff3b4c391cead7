//! The canonical vocabulary every PG's wire format is translated into: money, statuses,
//! requests, payments as a PG reports them and as its books hold them, and errors sorted into
//! categories. Shared by the codecs, the fakes, the platform and the checkers.

use super::name::PgName;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;

/// Money: integer Korean won. Never floating point.
pub type Krw = i64;

/// The largest amount one order may carry: 10,000,000,000 won (100억 원). Sums of up to 900
/// million such orders fit in [`Krw`], so no money sum paydrill makes can wrap.
pub const MAX_ORDER_AMOUNT: Krw = 10_000_000_000;

/// Canonical payment status as a PG sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PgStatus {
    Ready,
    Paid,
    PartialCanceled,
    Canceled,
    Failed,
}

impl PgStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PgStatus::Ready => "READY",
            PgStatus::Paid => "PAID",
            PgStatus::PartialCanceled => "PARTIAL_CANCELED",
            PgStatus::Canceled => "CANCELED",
            PgStatus::Failed => "FAILED",
        }
    }

    /// The platform state this PG status stands for (the canonical payment states of a
    /// platform answer): what direct mode reports and what the checkers hold a platform to.
    pub fn canonical_state(self) -> &'static str {
        match self {
            PgStatus::Ready => "CREATED",
            PgStatus::Paid => "APPROVED",
            PgStatus::PartialCanceled => "PARTIAL_CANCELED",
            PgStatus::Canceled => "CANCELED",
            PgStatus::Failed => "FAILED",
        }
    }

    /// The status a paid payment has once `balance` of `total` is left.
    pub fn after_cancel(total: Krw, balance: Krw) -> PgStatus {
        if balance <= 0 {
            PgStatus::Canceled
        } else if balance < total {
            PgStatus::PartialCanceled
        } else {
            PgStatus::Paid
        }
    }
}

/// Approve (confirm) one payment for a merchant order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproveRequest {
    pub merchant_order_id: String,
    pub amount: Krw,
    /// Idempotency key sent where the PG has one (Toss, PortOne).
    pub idempotency_key: Option<String>,
    /// What the customer's approval in the PG's window gave (Toss `paymentKey`, PortOne
    /// `paymentToken`, KakaoPay `pg_token`...): the confirm carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_key: Option<String>,
}

/// Cancel part (`amount = Some`) or all that is left (`amount = None`) of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelRequest {
    pub amount: Option<Krw>,
    /// The balance the client believes is left before this cancel; sent where the PG can
    /// check it (Toss refundableAmount, KakaoPay cancel_available_amount, KCP rem_mny ...).
    pub expected_balance: Option<Krw>,
    pub reason: String,
    pub idempotency_key: Option<String>,
}

/// Which payment a cancel or inquiry is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PaymentRef {
    /// The PG's own payment id (paymentKey, tid, tno, pgCno, paymentId ...).
    pub pg_payment_id: String,
    pub merchant_order_id: String,
}

/// A payment as the PG reports it, in canonical terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PgPayment {
    pub pg_payment_id: String,
    pub merchant_order_id: String,
    pub status: PgStatus,
    /// Approved amount; never changes.
    pub total: Krw,
    /// Still cancellable.
    pub balance: Krw,
    /// The PG's id of the approval transaction (falls back to the payment id).
    pub transaction_id: String,
}

/// One successful cancel, in canonical terms. Fields a PG's cancel answer lacks are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PgCancel {
    pub pg_payment_id: String,
    /// The PG's id of this cancel transaction.
    pub transaction_id: String,
    pub amount: Krw,
    pub balance_after: Option<Krw>,
}

/// How a failed PG call is sorted, which decides what the caller may do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorCategory {
    /// The PG refused on the merits (over balance, already cancelled...): final, nothing happened.
    Business,
    /// The PG said it failed internally: nothing happened, a retry may work.
    System,
    /// The connection failed before an answer: the call may or may not have happened.
    Network,
    /// No answer in time: the call may or may not have happened.
    Timeout,
    /// An answer paydrill could not read: the call may or may not have happened.
    Unexpected,
}

impl ErrorCategory {
    /// True when the PG may have carried the call out even though the client saw a failure.
    pub fn outcome_unknown(self) -> bool {
        matches!(self, ErrorCategory::Network | ErrorCategory::Timeout | ErrorCategory::Unexpected)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCategory::Business => "business",
            ErrorCategory::System => "system",
            ErrorCategory::Network => "network",
            ErrorCategory::Timeout => "timeout",
            ErrorCategory::Unexpected => "unexpected",
        }
    }
}

impl fmt::Display for ErrorCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The canonical reason behind a business refusal, so answers can be compared across PGs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Rejection {
    OverBalance,
    AlreadyCanceled,
    DuplicateOrderId,
    AmountMismatch,
    BalanceMismatch,
    NotFound,
    Unauthorized,
    InvalidRequest,
    AlreadyApproved,
    /// The PG is still working on the first request under this idempotency key: its outcome is
    /// not known yet (sorted as a timeout).
    InProgress,
    Other,
}

/// A failed PG call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{pg} {category} error {code}: {message}")]
pub struct PgError {
    pub pg: PgName,
    pub category: ErrorCategory,
    pub rejection: Option<Rejection>,
    /// The PG's own code (`NOT_CANCELABLE_AMOUNT`, `-780`, `2032` ...), or a paydrill code
    /// (`TIMEOUT`, `CONNECTION`, `MALFORMED`) when the PG never answered in its format.
    pub code: String,
    pub message: String,
}

impl PgError {
    pub fn business(pg: PgName, rejection: Rejection, code: impl Into<String>, message: impl Into<String>) -> Self {
        PgError {
            pg,
            category: ErrorCategory::Business,
            rejection: Some(rejection),
            code: code.into(),
            message: message.into(),
        }
    }

    pub fn system(pg: PgName, code: impl Into<String>, message: impl Into<String>) -> Self {
        PgError { pg, category: ErrorCategory::System, rejection: None, code: code.into(), message: message.into() }
    }

    /// Sorts a PG's refusal: a known business reason (on an answer that is not a 5xx), a system
    /// failure (HTTP 5xx, or `system` when the PG's code means one), or another business refusal.
    pub fn refusal(
        pg: PgName,
        http_status: u16,
        code: String,
        message: String,
        rejection: Option<Rejection>,
        system: bool,
    ) -> Self {
        match rejection {
            Some(r) if http_status < 500 => PgError::business(pg, r, code, message),
            _ if system || http_status >= 500 => PgError::system(pg, code, message),
            _ => PgError::business(pg, Rejection::Other, code, message),
        }
    }

    pub fn unexpected(pg: PgName, message: impl Into<String>) -> Self {
        PgError {
            pg,
            category: ErrorCategory::Unexpected,
            rejection: None,
            code: "MALFORMED".into(),
            message: message.into(),
        }
    }
}

/// Which of the PG operations a request or fault concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PgOp {
    Approve,
    Cancel,
    Inquire,
}

/// One payment as the PG holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerPayment {
    pub pg_payment_id: String,
    pub merchant_order_id: String,
    pub status: PgStatus,
    /// The authenticated (and then approved) amount; never changes.
    pub total: Krw,
    /// Still cancellable.
    pub balance: Krw,
    pub cancelled: Krw,
    /// When the customer authorised it.
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub authorized_at: Option<OffsetDateTime>,
    /// The PG's id of the approval transaction, once approved.
    pub approval_id: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub approved_at: Option<OffsetDateTime>,
    pub cancels: Vec<LedgerCancel>,
}

/// One cancel, partial or full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerCancel {
    pub cancel_id: String,
    pub amount: Krw,
    pub balance_after: Krw,
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    pub canceled_at: OffsetDateTime,
}

impl LedgerPayment {
    /// Whether this PG payment was made for the platform order `order_id`: its merchant order
    /// id is the order id, or the order id followed by `-` and a retry suffix (how a platform
    /// re-submits an order).
    pub fn belongs_to(&self, order_id: &str) -> bool {
        belongs_to(&self.merchant_order_id, order_id)
    }
}

/// Whether a PG payment with `merchant_order_id` was made for the platform order `order_id`.
pub fn belongs_to(merchant_order_id: &str, order_id: &str) -> bool {
    merchant_order_id == order_id || merchant_order_id.strip_prefix(order_id).is_some_and(|rest| rest.starts_with('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ready_payment_stands_for_a_created_order() {
        // One mapping for direct mode and the checkers: a payment the customer authorised but
        // nobody approved is an order still CREATED, not a FAILED one.
        assert_eq!(PgStatus::Ready.canonical_state(), "CREATED");
        assert_eq!(PgStatus::Failed.canonical_state(), "FAILED");
        assert_eq!(PgStatus::after_cancel(10_000, 0).canonical_state(), "CANCELED");
        assert_eq!(PgStatus::after_cancel(10_000, 4_000).canonical_state(), "PARTIAL_CANCELED");
    }
}

/// One delivery attempt of a PG webhook, as the PG fake logged it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    pub pg: PgName,
    /// The event's id: every copy and retry of one event carries it.
    pub webhook_id: String,
    /// `paid`, `partial_cancelled`, `cancelled`.
    pub kind: String,
    pub merchant_order_id: String,
    pub pg_payment_id: String,
    /// Which copy of a duplicated delivery (1..); 0 for a forged one.
    pub copy: u32,
    /// A copy with a wrong signature (or a false claim where the PG signs nothing).
    pub forged: bool,
    /// Whether the PG signs its webhooks (a forged copy of a signed one must be refused).
    pub signed: bool,
    /// 1 for the first try of this copy, then each retry.
    pub attempt: u32,
    /// The platform's HTTP status; `None` when it did not answer.
    pub status: Option<u16>,
    pub error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A fault a PG fake drew at its random rates, and what the call it hit named: the cells it
/// touched are told apart from the ones that ran as scripted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawnFault {
    pub pg: PgName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pg_payment_id: Option<String>,
    /// `timeout` or `error`.
    pub fault: String,
}
