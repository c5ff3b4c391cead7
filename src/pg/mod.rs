//! PG clients: one wire format per module behind one [`WireCodec`] trait, driven by one
//! [`PgClient`] that does the HTTP. The reference platform's adapters and direct mode both
//! call PGs through this layer; each call returns the canonical answer and the PG's raw exchange.

mod client;
mod http;
pub mod json;

pub mod easypay;
pub mod inicis;
pub mod kakaopay;
pub mod kcp;
pub mod naverpay;
pub mod nicepay;
pub mod portone;
pub mod toss;

pub use client::{error_chain, PgCall, PgClient};
pub use http::{Exchange, HttpBody, HttpCall, HttpReply};

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Money: integer Korean won. Never floating point.
pub type Krw = i64;

/// The payment gateways paydrill speaks to, one wire format each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PgName {
    Toss,
    Kakaopay,
    Nicepay,
    Kcp,
    Naverpay,
    Inicis,
    Easypay,
    Portone,
}

impl PgName {
    pub const ALL: [PgName; 8] = [
        PgName::Toss,
        PgName::Kakaopay,
        PgName::Nicepay,
        PgName::Kcp,
        PgName::Naverpay,
        PgName::Inicis,
        PgName::Easypay,
        PgName::Portone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PgName::Toss => "toss",
            PgName::Kakaopay => "kakaopay",
            PgName::Nicepay => "nicepay",
            PgName::Kcp => "kcp",
            PgName::Naverpay => "naverpay",
            PgName::Inicis => "inicis",
            PgName::Easypay => "easypay",
            PgName::Portone => "portone",
        }
    }

    /// The codec for this PG's wire format.
    pub fn codec(self) -> Box<dyn WireCodec> {
        match self {
            PgName::Toss => Box::new(toss::TossCodec),
            PgName::Kakaopay => Box::new(kakaopay::KakaopayCodec),
            PgName::Nicepay => Box::new(nicepay::NicepayCodec),
            PgName::Kcp => Box::new(kcp::KcpCodec),
            PgName::Naverpay => Box::new(naverpay::NaverpayCodec),
            PgName::Inicis => Box::new(inicis::InicisCodec),
            PgName::Easypay => Box::new(easypay::EasypayCodec),
            PgName::Portone => Box::new(portone::PortoneCodec),
        }
    }
}

impl fmt::Display for PgName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a PG name that paydrill does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown PG `{0}` (known: toss, kakaopay, nicepay, kcp, naverpay, inicis, easypay, portone)")]
pub struct UnknownPg(pub String);

impl FromStr for PgName {
    type Err = UnknownPg;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PgName::ALL.into_iter().find(|pg| pg.as_str().eq_ignore_ascii_case(s)).ok_or_else(|| UnknownPg(s.to_string()))
    }
}

/// The keys a merchant holds for one PG. Which fields a PG uses is its codec's business;
/// `secret` is always the one that must never be shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// Merchant / site / client id (`cid`, `site_cd`, `mid`, `mallId`, client key, partner id...).
    #[serde(default)]
    pub merchant_id: String,
    /// The secret key (Toss `test_sk...`, KakaoPay `SECRET_KEY`, NicePay secret, hash key...).
    pub secret: String,
}

/// `text` with every occurrence of a PG secret replaced by `***`, for anything written down.
pub fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        text.to_string()
    } else {
        text.replace(secret, "***")
    }
}

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

/// One PG wire format, client side, without I/O: it turns canonical requests into HTTP calls
/// and HTTP answers into canonical results. [`PgClient`] sends the calls.
pub trait WireCodec: Send + Sync {
    fn pg(&self) -> PgName;

    /// A server-side call that must precede approval (KakaoPay `ready`), if the PG has one.
    fn prepare(&self, _creds: &Credentials, _req: &ApproveRequest) -> Option<HttpCall> {
        None
    }

    /// Reads the prepare answer: the PG's payment id.
    fn read_prepared(&self, reply: &HttpReply) -> Result<String, PgError> {
        Err(PgError::unexpected(self.pg(), format!("no prepare step, got HTTP {}", reply.status)))
    }

    /// The PG's payment id for an order when the PG has no prepare step. In production it comes
    /// from the customer's authentication in the PG's widget; paydrill plays that customer.
    fn payment_id_for(&self, merchant_order_id: &str) -> String {
        format!("{}_{}", self.pg().as_str(), merchant_order_id)
    }

    fn approve(&self, creds: &Credentials, pg_payment_id: &str, req: &ApproveRequest) -> HttpCall;
    fn read_approve(&self, reply: &HttpReply) -> Result<PgPayment, PgError>;

    /// Whether this cancel can only be sent knowing the balance before it (a PG that wants
    /// the full amount spelled out, or the remaining amount asserted). [`PgClient`] then reads
    /// the payment first when the caller gave no `expected_balance`.
    fn cancel_needs_balance(&self, _req: &CancelRequest) -> bool {
        false
    }

    fn cancel(&self, creds: &Credentials, payment: &PaymentRef, req: &CancelRequest) -> HttpCall;
    fn read_cancel(&self, payment: &PaymentRef, req: &CancelRequest, reply: &HttpReply) -> Result<PgCancel, PgError>;

    fn inquire(&self, creds: &Credentials, payment: &PaymentRef) -> HttpCall;
    fn read_inquire(&self, reply: &HttpReply) -> Result<PgPayment, PgError>;
}
