//! What `run` and `load` set up the same way: the scenarios chosen, the mock files with the
//! command line's fault overrides, the run id, and the target started — the embedded platform
//! and fakes, an outside platform through a profile with the fakes on fixed ports, or the PGs
//! themselves (direct mode).

use crate::embedded::{Embedded, EmbeddedConfig};
use crate::exit::Fatal;
use crate::fakes::{FakeFleet, ServerKind};
use crate::pg::{PgClient, PgName};
use crate::platform::{Defect, PlatformConfig};
use crate::record::{cap, Event, LedgerSnapshot, Mode, PgRequest, Recorder};
use crate::spec::{MockConfig, Profile, Scenario};
use crate::target::{net, DirectTarget, PlatformTarget, Target};
use std::path::Path;
use std::time::Duration;

/// Picks the scenarios named in `wanted` (all when empty).
pub fn select_scenarios(all: Vec<Scenario>, wanted: &[String], flag: &str) -> Result<Vec<Scenario>, Fatal> {
    if wanted.is_empty() {
        return Ok(all);
    }
    let known: Vec<_> = all.iter().map(|s| s.name.clone()).collect();
    for w in wanted {
        if !known.iter().any(|k| k.eq_ignore_ascii_case(w)) {
            return Err(Fatal::bad_input(format!("{flag} {w}: no such scenario (known: {})", known.join(", "))));
        }
    }
    Ok(all.into_iter().filter(|s| wanted.iter().any(|w| w.eq_ignore_ascii_case(&s.name))).collect())
}

/// Fault rates and latency the command line sets on every fake, over each mock file's own.
#[derive(Debug, Clone, Default)]
pub struct FaultOverrides {
    pub error_rate: Option<f64>,
    pub timeout_rate: Option<f64>,
    /// PG answer latency, uniform between the two.
    pub latency: Option<(Duration, Duration)>,
}

impl FaultOverrides {
    fn apply(&self, mock: &mut MockConfig) {
        if let Some(rate) = self.error_rate {
            mock.faults.error_rate = rate;
        }
        if let Some(rate) = self.timeout_rate {
            mock.faults.timeout_rate = rate;
        }
        if let Some((min, max)) = self.latency {
            mock.faults.latency_min = min;
            mock.faults.latency_max = max;
        }
    }

    /// Whether faults are drawn at random rates (step expectations then cannot hold).
    pub fn random(&self) -> bool {
        self.error_rate.is_some_and(|r| r > 0.0) || self.timeout_rate.is_some_and(|r| r > 0.0)
    }
}

/// The mocks of `dir` (or the defaults), only the PGs asked for (and, when the target's profile
/// names its PGs, only those), with the overrides applied.
pub fn select_mocks(
    dir: Option<&Path>,
    pgs: &[PgName],
    target_pgs: Option<&[PgName]>,
    overrides: &FaultOverrides,
) -> Result<Vec<MockConfig>, Fatal> {
    let mut mocks = MockConfig::resolve(dir)?;
    if let Some(allowed) = target_pgs {
        if let Some(pg) = pgs.iter().find(|pg| !allowed.contains(pg)) {
            let names: Vec<_> = allowed.iter().map(|p| p.as_str()).collect();
            return Err(Fatal::bad_input(format!(
                "--pg {pg}: the target's profile is set up for {} only (its `pgs`)",
                names.join(", ")
            )));
        }
        mocks.retain(|m| allowed.contains(&m.pg));
    }
    for pg in pgs {
        if !mocks.iter().any(|m| m.pg == *pg) {
            return Err(Fatal::bad_input(format!("--pg {pg}: no mock file for it")));
        }
    }
    if !pgs.is_empty() {
        mocks.retain(|m| pgs.contains(&m.pg));
    }
    if mocks.is_empty() {
        return Err(Fatal::bad_input("no PG to drill (check --pg and the mocks folder)"));
    }
    for m in &mut mocks {
        overrides.apply(m);
    }
    Ok(mocks)
}

/// A fresh run id: `20261201-221049-ab12`, with a prefix (`load-...`) and a shard suffix.
pub fn new_run_id(prefix: Option<&str>, shard: Option<(u32, u32)>) -> String {
    let now = time::OffsetDateTime::now_utc();
    let stamp = format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}-{:04x}",
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        fastrand::u32(..) & 0xffff
    );
    let base = match prefix {
        Some(p) => format!("{p}-{stamp}"),
        None => stamp,
    };
    match shard {
        Some((i, n)) => format!("{base}-shard{i}of{n}"),
        None => base,
    }
}

