//! The reference platform's SQLite store (bundled, WAL): orders with a UNIQUE idempotency key,
//! payments and signed transactions (the balance is their sum); what it keeps for later is in
//! `deferred`. One connection behind a mutex; every method is one short transaction over cached
//! prepared statements.

use crate::pg::Krw;
use rusqlite::{params, Connection, ErrorCode, OptionalExtension};
use serde::Serialize;
use std::path::Path;
use std::sync::Mutex;

mod deferred;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS orders (
    seq             INTEGER PRIMARY KEY,
    order_id        TEXT NOT NULL UNIQUE,
    idempotency_key TEXT NOT NULL UNIQUE,
    request_hash    TEXT NOT NULL,
    pg              TEXT NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    created_at      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS payments (
    payment_id     TEXT PRIMARY KEY,
    order_id       TEXT NOT NULL UNIQUE REFERENCES orders(order_id),
    pg             TEXT NOT NULL,
    pg_payment_key TEXT,
    status         TEXT NOT NULL,
    amount         INTEGER NOT NULL,
    failure        TEXT,
    version        INTEGER NOT NULL DEFAULT 0,
    updated_at     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS transactions (
    seq               INTEGER PRIMARY KEY,
    transaction_id    TEXT NOT NULL UNIQUE,
    payment_id        TEXT NOT NULL REFERENCES payments(payment_id),
    type              TEXT NOT NULL,
    amount            INTEGER NOT NULL,
    balance_after     INTEGER NOT NULL,
    pg_transaction_id TEXT,
    created_at        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS transactions_by_payment ON transactions(payment_id);
CREATE TABLE IF NOT EXISTS idempotent_answers (
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER NOT NULL,
    body          TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE TABLE IF NOT EXISTS pending_cancels (
    seq        INTEGER PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments(payment_id),
    amount     INTEGER NOT NULL,
    partial    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    idem_key   TEXT
);
CREATE TABLE IF NOT EXISTS notifications (
    seq        INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at    TEXT
);
-- A PG webhook names the payment by the PG's key.
CREATE INDEX IF NOT EXISTS payments_pg_key ON payments(pg_payment_key);
CREATE TABLE IF NOT EXISTS webhook_events (
    pg          TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    order_id    TEXT,
    received_at TEXT NOT NULL,
    PRIMARY KEY (pg, event_id)
);
-- The worker asks for unsent rows every 50 ms: without this it scans every row ever queued.
CREATE INDEX IF NOT EXISTS notifications_unsent ON notifications(seq) WHERE sent_at IS NULL;
";

/// A stored order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderRow {
    pub order_id: String,
    pub idempotency_key: String,
    pub request_hash: String,
    pub pg: String,
    pub amount: Krw,
    pub created_at: String,
}

/// A stored payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentRow {
    pub payment_id: String,
    pub order_id: String,
    pub pg: String,
    pub pg_payment_key: Option<String>,
    pub status: String,
    pub amount: Krw,
    pub failure: Option<String>,
    pub version: i64,
}

/// A stored money movement: approval positive, cancels negative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransactionRow {
    pub transaction_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub amount: Krw,
    pub balance_after: Krw,
    pub pg_transaction_id: Option<String>,
    pub created_at: String,
}

/// A money movement with its payment, as the platform's settlement export lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovementRow {
    pub created_at: String,
    pub pg: String,
    pub order_id: String,
    pub pg_payment_key: Option<String>,
    pub pg_transaction_id: Option<String>,
    pub kind: String,
    pub amount: Krw,
    pub status: String,
}

/// A cancel whose outcome is not known yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCancel {
    pub seq: i64,
    pub amount: Krw,
    pub partial: bool,
    /// The idempotency key it was sent under: its answer is stored once it is settled.
    pub key: Option<String>,
}

/// A stored answer to replay for an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

/// What inserting an order did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    New(OrderRow),
    /// The key was taken (the UNIQUE constraint refused the insert): the order it names.
    Existing(OrderRow),
}

pub type StoreResult<T> = Result<T, rusqlite::Error>;

pub struct Store {
    conn: Mutex<Connection>,
}

pub fn now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

