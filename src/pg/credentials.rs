//! The keys a merchant holds for a PG. What is masked when anything that might carry them is
//! written down is [`super::redact`]'s business.

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
