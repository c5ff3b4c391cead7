//! For every PG: paydrill's client against the fake, on both servers.

use crate::{client_with_wrong_key, customer_key, fake_and_client};
use paydrill::fakes::ServerKind;
use paydrill::pg::{ApproveRequest, CancelRequest, ErrorCategory, PaymentRef, PgName, PgOp, PgStatus, Rejection};
use paydrill::spec::Fault;

fn approve_req(order: &str, amount: i64, key: &str) -> ApproveRequest {
    ApproveRequest {
        merchant_order_id: order.into(),
        amount,
        idempotency_key: Some(format!("idem-{order}")),
        customer_key: Some(key.into()),
    }
}

fn partial(amount: i64) -> CancelRequest {
    CancelRequest { amount: Some(amount), expected_balance: None, reason: "test".into(), idempotency_key: None }
}

async fn full_flow(pg: PgName, kind: ServerKind) {
    let (fleet, client) = fake_and_client(pg, kind).await;
    let ledger = fleet.fake(pg).ledger();
    let base = client.base_url().to_string();

    let key1 = customer_key(&base, "ord_1", 10_000).await;
    let paid = client
        .approve(&approve_req("ord_1", 10_000, &key1))
        .await
        .result
        .unwrap_or_else(|e| panic!("{pg} approve: {e}"));
    assert_eq!((paid.status, paid.total, paid.balance), (PgStatus::Paid, 10_000, 10_000), "{pg}");
    assert_eq!(paid.merchant_order_id, "ord_1", "{pg}");
    let payment = PaymentRef { pg_payment_id: paid.pg_payment_id.clone(), merchant_order_id: "ord_1".into() };

    let c1 = client.cancel(&payment, &partial(3_000)).await.result.unwrap_or_else(|e| panic!("{pg} cancel 3000: {e}"));
    assert_eq!(c1.amount, 3_000, "{pg}");
    // Every PG's cancel answer says what is left, except PortOne's (its cancellation object
    // carries no balance; a client reads the payment for it).
    let expected_balance = if pg == PgName::Portone { None } else { Some(7_000) };
    assert_eq!(c1.balance_after, expected_balance, "{pg}: the balance the cancel answer reports");
    let c2 = client.cancel(&payment, &partial(7_000)).await.result.unwrap_or_else(|e| panic!("{pg} cancel 7000: {e}"));
    assert_ne!(c1.transaction_id, c2.transaction_id, "{pg}: each cancel has its own id");

    let seen = client.inquire(&payment).await.result.unwrap_or_else(|e| panic!("{pg} inquire: {e}"));
    assert_eq!((seen.status, seen.balance, seen.total), (PgStatus::Canceled, 0, 10_000), "{pg}");

    let refused = client.cancel(&payment, &partial(1)).await.result.expect_err("cancel of a cancelled payment");
    assert_eq!(refused.category, ErrorCategory::Business, "{pg}: {refused}");
    assert_eq!(refused.rejection, Some(Rejection::AlreadyCanceled), "{pg}: {refused}");
    let held = ledger.payment(&paid.pg_payment_id).unwrap();
    assert_eq!((held.balance, held.cancels.len()), (0, 2), "{pg}: refused cancel left the ledger unchanged");

    // Over balance, on a second payment.
    let key2 = customer_key(&base, "ord_2", 5_000).await;
    let p2 = client.approve(&approve_req("ord_2", 5_000, &key2)).await.result.unwrap();
    let p2ref = PaymentRef { pg_payment_id: p2.pg_payment_id.clone(), merchant_order_id: "ord_2".into() };
    let over = client.cancel(&p2ref, &partial(5_001)).await.result.expect_err("over balance");
    assert_eq!(over.rejection, Some(Rejection::OverBalance), "{pg}: {over}");
    let full =
        CancelRequest { amount: None, expected_balance: Some(5_000), reason: "all".into(), idempotency_key: None };
    let all = client.cancel(&p2ref, &full).await.result.unwrap_or_else(|e| panic!("{pg} full cancel: {e}"));
    assert_eq!(all.amount, 5_000, "{pg}");

    // The same merchant order id again.
    let dup =
        client.approve(&ApproveRequest { idempotency_key: None, ..approve_req("ord_1", 10_000, &key1) }).await.result;
    let dup = dup.expect_err("duplicate merchant order id");
    assert_eq!(dup.category, ErrorCategory::Business, "{pg}: {dup}");
    assert!(
        matches!(dup.rejection, Some(Rejection::DuplicateOrderId) | Some(Rejection::AlreadyApproved)),
        "{pg}: {dup}"
    );

    // A wrong key.
    let key3 = customer_key(&base, "ord_3", 1_000).await;
    let wrong = client_with_wrong_key(pg, &fleet).approve(&approve_req("ord_3", 1_000, &key3)).await.result;
    assert_eq!(wrong.expect_err("wrong key").rejection, Some(Rejection::Unauthorized), "{pg}");
    let held = ledger.payment_by_order("ord_3").map(|p| p.status);
    // (PortOne V1's customer paid in the window, before any merchant call.)
    let paid_by_customer = pg == PgName::Iamport;
    assert!(held != Some(PgStatus::Paid) || paid_by_customer, "{pg}: a refused secret approved nothing ({held:?})");
    assert_eq!(ledger.net(), if paid_by_customer { 1_000 } else { 0 }, "{pg}");
}

