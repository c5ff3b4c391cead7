//! What a cell runs with (the target, the PG fakes, the recorder, the transport) and what it
//! has learnt as it goes (its keys, order, payment and the PG's key).

use crate::fakes::FakeFleet;
use crate::pg::Krw;
use crate::record::Recorder;
use crate::target::{Target, Transport};
use std::collections::{BTreeSet, HashMap};

/// What one cell needs to run.
pub struct ExecContext<'a> {
    pub run_id: &'a str,
    pub target: &'a Target,
    /// The PG fakes, when the PGs are paydrill's (faults and ledger observations need them).
    pub fleet: Option<&'a FakeFleet>,
    pub recorder: &'a Recorder,
    /// Carries single requests (under load: a goose user); clicks released together always
    /// go through paydrill's own client, since one goose user sends one request at a time.
    pub transport: Option<&'a dyn Transport>,
    /// How long an order whose outcome came back unknown may take before the platform shows
    /// what its PG's ledger holds (`--converge-within`).
    pub converge_within: std::time::Duration,
}

/// What a cell has learnt so far: the keys its steps used, its order and payment, and every
/// order the platform acknowledged.
#[derive(Default)]
pub(super) struct CellState {
    pub(super) keys: HashMap<usize, String>,
    pub(super) order_id: Option<String>,
    /// The amount the order was created for.
    pub(super) order_amount: Option<Krw>,
    pub(super) payment_id: Option<String>,
    /// The key the PG issued when paydrill authorised the payment as the customer.
    pub(super) pg_payment_key: Option<String>,
    pub(super) acked: BTreeSet<String>,
    /// Orders whose outcome came back unknown on a money step, and when it first did.
    pub(super) unknown_since: HashMap<String, std::time::Instant>,
}
