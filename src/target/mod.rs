//! Where the ops go: a platform reached through a profile ([`PlatformTarget`]) or the PGs
//! themselves through paydrill's PG clients ([`DirectTarget`]), behind one [`Target`]; and the
//! network rules of reaching either ([`net`]). Knows nothing of scenarios.

mod answer;
mod direct;
pub mod last_byte;
mod minted;
pub mod net;
mod platform;

pub use answer::{Prepared, TargetAnswer, Transport};
pub use direct::DirectTarget;
pub use platform::PlatformTarget;

use crate::pg::PgName;
use crate::spec::{Op, Vars};

/// What the ops are sent to.
pub enum Target {
    Platform(PlatformTarget),
    Direct(DirectTarget),
}

impl Target {
    /// Builds the request an op will make.
    pub fn prepare(&self, pg: PgName, op: Op, vars: &Vars<'_>) -> Prepared {
        match self {
            Target::Platform(t) => t.prepare(op, vars),
            Target::Direct(t) => Prepared::record_only(t.describe(pg, op, vars)),
        }
    }

    /// Sends a prepared op; `via` carries platform requests when given (direct mode has its
    /// own clients and builds its PG calls itself).
    pub async fn call(
        &self,
        pg: PgName,
        op: Op,
        vars: &Vars<'_>,
        prepared: Prepared,
        via: Option<&dyn Transport>,
    ) -> TargetAnswer {
        match self {
            Target::Platform(t) => t.send(op, prepared, vars, via).await,
            Target::Direct(t) => t.call(pg, op, vars).await,
        }
    }

    /// Sends clicks released together: on a platform with last-byte synchronisation, to the
    /// PGs at one barrier.
    pub async fn send_together(&self, pg: PgName, op: Op, clicks: Vec<(Prepared, Vars<'_>)>) -> Vec<TargetAnswer> {
        match self {
            Target::Platform(t) => t.send_together(op, clicks).await,
            Target::Direct(t) => {
                let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(clicks.len()));
                futures::future::join_all(clicks.into_iter().map(|(_, vars)| {
                    let barrier = barrier.clone();
                    async move {
                        barrier.wait().await;
                        t.call(pg, op, &vars).await
                    }
                }))
                .await
            }
        }
    }

    /// The read of an order at the end of its scenario (a platform: every inquire form it can
    /// send, merged).
    pub async fn final_read(&self, pg: PgName, vars: &Vars<'_>, via: Option<&dyn Transport>) -> TargetAnswer {
        match self {
            Target::Platform(t) => t.final_read(vars, via).await,
            Target::Direct(t) => t.call(pg, Op::Inquire, vars).await,
        }
    }

    /// Whether the target has `op` (a platform may lack cancels or reads; the PGs have all).
    pub fn supports(&self, op: Op) -> bool {
        match self {
            Target::Platform(t) => t.profile().supports(op),
            Target::Direct(_) => true,
        }
    }

    /// Whether paydrill mints the orders (a platform without a create route; direct mode).
    pub fn mints_orders(&self) -> bool {
        match self {
            Target::Platform(t) => t.profile().mints_orders(),
            Target::Direct(_) => true,
        }
    }

    /// Whether the target refuses keyed ops sent without an idempotency key (a platform's
    /// profile may say it does not need them).
    pub fn requires_keys(&self) -> bool {
        match self {
            Target::Platform(t) => t.profile().idempotency_key_required,
            // Direct mode has no platform to refuse a keyless request.
            Target::Direct(_) => false,
        }
    }

    /// Whether approving needs the PG key paydrill gets by playing the customer.
    pub fn wants_pg_payment_key(&self, op: Op) -> bool {
        match self {
            Target::Platform(t) => t.profile().uses(op, "pg_payment_key"),
            // Direct mode is the merchant: its confirm needs the customer's key like any other.
            Target::Direct(_) => op == Op::Approve,
        }
    }

    /// The base URL of a platform target (goose's host); empty for direct mode.
    pub fn base_url(&self) -> &str {
        match self {
            Target::Platform(t) => t.base_url(),
            Target::Direct(_) => "",
        }
    }
}
