//! The NiceEPay fake (NICEPAY's legacy web-standard API) straight at its HTTP API: forms signed
//! with `SignData`, HTTP 200 answers with `ResultCode`, 12-digit amounts and a `Signature`.

use crate::{customer_key, endpoint, fake_and_client, send};
use paydrill::fakes::ServerKind;
use paydrill::pg::{niceepay, PgName};
use serde_json::{json, Value};

const EDI: &str = "20261201120000";

fn form(fields: &[(&str, &str)]) -> Value {
    Value::Array(fields.iter().map(|(k, v)| json!([k, v])).collect())
}

fn approve_form(mid: &str, key: &str, tid: &str, moid: &str, amt: &str) -> Value {
    let sign = niceepay::approve_sign(tid, mid, amt, EDI, key);
    form(&[
        ("TID", tid),
        ("AuthToken", tid),
        ("MID", mid),
        ("Amt", amt),
        ("Moid", moid),
        ("EdiDate", EDI),
        ("SignData", &sign),
        ("CharSet", "utf-8"),
        ("EdiType", "JSON"),
    ])
}

fn cancel_form(mid: &str, key: &str, tid: &str, moid: &str, code: &str, amt: &str) -> Value {
    let sign = niceepay::cancel_sign(mid, amt, EDI, key);
    form(&[
        ("TID", tid),
        ("MID", mid),
        ("Moid", moid),
        ("CancelAmt", amt),
        ("CancelMsg", "r"),
        ("PartialCancelCode", code),
        ("EdiDate", EDI),
        ("SignData", &sign),
        ("CharSet", "utf-8"),
        ("EdiType", "JSON"),
    ])
}

fn inquiry_form(mid: &str, key: &str, tid: &str) -> Value {
    let sign = niceepay::inquiry_sign(tid, mid, EDI, key);
    form(&[
        ("TID", tid),
        ("MID", mid),
        ("EdiDate", EDI),
        ("SignData", &sign),
        ("CharSet", "utf-8"),
        ("EdiType", "JSON"),
    ])
}

