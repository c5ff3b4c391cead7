//! How a profile says what an answer means when the HTTP status alone does not: rules that
//! match a status (or range) and, optionally, a body pointer, and say the answer was accepted,
//! refused, of unknown outcome, or "in progress, ask again". The first rule that matches wins;
//! without one, 2xx is accepted, 4xx refused and anything else unknown.

use super::extract::check_pointer;
use serde::Deserialize;

/// What an answer means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Means {
    /// The platform did it.
    Accepted,
    /// The platform refused: nothing happened.
    Refused,
    /// It may or may not have happened (a 5xx, a timeout, "being resolved").
    Unknown,
    /// The request is still in flight on the platform: send it again, later, with the same key.
    Retry,
}

/// Which HTTP statuses a rule covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusMatch {
    Any,
    One(u16),
    Range(u16, u16),
    List(Vec<u16>),
}

impl StatusMatch {
    fn matches(&self, status: u16) -> bool {
        match self {
            StatusMatch::Any => true,
            StatusMatch::One(s) => *s == status,
            StatusMatch::Range(a, b) => (*a..=*b).contains(&status),
            StatusMatch::List(l) => l.contains(&status),
        }
    }
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub status: StatusMatch,
    /// The body must have a value here...
    pub pointer: Option<String>,
    /// ...equal to this (as text), when given.
    pub equals: Option<String>,
    pub means: Means,
    pub line: usize,
}

impl Rule {
    /// Whether this rule covers an answer with `status` and JSON `body`.
    pub fn matches(&self, status: u16, body: Option<&serde_json::Value>) -> bool {
        if !self.status.matches(status) {
            return false;
        }
        let Some(pointer) = &self.pointer else { return true };
        let Some(found) = body.and_then(|b| b.pointer(pointer)).filter(|v| !v.is_null()) else { return false };
        match &self.equals {
            None => true,
            Some(want) => match found {
                serde_json::Value::String(s) => s == want,
                other => serde_json::from_str::<serde_json::Value>(want).ok().as_ref() == Some(other),
            },
        }
    }
}

/// A `[[rules]]` entry as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    status: Option<toml::Value>,
    pointer: Option<String>,
    equals: Option<toml::Value>,
    means: Means,
}

impl RawRule {
    pub fn resolve(self, line: usize) -> Result<Rule, String> {
        let status = match self.status {
            None => StatusMatch::Any,
            Some(toml::Value::Integer(s)) => StatusMatch::One(http_status(s)?),
            Some(toml::Value::Array(items)) => StatusMatch::List(
                items
                    .iter()
                    .map(|i| i.as_integer().ok_or("status list: whole numbers only".to_string()).and_then(http_status))
                    .collect::<Result<_, _>>()?,
            ),
            Some(toml::Value::String(range)) => {
                let (a, b) = range.split_once('-').ok_or(format!("status `{range}`: write a range as \"500-599\""))?;
                let parse = |t: &str| t.trim().parse::<i64>().map_err(|_| format!("status `{range}` is not a range"));
                let (a, b) = (http_status(parse(a)?)?, http_status(parse(b)?)?);
                if a > b {
                    return Err(format!("status `{range}`: the range runs backwards"));
                }
                StatusMatch::Range(a, b)
            }
            Some(other) => return Err(format!("status {other}: use 409, [409, 423] or \"500-599\"")),
        };
        if let Some(p) = &self.pointer {
            check_pointer(p)?;
        }
        if self.equals.is_some() && self.pointer.is_none() {
            return Err("`equals` needs a `pointer` to compare".into());
        }
        let equals = self.equals.map(|v| match v {
            toml::Value::String(s) => s,
            other => other.to_string(),
        });
        Ok(Rule { status, pointer: self.pointer, equals, means: self.means, line })
    }
}

fn http_status(s: i64) -> Result<u16, String> {
    u16::try_from(s)
        .ok()
        .filter(|s| (100..=599).contains(s))
        .ok_or(format!("status {s} is not an HTTP status (100–599)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_matches_status_and_body() {
        let rule = |t: &str| toml::from_str::<RawRule>(t).unwrap().resolve(1).unwrap();
        let declined = rule("status = 200\npointer = \"/error/code\"\nmeans = \"refused\"");
        let body = serde_json::json!({ "error": { "code": "GATEWAY_DECLINED" } });
        assert!(declined.matches(200, Some(&body)));
        assert!(!declined.matches(200, Some(&serde_json::json!({ "data": {} }))));
        let busy = rule("status = [409, 423]\npointer = \"/code\"\nequals = \"IN_PROGRESS\"\nmeans = \"retry\"");
        assert!(busy.matches(423, Some(&serde_json::json!({ "code": "IN_PROGRESS" }))));
        assert!(!busy.matches(409, Some(&serde_json::json!({ "code": "EXCEEDS" }))));
        assert!(rule("status = \"500-504\"\nmeans = \"refused\"").matches(502, None));
        assert!(toml::from_str::<RawRule>("status = 700\nmeans = \"refused\"").unwrap().resolve(1).is_err());
        assert!(toml::from_str::<RawRule>("means = \"maybe\"").is_err());
    }
}
