//! The embedded default target: the PG fakes and the reference platform wired to them,
//! started together on loopback. What `run`, `load` and `serve` drill when given no `--target`.

use crate::fakes::{FakeFleet, FleetError, ServerKind};
use crate::platform::{PgConnection, Platform, PlatformConfig, PlatformError};
use crate::spec::MockConfig;
use std::time::Duration;

/// Error starting the embedded target.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(transparent)]
    Fake(#[from] FleetError),
    #[error(transparent)]
    Platform(#[from] PlatformError),
}

/// How to start the embedded target.
#[derive(Debug, Clone)]
pub struct EmbeddedConfig {
    pub mocks: Vec<MockConfig>,
    pub server: ServerKind,
    /// Listen on each mock's fixed port instead of free ports.
    pub fixed_ports: bool,
    pub platform: PlatformConfig,
}

impl EmbeddedConfig {
    /// The shipped mocks on wiremock, free ports, a temporary database.
    pub fn shipped() -> Self {
        EmbeddedConfig {
            mocks: MockConfig::embedded(),
            server: ServerKind::Wiremock,
            fixed_ports: false,
            platform: PlatformConfig::new(Vec::new()),
        }
    }

    pub fn pg_timeout(mut self, timeout: Duration) -> Self {
        self.platform.pg_timeout = timeout;
        self
    }

    pub fn server(mut self, kind: ServerKind) -> Self {
        self.server = kind;
        self
    }
}

/// The running fakes and platform; both stop when this is dropped.
pub struct Embedded {
    pub fleet: FakeFleet,
    pub platform: Platform,
}

impl Embedded {
    pub async fn start(config: EmbeddedConfig) -> Result<Embedded, EmbeddedError> {
        let fleet = FakeFleet::start(config.mocks, config.server, config.fixed_ports).await?;
        let mut platform_config = config.platform;
        platform_config.pgs = connections(&fleet);
        let platform = Platform::start_on_loopback(platform_config).await?;
        // The platform takes each PG's webhooks at `/webhooks/{pg}`, unless a mock names another URL.
        for e in fleet.endpoints() {
            if e.fake.webhooks().url().is_none() {
                e.fake.webhooks().set_url(Some(format!("{}/webhooks/{{pg}}", platform.url())));
            }
        }
        Ok(Embedded { fleet, platform })
    }
}

/// How a platform reaches each fake of `fleet`.
pub fn connections(fleet: &FakeFleet) -> Vec<PgConnection> {
    fleet
        .endpoints()
        .iter()
        .map(|e| PgConnection {
            pg: e.pg(),
            base_url: e.base_url.clone(),
            credentials: e.credentials().clone(),
            webhook_secret: e.fake.config().webhooks.secret.clone(),
        })
        .collect()
}

/// How a platform reaches fakes served elsewhere on the mocks' fixed ports
/// (`paydrill serve --no-fakes` while `paydrill run --target` serves them).
pub fn fixed_port_connections(mocks: &[MockConfig]) -> Vec<PgConnection> {
    mocks
        .iter()
        .map(|m| PgConnection {
            pg: m.pg,
            base_url: format!("http://127.0.0.1:{}", m.port),
            credentials: m.credentials.clone(),
            webhook_secret: m.webhooks.secret.clone(),
        })
        .collect()
}
