//! Profiles (`scenarios/profiles/*.toml`): how each harness op maps onto one platform's HTTP
//! API, in one or more forms tried in order, where answers (success or error) keep the
//! canonical fields, what the platform's status words and answers mean, and its credentials from
//! the environment. QA points paydrill at their platform by writing one of these.
//!
//! An op the profile leaves out is one the platform does not have: `create_order` is then minted
//! by paydrill (the customer's browser makes the order id), and a scenario that needs another
//! missing op is "not supported by this platform".

mod export;
mod extract;
mod form;
mod rules;
mod vars;

pub use export::{Movement, SettlementExport};
pub use extract::{check_pointer, Extract, Pointers, FIELDS};
pub use form::{OpForm, Poll};
pub use rules::{Means, Rule, StatusMatch};
pub use vars::{Vars, VARS};

use crate::input::{self, line_of, InputError};
use crate::pg::PgName;
use crate::spec::op::{Op, STATES};
use export::RawExport;
use extract::{locate, RawExtract};
use form::{FormPlace, RawForm};
use rules::RawRule;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: String,
    #[serde(default)]
    description: String,
    /// Header the platform sets on a replayed answer.
    replay_header: Option<String>,
    /// Header the platform sets with when a request arrived (ns since the epoch).
    arrival_header: Option<String>,
    /// Where the platform takes PG webhooks, a path under its base URL (`{pg}`: the PG's name).
    webhook_path: Option<String>,
    pgs: Option<Spanned<Vec<String>>>,
    #[serde(default = "yes")]
    idempotency_key_required: bool,
    extract: Spanned<RawExtract>,
    #[serde(default)]
    statuses: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    rules: Vec<Spanned<RawRule>>,
    ops: BTreeMap<String, Spanned<toml::Value>>,
    /// The columns of the platform's own settlement export (`paydrill reconcile`).
    settlement_export: Option<Spanned<RawExport>>,
}

fn yes() -> bool {
    true
}

/// A parsed, validated profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    pub description: String,
    pub replay_header: Option<String>,
    /// Header the platform sets with when a request arrived, in ns since the epoch: how paydrill
    /// measures how close together clicks released together arrived.
    pub arrival_header: Option<String>,
    /// Where the platform takes PG webhooks, a path under its base URL with `{pg}` for the
    /// PG's name (`/webhooks/{pg}`); the fakes send theirs there.
    pub webhook_path: Option<String>,
    /// The PGs the platform is set up for (`None`: every PG).
    pub pgs: Option<Vec<PgName>>,
    /// Whether keyed ops refuse a request without an idempotency key.
    pub idempotency_key_required: bool,
    pub extract: Extract,
    /// Platform word → canonical state.
    pub statuses: BTreeMap<String, String>,
    pub rules: Vec<Rule>,
    pub ops: BTreeMap<Op, Vec<OpForm>>,
    /// `{env:NAME}` values read at load time: credentials, masked in everything written.
    pub env: BTreeMap<String, String>,
    /// The columns of the platform's settlement export; `None`: paydrill's own columns.
    pub settlement_export: Option<SettlementExport>,
    pub file: PathBuf,
}

/// The profile of paydrill's reference platform, built in.
pub const REFERENCE: &str = include_str!("../../../scenarios/profiles/reference.toml");

impl Profile {
    pub fn load(file: &Path) -> Result<Profile, InputError> {
        Profile::parse(file, &input::read(file)?)
    }

    /// The built-in profile for the reference platform.
    pub fn reference() -> Profile {
        Profile::parse(Path::new("scenarios/profiles/reference.toml"), REFERENCE).expect("the shipped profile is valid")
    }

    /// Parses and validates; `{env:NAME}` values are read from this process's environment.
    pub fn parse(file: &Path, text: &str) -> Result<Profile, InputError> {
        Profile::parse_with_env(file, text, |name| std::env::var(name).ok())
    }

