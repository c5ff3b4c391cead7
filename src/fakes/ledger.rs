//! A fake PG's ledger: the payments it approved, each cancel with its own id and the balance
//! after it, and the rules every PG enforces (amount must match, no cancel over the balance,
//! no reuse of a merchant order id). Readable by code: this is "what the PG did".

use crate::locks::lock;
use crate::pg::{belongs_to, Krw, LedgerCancel, LedgerPayment, PgStatus};
use std::collections::HashMap;
use std::sync::Mutex;
use time::OffsetDateTime;

/// Why the ledger refused an operation. Each wire format turns these into its own codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("no such payment")]
    NotFound,
    #[error("merchant order id already used by another payment")]
    DuplicateOrderId,
    #[error("payment already approved")]
    AlreadyApproved,
    #[error("amount differs from the authenticated amount {expected}")]
    AmountMismatch { expected: Krw },
    #[error("payment already cancelled")]
    AlreadyCanceled,
    #[error("cancel amount exceeds the cancellable balance {balance}")]
    OverBalance { balance: Krw },
    #[error("the client's expected balance does not match the balance {balance}")]
    BalanceMismatch { balance: Krw },
    #[error("amount must be positive")]
    InvalidAmount,
    #[error("payment is not approved")]
    NotApproved,
    /// A confirm whose key was issued for another merchant order.
    #[error("the key was issued for another order")]
    KeyForAnotherOrder,
    /// A confirm whose token (PortOne `paymentToken`, KakaoPay `pg_token`) no customer got.
    #[error("the token was not issued for this payment")]
    InvalidToken,
}

/// A payment together with the cancel an operation just made, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub payment: LedgerPayment,
    pub cancel: Option<LedgerCancel>,
}

/// The stateful ledger of one fake PG. All methods are short and never block on I/O, so they
/// are safe to call under wiremock's server lock.
#[derive(Debug)]
pub struct Ledger {
    prefix: String,
    state: Mutex<LedgerState>,
}

#[derive(Debug, Default)]
struct LedgerState {
    payments: HashMap<String, LedgerPayment>,
    by_order: HashMap<String, String>,
    seq: u64,
}

impl LedgerState {
    fn next_id(&mut self, prefix: &str, kind: &str) -> String {
        self.seq += 1;
        format!("{prefix}_{kind}_{:06}", self.seq)
    }
}

