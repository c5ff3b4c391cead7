//! The network rules of drilling a target: load goes to loopback unless the user allows
//! otherwise, a target must answer before a run starts, and a transport failure is described
//! in words a user can act on.

use std::time::Duration;

/// A transport failure in words a user can act on.
pub fn describe_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "no answer before the client timeout".to_string()
    } else {
        format!("connection failed: {}", crate::pg::error_chain(e))
    }
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
