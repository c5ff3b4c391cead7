//! The plain HTTP shapes a wire codec produces and reads: a call to send, the reply that came
//! back, and the pair kept as evidence. No I/O here.

use serde::{Deserialize, Serialize};

/// A request body in the encoding the PG expects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "encoding", content = "value", rename_all = "lowercase")]
pub enum HttpBody {
    Empty,
    Json(serde_json::Value),
    Form(Vec<(String, String)>),
    /// An XML document (SOAP), sent as `text/xml; charset=utf-8`.
    Xml(String),
}

/// One HTTP call a codec wants sent; `path` is relative to the PG's base URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpCall {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: HttpBody,
}

impl HttpCall {
    pub fn post(path: impl Into<String>) -> Self {
        HttpCall { method: "POST".into(), path: path.into(), headers: Vec::new(), body: HttpBody::Empty }
    }

    pub fn get(path: impl Into<String>) -> Self {
        HttpCall { method: "GET".into(), path: path.into(), headers: Vec::new(), body: HttpBody::Empty }
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds the header only when there is a value.
    pub fn header_opt(self, name: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.header(name, v),
            None => self,
        }
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = HttpBody::Json(body);
        self
    }

    pub fn xml(mut self, body: impl Into<String>) -> Self {
        self.body = HttpBody::Xml(body.into());
        self
    }

    pub fn form<K: Into<String>, V: Into<String>>(mut self, fields: impl IntoIterator<Item = (K, V)>) -> Self {
        self.body = HttpBody::Form(fields.into_iter().map(|(k, v)| (k.into(), v.into())).collect());
        self
    }

    /// The body as the bytes that go on the wire.
    pub fn body_text(&self) -> String {
        match &self.body {
            HttpBody::Empty => String::new(),
            HttpBody::Json(v) => v.to_string(),
            HttpBody::Form(fields) => serde_urlencoded::to_string(fields).unwrap_or_default(),
            HttpBody::Xml(text) => text.clone(),
        }
    }
}

/// What came back from the PG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpReply {
    pub status: u16,
    pub body: String,
}

impl HttpReply {
    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// One request and its reply (or the transport failure), as evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawExchange {
    pub method: String,
    pub url: String,
    pub request_body: String,
    pub status: Option<u16>,
    pub response_body: Option<String>,
    pub error: Option<String>,
    pub elapsed_ms: u64,
}
