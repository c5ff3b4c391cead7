//! The KCP fake straight at its HTTP API: HTTP 200 with `res_cd`.

use crate::{customer_key, endpoint, fake_and_client, send};
use paydrill::fakes::ServerKind;
use paydrill::pg::PgName;
use serde_json::json;

#[tokio::test]
async fn kcp_speaks_its_own_codes() {
    let (fleet, _) = fake_and_client(PgName::Kcp, ServerKind::Wiremock).await;
    let (base, creds) = endpoint(&fleet, PgName::Kcp);
    let (site, cert) = (creds.merchant_id.clone(), creds.secret.clone());
    let pay = |order: &str, token: &str, cert: &str| json!({"site_cd": site, "kcp_cert_info": cert, "enc_data": token, "enc_info": "x", "ordr_mony": "10000", "ordr_idxx": order, "tran_cd": "00100000"});
    let tok1 = customer_key(&base, "o1", 10000).await;
    let (_, body) = send("POST", &format!("{base}/gw/enc/v1/payment"), &[], pay("o2", &tok1, &cert)).await;
    assert_ne!(body["res_cd"].as_str(), Some("0000"), "another order's enc_data: {body}");
    let (status, body) = send("POST", &format!("{base}/gw/enc/v1/payment"), &[], pay("o1", &tok1, &cert)).await;
    assert_eq!((status, body["res_cd"].as_str()), (200, Some("0000")), "{body}");
    let tno = body["tno"].as_str().unwrap().to_string();

    let cancel = |mod_type: &str, mny: &str, rem: &str| json!({"site_cd": site, "kcp_cert_info": cert, "tno": tno, "mod_type": mod_type, "mod_mny": mny, "rem_mny": rem, "mod_desc": "r"});
    let url = format!("{base}/gw/mod/v1/cancel");
    let (_, body) = send("POST", &url, &[], cancel("STPC", "1000", "")).await;
    assert_eq!(body["res_cd"].as_str(), Some("8900"), "partial cancel without rem_mny: {body}");
    let (_, body) = send("POST", &url, &[], cancel("STPC", "20000", "10000")).await;
    assert_eq!(body["res_cd"].as_str(), Some("8143"), "over balance: {body}");
    let (_, body) = send("POST", &url, &[], cancel("STPC", "1000", "9999")).await;
    assert_eq!(body["res_cd"].as_str(), Some("8144"), "rem_mny mismatch: {body}");
    let (_, body) = send("POST", &url, &[], cancel("STSC", "", "")).await;
    assert_eq!((body["res_cd"].as_str(), body["rem_mny"].as_str()), (Some("0000"), Some("0")), "{body}");
    let (_, body) = send("POST", &url, &[], cancel("STSC", "", "")).await;
    assert_eq!(body["res_cd"].as_str(), Some("8133"), "already cancelled: {body}");

    let inquery = |tno: &str| json!({"site_cd": site, "kcp_cert_info": cert, "tno": tno});
    let (_, body) = send("POST", &format!("{base}/std/inquery"), &[], inquery(&tno)).await;
    let seen =
        (body["res_cd"].as_str(), body["pay_status"].as_str(), body["amount"].as_str(), body["rem_mny"].as_str());
    assert_eq!(seen, (Some("0000"), Some("canceled"), Some("10000"), Some("0")), "{body}");
    let (_, body) = send("POST", &format!("{base}/std/inquery"), &[], inquery("no-such-tno")).await;
    assert_eq!(body["res_cd"].as_str(), Some("8101"), "unknown tno: {body}");

    let (_, body) = send("POST", &format!("{base}/gw/enc/v1/payment"), &[], pay("o1", &tok1, &cert)).await;
    assert_ne!(body["res_cd"].as_str(), Some("0000"), "a second approval of one enc_data: {body}");
    let (_, body) = send("POST", &format!("{base}/gw/enc/v1/payment"), &[], pay("o1", "tok2", &cert)).await;
    assert_eq!(body["res_cd"].as_str(), Some("8101"), "enc_data no customer got: {body}");
    let (_, body) = send("POST", &format!("{base}/gw/enc/v1/payment"), &[], pay("o2", "tok3", "not-the-cert")).await;
    assert_eq!(body["res_cd"].as_str(), Some("8001"), "wrong certificate: {body}");
}
