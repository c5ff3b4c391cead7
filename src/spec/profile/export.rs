//! A profile's `[settlement_export]`: which columns of the platform's own settlement export
//! hold what `paydrill reconcile` compares with the PGs' settlement reports, and what the
//! export's movement-type words mean. Without the section, the export is read in the columns
//! of paydrill's own `settlement.csv`.

use crate::input::{line_of, InputError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// What a movement is, whatever the platform calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Movement {
    Approval,
    Cancel,
}

impl Movement {
    pub fn as_str(self) -> &'static str {
        match self {
            Movement::Approval => "approval",
            Movement::Cancel => "cancel",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExport {
    date: String,
    pg: String,
    order_id: String,
    amount: String,
    payment_key: Option<String>,
    transaction_id: Option<String>,
    fee: Option<String>,
    status: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    /// The export's type word → `approval` or `cancel`.
    #[serde(default)]
    types: BTreeMap<String, Spanned<String>>,
    /// `signed` (a cancel is negative, the default) or `positive` (the type column tells).
    amount_sign: Option<Spanned<String>>,
}

/// The columns of a platform's settlement export, by what they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementExport {
    pub date: String,
    pub pg: String,
    pub order_id: String,
    pub amount: String,
    pub payment_key: Option<String>,
    pub transaction_id: Option<String>,
    pub fee: Option<String>,
    /// The payment's status word (mapped through the profile's `[statuses]`).
    pub status: Option<String>,
    pub kind: Option<String>,
    pub types: BTreeMap<String, Movement>,
    /// Whether a cancel's amount is negative (else every amount is positive and the type tells).
    pub signed: bool,
}

impl Default for SettlementExport {
    /// paydrill's own `settlement.csv` columns.
    fn default() -> Self {
        SettlementExport {
            date: "settlement_date".into(),
            pg: "pg".into(),
            order_id: "merchant_order_id".into(),
            amount: "amount".into(),
            payment_key: Some("pg_payment_key".into()),
            transaction_id: Some("pg_transaction_id".into()),
            fee: None,
            status: None,
            kind: Some("transaction_type".into()),
            types: [
                ("APPROVAL", Movement::Approval),
                ("PARTIAL_CANCEL", Movement::Cancel),
                ("FULL_CANCEL", Movement::Cancel),
            ]
            .into_iter()
            .map(|(w, m)| (w.to_string(), m))
            .collect(),
            signed: true,
        }
    }
}

impl RawExport {
    pub(super) fn resolve(self, file: &Path, text: &str, at: usize) -> Result<SettlementExport, InputError> {
        let line = |offset: usize| Some(line_of(text, offset));
        let mut types = BTreeMap::new();
        for (word, meaning) in self.types {
            let m = match meaning.get_ref().as_str() {
                "approval" => Movement::Approval,
                "cancel" => Movement::Cancel,
                other => {
                    return Err(InputError::new(
                        file,
                        line(meaning.span().start),
                        format!("settlement_export.types.{word} = `{other}`: say `approval` or `cancel`"),
                    ))
                }
            };
            types.insert(word, m);
        }
        let signed = match &self.amount_sign {
            None => true,
            Some(s) if s.get_ref() == "signed" => true,
            Some(s) if s.get_ref() == "positive" => false,
            Some(s) => {
                return Err(InputError::new(
                    file,
                    line(s.span().start),
                    format!("settlement_export.amount_sign = `{}`: say `signed` or `positive`", s.get_ref()),
                ))
            }
        };
        if !signed && (self.kind.is_none() || types.is_empty()) {
            return Err(InputError::new(
                file,
                line(at),
                "settlement_export: with amount_sign = \"positive\" the `type` column and its [settlement_export.types] \
                 words must say which rows are cancels",
            ));
        }
        if self.kind.is_some() == types.is_empty() {
            return Err(InputError::new(
                file,
                line(at),
                "settlement_export: `type` names the column and [settlement_export.types] its words: give both or neither",
            ));
        }
        Ok(SettlementExport {
            date: self.date,
            pg: self.pg,
            order_id: self.order_id,
            amount: self.amount,
            payment_key: self.payment_key,
            transaction_id: self.transaction_id,
            fee: self.fee,
            status: self.status,
            kind: self.kind,
            types,
            signed,
        })
    }
}
