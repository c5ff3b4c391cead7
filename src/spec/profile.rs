//! Profiles (`scenarios/profiles/*.toml`): how each harness op maps onto one platform's HTTP API —
//! method, path and header templates, a JSON body template with `{vars}`, the JSON pointers that
//! read `order_id`, `payment_id`, `status` and `balance` from an answer, and the platform's status
//! words in canonical terms. QA points paydrill at their platform by writing one of these.

use super::op::{Op, STATES};
use crate::input::{self, line_of, InputError};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The variables a template may use.
pub const VARS: [&str; 5] = ["idempotency_key", "pg", "amount", "order_id", "payment_id"];

/// Where to find the canonical fields in an answer (JSON pointers).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extract {
    pub order_id: Option<String>,
    pub payment_id: Option<String>,
    pub status: Option<String>,
    pub balance: Option<String>,
    /// Where the answer lists the payment's transactions (optional; evidence only).
    pub transactions: Option<String>,
}

/// One op's HTTP call.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpCall {
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// JSON body template; absent means no body.
    pub body: Option<toml::Value>,
    /// Overrides the profile's `[extract]` for this op.
    pub extract: Option<Extract>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: String,
    #[serde(default)]
    description: String,
    /// Header the platform sets on a replayed answer.
    replay_header: Option<String>,
    extract: Extract,
    #[serde(default)]
    statuses: BTreeMap<String, String>,
    ops: BTreeMap<String, Spanned<OpCall>>,
}

/// A parsed, validated profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    pub description: String,
    pub replay_header: Option<String>,
    pub extract: Extract,
    /// Platform word → canonical state.
    pub statuses: BTreeMap<String, String>,
    pub ops: BTreeMap<Op, OpCall>,
    pub file: PathBuf,
}

/// The profile of paydrill's reference platform, built in.
pub const REFERENCE: &str = include_str!("../../scenarios/profiles/reference.toml");

impl Profile {
    pub fn load(file: &Path) -> Result<Profile, InputError> {
        Profile::parse(file, &input::read(file)?)
    }

    /// The built-in profile for the reference platform.
    pub fn reference() -> Profile {
        Profile::parse(Path::new("scenarios/profiles/reference.toml"), REFERENCE).expect("the shipped profile is valid")
    }

    pub fn parse(file: &Path, text: &str) -> Result<Profile, InputError> {
        let raw: RawProfile = input::parse_toml(file, text)?;
        let mut ops = BTreeMap::new();
        for (word, call) in raw.ops {
            let line = Some(line_of(text, call.span().start));
            let op = Op::ALL.into_iter().find(|op| op.as_str() == word).ok_or_else(|| {
                InputError::new(
                    file,
                    line,
                    format!("ops.{word}: unknown op (known: create_order, approve, partial_cancel, cancel, inquire)"),
                )
            })?;
            let call = call.into_inner();
            check_call(op, &call).map_err(|m| InputError::new(file, line, format!("ops.{word}: {m}")))?;
            ops.insert(op, call);
        }
        if let Some(missing) = Op::ALL.into_iter().find(|op| !ops.contains_key(op)) {
            return Err(InputError::new(file, None, format!("no [ops.{}]: every op needs a call", missing.as_str())));
        }
        for (word, state) in &raw.statuses {
            if !STATES.contains(&state.as_str()) {
                return Err(InputError::new(
                    file,
                    None,
                    format!("statuses.{word} = `{state}` is not a canonical state ({})", STATES.join(", ")),
                ));
            }
        }
        Ok(Profile {
            name: raw.name,
            description: raw.description,
            replay_header: raw.replay_header,
            extract: raw.extract,
            statuses: raw.statuses,
            ops,
            file: file.to_path_buf(),
        })
    }

    /// The canonical state for a platform's status word (unmapped words pass through).
    pub fn canonical_status(&self, word: &str) -> String {
        self.statuses.get(word).cloned().unwrap_or_else(|| word.to_string())
    }

    pub fn extract_for(&self, op: Op) -> &Extract {
        self.ops.get(&op).and_then(|c| c.extract.as_ref()).unwrap_or(&self.extract)
    }
}

