//! The Inicis fake straight at its HTTP API: signed forms, `resultCode` answers.

use crate::{customer_key, endpoint, fake_and_client, send};
use paydrill::fakes::ServerKind;
use paydrill::pg::{inicis, PgName};
use serde_json::{json, Value};

fn signed(key: &str, mid: &str, fields: &[(&str, &str)]) -> Value {
    let mut all: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    for (k, v) in [("paymethod", "Card"), ("timestamp", "20261123120000"), ("clientIp", "127.0.0.1"), ("mid", mid)] {
        all.push((k.into(), v.into()));
    }
    let hash = inicis::hash(key, &all);
    all.push(("hashData".into(), hash));
    Value::Array(all.into_iter().map(|(k, v)| json!([k, v])).collect())
}

#[tokio::test]
async fn inicis_speaks_its_own_codes() {
    let (fleet, _) = fake_and_client(PgName::Inicis, ServerKind::Wiremock).await;
    let (base, creds) = endpoint(&fleet, PgName::Inicis);
    let (key, mid) = (creds.secret.as_str(), creds.merchant_id.as_str());
    let approve = |tid: &str, moid: &str| {
        signed(key, mid, &[("type", "Approve"), ("tid", tid), ("moid", moid), ("price", "10000")])
    };
    let t1 = customer_key(&base, "o1", 10000).await;
    let t1 = t1.as_str();
    let (status, body) = send("POST", &format!("{base}/api/v1/approve"), &[], approve(t1, "o1")).await;
    assert_eq!((status, body["resultCode"].as_str()), (200, Some("00")), "{body}");

    let refund = format!("{base}/api/v1/refund");
    let partial = |price: &str, confirm: &str| {
        signed(
            key,
            mid,
            &[("type", "PartialRefund"), ("tid", t1), ("msg", "r"), ("price", price), ("confirmPrice", confirm)],
        )
    };
    let (_, body) = send("POST", &refund, &[], partial("20000", "-10000")).await;
    assert_eq!(body["resultCode"].as_str(), Some("430"), "over balance: {body}");
    let (_, body) = send("POST", &refund, &[], partial("3000", "7000")).await;
    assert_eq!((body["resultCode"].as_str(), body["prtcRemains"].as_i64()), (Some("00"), Some(7000)), "{body}");
    let full = signed(key, mid, &[("type", "Refund"), ("tid", t1), ("msg", "r")]);
    let (_, body) = send("POST", &refund, &[], full.clone()).await;
    assert_eq!(body["resultCode"].as_str(), Some("00"), "{body}");
    let (_, body) = send("POST", &refund, &[], full).await;
    assert_eq!(body["resultCode"].as_str(), Some("420"), "already cancelled: {body}");

    let (_, body) = send("POST", &format!("{base}/api/v1/approve"), &[], approve("t2", "o1")).await;
    assert_eq!(body["resultCode"].as_str(), Some("410"), "a tid no customer got: {body}");
    let forged = signed("not-the-key", mid, &[("type", "Approve"), ("tid", "t3"), ("moid", "o3"), ("price", "10000")]);
    let (_, body) = send("POST", &format!("{base}/api/v1/approve"), &[], forged).await;
    assert_eq!(body["resultCode"].as_str(), Some("500"), "hash mismatch: {body}");

    let unknown = signed(key, mid, &[("type", "Refund"), ("tid", "no-such-tid"), ("msg", "r")]);
    let (_, body) = send("POST", &refund, &[], unknown).await;
    assert_eq!(body["resultCode"].as_str(), Some("410"), "no such transaction: {body}");
    let inquiry = signed(key, mid, &[("type", "Inquiry"), ("tid", t1)]);
    let (_, body) = send("POST", &format!("{base}/api/v1/inquiry"), &[], inquiry).await;
    assert_eq!(
        (body["resultCode"].as_str(), body["status"].as_str(), body["remainPrice"].as_i64()),
        (Some("00"), Some("cancelled"), Some(0)),
        "{body}"
    );
}
