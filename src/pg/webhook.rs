//! What a merchant reads from a PG's webhook, in canonical terms: the event's id (to take each
//! event once) and which payment it is about, once its signature (where the PG signs) is checked.
//! Each codec reads its own PG's format ([`super::WireCodec::read_webhook`]).

/// A webhook whose signature held: which event, about which payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookNotice {
    /// The same for every copy and retry of one event.
    pub event_id: String,
    pub pg_payment_id: Option<String>,
    pub merchant_order_id: Option<String>,
}

/// Why a webhook was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookRefusal {
    #[error("this PG sends no webhooks paydrill reads")]
    NotSupported,
    #[error("bad signature: {0}")]
    BadSignature(String),
    #[error("unreadable webhook: {0}")]
    Unreadable(String),
}

/// A header's value, by case-insensitive name.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// The hex SHA-256 of `text` (NICEPAY's signatures).
pub fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}
