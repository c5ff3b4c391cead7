//! The harness's vocabulary: the five operations a scenario step names (the PG client
//! interface's four plus order creation) and the canonical payment states answers map to.

use serde::{Deserialize, Serialize};

/// The harness's operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    CreateOrder,
    Approve,
    PartialCancel,
    Cancel,
    Inquire,
}

impl Op {
    pub const ALL: [Op; 5] = [Op::CreateOrder, Op::Approve, Op::PartialCancel, Op::Cancel, Op::Inquire];

    pub fn as_str(self) -> &'static str {
        match self {
            Op::CreateOrder => "create_order",
            Op::Approve => "approve",
            Op::PartialCancel => "partial_cancel",
            Op::Cancel => "cancel",
            Op::Inquire => "inquire",
        }
    }

    pub fn parse(word: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.as_str() == word)
    }
}

/// The canonical payment states a platform answer is mapped to.
pub const STATES: [&str; 7] = ["CREATED", "APPROVING", "APPROVED", "PARTIAL_CANCELED", "CANCELED", "FAILED", "UNKNOWN"];
