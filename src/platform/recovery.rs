//! The platform's recovery layer, as the payment design in the seeds has it: in the background,
//! every payment left in doubt (an approval whose outcome is unknown, a cancel parked because
//! its PG call failed) is inquired at its PG after a grace period, again and again until it is
//! settled — so an unknown outcome converges even when no client ever reads the order again.

use super::payments::Payments;
use std::sync::Arc;
use std::time::Duration;

/// How long a payment stays in doubt before the background inquiry takes it up (a client's own
/// retry or read usually settles it first).
const GRACE: Duration = Duration::from_secs(2);

/// How often the in-doubt payments are looked for.
const EVERY: Duration = Duration::from_millis(500);

/// At most this many payments are inquired per pass.
const PER_PASS: usize = 100;

/// Runs until aborted: inquires each payment in doubt for longer than [`GRACE`].
pub async fn inquire_in_doubt(payments: Arc<Payments>) {
    loop {
        tokio::time::sleep(EVERY).await;
        let since = time::OffsetDateTime::now_utc() - GRACE;
        let since = since.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        match payments.in_doubt(&since, PER_PASS) {
            Ok(orders) => {
                for order in orders {
                    // The read path settles it: it asks the PG about an unknown approval and
                    // carries out or drops the cancels parked on the payment.
                    let _ = payments.inquire(&order).await;
                }
            }
            Err(e) => tracing::warn!("background inquiry: {e}"),
        }
    }
}
