//! PG fakes: a stateful [`Ledger`] per PG, the server side of each PG's wire format
//! ([`WireServer`]), scripted and rate-drawn faults ([`FaultBook`]), the webhooks they send
//! ([`WebhookDesk`]), their settlement reports, and the two servers that host the same
//! [`Fake`]: wiremock for `run` (its journal is evidence) and a lean axum server for `load`.

mod customer;
mod fake;
mod fault;
mod fleet;
mod lean_server;
mod ledger;
mod mock_server;
mod report;
mod webhook;
mod wire;

pub mod bluewalnut;
pub mod easypay;
pub mod iamport;
pub mod inicis;
pub mod kakaolegacy;
pub mod kakaopay;
pub mod kcp;
pub mod naverorder;
pub mod naverpay;
pub mod niceepay;
pub mod nicepay;
pub mod portone;
pub mod toss;

pub use customer::AUTHORIZE_PATH;
pub use fake::{wire_server, Fake};
pub use fault::{CallIdentity, FaultBook};
pub use fleet::{FakeEndpoint, FakeFleet, FleetError, ServerKind};
pub use lean_server::LeanServer;
pub use ledger::{Ledger, LedgerError, Settled};
pub use mock_server::MockPgServer;
pub use report::{fee_of, SettlementRow, SETTLEMENTS_CSV_PATH};
pub use webhook::{WebhookDesk, WebhookEvent, WebhookKind, WebhookMessage};
pub use wire::{kst, order_in_payment_id, FakeReply, FakeRequest, WireCall, WireServer, REPLAY_WINDOW};
