//! The variables a profile's templates use — `{idempotency_key}`, `{pg}`, `{amount}`,
//! `{order_id}`, `{payment_id}`, `{pg_payment_key}` and `{env:NAME}` — and filling templates
//! with what a call knows.

use serde_json::Value;
use std::collections::BTreeMap;

/// The variables a template may use (besides `{env:NAME}`).
pub const VARS: [&str; 6] = ["idempotency_key", "pg", "amount", "order_id", "payment_id", "pg_payment_key"];

/// Values for a template's variables.
#[derive(Debug, Clone, Default)]
pub struct Vars<'a> {
    pub idempotency_key: Option<&'a str>,
    pub pg: Option<&'a str>,
    pub amount: Option<i64>,
    pub order_id: Option<&'a str>,
    pub payment_id: Option<&'a str>,
    /// The key the PG issued when paydrill, playing the customer, authorised the payment.
    pub pg_payment_key: Option<&'a str>,
    /// `{env:NAME}` values, read when the profile was loaded.
    pub env: Option<&'a BTreeMap<String, String>>,
}

impl Vars<'_> {
    fn get(&self, name: &str) -> Option<String> {
        match name {
            "idempotency_key" => self.idempotency_key.map(str::to_string),
            "pg" => self.pg.map(str::to_string),
            "amount" => self.amount.map(|a| a.to_string()),
            "order_id" => self.order_id.map(str::to_string),
            "payment_id" => self.payment_id.map(str::to_string),
            "pg_payment_key" => self.pg_payment_key.map(str::to_string),
            _ => name.strip_prefix("env:").and_then(|env| self.env.and_then(|e| e.get(env)).cloned()),
        }
    }

    /// Whether every variable `vars` names has a value. The idempotency key may be missing (a
    /// request sent without one): its header is then left out.
    pub fn knows_all<'v>(&self, mut vars: impl Iterator<Item = &'v String>) -> bool {
        vars.all(|v| v == "idempotency_key" || self.get(v).is_some())
    }

    /// Fills `{vars}` in a string; missing ones become empty.
    pub fn fill(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            match after.find('}').map(|end| (&after[..end], end)) {
                Some((name, end)) if is_var(name) => {
                    out.push_str(&self.get(name).unwrap_or_default());
                    rest = &after[end + 1..];
                }
                _ => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
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

fn is_var(name: &str) -> bool {
    VARS.contains(&name) || name.strip_prefix("env:").is_some_and(is_env_name)
}

/// An environment variable's name as a profile may use it: letters, digits and `_`.
pub fn is_env_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Every `{name}` in `text` that looks like a variable (lower-case words, or `env:NAME`).
pub fn vars_in(text: &str) -> Vec<String> {
    let mut vars = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end)
                if end > 0
                    && (after[..end].chars().all(|c| c.is_ascii_lowercase() || c == '_')
                        || after[..end].starts_with("env:")) =>
            {
                vars.push(after[..end].to_string());
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    vars
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_known_variables_and_environment_values() {
        let env = BTreeMap::from([("SHOP_TOKEN".to_string(), "s3cret".to_string())]);
        let vars = Vars { order_id: Some("o1"), amount: Some(3000), env: Some(&env), ..Vars::default() };
        assert_eq!(vars.fill("/orders/{order_id}?t={env:SHOP_TOKEN}"), "/orders/o1?t=s3cret");
        assert_eq!(vars.fill("{\"json\": {}}"), "{\"json\": {}}", "braces that are no variable stay");
        assert_eq!(vars_in("/p/{payment_id}/{env:X_1}/{Not}"), ["payment_id", "env:X_1"]);
        assert!(vars.knows_all(["order_id".to_string(), "amount".to_string()].iter()));
        assert!(!vars.knows_all(["payment_id".to_string()].iter()));
    }
}
