//! Where a profile reads the canonical fields in an answer: for each field a list of JSON
//! pointers (RFC 6901), tried in order, with the profile line they were written on. An empty
//! list means the answer cannot show that field — an expectation on it is "not observable".

use crate::input::{line_of, InputError};
use serde::Deserialize;
use std::path::Path;

/// The pointers for one field, and the line of the profile that gave them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pointers {
    pub list: Vec<String>,
    pub line: Option<usize>,
}

impl Pointers {
    /// The first value any pointer finds in `v`.
    pub fn find<'a>(&self, v: &'a serde_json::Value) -> Option<&'a serde_json::Value> {
        self.list.iter().find_map(|p| v.pointer(p).filter(|x| !x.is_null()))
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// Where each canonical field sits in an answer, success or error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extract {
    pub order_id: Pointers,
    pub payment_id: Pointers,
    pub status: Pointers,
    pub balance: Pointers,
    /// The order's amount (what a replay must answer the same).
    pub amount: Pointers,
    /// The platform's own error code in a refusal (`/error/code`).
    pub error_code: Pointers,
    pub error_message: Pointers,
    /// Where the answer lists the payment's transactions (evidence only).
    pub transactions: Pointers,
}

/// The names of the fields, as a profile writes them.
pub const FIELDS: [&str; 7] =
    ["order_id", "payment_id", "status", "balance", "error_code", "error_message", "transactions"];

impl Extract {
    /// Each field with its pointers, in [`FIELDS`] order.
    pub fn fields(&self) -> [(&'static str, &Pointers); 8] {
        [
            ("order_id", &self.order_id),
            ("payment_id", &self.payment_id),
            ("status", &self.status),
            ("balance", &self.balance),
            ("amount", &self.amount),
            ("error_code", &self.error_code),
            ("error_message", &self.error_message),
            ("transactions", &self.transactions),
        ]
    }

    fn field_mut(&mut self, name: &str) -> Option<&mut Pointers> {
        Some(match name {
            "order_id" => &mut self.order_id,
            "payment_id" => &mut self.payment_id,
            "status" => &mut self.status,
            "balance" => &mut self.balance,
            "amount" => &mut self.amount,
            "error_code" => &mut self.error_code,
            "error_message" => &mut self.error_message,
            "transactions" => &mut self.transactions,
            _ => return None,
        })
    }

    /// This table with the fields `over` names replaced by `over`'s (a form's own `extract`).
    pub fn overlaid(&self, over: &Extract, named: &[String]) -> Extract {
        let mut merged = self.clone();
        for name in named {
            if let (Some(dst), Some((_, src))) =
                (merged.field_mut(name), over.fields().into_iter().find(|(n, _)| n == name))
            {
                *dst = src.clone();
            }
        }
        merged
    }
}

/// An `[extract]` table as written: each field a pointer or a list of pointers.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExtract {
    order_id: Option<OneOrMany>,
    payment_id: Option<OneOrMany>,
    status: Option<OneOrMany>,
    balance: Option<OneOrMany>,
    amount: Option<OneOrMany>,
    error_code: Option<OneOrMany>,
    error_message: Option<OneOrMany>,
    transactions: Option<OneOrMany>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl RawExtract {
    /// Validates the pointers; `from` is where in `text` this table starts (to find lines).
    /// Returns the table and the names of the fields it gives.
    pub fn resolve(self, file: &Path, text: &str, from: usize, at: &str) -> Result<(Extract, Vec<String>), InputError> {
        let mut out = Extract::default();
        let mut named = Vec::new();
        let raw = [
            ("order_id", self.order_id),
            ("payment_id", self.payment_id),
            ("status", self.status),
            ("balance", self.balance),
            ("amount", self.amount),
            ("error_code", self.error_code),
            ("error_message", self.error_message),
            ("transactions", self.transactions),
        ];
        for (name, value) in raw {
            let Some(value) = value else { continue };
            let list = match value {
                OneOrMany::One(p) if p.is_empty() => Vec::new(),
                OneOrMany::One(p) => vec![p],
                OneOrMany::Many(ps) => ps,
            };
            let line = locate(text, from, &format!("{name} ="));
            for p in &list {
                check_pointer(p).map_err(|m| InputError::new(file, line, format!("{at}.{name}: {m}")))?;
            }
            *out.field_mut(name).expect("a known field") = Pointers { list, line };
            named.push(name.to_string());
        }
        Ok((out, named))
    }
}

/// The line of the first `needle` at or after byte `from` of `text`.
pub fn locate(text: &str, from: usize, needle: &str) -> Option<usize> {
    let from = from.min(text.len());
    text[from..].find(needle).map(|i| line_of(text, from + i))
}

/// A JSON pointer as RFC 6901 writes one: empty (the whole document) or `/` and segments, with
/// `~` only as `~0` or `~1`.
pub fn check_pointer(p: &str) -> Result<(), String> {
    if !p.starts_with('/') {
        return Err(format!("`{p}` is not a JSON pointer: it must start with `/` (e.g. `/{p}`)"));
    }
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err(format!("`{p}`: `~` must be written `~0` (and `/` inside a name `~1`)"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_follow_rfc_6901() {
        assert!(check_pointer("/data/order_id").is_ok());
        assert!(check_pointer("/a~1b/c~0d").is_ok());
        assert!(check_pointer("order_id").unwrap_err().contains("must start with `/`"));
        assert!(check_pointer("/a~b").is_err());
        let v = serde_json::json!({ "data": { "balance": null }, "error": { "refundable": 7 } });
        let p = Pointers { list: vec!["/data/balance".into(), "/error/refundable".into()], line: None };
        assert_eq!(p.find(&v), Some(&serde_json::json!(7)), "a null is no value: the next pointer is tried");
    }
}