async fn faults(pg: PgName, kind: ServerKind) {
    let (fleet, client) = fake_and_client(pg, kind).await;
    let fake = fleet.fake(pg);
    let cases = [
        ("ord_t", Fault::Timeout, ErrorCategory::Timeout, true),
        ("ord_e", Fault::Error, ErrorCategory::System, false),
        ("ord_r", Fault::Reset, ErrorCategory::Network, false),
        ("ord_m", Fault::Malformed, ErrorCategory::Unexpected, true),
    ];
    for (order, fault, category, applied) in cases {
        let key = customer_key(client.base_url(), order, 1_000).await;
        // PortOne V1 has no server approve: the merchant's check of the payment is a read, and
        // the customer's payment stands whatever happens to it.
        // A PG error on that read leaves the payment's state unknown to the merchant, not failed.
        let (op, applied, category) = match (pg, category) {
            (PgName::Iamport, ErrorCategory::System) => (PgOp::Inquire, true, ErrorCategory::Unexpected),
            (PgName::Iamport, category) => (PgOp::Inquire, true, category),
            _ => (PgOp::Approve, applied, category),
        };
        fake.faults().script(&[order], Some(op), fault, 1);
        let err = client.approve(&approve_req(order, 1_000, &key)).await.result.expect_err("faulted call fails");
        assert_eq!(err.category, category, "{pg} {fault:?}: {err}");
        let held = fake.ledger().payment_by_order(order).map(|p| p.status);
        assert_eq!(held == Some(PgStatus::Paid), applied, "{pg} {fault:?}: ledger has {held:?}");
    }
}

/// The customer step: a confirm is refused, the PG's way, for a key no customer got, for a
/// changed amount, and (where the confirm names the order) for another order's key.
async fn customer_step(pg: PgName, kind: ServerKind) {
    let (fleet, client) = fake_and_client(pg, kind).await;
    let ledger = fleet.fake(pg).ledger();
    let base = client.base_url().to_string();
    let paid = |order: &str| ledger.payment_by_order(order).is_some_and(|p| p.status == PgStatus::Paid);

    let unknown = client.approve(&approve_req("ord_u", 1_000, "key-no-customer-got")).await.result;
    let unknown = unknown.expect_err("a key no customer got");
    assert_eq!(unknown.category, ErrorCategory::Business, "{pg}: {unknown}");
    assert!(!paid("ord_u"), "{pg}");

    // A changed amount: the customer authorised 1,000 won; the confirm says 900.
    let key = customer_key(&base, "ord_c", 1_000).await;
    let changed = client.approve(&approve_req("ord_c", 900, &key)).await.result;
    if matches!(pg, PgName::Naverpay | PgName::Iamport) {
        // Naver Pay's apply carries no amount (the one approved is the one the customer saw);
        // PortOne V1's payment completes in the customer's window. paydrill's client checks the
        // approved payment against the order and refuses to take it (the merchant must cancel).
        let changed = changed.expect_err("a changed amount");
        assert_eq!(changed.rejection, Some(Rejection::AmountMismatch), "{pg}: {changed}");
    } else {
        let changed = changed.expect_err("a changed amount");
        assert_eq!(changed.category, ErrorCategory::Business, "{pg}: {changed}");
        assert!(!paid("ord_c"), "{pg}: nothing approved on a changed amount");
    }

    // Another order's key: never a payment under the other order.
    let key = customer_key(&base, "ord_a", 1_000).await;
    let other = client.approve(&approve_req("ord_b", 1_000, &key)).await.result;
    match other {
        Err(e) => assert_eq!(e.category, ErrorCategory::Business, "{pg}: {e}"),
        // NicePay's and Naver Pay's confirms name no order: the PG approves the key's own payment.
        Ok(p) => {
            assert!(matches!(pg, PgName::Nicepay | PgName::Naverpay), "{pg} approved another order's key");
            assert_eq!(p.merchant_order_id, "ord_a", "{pg}");
        }
    }
    assert!(!paid("ord_b"), "{pg}: no payment under the order the key was not for");
}

macro_rules! per_pg {
    ($($name:ident => $pg:expr),* $(,)?) => {$(
        mod $name {
            use super::*;
            #[tokio::test]
            async fn full_flow_on_wiremock() { full_flow($pg, ServerKind::Wiremock).await }
            #[tokio::test]
            async fn full_flow_on_lean_server() { full_flow($pg, ServerKind::Lean).await }
            #[tokio::test]
            async fn customer_step_on_wiremock() { customer_step($pg, ServerKind::Wiremock).await }
            #[tokio::test]
            async fn customer_step_on_lean_server() { customer_step($pg, ServerKind::Lean).await }
            #[tokio::test]
            async fn faults_on_wiremock() { faults($pg, ServerKind::Wiremock).await }
            #[tokio::test]
            async fn faults_on_lean_server() { faults($pg, ServerKind::Lean).await }
        }
    )*};
}

per_pg! {
    toss => PgName::Toss,
    kakaopay => PgName::Kakaopay,
    nicepay => PgName::Nicepay,
    kcp => PgName::Kcp,
    naverpay => PgName::Naverpay,
    inicis => PgName::Inicis,
    easypay => PgName::Easypay,
    portone => PgName::Portone,
    iamport => PgName::Iamport,
    kakaolegacy => PgName::Kakaolegacy,
    bluewalnut => PgName::Bluewalnut,
    niceepay => PgName::Niceepay,
    naverorder => PgName::Naverorder,
}
