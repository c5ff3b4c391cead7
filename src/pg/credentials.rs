//! The keys a merchant holds for a PG, and the one rule for writing anything down that might
//! carry them: the secret is replaced by `***`.

use serde::{Deserialize, Serialize};

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