fn order_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OrderRow> {
    Ok(OrderRow {
        order_id: r.get(0)?,
        idempotency_key: r.get(1)?,
        request_hash: r.get(2)?,
        pg: r.get(3)?,
        amount: r.get(4)?,
        created_at: r.get(5)?,
    })
}

const ORDER_COLS: &str = "order_id, idempotency_key, request_hash, pg, amount, created_at";
const PAYMENT_COLS: &str = "payment_id, order_id, pg, pg_payment_key, status, amount, failure, version";

fn payment_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PaymentRow> {
    Ok(PaymentRow {
        payment_id: r.get(0)?,
        order_id: r.get(1)?,
        pg: r.get(2)?,
        pg_payment_key: r.get(3)?,
        status: r.get(4)?,
        amount: r.get(5)?,
        failure: r.get(6)?,
        version: r.get(7)?,
    })
}

impl Store {
    /// Opens (or creates) the database at `path` in WAL mode.
    pub fn open(path: &Path) -> StoreResult<Store> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Every statement is prepared once and reused (parsing SQL was a visible share of CPU).
        conn.set_prepared_statement_cache_capacity(64);
        conn.execute_batch(SCHEMA)?;
        // A database from before pending cancels kept their key.
        let _ = conn.execute_batch("ALTER TABLE pending_cancels ADD COLUMN idem_key TEXT");
        Ok(Store { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        crate::locks::lock(&self.conn)
    }

    /// The highest order sequence number so far (ids continue after it).
    pub fn last_seq(&self) -> StoreResult<i64> {
        self.conn()
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM orders")
            .and_then(|mut stmt| stmt.query_row([], |r| r.get(0)))
    }

    /// Inserts an order; the UNIQUE idempotency key decides whether it is new.
    pub fn insert_order(&self, seq: i64, order: &OrderRow) -> StoreResult<Inserted> {
        let conn = self.conn();
        let inserted = conn
            .prepare_cached(
                "INSERT INTO orders (seq, order_id, idempotency_key, request_hash, pg, amount, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    seq,
                    order.order_id,
                    order.idempotency_key,
                    order.request_hash,
                    order.pg,
                    order.amount,
                    order.created_at
                ])
            });
        match inserted {
            Ok(_) => Ok(Inserted::New(order.clone())),
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::ConstraintViolation => {
                let sql = format!("SELECT {ORDER_COLS} FROM orders WHERE idempotency_key = ?1");
                conn.prepare_cached(&sql)
                    .and_then(|mut stmt| stmt.query_row([&order.idempotency_key], order_row))
                    .map(Inserted::Existing)
            }
            Err(e) => Err(e),
        }
    }

    /// The first order stored under `key`, also where a defect stored it with a `#n` suffix
    /// (a table without the UNIQUE constraint).
    pub fn order_by_key(&self, key: &str) -> StoreResult<Option<OrderRow>> {
        let sql = format!(
            "SELECT {ORDER_COLS} FROM orders WHERE idempotency_key = ?1 OR idempotency_key LIKE ?1 || '#%' ORDER BY seq LIMIT 1"
        );
        self.conn().prepare_cached(&sql).and_then(|mut stmt| stmt.query_row([key], order_row)).optional()
    }

    /// The order stored just before `seq`, if any.
    pub fn order_before(&self, seq_of: &str) -> StoreResult<Option<OrderRow>> {
        let sql = format!(
            "SELECT {ORDER_COLS} FROM orders WHERE seq < (SELECT seq FROM orders WHERE order_id = ?1) ORDER BY seq DESC LIMIT 1"
        );
        self.conn().prepare_cached(&sql).and_then(|mut stmt| stmt.query_row([seq_of], order_row)).optional()
    }

    /// Removes a transaction (a defect's compensation of a write-ahead cancel).
    pub fn delete_transaction(&self, transaction_id: &str) -> StoreResult<()> {
        self.conn()
            .prepare_cached("DELETE FROM transactions WHERE transaction_id = ?1")
            .and_then(|mut stmt| stmt.execute([transaction_id]))?;
        Ok(())
    }

    pub fn order(&self, order_id: &str) -> StoreResult<Option<OrderRow>> {
        let sql = format!("SELECT {ORDER_COLS} FROM orders WHERE order_id = ?1");
        self.conn().prepare_cached(&sql).and_then(|mut stmt| stmt.query_row([order_id], order_row)).optional()
    }

    pub fn payment_of_order(&self, order_id: &str) -> StoreResult<Option<PaymentRow>> {
        let sql = format!("SELECT {PAYMENT_COLS} FROM payments WHERE order_id = ?1");
        self.conn().prepare_cached(&sql).and_then(|mut stmt| stmt.query_row([order_id], payment_row)).optional()
    }

    /// Creates the payment row for an order, or moves an existing one to `status`.
    pub fn upsert_payment(&self, p: &PaymentRow) -> StoreResult<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO payments (payment_id, order_id, pg, pg_payment_key, status, amount, failure, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(payment_id) DO UPDATE SET pg_payment_key = COALESCE(excluded.pg_payment_key, pg_payment_key),
                 status = excluded.status, failure = excluded.failure, version = version + 1,
                 updated_at = excluded.updated_at",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    p.payment_id,
                    p.order_id,
                    p.pg,
                    p.pg_payment_key,
                    p.status,
                    p.amount,
                    p.failure,
                    now()
                ])
            })?;
        Ok(())
    }

    pub fn transactions(&self, payment_id: &str) -> StoreResult<Vec<TransactionRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT transaction_id, type, amount, balance_after, pg_transaction_id, created_at
             FROM transactions WHERE payment_id = ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map([payment_id], |r| {
            Ok(TransactionRow {
                transaction_id: r.get(0)?,
                kind: r.get(1)?,
                amount: r.get(2)?,
                balance_after: r.get(3)?,
                pg_transaction_id: r.get(4)?,
                created_at: r.get(5)?,
            })
        })?;
        rows.collect()
    }

    /// Every money movement, oldest first, with its payment's PG, key and status.
    pub fn movements(&self) -> StoreResult<Vec<MovementRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT t.created_at, p.pg, p.order_id, p.pg_payment_key, t.pg_transaction_id, t.type, t.amount, p.status
             FROM transactions t JOIN payments p ON p.payment_id = t.payment_id ORDER BY t.seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(MovementRow {
                created_at: r.get(0)?,
                pg: r.get(1)?,
                order_id: r.get(2)?,
                pg_payment_key: r.get(3)?,
                pg_transaction_id: r.get(4)?,
                kind: r.get(5)?,
                amount: r.get(6)?,
                status: r.get(7)?,
            })
        })?;
        rows.collect()
    }

    /// The balance: the sum of the payment's signed transactions.
    pub fn balance(&self, payment_id: &str) -> StoreResult<Krw> {
        self.conn()
            .prepare_cached("SELECT COALESCE(SUM(amount), 0) FROM transactions WHERE payment_id = ?1")
            .and_then(|mut stmt| stmt.query_row([payment_id], |r| r.get(0)))
    }

    /// Records a money movement and the payment's new status, and queues a notification,
    /// in one transaction. `expected_version` guards against a concurrent writer.
    pub fn record_movement(
        &self,
        payment_id: &str,
        new_status: &str,
        expected_version: i64,
        tx: &TransactionRow,
    ) -> StoreResult<bool> {
        let mut conn = self.conn();
        let db = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let updated = db
            .prepare_cached(
                "UPDATE payments SET status = ?1, failure = NULL, version = version + 1, updated_at = ?2
             WHERE payment_id = ?3 AND version = ?4",
            )
            .and_then(|mut stmt| stmt.execute(params![new_status, now(), payment_id, expected_version]))?;
        if updated == 0 {
            return Ok(false);
        }
        db.prepare_cached("INSERT INTO transactions (transaction_id, payment_id, type, amount, balance_after, pg_transaction_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)").and_then(|mut stmt| stmt.execute(params![tx.transaction_id, payment_id, tx.kind, tx.amount, tx.balance_after, tx.pg_transaction_id, tx.created_at]))?;
        let payload = serde_json::json!({ "payment_id": payment_id, "type": tx.kind, "amount": tx.amount }).to_string();
        db.prepare_cached("INSERT INTO notifications (kind, payload, created_at) VALUES ('payment', ?1, ?2)")
            .and_then(|mut stmt| stmt.execute(params![payload, now()]))?;
        db.commit()?;
        Ok(true)
    }
}
