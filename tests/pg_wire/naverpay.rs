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
    let (_, body) = send("POST", &url, &headers, cancel("10000", "10000")).await;
    assert_eq!((body["code"].as_str(), body["body"]["totalRestAmount"].as_i64()), (Some("Success"), Some(0)), "{body}");
    let (_, body) = send("POST", &url, &headers, cancel("1", "0")).await;
    assert_eq!(body["code"].as_str(), Some("AlreadyCanceled"), "{body}");

    let (_, body) = send("POST", &format!("{root}/v2/reserve"), &headers, reserve("o1")).await;
    assert_eq!(body["code"].as_str(), Some("DuplicatedMerchantPayKey"), "{body}");
    let wrong = vec![("X-Naver-Client-Id", creds.merchant_id.clone()), ("X-Naver-Client-Secret", "wrong".to_string())];
    let (status, body) = send("POST", &format!("{root}/v2/reserve"), &wrong, reserve("o2")).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("InvalidClient")), "{body}");
}
