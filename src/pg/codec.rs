//! The client side of one PG wire format, as a trait: canonical requests in, HTTP calls out,
//! HTTP answers back into canonical results. Codecs do no I/O; [`super::PgClient`] sends.

use super::canonical::{ApproveRequest, CancelRequest, PaymentRef, PgCancel, PgError, PgPayment};
use super::credentials::Credentials;
use super::http::{HttpCall, HttpReply};
use super::name::PgName;
use super::webhook::{WebhookNotice, WebhookRefusal};

/// One PG wire format, client side, without I/O: it turns canonical requests into HTTP calls
/// and HTTP answers into canonical results. [`super::PgClient`] sends the calls.
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

    /// Whether the customer's key is the payment's own id (Toss `paymentKey`, NicePay `tid`...)
    /// rather than a token the confirm carries beside it (PortOne, KakaoPay).
    fn customer_key_names_payment(&self) -> bool {
        true
    }

    /// A call for the access token every other call must carry, where the PG issues one
    /// (I'mport `POST /users/getToken`); [`super::PgClient`] fetches it once and keeps it.
    fn token_call(&self, _creds: &Credentials) -> Option<HttpCall> {
        None
    }

    /// Reads the token answer: the header (name, value) the other calls carry.
    fn read_token(&self, reply: &HttpReply) -> Result<(String, String), PgError> {
        Err(PgError::unexpected(self.pg(), format!("no token step, got HTTP {}", reply.status)))
    }

    fn approve(&self, creds: &Credentials, pg_payment_id: &str, req: &ApproveRequest) -> HttpCall;
    /// The approved payment, or `None` when the PG's confirm answers only a summary (PortOne):
    /// the client then reads the payment.
    fn read_approve(&self, reply: &HttpReply) -> Result<Option<PgPayment>, PgError>;

    /// Whether this cancel can only be sent knowing the balance before it (a PG that wants
    /// the full amount spelled out, or the remaining amount asserted). [`super::PgClient`] then reads
    /// the payment first when the caller gave no `expected_balance`.
    fn cancel_needs_balance(&self, _req: &CancelRequest) -> bool {
        false
    }

    fn cancel(&self, creds: &Credentials, payment: &PaymentRef, req: &CancelRequest) -> HttpCall;
    fn read_cancel(&self, payment: &PaymentRef, req: &CancelRequest, reply: &HttpReply) -> Result<PgCancel, PgError>;

    fn inquire(&self, creds: &Credentials, payment: &PaymentRef) -> HttpCall;
    fn read_inquire(&self, reply: &HttpReply) -> Result<PgPayment, PgError>;

    /// Reads a webhook this PG sent, checking its signature with `secret` where the PG signs.
    fn read_webhook(
        &self,
        _headers: &[(String, String)],
        _body: &str,
        _secret: &str,
    ) -> Result<WebhookNotice, WebhookRefusal> {
        Err(WebhookRefusal::NotSupported)
    }
}