impl Ledger {
    /// A ledger whose transaction ids start with `prefix` (the PG's name).
    pub fn new(prefix: &str) -> Self {
        Ledger { prefix: prefix.to_string(), state: Mutex::new(LedgerState::default()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LedgerState> {
        lock(&self.state)
    }

    /// Records a customer's authentication in the PG's widget: a READY payment for `amount`.
    /// A later approval must name the same amount.
    pub fn authenticate(
        &self,
        pg_payment_id: &str,
        merchant_order_id: &str,
        amount: Krw,
    ) -> Result<LedgerPayment, LedgerError> {
        if amount <= 0 {
            return Err(LedgerError::InvalidAmount);
        }
        let mut st = self.lock();
        if st.payments.contains_key(pg_payment_id) {
            return Err(LedgerError::AlreadyApproved);
        }
        if let Some(previous) = st.by_order.get(merchant_order_id).cloned() {
            // A customer may authenticate again while the earlier attempt is still unapproved;
            // that attempt is abandoned. An approved order id is never reused.
            if st.payments.get(&previous).map(|p| p.status) != Some(PgStatus::Ready) {
                return Err(LedgerError::DuplicateOrderId);
            }
            st.payments.remove(&previous);
        }
        let payment = LedgerPayment {
            pg_payment_id: pg_payment_id.to_string(),
            merchant_order_id: merchant_order_id.to_string(),
            status: PgStatus::Ready,
            total: amount,
            balance: 0,
            cancelled: 0,
            authorized_at: Some(OffsetDateTime::now_utc()),
            approval_id: None,
            approved_at: None,
            cancels: Vec::new(),
        };
        st.by_order.insert(merchant_order_id.to_string(), pg_payment_id.to_string());
        st.payments.insert(pg_payment_id.to_string(), payment.clone());
        Ok(payment)
    }

    /// Approves a payment the customer authorised ([`Ledger::authenticate`]): an unknown id is
    /// refused, and a READY one must belong to `merchant_order_id` and match its authenticated
    /// amount (`None` takes them as they are).
    pub fn approve(
        &self,
        pg_payment_id: &str,
        merchant_order_id: Option<&str>,
        amount: Option<Krw>,
    ) -> Result<Settled, LedgerError> {
        if matches!(amount, Some(a) if a <= 0) {
            return Err(LedgerError::InvalidAmount);
        }
        let mut st = self.lock();
        let approval_id = st.next_id(&self.prefix, "tx");
        let payment = st.payments.get_mut(pg_payment_id).ok_or(LedgerError::NotFound)?;
        if let Some(order) = merchant_order_id {
            if order != payment.merchant_order_id {
                return Err(LedgerError::KeyForAnotherOrder);
            }
        }
        if payment.status != PgStatus::Ready {
            return Err(LedgerError::AlreadyApproved);
        }
        if let Some(a) = amount {
            if a != payment.total {
                return Err(LedgerError::AmountMismatch { expected: payment.total });
            }
        }
        payment.status = PgStatus::Paid;
        payment.balance = payment.total;
        payment.approval_id = Some(approval_id);
        payment.approved_at = Some(OffsetDateTime::now_utc());
        Ok(Settled { payment: payment.clone(), cancel: None })
    }

    /// Cancels `amount`, or all that is left when `None`. `expected_balance` is the client's
    /// assertion of the balance before the cancel; a mismatch is refused.
    pub fn cancel(
        &self,
        pg_payment_id: &str,
        amount: Option<Krw>,
        expected_balance: Option<Krw>,
        reason: &str,
    ) -> Result<Settled, LedgerError> {
        let mut st = self.lock();
        let cancel_id = st.next_id(&self.prefix, "cx");
        let payment = st.payments.get_mut(pg_payment_id).ok_or(LedgerError::NotFound)?;
        match payment.status {
            PgStatus::Canceled => return Err(LedgerError::AlreadyCanceled),
            PgStatus::Ready | PgStatus::Failed => return Err(LedgerError::NotApproved),
            PgStatus::Paid | PgStatus::PartialCanceled => {}
        }
        let amount = amount.unwrap_or(payment.balance);
        if amount <= 0 {
            return Err(LedgerError::InvalidAmount);
        }
        if let Some(expected) = expected_balance {
            if expected != payment.balance {
                return Err(LedgerError::BalanceMismatch { balance: payment.balance });
            }
        }
        if amount > payment.balance {
            return Err(LedgerError::OverBalance { balance: payment.balance });
        }
        payment.balance -= amount;
        payment.cancelled += amount;
        payment.status = PgStatus::after_cancel(payment.total, payment.balance);
        let cancel = LedgerCancel {
            cancel_id,
            amount,
            balance_after: payment.balance,
            reason: reason.to_string(),
            canceled_at: OffsetDateTime::now_utc(),
        };
        payment.cancels.push(cancel.clone());
        Ok(Settled { payment: payment.clone(), cancel: Some(cancel) })
    }

    pub fn payment(&self, pg_payment_id: &str) -> Option<LedgerPayment> {
        self.lock().payments.get(pg_payment_id).cloned()
    }

    pub fn payment_by_order(&self, merchant_order_id: &str) -> Option<LedgerPayment> {
        let st = self.lock();
        st.by_order.get(merchant_order_id).and_then(|id| st.payments.get(id)).cloned()
    }

    /// The merchant order id a payment belongs to.
    pub fn order_of(&self, pg_payment_id: &str) -> Option<String> {
        self.lock().payments.get(pg_payment_id).map(|p| p.merchant_order_id.clone())
    }

    /// The payments a platform order made: merchant order id equal to the order id, or the
    /// order id followed by `-` and a retry suffix (how a platform re-submits an order).
    pub fn payments_of_order(&self, order_id: &str) -> Vec<LedgerPayment> {
        let mut found: Vec<_> =
            self.lock().payments.values().filter(|p| belongs_to(&p.merchant_order_id, order_id)).cloned().collect();
        found.sort_by(|a, b| a.pg_payment_id.cmp(&b.pg_payment_id));
        found
    }

    /// Every payment, sorted by merchant order id.
    pub fn payments(&self) -> Vec<LedgerPayment> {
        let mut all: Vec<_> = self.lock().payments.values().cloned().collect();
        all.sort_by(|a, b| a.merchant_order_id.cmp(&b.merchant_order_id));
        all
    }

    /// Approved amount minus cancelled amount over every payment.
    pub fn net(&self) -> Krw {
        self.lock().payments.values().filter(|p| p.approval_id.is_some()).map(|p| p.total - p.cancelled).sum()
    }

    /// Forgets the payments of a platform order once they are checked (long load runs), and
    /// returns them.
    pub fn forget_order(&self, order_id: &str) -> Vec<LedgerPayment> {
        let mut st = self.lock();
        let ids: Vec<String> = st
            .payments
            .values()
            .filter(|p| belongs_to(&p.merchant_order_id, order_id))
            .map(|p| p.pg_payment_id.clone())
            .collect();
        let mut gone = Vec::new();
        for id in ids {
            if let Some(p) = st.payments.remove(&id) {
                st.by_order.remove(&p.merchant_order_id);
                gone.push(p);
            }
        }
        gone
    }

    /// Forgets everything (between load-test steps).
    pub fn clear(&self) {
        *self.lock() = LedgerState::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_cancels_down_to_zero_then_refuses() {
        let ledger = Ledger::new("t");
        assert_eq!(
            ledger.approve("p1", Some("o1"), Some(10_000)),
            Err(LedgerError::NotFound),
            "no customer authorised it"
        );
        ledger.authenticate("p1", "o1", 10_000).unwrap();
        ledger.approve("p1", Some("o1"), Some(10_000)).unwrap();
        let s = ledger.cancel("p1", Some(3_000), None, "r").unwrap();
        assert_eq!((s.payment.balance, s.payment.status), (7_000, PgStatus::PartialCanceled));
        assert_eq!(ledger.cancel("p1", Some(8_000), None, "r"), Err(LedgerError::OverBalance { balance: 7_000 }));
        let s = ledger.cancel("p1", None, Some(7_000), "r").unwrap();
        assert_eq!((s.payment.balance, s.payment.status), (0, PgStatus::Canceled));
        assert_eq!(ledger.cancel("p1", Some(1), None, "r"), Err(LedgerError::AlreadyCanceled));
        assert_eq!(ledger.net(), 0);
        assert_eq!(ledger.payment("p1").unwrap().cancels.len(), 2);
    }

    #[test]
    fn refuses_reused_order_id_and_wrong_amount() {
        let ledger = Ledger::new("t");
        ledger.authenticate("p1", "o1", 500).unwrap();
        ledger.approve("p1", Some("o1"), Some(500)).unwrap();
        assert_eq!(ledger.authenticate("p2", "o1", 500), Err(LedgerError::DuplicateOrderId));
        ledger.authenticate("p4", "o4", 500).unwrap();
        assert_eq!(ledger.approve("p4", Some("o1"), Some(500)), Err(LedgerError::KeyForAnotherOrder));
        assert_eq!(ledger.approve("p1", Some("o1"), Some(500)), Err(LedgerError::AlreadyApproved));
        ledger.authenticate("p3", "o3", 1_000).unwrap();
        assert_eq!(ledger.approve("p3", Some("o3"), Some(900)), Err(LedgerError::AmountMismatch { expected: 1_000 }));
        assert_eq!(ledger.cancel("p1", Some(100), Some(499), "r"), Err(LedgerError::BalanceMismatch { balance: 500 }));
        assert_eq!(ledger.net(), 500);
    }
}
