//! One way to call an op on a platform: method, path, headers and body templates, where its
//! answer keeps the canonical fields, and, for an asynchronous op, how to poll the status URL
//! it answers with until a final status.

use super::extract::{check_pointer, Extract, RawExtract};
use super::vars::{is_env_name, vars_in, VARS};
use crate::input::InputError;
use crate::spec::op::Op;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

/// One form of an op.
#[derive(Debug, Clone, PartialEq)]
pub struct OpForm {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// JSON body template; `None` sends no body.
    pub body: Option<toml::Value>,
    /// The profile's `[extract]` with this form's own fields laid over it.
    pub extract: Extract,
    pub poll: Option<Poll>,
    /// Every variable the templates use.
    pub vars: BTreeSet<String>,
    /// The profile line of the op's table.
    pub line: usize,
}

/// How to follow an asynchronous answer: the status URL to poll, and the values at a pointer of
/// the polled answer that end it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poll {
    /// Answers with this HTTP status are asynchronous (202 by default); others are final at once.
    pub when_status: u16,
    /// The status URL, from this answer header...
    pub url_header: Option<String>,
    /// ...or at this pointer of the answer body.
    pub url_pointer: Option<String>,
    pub until_pointer: String,
    /// Values that mean done, accepted.
    pub done: Vec<String>,
    /// Values that mean done, refused.
    pub failed: Vec<String>,
    /// How long to poll before the outcome counts as unknown.
    pub deadline: Duration,
    /// The first pause between polls; it doubles up to half a second.
    pub interval: Duration,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawForm {
    method: String,
    path: String,
    #[serde(default)]
    headers: std::collections::BTreeMap<String, String>,
    body: Option<toml::Value>,
    extract: Option<RawExtract>,
    poll: Option<RawPoll>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPoll {
    #[serde(default = "accepted_status")]
    when_status: u16,
    url_header: Option<String>,
    url_pointer: Option<String>,
    until_pointer: String,
    done: Vec<String>,
    #[serde(default)]
    failed: Vec<String>,
    #[serde(default = "default_deadline", with = "crate::units::serde_duration")]
    deadline: Duration,
    #[serde(default = "default_interval", with = "crate::units::serde_duration")]
    interval: Duration,
}

fn accepted_status() -> u16 {
    202
}

fn default_deadline() -> Duration {
    Duration::from_secs(10)
}

fn default_interval() -> Duration {
    Duration::from_millis(10)
}

/// Where a form is, for messages: `ops.inquire` or `ops.inquire[2]`.
pub struct FormPlace<'a> {
    pub op: Op,
    pub index: Option<usize>,
    pub file: &'a Path,
    pub text: &'a str,
    /// Byte offset of the op's table in `text`, and its line.
    pub offset: usize,
    pub line: usize,
}

impl FormPlace<'_> {
    fn name(&self) -> String {
        match self.index {
            Some(i) => format!("ops.{}[{}]", self.op.as_str(), i + 1),
            None => format!("ops.{}", self.op.as_str()),
        }
    }

    fn error(&self, message: impl Into<String>) -> InputError {
        InputError::new(self.file, Some(self.line), format!("{}: {}", self.name(), message.into()))
    }
}

impl RawForm {
    /// Validates the form against the profile's `[extract]` (`base`).
    pub fn resolve(self, at: &FormPlace, base: &Extract) -> Result<OpForm, InputError> {
        if !matches!(self.method.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
            return Err(at.error(format!("method `{}`: use GET, POST, PUT, PATCH or DELETE", self.method)));
        }
        if !self.path.starts_with('/') {
            return Err(at.error(format!("path `{}` must start with /", self.path)));
        }
        for (name, value) in &self.headers {
            check_header(name, value).map_err(|m| at.error(m))?;
        }
        let mut texts = vec![self.path.clone()];
        texts.extend(self.headers.values().cloned());
        if let Some(body) = &self.body {
            texts.push(body.to_string());
        }
        let mut vars = BTreeSet::new();
        for var in texts.iter().flat_map(|t| vars_in(t)) {
            let known = VARS.contains(&var.as_str()) || var.strip_prefix("env:").is_some_and(is_env_name);
            if !known {
                return Err(at.error(format!("unknown variable {{{var}}} (known: {}, env:NAME)", VARS.join(", "))));
            }
            if at.op == Op::CreateOrder && matches!(var.as_str(), "order_id" | "payment_id" | "pg_payment_key") {
                return Err(at.error(format!("{{{var}}} is not known before the order exists")));
            }
            vars.insert(var);
        }
        let extract = match self.extract {
            Some(raw) => {
                let (own, named) = raw.resolve(at.file, at.text, at.offset, &format!("{}.extract", at.name()))?;
                base.overlaid(&own, &named)
            }
            None => base.clone(),
        };
        let poll = self.poll.map(|p| p.resolve()).transpose().map_err(|m| at.error(format!("poll: {m}")))?;
        let headers = self.headers.into_iter().collect();
        Ok(OpForm {
            method: self.method,
            path: self.path,
            headers,
            body: self.body,
            extract,
            poll,
            vars,
            line: at.line,
        })
    }
}

impl RawPoll {
    fn resolve(self) -> Result<Poll, String> {
        match (&self.url_header, &self.url_pointer) {
            (None, None) => return Err("say where the status URL is: url_header = \"Location\" or url_pointer".into()),
            (Some(_), Some(_)) => return Err("give url_header or url_pointer, not both".into()),
            _ => {}
        }
        if let Some(p) = &self.url_pointer {
            check_pointer(p)?;
        }
        check_pointer(&self.until_pointer)?;
        if self.done.is_empty() {
            return Err("`done` must name the values that end the polling".into());
        }
        Ok(Poll {
            when_status: self.when_status,
            url_header: self.url_header,
            url_pointer: self.url_pointer,
            until_pointer: self.until_pointer,
            done: self.done,
            failed: self.failed,
            deadline: self.deadline,
            interval: self.interval.max(Duration::from_millis(1)),
        })
    }
}

/// A header as HTTP allows it: a token for a name, no control characters (CR, LF) in the value.
fn check_header(name: &str, value: &str) -> Result<(), String> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return Err(format!("header name `{name}` is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~)"));
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(format!("header `{name}`: the value holds a control character (CR, LF...)"));
    }
    Ok(())
}
