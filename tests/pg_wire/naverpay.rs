//! The Naver Pay fake straight at its HTTP API: form bodies, the `{code, message, body}` envelope.

use crate::{endpoint, fake_and_client, send};
use paydrill::fakes::ServerKind;
use paydrill::pg::PgName;
use serde_json::json;

#[tokio::test]
async fn naverpay_speaks_its_own_codes() {
    let (fleet, _) = fake_and_client(PgName::Naverpay, ServerKind::Wiremock).await;
    let (base, creds) = endpoint(&fleet, PgName::Naverpay);
    let root = format!("{base}/{}/naverpay/payments", creds.merchant_id);
    let headers =
        vec![("X-Naver-Client-Id", creds.merchant_id.clone()), ("X-Naver-Client-Secret", creds.secret.clone())];
    let reserve = |order: &str| {
        json!([["merchantPayKey", order], ["productName", "x"], ["totalPayAmount", "10000"], ["returnUrl", "r"]])
    };
    let (status, body) = send("POST", &format!("{root}/v2/reserve"), &headers, reserve("o1")).await;
    assert_eq!((status, body["code"].as_str()), (200, Some("Success")), "{body}");
    let id = body["body"]["reserveId"].as_str().unwrap().to_string();
    let (_, body) = send("POST", &format!("{root}/v2.2/apply/payment"), &headers, json!([["paymentId", id]])).await;
    assert_eq!(body["body"]["detail"]["admissionState"].as_str(), Some("SUCCESS"), "{body}");

    let cancel = |amount: &str, rest: &str| {
        json!([
            ["paymentId", id],
            ["cancelAmount", amount],
            ["cancelReason", "r"],
            ["cancelRequester", "2"],
            ["doCompareRest", "1"],
            ["expectedRestAmount", rest]
        ])
    };
    let url = format!("{root}/v1/cancel");
    let (_, body) = send("POST", &url, &headers, cancel("20000", "10000")).await;
    assert_eq!(body["code"].as_str(), Some("CancelAmountExceeded"), "{body}");
    let (_, body) = send("POST", &url, &headers, cancel("1000", "9999")).await;
    assert_eq!(body["code"].as_str(), Some("RestAmountMismatch"), "expectedRestAmount: {body}");
    let (_, body) = send("POST", &url, &headers, cancel("3000", "10000")).await;
    assert_eq!(
        (body["code"].as_str(), body["body"]["totalRestAmount"].as_i64()),
        (Some("Success"), Some(7000)),
        "{body}"
    );
    let first_hist = body["body"]["payHistId"].as_str().unwrap().to_string();
    let (_, body) = send("POST", &url, &headers, cancel("7000", "7000")).await;
    assert_eq!((body["code"].as_str(), body["body"]["totalRestAmount"].as_i64()), (Some("Success"), Some(0)), "{body}");
    assert_ne!(body["body"]["payHistId"].as_str(), Some(first_hist.as_str()), "each cancel has its own id");

    let history = format!("{root}/v2.2/list/history/{id}");
    let (_, body) = send("POST", &history, &headers, json!([["pageNumber", "1"]])).await;
    let summary = &body["body"]["payment"];
    let seen =
        (summary["admissionState"].as_str(), summary["totalPayAmount"].as_i64(), summary["totalRestAmount"].as_i64());
    assert_eq!(seen, (Some("CANCEL"), Some(10000), Some(0)), "{body}");
    assert_eq!(body["body"]["list"].as_array().map(Vec::len), Some(3), "approval and two cancels: {body}");
    let (_, body) =
        send("POST", &format!("{root}/v2.2/list/history/nope"), &headers, json!([["pageNumber", "1"]])).await;
    assert_eq!(body["code"].as_str(), Some("InvalidPaymentId"), "{body}");
    let (_, body) = send("POST", &url, &headers, cancel("1", "0")).await;
    assert_eq!(body["code"].as_str(), Some("AlreadyCanceled"), "{body}");

    let (_, body) = send("POST", &format!("{root}/v2/reserve"), &headers, reserve("o1")).await;
    assert_eq!(body["code"].as_str(), Some("DuplicatedMerchantPayKey"), "{body}");
    let wrong = vec![("X-Naver-Client-Id", creds.merchant_id.clone()), ("X-Naver-Client-Secret", "wrong".to_string())];
    let (status, body) = send("POST", &format!("{root}/v2/reserve"), &wrong, reserve("o2")).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("InvalidClient")), "{body}");
}

#[tokio::test]
async fn naverpay_replays_an_idempotency_key() {
    let (fleet, _) = fake_and_client(PgName::Naverpay, ServerKind::Lean).await;
    let (base, creds) = endpoint(&fleet, PgName::Naverpay);
    let root = format!("{base}/{}/naverpay/payments", creds.merchant_id);
    let headers =
        vec![("X-Naver-Client-Id", creds.merchant_id.clone()), ("X-Naver-Client-Secret", creds.secret.clone())];
    let reserve =
        json!([["merchantPayKey", "o1"], ["productName", "x"], ["totalPayAmount", "5000"], ["returnUrl", "r"]]);
    let (_, body) = send("POST", &format!("{root}/v2/reserve"), &headers, reserve).await;
    let id = body["body"]["reserveId"].as_str().unwrap().to_string();
    let (_, paid) = send("POST", &format!("{root}/v2.2/apply/payment"), &headers, json!([["paymentId", id]])).await;
    assert_eq!(paid["code"].as_str(), Some("Success"), "{paid}");

    let mut keyed = headers.clone();
    keyed.push(("X-NaverPay-Idempotency-Key", "k1".to_string()));
    let cancel = json!([["paymentId", id], ["cancelAmount", "1000"], ["cancelReason", "r"], ["cancelRequester", "2"]]);
    let first = send("POST", &format!("{root}/v1/cancel"), &keyed, cancel.clone()).await;
    let again = send("POST", &format!("{root}/v1/cancel"), &keyed, cancel).await;
    assert_eq!(first, again);
    let held = fleet.fake(PgName::Naverpay).ledger().payment(&id).unwrap();
    assert_eq!((held.balance, held.cancels.len()), (4000, 1), "the replay cancelled nothing more");
}