    /// [`Profile::parse`] with `env` answering for `{env:NAME}`.
    pub fn parse_with_env(
        file: &Path,
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Profile, InputError> {
        let raw: RawProfile = input::parse_toml(file, text)?;
        let at = |offset: usize| Some(line_of(text, offset));
        let extract_at = raw.extract.span().start;
        let (extract, _) = raw.extract.into_inner().resolve(file, text, extract_at, "extract")?;
        let mut ops: BTreeMap<Op, Vec<OpForm>> = BTreeMap::new();
        for (word, value) in raw.ops {
            let offset = value.span().start;
            let line = line_of(text, offset);
            let op = Op::parse(&word).ok_or_else(|| {
                InputError::new(
                    file,
                    Some(line),
                    format!("ops.{word}: unknown op (known: create_order, approve, partial_cancel, cancel, inquire)"),
                )
            })?;
            let raws: Vec<(Option<usize>, toml::Value)> = match value.into_inner() {
                toml::Value::Array(items) => items.into_iter().enumerate().map(|(i, v)| (Some(i), v)).collect(),
                table @ toml::Value::Table(_) => vec![(None, table)],
                _ => {
                    return Err(InputError::new(file, Some(line), format!("ops.{word}: a table or an array of tables")))
                }
            };
            let mut forms = Vec::new();
            for (index, value) in raws {
                let place = FormPlace { op, index, file, text, offset, line };
                let raw: RawForm = value.try_into().map_err(|e: toml::de::Error| {
                    let name = index.map_or(format!("ops.{word}"), |i| format!("ops.{word}[{}]", i + 1));
                    InputError::new(file, Some(line), format!("{name}: {}", e.message().trim()))
                })?;
                forms.push(raw.resolve(&place, &extract)?);
            }
            if forms.is_empty() {
                return Err(InputError::new(file, Some(line), format!("ops.{word}: no form given")));
            }
            ops.insert(op, forms);
        }
        if !ops.contains_key(&Op::Approve) {
            return Err(InputError::new(file, None, "no [ops.approve]: a platform must at least approve payments"));
        }
        let mut statuses = BTreeMap::new();
        for (word, state) in raw.statuses {
            if !STATES.contains(&state.get_ref().as_str()) {
                return Err(InputError::new(
                    file,
                    at(state.span().start),
                    format!("statuses.{word} = `{}` is not a canonical state ({})", state.get_ref(), STATES.join(", ")),
                ));
            }
            statuses.insert(word, state.into_inner());
        }
        let rules = raw
            .rules
            .into_iter()
            .map(|r| {
                let line = line_of(text, r.span().start);
                r.into_inner().resolve(line).map_err(|m| InputError::new(file, Some(line), format!("rules: {m}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let pgs = match raw.pgs {
            None => None,
            Some(list) => {
                let line = at(list.span().start);
                let names = list.into_inner();
                if names.is_empty() {
                    return Err(InputError::new(file, line, "pgs = []: name at least one PG, or leave pgs out"));
                }
                Some(
                    names
                        .iter()
                        .map(|n| n.parse::<PgName>().map_err(|e| InputError::new(file, line, format!("pgs: {e}"))))
                        .collect::<Result<Vec<_>, _>>()?,
                )
            }
        };
        let settlement_export = match raw.settlement_export {
            Some(section) => {
                let at = section.span().start;
                Some(section.into_inner().resolve(file, text, at)?)
            }
            None => None,
        };
        let mut env_values = BTreeMap::new();
        for form in ops.values().flatten() {
            for name in form.vars.iter().filter_map(|v| v.strip_prefix("env:")) {
                if env_values.contains_key(name) {
                    continue;
                }
                let value = env(name).filter(|v| !v.is_empty()).ok_or_else(|| {
                    InputError::new(
                        file,
                        locate(text, 0, &format!("{{env:{name}}}")),
                        format!(
                            "{{env:{name}}}: the environment variable {name} is not set (export it before the run)"
                        ),
                    )
                })?;
                env_values.insert(name.to_string(), value);
            }
        }
        Ok(Profile {
            name: raw.name,
            description: raw.description,
            replay_header: raw.replay_header,
            arrival_header: raw.arrival_header.map(|h| h.to_ascii_lowercase()),
            webhook_path: raw.webhook_path,
            pgs,
            idempotency_key_required: raw.idempotency_key_required,
            extract,
            statuses,
            rules,
            ops,
            env: env_values,
            settlement_export,
            file: file.to_path_buf(),
        })
    }

    /// The canonical state for a platform's status word (unmapped words pass through).
    pub fn canonical_status(&self, word: &str) -> String {
        self.statuses.get(word).cloned().unwrap_or_else(|| word.to_string())
    }

    /// The forms of `op`, in the order they are tried; empty when the platform lacks it.
    pub fn forms(&self, op: Op) -> &[OpForm] {
        self.ops.get(&op).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether the platform has `op`. `create_order` it always has: paydrill mints orders
    /// where the platform makes none.
    pub fn supports(&self, op: Op) -> bool {
        op == Op::CreateOrder || self.ops.contains_key(&op)
    }

    /// Whether paydrill must mint order ids (the platform has no create route).
    pub fn mints_orders(&self) -> bool {
        !self.ops.contains_key(&Op::CreateOrder)
    }

    /// The first form of `op` whose variables all have values in `vars`.
    pub fn form_for(&self, op: Op, vars: &Vars<'_>) -> Option<&OpForm> {
        self.forms(op).iter().find(|f| vars.knows_all(f.vars.iter()))
    }

    /// Whether some form of `op` uses `{var}`.
    pub fn uses(&self, op: Op, var: &str) -> bool {
        self.forms(op).iter().any(|f| f.vars.contains(var))
    }

    /// What an answer means: the first matching rule, else 2xx accepted (unknown when the
    /// platform's own status says the outcome is), 4xx refused, anything else unknown.
    pub fn classify(&self, status: u16, body: Option<&serde_json::Value>, canonical: Option<&str>) -> Means {
        if let Some(rule) = self.rules.iter().find(|r| r.matches(status, body)) {
            return rule.means;
        }
        match status {
            200..=299 if matches!(canonical, Some("UNKNOWN") | Some("APPROVING")) => Means::Unknown,
            200..=299 => Means::Accepted,
            400..=499 => Means::Refused,
            _ => Means::Unknown,
        }
    }

    /// `text` with every `{env:...}` value and every secret-shaped field masked, for anything
    /// written down.
    pub fn redact(&self, text: &str) -> String {
        let secrets = self.env.values().filter(|secret| !secret.is_empty() && text.contains(secret.as_str()));
        let mut known = std::borrow::Cow::Borrowed(text);
        for secret in secrets {
            known = std::borrow::Cow::Owned(known.replace(secret.as_str(), crate::pg::MASK));
        }
        crate::pg::redact_by_shape(&known)
    }
}

#[cfg(test)]
mod tests;