#[tokio::test]
async fn niceepay_speaks_its_own_codes() {
    let (fleet, _) = fake_and_client(PgName::Niceepay, ServerKind::Wiremock).await;
    let (base, creds) = endpoint(&fleet, PgName::Niceepay);
    let (mid, key) = (creds.merchant_id.as_str(), creds.secret.as_str());
    let approve = format!("{base}{}", niceepay::APPROVE_PATH);
    let cancel = format!("{base}{}", niceepay::CANCEL_PATH);
    let inquiry = format!("{base}{}", niceepay::INQUIRY_PATH);
    let tid = customer_key(&base, "o1", 10000).await;
    let tid = tid.as_str();

    let (_, body) = send("POST", &approve, &[], approve_form(mid, "not-the-key", tid, "o1", "000000010000")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("A101"), "SignData with a wrong key: {body}");
    let (_, body) = send("POST", &approve, &[], approve_form("other00m", key, tid, "o1", "000000010000")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("A114"), "another MID: {body}");
    let (_, body) = send("POST", &approve, &[], approve_form(mid, key, tid, "o2", "000000010000")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("A243"), "another order's TID: {body}");
    let (_, body) = send("POST", &approve, &[], approve_form(mid, key, tid, "o1", "000000009000")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("A123"), "a changed amount: {body}");
    let (status, body) = send("POST", &approve, &[], approve_form(mid, key, tid, "o1", "000000010000")).await;
    let seen = (status, body["ResultCode"].as_str(), body["Amt"].as_str(), body["PayMethod"].as_str());
    assert_eq!(seen, (200, Some("3001"), Some("000000010000"), Some("CARD")), "{body}");
    assert_eq!(body["Moid"].as_str(), Some("o1"), "{body}");
    let signature = niceepay::answer_signature(tid, mid, "000000010000", key);
    assert_eq!(body["Signature"].as_str(), Some(signature.as_str()), "Signature = sha256(TID+MID+Amt+Key): {body}");
    let (_, body) = send("POST", &approve, &[], approve_form(mid, key, tid, "o1", "000000010000")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("1682"), "approved twice: {body}");
    let (_, body) =
        send("POST", &approve, &[], approve_form(mid, key, "niceepay_nobody", "nobody", "000000010000")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("A210"), "a TID no customer got: {body}");

    let (_, body) = send("POST", &cancel, &[], cancel_form(mid, key, tid, "c1", "1", "")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("9000"), "a partial cancel without CancelAmt: {body}");
    let (_, body) = send("POST", &cancel, &[], cancel_form(mid, key, tid, "c2", "1", "000000020000")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("2032"), "over the balance: {body}");
    let (_, body) = send("POST", &cancel, &[], cancel_form(mid, key, tid, "c3", "1", "000000003000")).await;
    let seen = (body["ResultCode"].as_str(), body["CancelAmt"].as_str(), body["RemainAmt"].as_str());
    assert_eq!(seen, (Some("2001"), Some("000000003000"), Some("000000007000")), "{body}");
    assert!(body["CancelNum"].as_str().is_some_and(|n| !n.is_empty()), "{body}");
    assert_eq!(body["CancelDate"].as_str().map(str::len), Some(8), "{body}");
    let signature = niceepay::answer_signature(tid, mid, "000000003000", key);
    assert_eq!(body["Signature"].as_str(), Some(signature.as_str()), "{body}");
    let (_, body) = send("POST", &cancel, &[], cancel_form(mid, key, tid, "c3", "1", "000000001000")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("2156"), "a cancel Moid used before: {body}");
    let (_, body) = send("POST", &cancel, &[], cancel_form(mid, key, tid, "c4", "0", "000000005000")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("2011"), "a full cancel naming a stale balance: {body}");
    let (_, body) = send("POST", &cancel, &[], cancel_form(mid, "not-the-key", tid, "c5", "0", "000000007000")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("A101"), "a cancel signed with a wrong key: {body}");
    let (_, body) = send("POST", &cancel, &[], cancel_form(mid, key, tid, "c6", "0", "000000007000")).await;
    let seen = (body["ResultCode"].as_str(), body["CancelAmt"].as_str(), body["RemainAmt"].as_str());
    assert_eq!(seen, (Some("2001"), Some("000000007000"), Some("000000000000")), "{body}");
    let (_, body) = send("POST", &cancel, &[], cancel_form(mid, key, tid, "c7", "0", "")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("2013"), "already cancelled: {body}");
    let (_, body) = send("POST", &cancel, &[], cancel_form(mid, key, "niceepay_nobody", "c8", "0", "")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("2012"), "cancel of an unknown TID: {body}");

    let (_, body) = send("POST", &inquiry, &[], inquiry_form(mid, key, tid)).await;
    let seen = (
        body["ResultCode"].as_str(),
        body["Status"].as_str(),
        body["Amt"].as_str(),
        body["CancelAmt"].as_str(),
        body["RemainAmt"].as_str(),
    );
    assert_eq!(
        seen,
        (Some("0000"), Some("1"), Some("000000010000"), Some("000000010000"), Some("000000000000")),
        "{body}"
    );
    let (_, body) = send("POST", &inquiry, &[], inquiry_form(mid, key, "niceepay_nobody")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("A118"), "inquiry of an unknown TID: {body}");
    let (status, body) = send("POST", &format!("{base}/webapi/nothing.jsp"), &[], inquiry_form(mid, key, tid)).await;
    assert_eq!((status, body["ResultCode"].as_str()), (404, Some("A112")), "{body}");
}

#[tokio::test]
async fn niceepay_reports_the_balance_and_refuses_an_unapproved_cancel() {
    let (fleet, _) = fake_and_client(PgName::Niceepay, ServerKind::Lean).await;
    let (base, creds) = endpoint(&fleet, PgName::Niceepay);
    let (mid, key) = (creds.merchant_id.as_str(), creds.secret.as_str());
    let cancel = format!("{base}{}", niceepay::CANCEL_PATH);
    let inquiry = format!("{base}{}", niceepay::INQUIRY_PATH);
    let tid = customer_key(&base, "o9", 5000).await;
    let tid = tid.as_str();

    let (_, body) = send("POST", &inquiry, &[], inquiry_form(mid, key, tid)).await;
    assert_eq!(
        (body["ResultCode"].as_str(), body["Status"].as_str()),
        (Some("0000"), Some("9")),
        "authorised only: {body}"
    );
    let (_, body) = send("POST", &cancel, &[], cancel_form(mid, key, tid, "c1", "0", "")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("2014"), "cancel before approve: {body}");

    let approve = format!("{base}{}", niceepay::APPROVE_PATH);
    let (_, body) = send("POST", &approve, &[], approve_form(mid, key, tid, "o9", "000000005000")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("3001"), "{body}");
    let (_, body) = send("POST", &cancel, &[], cancel_form(mid, key, tid, "c2", "1", "000000001500")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("2001"), "{body}");
    let (_, body) = send("POST", &inquiry, &[], inquiry_form(mid, key, tid)).await;
    let seen = (body["Status"].as_str(), body["CancelAmt"].as_str(), body["RemainAmt"].as_str());
    assert_eq!(seen, (Some("0"), Some("000000001500"), Some("000000003500")), "partly cancelled: {body}");
    assert_eq!(
        niceepay::status(body["Status"].as_str().unwrap(), 5000, 3500),
        Some(paydrill::pg::PgStatus::PartialCanceled)
    );
}
