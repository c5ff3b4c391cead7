//! PG clients: one wire format per module behind one [`WireCodec`] trait, driven by one
//! [`PgClient`] that does the HTTP, over one canonical vocabulary ([`canonical`]). The
//! reference platform's adapters and direct mode both call PGs through this layer; each call
//! returns the canonical answer and the PG's raw exchanges.

mod canonical;
mod client;
mod codec;
mod credentials;
mod http;
pub mod json;
mod name;
mod order_view;
mod redact;
mod webhook;
mod xml;

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

pub use canonical::{
    belongs_to, ApproveRequest, CancelRequest, DrawnFault, ErrorCategory, Krw, LedgerCancel, LedgerPayment, PaymentRef,
    PgCancel, PgError, PgOp, PgPayment, PgStatus, Rejection, WebhookDelivery, MAX_ORDER_AMOUNT,
};
pub use client::{error_chain, PgCall, PgClient};
pub use codec::WireCodec;
pub use credentials::Credentials;
pub use http::{HttpBody, HttpCall, HttpReply, RawExchange};
pub(crate) use name::pg_table;
pub use name::{PgName, UnknownPg};
pub use order_view::OrderAtPg;
pub use redact::{redact, redact_by_shape, secret_shaped, MASK};
pub use webhook::{header, sha256_hex, WebhookNotice, WebhookRefusal};

macro_rules! codec_table {
    ($($variant:ident $module:ident $name:literal $codec:ident $server:ident,)*) => {
        impl PgName {
            /// The codec for this PG's wire format.
            pub fn codec(self) -> Box<dyn WireCodec> {
                match self {
                    $(PgName::$variant => Box::new(<$module::$codec>::default()),)*
                }
            }
        }
    };
}
pg_table!(codec_table);
