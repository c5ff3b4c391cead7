//! A platform client: turns an abstract op into the HTTP call its profile describes, sends it,
//! and reads the canonical fields back out of the answer. Knows nothing of scenarios.

use crate::history::{Phase, RequestRecord, ResponseRecord, Seen};
use crate::spec::{Op, Profile, Vars};
use serde_json::Value;
use std::time::Duration;

/// Answer bodies kept in the history are cut to this many bytes.
pub const BODY_CAP: usize = 4096;

/// One call's result, ready to record.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub request: RequestRecord,
    pub response: Option<ResponseRecord>,
    pub seen: Seen,
    pub phase: Phase,
    pub error: Option<String>,
    /// In direct mode: every raw PG exchange the op took.
    pub raw: Vec<crate::pg::Exchange>,
}

/// Sends a built HTTP request somewhere else than paydrill's own client — under load, through
/// a goose user, so every op is a named request in goose's metrics.
pub trait Transport: Sync {
    fn send(
        &self,
        op: Op,
        request: reqwest::RequestBuilder,
    ) -> futures::future::BoxFuture<'_, Result<reqwest::Response, String>>;
}

/// What the ops are sent to: a platform through a profile, or the PGs directly.
pub enum Target {
    Platform(PlatformTarget),
    Direct(crate::direct::DirectTarget),
}

/// A request built and ready to send, with what the invoke event records of it.
pub struct Prepared {
    pub record: RequestRecord,
    headers: Vec<(String, String)>,
}

impl Target {
    /// Builds the request an op will make.
    pub fn prepare(&self, pg: crate::pg::PgName, op: Op, vars: &Vars<'_>) -> Prepared {
        match self {
            Target::Platform(t) => t.prepare(op, vars),
            Target::Direct(t) => Prepared { record: t.describe(pg, op, vars), headers: Vec::new() },
        }
    }

    /// Sends a prepared op; `via` carries platform requests when given (direct mode has its
    /// own clients and builds its PG calls itself).
    pub async fn call(
        &self,
        pg: crate::pg::PgName,
        op: Op,
        vars: &Vars<'_>,
        prepared: Prepared,
        via: Option<&dyn Transport>,
    ) -> Exchange {
        match self {
            Target::Platform(t) => t.send(op, prepared, via).await,
            Target::Direct(t) => t.call(pg, op, vars).await,
        }
    }
}

/// A platform reached over HTTP through a profile.
pub struct PlatformTarget {
    base_url: String,
    profile: Profile,
    http: reqwest::Client,
}

impl PlatformTarget {
    pub fn new(base_url: &str, profile: Profile, timeout: Duration) -> PlatformTarget {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(3))
            .pool_max_idle_per_host(256)
            .build()
            .expect("reqwest client with static settings");
        PlatformTarget { base_url: base_url.trim_end_matches('/').to_string(), profile, http }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The request `op` sends with `vars`, through the profile.
    pub fn prepare(&self, op: Op, vars: &Vars<'_>) -> Prepared {
        let call = &self.profile.ops[&op];
        let url = format!("{}{}", self.base_url, vars.fill(&call.path));
        let headers = call.headers.iter().map(|(k, v)| (k.clone(), vars.fill(v))).collect();
        let body = call.body.as_ref().map(|b| vars.fill_json(b).to_string()).unwrap_or_default();
        Prepared { record: RequestRecord { method: call.method.clone(), url, body }, headers }
    }

