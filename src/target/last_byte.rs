//! Clicks that really race: each request goes out on a fresh connection with all but its last
//! byte, and only when every one is waiting are the last bytes written, one right after another,
//! so the server sees the requests complete within microseconds of each other (last-byte
//! synchronisation). Plain HTTP/1.1 over loopback TCP; each answer is read to the end.

use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One request to release.
pub struct RawRequest {
    pub method: String,
    /// An absolute `http://` URL.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// One answer as it came.
pub struct RawResponse {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Nanoseconds since the Unix epoch, now.
pub fn now_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

/// Whether `url` can be released this way (plain `http://`).
pub fn can_release(url: &str) -> bool {
    url.starts_with("http://")
}

/// Sends every request with last-byte synchronisation; for each, the answer (or why none came)
/// and when its last byte was written (ns since the epoch).
pub async fn release_together(requests: &[RawRequest], timeout: Duration) -> Vec<(Result<RawResponse, String>, u64)> {
    // Connect and send all but the last byte of each.
    let opened = futures::future::join_all(requests.iter().map(|r| async move {
        let bytes = encode(r)?;
        let addr = host_port(&r.url)?;
        let mut stream = tokio::time::timeout(timeout, TcpStream::connect(&addr))
            .await
            .map_err(|_| format!("connection failed: no connection to {addr} within {timeout:?}"))?
            .map_err(|e| format!("connection failed: {addr}: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (head, last) = bytes.split_at(bytes.len() - 1);
        stream.write_all(head).await.map_err(|e| format!("connection failed: {e}"))?;
        stream.flush().await.map_err(|e| format!("connection failed: {e}"))?;
        Ok::<_, String>((stream, last[0]))
    }))
    .await;
    // Release: the last bytes, back to back.
    let mut released = Vec::with_capacity(opened.len());
    let mut streams = Vec::with_capacity(opened.len());
    for o in opened {
        match o {
            Ok((mut stream, last)) => {
                let sent = stream.write_all(&[last]).await.map_err(|e| format!("connection failed: {e}"));
                released.push(now_ns());
                streams.push(sent.map(|_| stream));
            }
            Err(e) => {
                released.push(now_ns());
                streams.push(Err(e));
            }
        }
    }
    let answers = futures::future::join_all(streams.into_iter().map(|s| async move {
        let mut stream = s?;
        let mut buf = Vec::new();
        tokio::time::timeout(timeout, stream.read_to_end(&mut buf))
            .await
            .map_err(|_| "no answer before the client timeout".to_string())?
            .map_err(|e| format!("connection failed: {e}"))?;
        decode(&buf)
    }))
    .await;
    answers.into_iter().zip(released).collect()
}

fn host_port(url: &str) -> Result<String, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    let host = parsed.host_str().ok_or(format!("`{url}` has no host"))?;
    Ok(format!("{}:{}", host.trim_matches(|c| c == '[' || c == ']'), parsed.port_or_known_default().unwrap_or(80)))
}

fn encode(r: &RawRequest) -> Result<Vec<u8>, String> {
    let parsed = reqwest::Url::parse(&r.url).map_err(|e| format!("`{}` is not a URL: {e}", r.url))?;
    let mut target = parsed.path().to_string();
    if let Some(q) = parsed.query() {
        target.push('?');
        target.push_str(q);
    }
    let host = match parsed.port() {
        Some(p) => format!("{}:{p}", parsed.host_str().unwrap_or("127.0.0.1")),
        None => parsed.host_str().unwrap_or("127.0.0.1").to_string(),
    };
    let mut head =
        format!("{} {target} HTTP/1.1\r\nhost: {host}\r\nuser-agent: paydrill\r\nconnection: close\r\n", r.method);
    for (k, v) in &r.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !r.body.is_empty() {
        head.push_str("content-type: application/json\r\n");
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", r.body.len()));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(r.body.as_bytes());
    Ok(bytes)
}

fn decode(buf: &[u8]) -> Result<RawResponse, String> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let head_len = match response.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Err("connection failed: the answer ended before its headers".into()),
        Err(e) => return Err(format!("an answer that is not HTTP: {e}")),
    };
    let status = response.code.unwrap_or(0);
    let headers: Vec<(String, String)> = response
        .headers
        .iter()
        .map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).to_string()))
        .collect();
    let rest = &buf[head_len..];
    let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        dechunk(rest)?
    } else {
        let len = headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.trim().parse().ok());
        match len {
            Some(n) if n <= rest.len() => rest[..n].to_vec(),
            Some(_) => return Err("connection failed: the answer ended before its body".into()),
            None => rest.to_vec(),
        }
    };
    Ok(RawResponse { status, headers, body: String::from_utf8_lossy(&body).to_string() })
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n").ok_or("a chunked answer cut short")?;
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| format!("a bad chunk size `{size_text}`"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if rest.len() < size + 2 {
            return Err("a chunked answer cut short".into());
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plain_and_chunked_answers() {
        let plain = b"HTTP/1.1 201 Created\r\nContent-Length: 11\r\nLocation: /s/1\r\n\r\n{\"ok\":true}";
        let r = decode(plain).unwrap();
        assert_eq!((r.status, r.body.as_str(), r.header("location")), (201, "{\"ok\":true}", Some("/s/1")));
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n";
        assert_eq!(decode(chunked).unwrap().body, "{\"a\":1}");
        let req = RawRequest {
            method: "GET".into(),
            url: "http://127.0.0.1:9/x?y=1".into(),
            headers: vec![],
            body: String::new(),
        };
        let bytes = String::from_utf8(encode(&req).unwrap()).unwrap();
        assert!(
            bytes.starts_with("GET /x?y=1 HTTP/1.1\r\nhost: 127.0.0.1:9\r\n") && bytes.ends_with("\r\n\r\n"),
            "{bytes}"
        );
    }
}
