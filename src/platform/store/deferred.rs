//! What the store keeps for later: stored idempotent answers, cancels whose outcome is not
//! known yet, the PG webhook events already taken, and the notification queue.

use super::{now, PendingCancel, Store, StoreResult, StoredAnswer};
use rusqlite::{params, OptionalExtension};

impl Store {
    /// Whether the PG's webhook event was taken already.
    pub fn webhook_taken(&self, pg: &str, event_id: &str) -> StoreResult<bool> {
        self.conn()
            .prepare_cached("SELECT 1 FROM webhook_events WHERE pg = ?1 AND event_id = ?2")
            .and_then(|mut stmt| stmt.query_row([pg, event_id], |_| Ok(())).optional())
            .map(|row| row.is_some())
    }

    /// Records a webhook event as taken (a second record of one event is a no-op).
    pub fn take_webhook(&self, pg: &str, event_id: &str, order_id: &str) -> StoreResult<()> {
        self.conn()
            .prepare_cached(
                "INSERT OR IGNORE INTO webhook_events (pg, event_id, order_id, received_at) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut stmt| stmt.execute(params![pg, event_id, order_id, now()]))?;
        Ok(())
    }

    /// The order whose payment the PG knows by `pg_payment_key`.
    pub fn order_of_pg_key(&self, pg_payment_key: &str) -> StoreResult<Option<String>> {
        self.conn()
            .prepare_cached("SELECT order_id FROM payments WHERE pg_payment_key = ?1")
            .and_then(|mut stmt| stmt.query_row([pg_payment_key], |r| r.get(0)).optional())
    }

    /// Remembers a cancel the PG may or may not have carried out, under its idempotency key.
    pub fn add_pending_cancel(&self, payment_id: &str, cancel: &PendingCancel) -> StoreResult<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO pending_cancels (payment_id, amount, partial, created_at, idem_key) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut stmt| stmt.execute(params![payment_id, cancel.amount, cancel.partial, now(), cancel.key]))?;
        Ok(())
    }

    /// Cancels of a payment whose outcome is unknown, oldest first.
    pub fn pending_cancels(&self, payment_id: &str) -> StoreResult<Vec<PendingCancel>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, amount, partial, idem_key FROM pending_cancels WHERE payment_id = ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map([payment_id], |r| {
            Ok(PendingCancel { seq: r.get(0)?, amount: r.get(1)?, partial: r.get(2)?, key: r.get(3)? })
        })?;
        rows.collect()
    }

    /// Orders whose payment has been in doubt since before `since` (RFC 3339): an approval of
    /// unknown outcome, or a cancel parked because its PG call failed.
    pub fn in_doubt(&self, since: &str, limit: usize) -> StoreResult<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT order_id FROM payments WHERE status = 'UNKNOWN' AND updated_at < ?1
             UNION SELECT p.order_id FROM pending_cancels c JOIN payments p ON p.payment_id = c.payment_id
             WHERE c.created_at < ?1 LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![since, limit as i64], |r| r.get(0))?;
        rows.collect()
    }

    pub fn drop_pending_cancel(&self, seq: i64) -> StoreResult<()> {
        self.conn()
            .prepare_cached("DELETE FROM pending_cancels WHERE seq = ?1")
            .and_then(|mut stmt| stmt.execute([seq]))?;
        Ok(())
    }

    pub fn answer(&self, scope: &str, key: &str) -> StoreResult<Option<StoredAnswer>> {
        self.conn()
            .prepare_cached("SELECT request_hash, status, body FROM idempotent_answers WHERE scope = ?1 AND key = ?2")
            .and_then(|mut stmt| {
                stmt.query_row([scope, key], |r| {
                    Ok(StoredAnswer { request_hash: r.get(0)?, status: r.get(1)?, body: r.get(2)? })
                })
            })
            .optional()
    }

    pub fn save_answer(&self, scope: &str, key: &str, answer: &StoredAnswer) -> StoreResult<()> {
        self.conn().prepare_cached("INSERT OR IGNORE INTO idempotent_answers (scope, key, request_hash, status, body) VALUES (?1, ?2, ?3, ?4, ?5)").and_then(|mut stmt| stmt.execute(params![scope, key, answer.request_hash, answer.status, answer.body]))?;
        Ok(())
    }

    /// Marks up to `limit` queued notifications sent and returns their payloads.
    pub fn drain_notifications(&self, limit: usize) -> StoreResult<Vec<String>> {
        let mut conn = self.conn();
        let db = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let batch: Vec<(i64, String)> = {
            let mut stmt = db
                .prepare_cached("SELECT seq, payload FROM notifications WHERE sent_at IS NULL ORDER BY seq LIMIT ?1")?;
            let rows = stmt.query_map([limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<StoreResult<_>>()?
        };
        let sent = now();
        for (seq, _) in &batch {
            db.prepare_cached("UPDATE notifications SET sent_at = ?1 WHERE seq = ?2")
                .and_then(|mut stmt| stmt.execute(params![sent, seq]))?;
        }
        db.commit()?;
        Ok(batch.into_iter().map(|(_, p)| p).collect())
    }

    /// How many notifications wait to be sent.
    pub fn pending_notifications(&self) -> StoreResult<i64> {
        self.conn()
            .prepare_cached("SELECT COUNT(*) FROM notifications WHERE sent_at IS NULL")
            .and_then(|mut stmt| stmt.query_row([], |r| r.get(0)))
    }

    /// How many orders carry this idempotency key (more than one is a bug).
    pub fn orders_with_key(&self, key: &str) -> StoreResult<i64> {
        self.conn()
            .prepare_cached("SELECT COUNT(*) FROM orders WHERE idempotency_key = ?1 OR idempotency_key LIKE ?1 || '#%'")
            .and_then(|mut stmt| stmt.query_row([key], |r| r.get(0)))
    }
}