fn check_call(op: Op, call: &OpCall) -> Result<(), String> {
    if !matches!(call.method.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
        return Err(format!("method `{}`: use GET, POST, PUT, PATCH or DELETE", call.method));
    }
    if !call.path.starts_with('/') {
        return Err(format!("path `{}` must start with /", call.path));
    }
    let mut texts = vec![call.path.clone()];
    texts.extend(call.headers.values().cloned());
    if let Some(body) = &call.body {
        texts.push(body.to_string());
    }
    for text in &texts {
        for var in vars_in(text) {
            if !VARS.contains(&var.as_str()) {
                return Err(format!("unknown variable {{{var}}} (known: {})", VARS.join(", ")));
            }
            if op == Op::CreateOrder && (var == "order_id" || var == "payment_id") {
                return Err(format!("{{{var}}} is not known before the order exists"));
            }
        }
    }
    Ok(())
}

fn vars_in(text: &str) -> Vec<String> {
    let mut vars = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if after[..end].chars().all(|c| c.is_ascii_lowercase() || c == '_') && end > 0 => {
                vars.push(after[..end].to_string());
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    vars
}

/// Values for a template's variables.
#[derive(Debug, Clone, Default)]
pub struct Vars<'a> {
    pub idempotency_key: Option<&'a str>,
    pub pg: Option<&'a str>,
    pub amount: Option<i64>,
    pub order_id: Option<&'a str>,
    pub payment_id: Option<&'a str>,
}

impl Vars<'_> {
    fn get(&self, name: &str) -> Option<String> {
        match name {
            "idempotency_key" => self.idempotency_key.map(str::to_string),
            "pg" => self.pg.map(str::to_string),
            "amount" => self.amount.map(|a| a.to_string()),
            "order_id" => self.order_id.map(str::to_string),
            "payment_id" => self.payment_id.map(str::to_string),
            _ => None,
        }
    }

    /// Fills `{vars}` in a string; unknown or missing ones become empty.
    pub fn fill(&self, template: &str) -> String {
        let mut out = template.to_string();
        for var in VARS {
            let pattern = format!("{{{var}}}");
            if out.contains(&pattern) {
                out = out.replace(&pattern, &self.get(var).unwrap_or_default());
            }
        }
        out
    }

    /// Fills a body template. A string that is exactly `"{amount}"` becomes a number; an
    /// `"{amount}"` with no amount removes its key.
    pub fn fill_json(&self, template: &toml::Value) -> Value {
        match template {
            toml::Value::String(s) if s == "{amount}" => match self.amount {
                Some(a) => Value::from(a),
                None => Value::Null,
            },
            toml::Value::String(s) => Value::String(self.fill(s)),
            toml::Value::Integer(i) => Value::from(*i),
            toml::Value::Float(f) => Value::from(*f),
            toml::Value::Boolean(b) => Value::Bool(*b),
            toml::Value::Datetime(d) => Value::String(d.to_string()),
            toml::Value::Array(items) => Value::Array(items.iter().map(|v| self.fill_json(v)).collect()),
            toml::Value::Table(t) => Value::Object(
                t.iter().map(|(k, v)| (k.clone(), self.fill_json(v))).filter(|(_, v)| !v.is_null()).collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_profile_fills_templates() {
        let p = Profile::reference();
        let vars = Vars { order_id: Some("ord_1"), amount: Some(3000), idempotency_key: Some("k"), ..Vars::default() };
        let call = &p.ops[&Op::PartialCancel];
        assert_eq!(vars.fill(&call.path), "/orders/ord_1/cancel");
        assert_eq!(vars.fill_json(call.body.as_ref().unwrap()), serde_json::json!({ "amount": 3000 }));
        assert_eq!(p.canonical_status("APPROVED"), "APPROVED");
    }

    #[test]
    fn unknown_variable_is_refused_with_the_line() {
        let text = Profile::reference().file.display().to_string();
        assert!(!text.is_empty());
        let bad = REFERENCE.replace("/orders/{order_id}/approve", "/orders/{orderid}/approve");
        let e = Profile::parse(Path::new("p.toml"), &bad).unwrap_err();
        assert!(e.message.contains("unknown variable {orderid}"), "{e}");
        assert!(e.line.is_some());
    }
}