/// What to drill, from the target flags.
#[derive(Debug, Clone)]
pub enum TargetChoice {
    /// The embedded reference platform and fakes, with these bugs switched on.
    Embedded { defects: Vec<Defect> },
    /// A platform at `url`, reached through `profile`; the fakes listen on the mocks' fixed
    /// ports, unless `fakes` is off (the platform calls PGs of its own, which cannot be read).
    Outside { url: String, profile: Box<Profile>, profile_file: std::path::PathBuf, fakes: bool },
    /// The PGs themselves through paydrill's PG clients.
    Direct,
}

impl TargetChoice {
    /// Reads the target flags, refusing combinations that mean nothing.
    pub fn from_flags(
        target: Option<&str>,
        profile: Option<&Path>,
        direct: bool,
        defects: &[Defect],
        allow_remote: bool,
        no_fakes: bool,
    ) -> Result<TargetChoice, Fatal> {
        if no_fakes && (direct || target.is_none()) {
            return Err(Fatal::bad_input(
                "--no-fakes is for an outside --target whose PGs are its own: the embedded platform and --direct drill paydrill's fakes",
            ));
        }
        if direct {
            if target.is_some() || profile.is_some() || !defects.is_empty() {
                return Err(Fatal::bad_input(
                    "--direct drills the PGs themselves: it takes no --target, --profile or --defect",
                ));
            }
            return Ok(TargetChoice::Direct);
        }
        let Some(url) = target else {
            if profile.is_some() {
                return Err(Fatal::bad_input("--profile describes an outside platform: give its --target URL too"));
            }
            return Ok(TargetChoice::Embedded { defects: defects.to_vec() });
        };
        net::check_loopback(url, allow_remote).map_err(Fatal::bad_input)?;
        if !defects.is_empty() {
            return Err(Fatal::bad_input(
                "--defect applies to the embedded platform; start `paydrill serve --defect` instead",
            ));
        }
        let Some(profile) = profile else {
            return Err(Fatal::bad_input(
                "--target needs --profile FILE describing the platform's API (scenarios/profiles/reference.toml for paydrill serve)",
            ));
        };
        Ok(TargetChoice::Outside {
            url: url.to_string(),
            profile: Box::new(Profile::load(profile)?),
            profile_file: profile.to_path_buf(),
            fakes: !no_fakes,
        })
    }

    /// The PGs the target is set up for, when its profile names them.
    pub fn pgs(&self) -> Option<&[PgName]> {
        match self {
            TargetChoice::Outside { profile, .. } => profile.pgs.as_deref(),
            _ => None,
        }
    }

    /// The flags that choose this target again, for a replay command line.
    pub fn flags(&self) -> Vec<String> {
        match self {
            TargetChoice::Embedded { defects } if defects.is_empty() => Vec::new(),
            TargetChoice::Embedded { defects } => {
                let names: Vec<&str> = defects.iter().map(|d| d.name()).collect();
                vec!["--defect".into(), names.join(",")]
            }
            TargetChoice::Outside { url, profile_file, fakes, .. } => {
                let mut flags =
                    vec!["--target".into(), url.clone(), "--profile".into(), profile_file.display().to_string()];
                if !fakes {
                    flags.push("--no-fakes".into());
                }
                flags
            }
            TargetChoice::Direct => vec!["--direct".into()],
        }
    }

    pub fn mode(&self) -> Mode {
        match self {
            TargetChoice::Direct => Mode::Direct,
            _ => Mode::Platform,
        }
    }
}

/// How to start the target.
#[derive(Debug, Clone)]
pub struct TargetSetup {
    pub choice: TargetChoice,
    /// wiremock for `run` (its journal is evidence), the lean server for `load`.
    pub server: ServerKind,
    /// How long the embedded platform (or direct mode's client) waits for a PG.
    pub pg_timeout: Duration,
    /// How long paydrill waits for the platform's answer.
    pub client_timeout: Duration,
    /// The embedded platform's order id prefix (shards use their own).
    pub id_prefix: String,
}

/// The running target and what the run needs to know about it. Everything it started stops
/// when it is dropped.
pub struct RunningTarget {
    pub target: Target,
    embedded: Option<Embedded>,
    fleet: Option<FakeFleet>,
    /// In words, for the history's header and the summary.
    pub description: String,
    pub profile: String,
    /// Lines worth showing before the run (the fakes' URLs for an outside platform).
    pub notes: Vec<String>,
}

impl RunningTarget {
    /// The PG fakes, when the PGs are paydrill's.
    pub fn fleet(&self) -> Option<&FakeFleet> {
        self.embedded.as_ref().map(|s| &s.fleet).or(self.fleet.as_ref())
    }

