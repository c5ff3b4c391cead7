//! The Bluewalnut fake straight at its HTTP API: signed forms to one CNSPay Lite style endpoint
//! (`actionType` PY0 / CL0 / CI0), JSON answers with `ResultCode`.

use crate::{customer_key, endpoint, fake_and_client, send};
use paydrill::fakes::ServerKind;
use paydrill::pg::{bluewalnut, PgName};
use serde_json::{json, Value};

/// A form for `action` with `fields`, signed with `key` the way Bluewalnut checks it.
fn signed(key: &str, mid: &str, action: &str, fields: &[(&str, &str)]) -> Value {
    let edi = "20261123120000";
    let amt = bluewalnut::signed_amount_field(action)
        .and_then(|name| fields.iter().find(|(k, _)| *k == name))
        .map_or("", |(_, v)| *v);
    let mut all: Vec<(String, String)> =
        vec![("actionType".into(), action.into()), ("MID".into(), mid.into()), ("EdiDate".into(), edi.into())];
    all.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    all.push(("EncryptData".into(), bluewalnut::encrypt_data(edi, mid, amt, key)));
    Value::Array(all.into_iter().map(|(k, v)| json!([k, v])).collect())
}

#[tokio::test]
async fn bluewalnut_speaks_its_own_codes() {
    let (fleet, _) = fake_and_client(PgName::Bluewalnut, ServerKind::Wiremock).await;
    let (base, creds) = endpoint(&fleet, PgName::Bluewalnut);
    let (key, mid) = (creds.secret.as_str(), creds.merchant_id.as_str());
    let url = format!("{base}{}", bluewalnut::PATH);
    let approve = |tid: &str, moid: &str| {
        signed(key, mid, "PY0", &[("TID", tid), ("Moid", moid), ("Amt", "10000"), ("GoodsName", "x")])
    };

    let t1 = customer_key(&base, "o1", 10000).await;
    let t1 = t1.as_str();
    let (_, body) = send("POST", &url, &[], approve(t1, "o2")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("2012"), "another order's TID: {body}");
    let (status, body) = send("POST", &url, &[], approve(t1, "o1")).await;
    let seen = (status, body["ResultCode"].as_str(), body["Status"].as_str(), body["RemainAmt"].as_str());
    assert_eq!(seen, (200, Some("3001"), Some("paid"), Some("10000")), "{body}");
    assert_eq!((body["TID"].as_str(), body["Moid"].as_str()), (Some(t1), Some("o1")), "{body}");

    let cancel = |code: &str, amt: &str, check: &str| {
        let fields = [
            ("TID", t1),
            ("Moid", "o1"),
            ("CancelAmt", amt),
            ("CancelMsg", "r"),
            ("PartialCancelCode", code),
            ("CheckRemainAmt", check),
        ];
        signed(key, mid, "CL0", &fields)
    };
    let (_, body) = send("POST", &url, &[], cancel("1", "", "")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("9002"), "partial cancel without CancelAmt: {body}");
    let (_, body) = send("POST", &url, &[], cancel("1", "20000", "")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("2032"), "over balance: {body}");
    let (_, body) = send("POST", &url, &[], cancel("1", "3000", "9999")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("2011"), "CheckRemainAmt mismatch: {body}");
    let (_, body) = send("POST", &url, &[], cancel("1", "3000", "10000")).await;
    let seen = (
        body["ResultCode"].as_str(),
        body["CancelAmt"].as_str(),
        body["RemainAmt"].as_str(),
        body["CancelNo"].as_str(),
        body["Status"].as_str(),
    );
    assert_eq!(seen, (Some("2001"), Some("3000"), Some("7000"), Some("1"), Some("partial_cancelled")), "{body}");
    let (_, body) = send("POST", &url, &[], cancel("0", "6000", "")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("2011"), "a full cancel's CancelAmt is the balance: {body}");
    let (_, body) = send("POST", &url, &[], cancel("0", "", "")).await;
    let code = body["ResultCode"].as_str();
    let seen = (code, body["CancelAmt"].as_str(), body["RemainAmt"].as_str(), body["CancelNo"].as_str());
    assert_eq!(seen, (Some("2001"), Some("7000"), Some("0"), Some("2")), "{body}");
    assert_ne!(body["CancelTID"].as_str(), None, "{body}");
    let (_, body) = send("POST", &url, &[], cancel("0", "", "")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("2015"), "already cancelled: {body}");

    let (_, body) = send("POST", &url, &[], signed(key, mid, "CI0", &[("TID", t1)])).await;
    let seen = (body["ResultCode"].as_str(), body["Status"].as_str(), body["Amt"].as_str(), body["RemainAmt"].as_str());
    assert_eq!(seen, (Some("0000"), Some("cancelled"), Some("10000"), Some("0")), "{body}");
    let cancels = body["Cancels"].as_array().cloned().unwrap_or_default();
    assert_eq!(cancels.len(), 2, "{body}");
    assert_eq!((cancels[1]["CancelNo"].as_str(), cancels[1]["CancelAmt"].as_str()), (Some("2"), Some("7000")));
    let (_, body) = send("POST", &url, &[], signed(key, mid, "CI0", &[("Moid", "o1")])).await;
    assert_eq!((body["ResultCode"].as_str(), body["TID"].as_str()), (Some("0000"), Some(t1)), "by Moid: {body}");
    let (_, body) = send("POST", &url, &[], signed(key, mid, "CI0", &[("TID", "no-such-tid")])).await;
    assert_eq!(body["ResultCode"].as_str(), Some("2012"), "unknown TID: {body}");

    let (_, body) = send("POST", &url, &[], approve(t1, "o1")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("3014"), "a second approval of one TID: {body}");
    let (_, body) = send("POST", &url, &[], approve("tok2", "o1")).await;
    assert_eq!(body["ResultCode"].as_str(), Some("2012"), "a TID no customer got: {body}");
    let t3 = customer_key(&base, "o3", 10000).await;
    let t3 = t3.as_str();
    let forged = signed("not-the-key", mid, "PY0", &[("TID", t3), ("Moid", "o3"), ("Amt", "10000")]);
    let (_, body) = send("POST", &url, &[], forged).await;
    assert_eq!(body["ResultCode"].as_str(), Some("9001"), "EncryptData with a wrong key: {body}");
    let other_mid = signed(key, "not-the-mid", "PY0", &[("TID", t3), ("Moid", "o3"), ("Amt", "10000")]);
    let (_, body) = send("POST", &url, &[], other_mid).await;
    assert_eq!(body["ResultCode"].as_str(), Some("9001"), "wrong MID: {body}");
    let changed = signed(key, mid, "PY0", &[("TID", t3), ("Moid", "o3"), ("Amt", "9000")]);
    let (_, body) = send("POST", &url, &[], changed).await;
    assert_eq!(body["ResultCode"].as_str(), Some("3012"), "Amt differs from the authorised amount: {body}");
    let (_, body) = send("POST", &url, &[], signed(key, mid, "XX0", &[("TID", t3)])).await;
    assert_eq!(body["ResultCode"].as_str(), Some("9002"), "unknown actionType: {body}");
    let elsewhere = format!("{base}/dlp/nowhere.jsp");
    let (status, _) = send("POST", &elsewhere, &[], signed(key, mid, "CI0", &[("TID", t3)])).await;
    assert_eq!(status, 404, "another path");
}