    /// Sends a prepared request (through `via` when given) and classifies the answer.
    pub async fn send(&self, op: Op, prepared: Prepared, via: Option<&dyn Transport>) -> Exchange {
        let Prepared { record: request, headers } = prepared;
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).unwrap_or(reqwest::Method::POST);
        let mut builder = self.http.request(method, &request.url);
        for (k, v) in &headers {
            builder = builder.header(k, v);
        }
        if !request.body.is_empty() {
            builder = builder.header("content-type", "application/json").body(request.body.clone());
        }
        let sent = match via {
            Some(transport) => transport.send(op, builder).await,
            None => builder.send().await.map_err(|e| describe_error(&e)),
        };
        let answer = match sent {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let replayed = self
                    .profile
                    .replay_header
                    .as_deref()
                    .and_then(|h| resp.headers().get(h))
                    .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
                resp.text().await.map(|body| (status, body, replayed)).map_err(|e| describe_error(&e))
            }
            Err(e) => Err(e),
        };
        match answer {
            Ok((status, body, replayed)) => {
                let seen = self.read(op, &body);
                let phase = classify(status, seen.status.as_deref());
                let body = cap(body);
                Exchange {
                    request,
                    response: Some(ResponseRecord { status, body, replayed }),
                    seen,
                    phase,
                    error: None,
                    raw: Vec::new(),
                }
            }
            Err(e) => Exchange {
                request,
                response: None,
                seen: Seen::default(),
                phase: Phase::Info,
                error: Some(e),
                raw: Vec::new(),
            },
        }
    }

    fn read(&self, op: Op, body: &str) -> Seen {
        let Ok(v) = serde_json::from_str::<Value>(body) else { return Seen::default() };
        let x = self.profile.extract_for(op);
        let text = |ptr: &Option<String>| {
            ptr.as_deref().and_then(|p| v.pointer(p)).and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        let number = |ptr: &Option<String>| {
            ptr.as_deref().and_then(|p| v.pointer(p)).and_then(|v| match v {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.parse().ok(),
                _ => None,
            })
        };
        Seen {
            order_id: text(&x.order_id),
            payment_id: text(&x.payment_id),
            status: text(&x.status).map(|w| self.profile.canonical_status(&w)),
            balance: number(&x.balance),
            amount: v.get("amount").and_then(Value::as_i64),
        }
    }
}

/// A transport failure in words a user can act on.
pub fn describe_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "no answer before the client timeout".to_string()
    } else {
        format!("connection failed: {}", crate::pg::error_chain(e))
    }
}

/// 2xx is accepted unless the platform itself says the outcome is unknown; 4xx is refused;
/// 5xx leaves the outcome unknown.
pub fn classify(status: u16, canonical: Option<&str>) -> Phase {
    match status {
        200..=299 if matches!(canonical, Some("UNKNOWN") | Some("APPROVING")) => Phase::Info,
        200..=299 => Phase::Ok,
        400..=499 => Phase::Fail,
        _ => Phase::Info,
    }
}

/// Cuts a body to [`BODY_CAP`] bytes on a character boundary.
pub fn cap(mut body: String) -> String {
    if body.len() > BODY_CAP {
        let mut end = BODY_CAP;
        while !body.is_char_boundary(end) {
            end -= 1;
        }
        body.truncate(end);
        body.push_str("…[cut]");
    }
    body
}

/// Refuses a target that is not on loopback unless the user allowed it: paydrill sends load,
/// and load goes to loopback only by default.
pub fn check_loopback(url: &str, allow_remote: bool) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("--target `{url}` is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("--target `{url}`: use an http:// or https:// URL"));
    }
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if loopback || allow_remote {
        Ok(())
    } else {
        Err(format!(
            "--target `{url}` is not a loopback address; paydrill only drills 127.0.0.0/8 or ::1 unless you pass --allow-remote"
        ))
    }
}

/// Whether something listens at the URL's host and port (within `within`).
pub async fn reachable(url: &str, within: Duration) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    let host = parsed.host_str().unwrap_or("127.0.0.1").trim_matches(|c| c == '[' || c == ']').to_string();
    let port = parsed.port_or_known_default().unwrap_or(80);
    match tokio::time::timeout(within, tokio::net::TcpStream::connect((host.as_str(), port))).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("cannot reach the target {url}: {e}")),
        Err(_) => Err(format!("cannot reach the target {url}: no connection within {within:?}")),
    }
}