    /// Records what the PGs did: each fake's final ledger, the webhooks it sent and the requests it
    /// received.
    pub async fn record_pg_side(&self, recorder: &Recorder) {
        let Some(fleet) = self.fleet() else { return };
        for endpoint in fleet.endpoints() {
            recorder.record(Event::Ledger(LedgerSnapshot {
                pg: endpoint.pg(),
                payments: endpoint.fake.ledger().payments(),
            }));
            for delivery in endpoint.fake.webhooks().deliveries() {
                recorder.record(Event::Webhook(delivery));
            }
            for drawn in endpoint.fake.faults().drawn(endpoint.pg()) {
                recorder.record(Event::FaultDrawn(drawn));
            }
            for r in endpoint.journal().await.unwrap_or_default() {
                let body = crate::pg::redact(&String::from_utf8_lossy(&r.body), &endpoint.credentials().secret);
                recorder.record(Event::PgRequest(PgRequest {
                    pg: endpoint.pg(),
                    method: r.method,
                    path: r.path,
                    body: cap(body),
                }));
            }
        }
    }
}

/// Starts what `setup` asks for over `mocks`.
pub async fn start_target(setup: &TargetSetup, mocks: Vec<MockConfig>, run_id: &str) -> Result<RunningTarget, Fatal> {
    match &setup.choice {
        TargetChoice::Direct => {
            let fleet = FakeFleet::start(mocks, setup.server, false).await.map_err(Fatal::unreachable)?;
            let clients = fleet
                .endpoints()
                .iter()
                .map(|e| PgClient::new(e.pg(), &e.base_url, e.credentials().clone()).with_timeout(setup.pg_timeout))
                .collect();
            Ok(RunningTarget {
                target: Target::Direct(DirectTarget::new(run_id, clients)),
                embedded: None,
                fleet: Some(fleet),
                description: "the PG fakes, directly".into(),
                profile: "direct".into(),
                notes: Vec::new(),
            })
        }
        TargetChoice::Embedded { defects } => {
            let config = EmbeddedConfig {
                mocks,
                server: setup.server,
                fixed_ports: false,
                platform: PlatformConfig {
                    pg_timeout: setup.pg_timeout,
                    defects: defects.clone(),
                    id_prefix: setup.id_prefix.clone(),
                    ..PlatformConfig::new(Vec::new())
                },
            };
            let embedded = Embedded::start(config).await.map_err(Fatal::unreachable)?;
            let url = embedded.platform.url();
            let profile = Profile::reference();
            let mut notes = Vec::new();
            if !defects.is_empty() {
                let names: Vec<_> = defects.iter().map(|d| d.name()).collect();
                notes.push(format!("defects switched on in the embedded platform: {}", names.join(", ")));
            }
            Ok(RunningTarget {
                profile: profile.name.clone(),
                target: Target::Platform(PlatformTarget::new(&url, profile, setup.client_timeout, run_id)),
                embedded: Some(embedded),
                fleet: None,
                description: format!("embedded reference platform {url}"),
                notes,
            })
        }
        TargetChoice::Outside { url, profile, fakes, .. } => {
            let profile = (**profile).clone();
            net::reachable(url, Duration::from_secs(3)).await.map_err(Fatal::unreachable)?;
            if !fakes {
                return Ok(RunningTarget {
                    profile: profile.name.clone(),
                    target: Target::Platform(PlatformTarget::new(url, profile, setup.client_timeout, run_id)),
                    embedded: None,
                    fleet: None,
                    description: url.clone(),
                    notes: vec![
                        "no PG fakes (--no-fakes): the platform calls PGs of its own, so what the PGs did is not \
                         observable and the checks that compare with it say so"
                            .to_string(),
                    ],
                });
            }
            let fleet = FakeFleet::start(mocks, setup.server, true).await.map_err(|e| {
                Fatal::unreachable(format!(
                    "{e} (is `paydrill serve` running with its own fakes? use `serve --no-fakes`)"
                ))
            })?;
            let mut notes =
                vec!["PG fakes for the target platform (configure it with these base URLs and the keys in mocks/):"
                    .to_string()];
            for e in fleet.endpoints() {
                notes.push(format!("  {:<10} {}", e.pg().as_str(), e.base_url));
            }
            // The fakes send their webhooks where the profile says the platform takes them
            // (a mock's own `[webhooks] url` wins).
            if let Some(path) = &profile.webhook_path {
                for e in fleet.endpoints().iter().filter(|e| e.fake.webhooks().url().is_none()) {
                    e.fake.webhooks().set_url(Some(format!("{}{path}", url.trim_end_matches('/'))));
                }
                notes.push(format!("PG webhooks go to {}{path}", url.trim_end_matches('/')));
            }
            Ok(RunningTarget {
                profile: profile.name.clone(),
                target: Target::Platform(PlatformTarget::new(url, profile, setup.client_timeout, run_id)),
                embedded: None,
                fleet: Some(fleet),
                description: url.clone(),
                notes,
            })
        }
    }
}
