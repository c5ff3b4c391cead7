//! Inicis, server side. (Being written.)

use super::{FakeReply, FakeRequest, LedgerError, Settled, WireCall, WireServer};
use crate::pg::{Credentials, PgName};
use serde_json::json;

pub struct InicisServer;

impl WireServer for InicisServer {
    fn pg(&self) -> PgName {
        PgName::Inicis
    }
    fn parse(&self, _req: &FakeRequest, _creds: &Credentials) -> Result<WireCall, FakeReply> {
        Err(self.internal_error())
    }
    fn render(&self, _call: &WireCall, _outcome: &Result<Settled, LedgerError>) -> FakeReply {
        self.internal_error()
    }
    fn internal_error(&self) -> FakeReply {
        FakeReply::json(500, json!({"error": "not implemented"}))
    }
}
