//! The embedded default target: the PG fakes and the reference platform wired to them,
//! started together on loopback. What `run`, `load` and `serve` drill when given no `--target`.

use crate::fakes::{FakeFleet, FleetError, MockConfig, ServerKind};
use crate::platform::{PgConnection, Platform, PlatformConfig, PlatformError};
use std::time::Duration;

/// Error starting the embedded target.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    #[error(transparent)]
    Fake(#[from] FleetError),
    #[error(transparent)]
    Platform(#[from] PlatformError),
}

/// How to start the embedded target.
#[derive(Debug, Clone)]
pub struct StackConfig {
    pub mocks: Vec<MockConfig>,
    pub server: ServerKind,
    /// Listen on each mock's fixed port instead of free ports.
    pub fixed_ports: bool,
    pub platform: PlatformConfig,
}

impl StackConfig {
    /// The shipped mocks on wiremock, free ports, a temporary database.
    pub fn embedded() -> Self {
        StackConfig {
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

/// The running fakes and platform.
pub struct Stack {
    pub fleet: FakeFleet,
    pub platform: Platform,
}

impl Stack {
    pub async fn start(config: StackConfig) -> Result<Stack, StackError> {
        let fleet = FakeFleet::start(config.mocks, config.server, config.fixed_ports).await?;
        let mut platform_config = config.platform;
        platform_config.pgs = connections(&fleet);
        let platform = Platform::start_on_loopback(platform_config).await?;
        Ok(Stack { fleet, platform })
    }
}

/// How a platform reaches each fake of `fleet`.
pub fn connections(fleet: &FakeFleet) -> Vec<PgConnection> {
    fleet
        .endpoints()
        .iter()
        .map(|e| PgConnection { pg: e.pg(), base_url: e.base_url.clone(), credentials: e.credentials().clone() })
        .collect()
}
