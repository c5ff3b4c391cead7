//! All the fake PGs of a run, started together on one kind of server, with their URLs and
//! keys: what a platform must be configured with, and where the checkers read the ledgers.

use super::fake::Fake;
use super::lean_server::LeanServer;
use super::mock_server::MockPgServer;
use crate::pg::{Credentials, PgName};
use crate::spec::MockConfig;
use std::sync::Arc;

/// Which server hosts the fakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// wiremock `MockServer`: keeps a request journal (evidence); for `run`.
    Wiremock,
    /// Lean axum server: flat memory; for `load`.
    Lean,
}

enum Server {
    Mock(MockPgServer),
    Lean(LeanServer),
}

/// One running fake PG.
pub struct FakeEndpoint {
    pub fake: Arc<Fake>,
    pub base_url: String,
    server: Server,
}

impl FakeEndpoint {
    pub fn pg(&self) -> PgName {
        self.fake.pg()
    }

    pub fn credentials(&self) -> &Credentials {
        &self.fake.config().credentials
    }

    /// The requests this fake received, when it runs on wiremock.
    pub async fn journal(&self) -> Option<Vec<super::wire::FakeRequest>> {
        match &self.server {
            Server::Mock(server) => Some(server.journal().await),
            Server::Lean(_) => None,
        }
    }
}

/// Error starting a fake: which PG and why (a fixed port already in use, say).
#[derive(Debug, thiserror::Error)]
#[error("could not start the {pg} fake on {addr}: {source}")]
pub struct FleetError {
    pub pg: PgName,
    pub addr: String,
    pub source: std::io::Error,
}

/// The running fakes.
pub struct FakeFleet {
    endpoints: Vec<FakeEndpoint>,
}

impl FakeFleet {
    /// Starts one fake per config on loopback: on each config's fixed port when `fixed_ports`,
    /// else on free ports.
    pub async fn start(configs: Vec<MockConfig>, kind: ServerKind, fixed_ports: bool) -> Result<FakeFleet, FleetError> {
        let mut endpoints = Vec::new();
        for config in configs {
            let pg = config.pg;
            let port = if fixed_ports { config.port } else { 0 };
            let addr = format!("127.0.0.1:{port}");
            let fail = |source| FleetError { pg, addr: addr.clone(), source };
            let listener = std::net::TcpListener::bind(("127.0.0.1", port)).map_err(fail)?;
            let fake = Fake::new(config);
            let server = match kind {
                ServerKind::Wiremock => Server::Mock(MockPgServer::start(fake.clone(), Some(listener)).await),
                ServerKind::Lean => {
                    listener.set_nonblocking(true).map_err(fail)?;
                    let listener = tokio::net::TcpListener::from_std(listener).map_err(fail)?;
                    Server::Lean(LeanServer::start(fake.clone(), listener).map_err(fail)?)
                }
            };
            let base_url = match &server {
                Server::Mock(s) => s.uri(),
                Server::Lean(s) => s.uri(),
            };
            endpoints.push(FakeEndpoint { fake, base_url, server });
        }
        Ok(FakeFleet { endpoints })
    }

    /// Every shipped PG, on free ports.
    pub async fn start_embedded(kind: ServerKind) -> Result<FakeFleet, FleetError> {
        FakeFleet::start(MockConfig::embedded(), kind, false).await
    }

    pub fn endpoints(&self) -> &[FakeEndpoint] {
        &self.endpoints
    }

    pub fn endpoint(&self, pg: PgName) -> Option<&FakeEndpoint> {
        self.endpoints.iter().find(|e| e.pg() == pg)
    }

    /// The fake for `pg`. Panics if the fleet has none; use [`FakeFleet::endpoint`] to ask.
    pub fn fake(&self, pg: PgName) -> &Arc<Fake> {
        &self.endpoint(pg).unwrap_or_else(|| panic!("no {pg} fake in this fleet")).fake
    }
}
