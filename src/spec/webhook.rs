//! Webhook vocabulary shared by the file formats: how a scenario step's PG webhook is to be
//! delivered (`webhook = "duplicate"` or `webhook = { duplicate = 3, late = "2s", ... }`) and a
//! mock file's `[webhooks]` table. The fakes carry them out; this file only says what they mean.

use serde::Deserialize;
use std::time::Duration;

/// How the webhook a step's PG event sends is to reach the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WebhookScript {
    /// Deliver it this many times in all (the same webhook id each time).
    pub copies: u32,
    /// Hold it this long before the first delivery.
    pub late: Option<Duration>,
    /// Hold it until the payment's next webhook has gone out.
    pub out_of_order: bool,
    /// Also deliver a forged copy: a wrong signature (and, where the PG signs nothing, a body
    /// that claims another state). A forged copy is sent once, never retried.
    pub bad_signature: bool,
    /// Deliver it before the PG answers the call that caused it.
    pub before_confirm: bool,
}

impl WebhookScript {
    /// One delivery, on time: what a PG does unscripted.
    pub const ONCE: WebhookScript =
        WebhookScript { copies: 1, late: None, out_of_order: false, bad_signature: false, before_confirm: false };

    pub const WORDS: &'static str = "duplicate, late, out_of_order, bad_signature, before_confirm";

    /// The script a single word names (`late` alone holds it one second).
    pub fn word(word: &str) -> Result<WebhookScript, String> {
        let mut s = WebhookScript { copies: 1, ..WebhookScript::default() };
        match word {
            "duplicate" => s.copies = 2,
            "late" => s.late = Some(Duration::from_secs(1)),
            "out_of_order" => s.out_of_order = true,
            "bad_signature" => s.bad_signature = true,
            "before_confirm" => s.before_confirm = true,
            other => return Err(format!("unknown webhook script `{other}` (use {})", WebhookScript::WORDS)),
        }
        Ok(s)
    }
}

/// The fields of `webhook = { ... }` in a scenario step.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookTable {
    /// `true` for two deliveries, or how many in all.
    duplicate: Option<toml::Value>,
    late: Option<String>,
    #[serde(default)]
    out_of_order: bool,
    #[serde(default)]
    bad_signature: bool,
    #[serde(default)]
    before_confirm: bool,
}

impl WebhookTable {
    pub fn resolve(self) -> Result<WebhookScript, String> {
        let copies = match self.duplicate {
            None | Some(toml::Value::Boolean(false)) => 1,
            Some(toml::Value::Boolean(true)) => 2,
            Some(toml::Value::Integer(n)) if (1..=20).contains(&n) => n as u32,
            Some(other) => return Err(format!("webhook.duplicate = {other}: use true or a count from 1 to 20")),
        };
        let late = self.late.map(|l| crate::units::parse_duration(&l).map_err(|m| format!("webhook.late: {m}")));
        Ok(WebhookScript {
            copies,
            late: late.transpose()?,
            out_of_order: self.out_of_order,
            bad_signature: self.bad_signature,
            before_confirm: self.before_confirm,
        })
    }
}

/// A mock file's `[webhooks]`: where the fake sends its PG's webhooks and how it signs them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Where to POST them (`{pg}` is replaced by the PG's name); none: no webhooks are sent
    /// unless paydrill names the URL (the embedded platform, `--webhook-url`).
    pub url: Option<String>,
    /// The signing secret, where the PG signs (PortOne V2 `whsec_...`, NICEPAY's secret key).
    #[serde(default)]
    pub secret: String,
    /// One unit of the PG's retry schedule (Toss retries after 1, 4, 16... minutes): shortened
    /// so a run sees the retries.
    #[serde(default = "default_retry_unit", with = "crate::units::serde_duration")]
    pub retry_unit: Duration,
}

fn default_retry_unit() -> Duration {
    Duration::from_millis(50)
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings { url: None, secret: String::new(), retry_unit: default_retry_unit() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_tables_say_how_a_webhook_arrives() {
        assert_eq!(WebhookScript::word("duplicate").unwrap().copies, 2);
        assert!(WebhookScript::word("twice").unwrap_err().contains("duplicate, late"));
        let table: WebhookTable = toml::from_str("duplicate = 3\nlate = \"200ms\"\nout_of_order = true").unwrap();
        let s = table.resolve().unwrap();
        assert_eq!((s.copies, s.late, s.out_of_order), (3, Some(Duration::from_millis(200)), true));
        let table: WebhookTable = toml::from_str("duplicate = 0").unwrap();
        assert!(table.resolve().is_err());
    }
}
