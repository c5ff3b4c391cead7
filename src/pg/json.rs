//! Reading fields out of a PG's answer, with errors that name the field, so a codec that
//! meets an answer it cannot read says exactly what was missing.

use super::canonical::{Krw, PgError, PgPayment, PgStatus, Rejection};
use super::http::HttpReply;
use super::name::PgName;
use serde_json::Value;

/// The answer's JSON body, or an `unexpected` error quoting the start of what came.
pub fn body(pg: PgName, reply: &HttpReply) -> Result<Value, PgError> {
    reply.json().ok_or_else(|| {
        let start: String = reply.body.chars().take(80).collect();
        PgError::unexpected(pg, format!("HTTP {} with a body that is not JSON: {start:?}", reply.status))
    })
}

/// The value at JSON pointer `ptr` (`/amount/total`).
pub fn at<'a>(pg: PgName, v: &'a Value, ptr: &str) -> Result<&'a Value, PgError> {
    v.pointer(ptr).ok_or_else(|| PgError::unexpected(pg, format!("answer has no `{ptr}`")))
}

/// A string at `ptr`; numbers are accepted and written out.
pub fn string(pg: PgName, v: &Value, ptr: &str) -> Result<String, PgError> {
    match at(pg, v, ptr)? {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(PgError::unexpected(pg, format!("`{ptr}` is not a string: {other}"))),
    }
}

/// An amount in won at `ptr`; strings of digits are accepted (form-minded PGs send them).
pub fn krw(pg: PgName, v: &Value, ptr: &str) -> Result<Krw, PgError> {
    let value = at(pg, v, ptr)?;
    let parsed = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| PgError::unexpected(pg, format!("`{ptr}` is not a whole amount in won: {value}")))
}

/// How a PG that answers HTTP 200 with a result code says what happened.
pub struct ResultCode {
    /// Pointers to the code and the message.
    pub code: &'static str,
    pub message: &'static str,
    /// Codes that mean success.
    pub ok: &'static [&'static str],
    /// The code that means the PG failed internally (a retry may work).
    pub internal: fn(&str) -> bool,
    pub rejection: fn(&str) -> Option<Rejection>,
}

/// The body of a result-code answer when it says success, else the refusal it carries.
pub fn result_code_body(pg: PgName, reply: &HttpReply, rc: &ResultCode) -> Result<Value, PgError> {
    let v = body(pg, reply)?;
    let code = v.pointer(rc.code).and_then(Value::as_str).unwrap_or("").to_string();
    if reply.status == 200 && rc.ok.contains(&code.as_str()) {
        return Ok(v);
    }
    let message = v.pointer(rc.message).and_then(Value::as_str).unwrap_or("").to_string();
    let internal = (rc.internal)(&code);
    Err(PgError::refusal(pg, reply.status, code.clone(), message, (rc.rejection)(&code), internal))
}

/// Where a PG's payment answer keeps each canonical field (JSON pointers).
pub struct PaymentFields {
    pub id: &'static str,
    pub status: &'static str,
    pub order: &'static str,
    pub total: &'static str,
    pub balance: &'static str,
    /// The approval's transaction id; the payment id stands in when it is absent.
    pub transaction: &'static str,
}

/// Reads a payment answer into canonical terms; `status` maps the PG's status word.
pub fn payment(
    pg: PgName,
    v: &Value,
    f: &PaymentFields,
    status: fn(&str) -> Option<PgStatus>,
) -> Result<PgPayment, PgError> {
    let id = string(pg, v, f.id)?;
    let word = string(pg, v, f.status)?;
    Ok(PgPayment {
        status: status(&word)
            .ok_or_else(|| PgError::unexpected(pg, format!("unknown status `{word}` at {}", f.status)))?,
        merchant_order_id: string(pg, v, f.order)?,
        total: krw(pg, v, f.total)?,
        balance: krw(pg, v, f.balance)?,
        transaction_id: string(pg, v, f.transaction).unwrap_or_else(|_| id.clone()),
        pg_payment_id: id,
    })
}

/// An amount at `ptr` if present.
pub fn krw_opt(pg: PgName, v: &Value, ptr: &str) -> Result<Option<Krw>, PgError> {
    match v.pointer(ptr) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => krw(pg, v, ptr).map(Some),
    }
}
