//! Reading both sides of a reconciliation into rows: the platform's export through the
//! profile's `[settlement_export]` columns, and a PG's settlement report in Toss's columns
//! (`paymentKey, transactionKey, orderId, amount, fee, soldDate, cancelAmount...`), as CSV — the
//! fakes' `/__paydrill/settlements.csv` — or as the JSON list Toss's `GET /v1/settlements`
//! answers. A bad row is an error naming the file and the line.

use super::{PgRow, PlatformRow};
use crate::input::InputError;
use crate::pg::{Krw, PgName};
use crate::spec::{Movement, SettlementExport};
use std::collections::BTreeMap;
use std::path::Path;

/// The platform's export, read through `columns`; `status` maps a status word to its canonical
/// state (the profile's `[statuses]`).
pub fn platform_export(
    path: &Path,
    text: &str,
    columns: &SettlementExport,
    status: &dyn Fn(&str) -> String,
) -> Result<Vec<PlatformRow>, InputError> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let header =
        reader.headers().map_err(|e| InputError::new(path, Some(1), format!("not a CSV header: {e}")))?.clone();
    let find = |name: &str| {
        header.iter().position(|h| h.trim() == name).ok_or_else(|| {
            let have: Vec<&str> = header.iter().collect();
            InputError::new(
                path,
                Some(1),
                format!(
                    "no `{name}` column (the profile's [settlement_export] names it); the header has: {}",
                    have.join(", ")
                ),
            )
        })
    };
    let optional = |name: &Option<String>| name.as_deref().map(find).transpose();
    let (date, pg, order, amount) =
        (find(&columns.date)?, find(&columns.pg)?, find(&columns.order_id)?, find(&columns.amount)?);
    let (key, tx, fee, state, kind) = (
        optional(&columns.payment_key)?,
        optional(&columns.transaction_id)?,
        optional(&columns.fee)?,
        optional(&columns.status)?,
        optional(&columns.kind)?,
    );
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| InputError::new(path, Some(line), format!("not a CSV row: {e}")))?;
        let cell = |at: usize| record.get(at).unwrap_or("").trim();
        let text_of = |at: Option<usize>| at.map(cell).filter(|v| !v.is_empty()).map(str::to_string);
        let bad = |what: String| InputError::new(path, Some(line), what);
        let pg_name: PgName = cell(pg).parse().map_err(|e| bad(format!("{}: {e}", columns.pg)))?;
        let number = |at: usize, name: &str| -> Result<Krw, InputError> {
            cell(at).parse::<Krw>().map_err(|_| bad(format!("{name} = `{}`: not a whole number of won", cell(at))))
        };
        let mut value = number(amount, &columns.amount)?;
        let movement = match kind {
            Some(at) => *columns.types.get(cell(at)).ok_or_else(|| {
                let known: Vec<&str> = columns.types.keys().map(String::as_str).collect();
                bad(format!(
                    "{} = `{}`: not a type word the profile knows ({})",
                    columns.kind.as_deref().unwrap_or("type"),
                    cell(at),
                    known.join(", ")
                ))
            })?,
            None if value < 0 => Movement::Cancel,
            None => Movement::Approval,
        };
        if !columns.signed {
            if value < 0 {
                return Err(bad(format!(
                    "{} = {value}: amounts are positive here (amount_sign = \"positive\")",
                    columns.amount
                )));
            }
            if movement == Movement::Cancel {
                value = -value;
            }
        }
        let fee_value = match fee {
            Some(at) if !cell(at).is_empty() => {
                let f = number(at, columns.fee.as_deref().unwrap_or("fee"))?;
                Some(if !columns.signed && movement == Movement::Cancel { -f.abs() } else { f })
            }
            _ => None,
        };
        rows.push(PlatformRow {
            line,
            pg: pg_name,
            date: cell(date).to_string(),
            order_id: cell(order).to_string(),
            payment_key: text_of(key),
            transaction_id: text_of(tx),
            movement,
            amount: value,
            fee: fee_value,
            status: text_of(state).map(|s| status(&s)),
        });
    }
    Ok(rows)
}

/// One PG's settlement report (CSV with a header, or Toss's JSON list); `source` names it.
pub fn pg_report(source: &str, pg: PgName, text: &str) -> Result<Vec<PgRow>, InputError> {
    let path = Path::new(source);
    let records: Vec<(usize, BTreeMap<String, String>)> = if text.trim_start().starts_with('[') {
        let list: Vec<BTreeMap<String, serde_json::Value>> = serde_json::from_str(text)
            .map_err(|e| InputError::new(path, Some(e.line()), format!("not a settlement list: {e}")))?;
        list.into_iter()
            .enumerate()
            .map(|(i, row)| {
                let fields = row
                    .into_iter()
                    .map(|(k, v)| {
                        (
                            k,
                            v.as_str().map_or_else(
                                || if v.is_null() { String::new() } else { v.to_string() },
                                str::to_string,
                            ),
                        )
                    })
                    .collect();
                (i + 1, fields)
            })
            .collect()
    } else {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header =
            reader.headers().map_err(|e| InputError::new(path, Some(1), format!("not a CSV header: {e}")))?.clone();
        let mut out = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| InputError::new(path, Some(i + 2), format!("not a CSV row: {e}")))?;
            out.push((i + 2, header.iter().map(str::to_string).zip(record.iter().map(str::to_string)).collect()));
        }
        out
    };
    let mut rows = Vec::new();
    for (line, fields) in records {
        let get = |name: &str| fields.get(name).map(|v| v.trim()).unwrap_or("");
        let bad = |what: String| InputError::new(path, Some(line), what);
        let need = |name: &str| -> Result<String, InputError> {
            let v = get(name);
            if v.is_empty() {
                return Err(bad(format!("no `{name}`: a settlement row names its payment, transaction and order")));
            }
            Ok(v.to_string())
        };
        let number = |name: &str| -> Result<Krw, InputError> {
            get(name).parse::<Krw>().map_err(|_| bad(format!("{name} = `{}`: not a whole number of won", get(name))))
        };
        let amount = number("amount")?;
        let cancel = !get("cancelAmount").is_empty() || amount < 0;
        rows.push(PgRow {
            source: format!("{source}:{line}"),
            pg,
            date: need("soldDate")?,
            order_id: need("orderId")?,
            payment_key: need("paymentKey")?,
            transaction_id: need("transactionKey")?,
            movement: if cancel { Movement::Cancel } else { Movement::Approval },
            amount: if cancel { -amount.abs() } else { amount },
            fee: number("fee")?,
        });
    }
    Ok(rows)
}
