//! The reference order/payment platform: the embedded default target. axum over SQLite
//! (bundled, WAL), one PG adapter per wire format (the `pg` layer), a circuit breaker per PG,
//! PG webhooks taken once each, and a notification queue drained off the request path.

mod api;
mod breaker;
mod defect;

mod payments;
mod recovery;
mod scratch;
mod store;

pub use defect::Defect;
pub use payments::{Answer, CreateOrder, Payments, PgLink};

use crate::pg::{Credentials, PgClient, PgName};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Where the platform reaches one PG.
#[derive(Debug, Clone)]
pub struct PgConnection {
    pub pg: PgName,
    pub base_url: String,
    pub credentials: Credentials,
    /// What the PG's webhooks are signed with (empty: the PG signs with the secret above, or
    /// signs nothing).
    pub webhook_secret: String,
}

/// How to run the platform.
#[derive(Debug, Clone)]
pub struct PlatformConfig {
    /// SQLite file; `None` keeps it in a temporary folder removed on stop.
    pub db_path: Option<PathBuf>,
    pub pgs: Vec<PgConnection>,
    /// How long an approve or cancel waits for the PG before the outcome counts as unknown.
    pub pg_timeout: Duration,
    /// Order ids are `<prefix>_<seq>`; give shards different prefixes.
    pub id_prefix: String,
    /// Bugs switched on (for proving the checkers); empty for the correct platform.
    pub defects: Vec<Defect>,
}

impl PlatformConfig {
    pub fn new(pgs: Vec<PgConnection>) -> Self {
        PlatformConfig {
            db_path: None,
            pgs,
            pg_timeout: Duration::from_secs(1),
            id_prefix: "ord".into(),
            defects: Vec::new(),
        }
    }
}

/// Error starting the platform.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("cannot open the platform database {path}: {source}")]
    Store { path: PathBuf, source: rusqlite::Error },
    #[error("cannot create a temporary folder for the platform database: {0}")]
    TempDir(std::io::Error),
    #[error("cannot listen: {0}")]
    Listen(std::io::Error),
}

/// A running platform. Stops when dropped.
pub struct Platform {
    addr: SocketAddr,
    payments: Arc<Payments>,
    server: JoinHandle<()>,
    worker: JoinHandle<()>,
    recovery: JoinHandle<()>,
    _db_dir: Option<tempfile::TempDir>,
}

impl Platform {
    /// Starts the platform on `listener` (bind it to loopback).
    pub async fn start(config: PlatformConfig, listener: TcpListener) -> Result<Platform, PlatformError> {
        let (db_path, db_dir) = match &config.db_path {
            Some(path) => (path.clone(), None),
            None => {
                let dir = scratch::create().map_err(PlatformError::TempDir)?;
                (dir.path().join("platform.db"), Some(dir))
            }
        };
        let store =
            store::Store::open(&db_path).map_err(|source| PlatformError::Store { path: db_path.clone(), source })?;
        let pgs: HashMap<PgName, PgLink> = config
            .pgs
            .iter()
            .map(|c| {
                let client = PgClient::new(c.pg, &c.base_url, c.credentials.clone()).with_timeout(config.pg_timeout);
                (
                    c.pg,
                    PgLink {
                        client,
                        breaker: breaker::Breaker::new(Duration::from_secs(10), 20, Duration::from_secs(1)),
                        webhook_secret: Some(c.webhook_secret.clone())
                            .filter(|s| !s.is_empty())
                            .unwrap_or_else(|| c.credentials.secret.clone()),
                    },
                )
            })
            .collect();
        let payments = Arc::new(
            Payments::new(store, pgs, &config.id_prefix, config.defects.clone())
                .map_err(|source| PlatformError::Store { path: db_path, source })?,
        );
        let addr = listener.local_addr().map_err(PlatformError::Listen)?;
        let app = api::router(payments.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let worker = tokio::spawn(drain_notifications(payments.clone()));
        let recovery = tokio::spawn(recovery::inquire_in_doubt(payments.clone()));
        Ok(Platform { addr, payments, server, worker, recovery, _db_dir: db_dir })
    }

    /// Binds a free loopback port and starts there.
    pub async fn start_on_loopback(config: PlatformConfig) -> Result<Platform, PlatformError> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(PlatformError::Listen)?;
        Platform::start(config, listener).await
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many orders hold `key` (for tests: must never exceed one).
    pub fn orders_with_key(&self, key: &str) -> i64 {
        self.payments.store.orders_with_key(key).unwrap_or(-1)
    }

    /// How many notifications are still queued.
    pub fn pending_notifications(&self) -> i64 {
        self.payments.store.pending_notifications().unwrap_or(-1)
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        self.server.abort();
        self.worker.abort();
        self.recovery.abort();
    }
}

/// The notification worker: sends queued notifications (here: logs them) in batches, so the
/// request path only inserts a row.
async fn drain_notifications(payments: Arc<Payments>) {
    loop {
        match payments.store.drain_notifications(500) {
            Ok(sent) if !sent.is_empty() => {
                for payload in sent {
                    tracing::debug!(target: "paydrill::notify", "{payload}");
                }
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("notification queue: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
