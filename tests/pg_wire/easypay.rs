//! The EasyPay fake straight at its HTTP API: `resCd` answers, `msgAuthValue` checked.

use crate::{customer_key, endpoint, fake_and_client, send};
use paydrill::fakes::ServerKind;
use paydrill::pg::{easypay, PgName};
use serde_json::{json, Value};

fn signed(secret: &str, mall: &str, tx: &str, mut body: Value) -> Value {
    body["mallId"] = json!(mall);
    body["shopTransactionId"] = json!(tx);
    body["msgAuthValue"] = json!(easypay::auth_value(secret, mall, tx));
    body
}

#[tokio::test]
async fn easypay_speaks_its_own_codes() {
    let (fleet, _) = fake_and_client(PgName::Easypay, ServerKind::Wiremock).await;
    let (base, creds) = endpoint(&fleet, PgName::Easypay);
    let (secret, mall) = (creds.secret.as_str(), creds.merchant_id.as_str());
    let approval = format!("{base}/api/v2/trades/approval");
    let approve = |tx: &str, auth_id: &str, order: &str| {
        signed(
            secret,
            mall,
            tx,
            json!({"authorizationId": auth_id, "shopOrderNo": order, "approvalReqDate": "20261123", "amount": 10000}),
        )
    };
    let a1 = customer_key(&base, "o1", 10000).await;
    let a1 = a1.as_str();
    let (status, body) = send("POST", &approval, &[], approve("tx1", a1, "o1")).await;
    assert_eq!(
        (status, body["resCd"].as_str(), body["statusCode"].as_str()),
        (200, Some("0000"), Some("TS01")),
        "{body}"
    );

    let revise = format!("{base}/api/trades/revise");
    let cancel = |tx: &str, code: &str, amount: i64, remain: i64| {
        signed(
            secret,
            mall,
            tx,
            json!({"pgCno": a1, "reviseTypeCode": code, "amount": amount, "remainAmount": remain, "cancelReqDate": "20261123"}),
        )
    };
    let (_, body) = send("POST", &revise, &[], cancel("tx2", "32", 20000, 10000)).await;
    assert_eq!(body["resCd"].as_str(), Some("R303"), "over balance: {body}");
    let (_, body) = send("POST", &revise, &[], cancel("tx3", "32", 1000, 5000)).await;
    assert_eq!(body["resCd"].as_str(), Some("R304"), "remainAmount mismatch: {body}");
    let (_, body) = send("POST", &revise, &[], cancel("tx4", "40", 0, 10000)).await;
    assert_eq!((body["resCd"].as_str(), body["remainAmount"].as_i64()), (Some("0000"), Some(0)), "{body}");
    let (_, body) = send("POST", &revise, &[], cancel("tx5", "40", 0, 0)).await;
    assert_eq!(body["resCd"].as_str(), Some("R302"), "already cancelled: {body}");

    let (_, body) = send("POST", &approval, &[], approve("tx6", "a2", "o1")).await;
    assert_eq!(body["resCd"].as_str(), Some("R301"), "an authorizationId no customer got: {body}");
    let forged =
        signed("wrong-secret", mall, "tx7", json!({"authorizationId": "a3", "shopOrderNo": "o3", "amount": 1}));
    let (_, body) = send("POST", &approval, &[], forged).await;
    assert_eq!(body["resCd"].as_str(), Some("R101"), "bad msgAuthValue: {body}");

    let (_, body) =
        send("POST", &revise, &[], signed(secret, mall, "tx8", json!({"pgCno": "nope", "reviseTypeCode": "40"}))).await;
    assert_eq!(body["resCd"].as_str(), Some("R301"), "no such transaction: {body}");
    let status = signed(secret, mall, "tx9", json!({"pgCno": a1, "shopOrderNo": "o1"}));
    let (_, body) = send("POST", &format!("{base}/api/trades/retrieveTransaction"), &[], status).await;
    assert_eq!(
        (body["resCd"].as_str(), body["statusCode"].as_str(), body["remainAmount"].as_i64()),
        (Some("0000"), Some("TS03"), Some(0)),
        "{body}"
    );
}
