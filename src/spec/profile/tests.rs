//! The profile format: forms tried in order, error pointers, rules, environment credentials, and
//! mistakes named with their line.

use super::*;

const FOREIGN: &str = r#"
name = "foreign"
pgs = ["toss"]

[extract]
order_id = "/data/no"
payment_id = "/data/payment_no"
status = "/data/state"
balance = ["/data/left", "/error/left"]
error_code = "/error/code"

[statuses]
OPEN = "CREATED"
PAID = "APPROVED"

[[rules]]
status = 200
pointer = "/error/code"
means = "refused"

[ops.create_order]
method = "POST"
path = "/purchases"
headers = { "X-Token" = "{idempotency_key}", "Authorization" = "Bearer {env:SHOP_TOKEN}" }
body = { total = "{amount}" }

[ops.approve]
method = "POST"
path = "/purchases/{order_id}/pay"
body = { key = "{pg_payment_key}", amount = "{amount}" }

[[ops.inquire]]
method = "GET"
path = "/payments/{payment_id}"

[[ops.inquire]]
method = "GET"
path = "/purchases/{order_id}"
extract = { balance = [] }
"#;

fn foreign() -> Profile {
    Profile::parse_with_env(Path::new("f.toml"), FOREIGN, |n| (n == "SHOP_TOKEN").then(|| "tok-123".into())).unwrap()
}

#[test]
fn reference_profile_fills_templates() {
    let p = Profile::reference();
    let vars = Vars { order_id: Some("ord_1"), amount: Some(3000), idempotency_key: Some("k"), ..Vars::default() };
    let form = p.form_for(Op::PartialCancel, &vars).unwrap();
    assert_eq!(vars.fill(&form.path), "/orders/ord_1/cancel");
    assert_eq!(vars.fill_json(form.body.as_ref().unwrap()), serde_json::json!({ "amount": 3000 }));
    assert_eq!(p.canonical_status("APPROVED"), "APPROVED");
    assert!(!p.mints_orders());
}

#[test]
fn the_first_form_whose_variables_are_known_wins() {
    let p = foreign();
    let by_order = Vars { order_id: Some("P-1"), ..Vars::default() };
    assert_eq!(p.form_for(Op::Inquire, &by_order).unwrap().path, "/purchases/{order_id}");
    let both = Vars { payment_id: Some("PAY-1"), ..by_order.clone() };
    assert_eq!(p.form_for(Op::Inquire, &both).unwrap().path, "/payments/{payment_id}");
    // The order read cannot show a balance; the payment read inherits the profile's pointers.
    assert!(p.forms(Op::Inquire)[1].extract.balance.is_empty());
    assert_eq!(p.forms(Op::Inquire)[0].extract.balance.list.len(), 2);
    assert!(p.uses(Op::Approve, "pg_payment_key"));
    assert!(!p.supports(Op::Cancel), "no cancel route: a scenario with one is not supported");
    assert_eq!(p.pgs, Some(vec![PgName::Toss]));
}

#[test]
fn credentials_come_from_the_environment_and_are_masked() {
    let p = foreign();
    assert_eq!(p.env.get("SHOP_TOKEN").map(String::as_str), Some("tok-123"));
    assert_eq!(p.redact("Bearer tok-123 and tok-123"), "Bearer *** and ***");
    let e = Profile::parse_with_env(Path::new("f.toml"), FOREIGN, |_| None).unwrap_err();
    assert!(e.message.contains("SHOP_TOKEN is not set"), "{e}");
    assert_eq!(e.line, Some(24), "{e}");
}

#[test]
fn rules_and_defaults_classify_answers() {
    let p = foreign();
    let declined = serde_json::json!({ "error": { "code": "GATEWAY_DECLINED" } });
    assert_eq!(p.classify(200, Some(&declined), None), Means::Refused);
    assert_eq!(p.classify(200, Some(&serde_json::json!({ "data": {} })), Some("APPROVED")), Means::Accepted);
    assert_eq!(p.classify(200, None, Some("UNKNOWN")), Means::Unknown);
    assert_eq!(p.classify(409, None, None), Means::Refused);
    assert_eq!(p.classify(504, None, None), Means::Unknown);
}

#[test]
fn mistakes_are_named_with_their_line() {
    let bad = REFERENCE.replace("/orders/{order_id}/approve", "/orders/{orderid}/approve");
    let e = Profile::parse(Path::new("p.toml"), &bad).unwrap_err();
    assert!(e.message.contains("unknown variable {orderid}"), "{e}");
    assert!(e.line.is_some());
    let bad = FOREIGN.replace("order_id = \"/data/no\"", "order_id = \"data/no\"");
    let e = Profile::parse_with_env(Path::new("f.toml"), &bad, |_| Some("x".into())).unwrap_err();
    assert!(e.message.contains("must start with `/`"), "{e}");
    assert_eq!(e.line, Some(6), "{e}");
    let bad = FOREIGN.replace("\"X-Token\"", "\"X Token:\"");
    let e = Profile::parse_with_env(Path::new("f.toml"), &bad, |_| Some("x".into())).unwrap_err();
    assert!(e.message.contains("not an HTTP token"), "{e}");
    let bad = FOREIGN.replace("pgs = [\"toss\"]", "pgs = [\"paypal\"]");
    let e = Profile::parse_with_env(Path::new("f.toml"), &bad, |_| Some("x".into())).unwrap_err();
    assert!(e.message.contains("unknown PG `paypal`"), "{e}");
}

#[test]
fn a_settlement_export_section_maps_columns_and_its_mistakes_name_their_line() {
    let reference = Profile::reference();
    let export = reference.settlement_export.as_ref().expect("the reference profile maps its export");
    assert_eq!(
        (export.transaction_id.as_deref(), export.types.get("FULL_CANCEL")),
        (Some("pg_transaction_id"), Some(&Movement::Cancel))
    );
    let with = |section: &str| {
        let text = format!("{FOREIGN}\n{section}");
        Profile::parse_with_env(Path::new("p.toml"), &text, |_| Some("t".into()))
    };
    let wrong_word = with("[settlement_export]\ndate = \"d\"\npg = \"pg\"\norder_id = \"o\"\namount = \"a\"\ntype = \"t\"\n[settlement_export.types]\nPAID = \"refund\"\n");
    let e = wrong_word.unwrap_err();
    assert!(e.to_string().contains("settlement_export.types.PAID = `refund`: say `approval` or `cancel`"), "{e}");
    assert_eq!(e.line, Some(FOREIGN.lines().count() + 9), "{e}");
    let unsigned = with("[settlement_export]\ndate = \"d\"\npg = \"pg\"\norder_id = \"o\"\namount = \"a\"\namount_sign = \"positive\"\n");
    assert!(unsigned.unwrap_err().to_string().contains("with amount_sign = \"positive\""));
    assert!(with("[settlement_export]\ndate = \"d\"\n").is_err(), "the columns it needs are required");
}
