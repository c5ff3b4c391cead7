//! The one rule for writing down anything that might carry a credential (history, evidence,
//! reports, the terminal): a known secret is masked wherever it appears, and so is whatever a
//! body holds under a secret-shaped name (`*secret*`, `*password*`, `*token*`, `*signature*`,
//! `authorization`, `cookie`, `*api_key`, KCP's `kcp_cert_info`...), whatever its value, in
//! JSON, form and XML bodies: a platform's own key, which paydrill never saw, is masked too.

/// What a masked value is written as.
pub const MASK: &str = "***";

/// `text` with `secret` (when not empty) and every secret-shaped field's value masked.
pub fn redact(text: &str, secret: &str) -> String {
    let known = if secret.is_empty() { text.to_string() } else { text.replace(secret, MASK) };
    redact_by_shape(&known)
}

/// Whether a field or header named `name` holds a credential.
pub fn secret_shaped(name: &str) -> bool {
    const SHAPES: [&str; 14] = [
        "secret",
        "password",
        "passwd",
        "token",
        "authorization",
        "cookie",
        "signature",
        "cert_info",
        "certinfo",
        "signkey",
        "sign_key",
        "private_key",
        "api_key",
        "apikey",
    ];
    // Every body key passes through here: compare in place, case- and dash-insensitively.
    let folded = |b: u8| if b == b'-' { b'_' } else { b.to_ascii_lowercase() };
    let holds = |shape: &str| {
        let (n, s) = (name.as_bytes(), shape.as_bytes());
        n.len() >= s.len() && n.windows(s.len()).any(|w| w.iter().zip(s).all(|(a, b)| folded(*a) == *b))
    };
    !holds("idempotency") && SHAPES.iter().any(|s| holds(s))
}

/// Masks the values of secret-shaped fields in a JSON, XML or form body; other text is kept.
pub fn redact_by_shape(text: &str) -> String {
    match text.trim_start().chars().next() {
        Some('{' | '[') => json_masked(text),
        Some('<') => xml_masked(text),
        Some(_) if text.contains('=') && !text.contains(char::is_whitespace) => form_masked(text),
        _ => text.to_string(),
    }
}

/// JSON: a string value right after a secret-shaped key is masked (the text is not re-encoded,
/// so the evidence keeps its order and spacing).
fn json_masked(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut mask_next = false;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            // Between a secret-shaped key and its value stand only `:` and spaces.
            let next = text[i..].find('"').map_or(text.len(), |n| i + n);
            out.push_str(&text[i..next]);
            if text[i..next].bytes().any(|b| !b.is_ascii_whitespace() && b != b':') {
                mask_next = false;
            }
            i = next;
            continue;
        }
        let end = string_end(bytes, i);
        let literal = &text[i..end];
        let after = text[end..].trim_start();
        if mask_next {
            out.push('"');
            out.push_str(MASK);
            out.push('"');
            mask_next = false;
        } else {
            out.push_str(literal);
            if after.starts_with(':') && secret_shaped(literal.trim_matches('"')) {
                mask_next = after[1..].trim_start().starts_with('"');
            }
        }
        i = end;
    }
    out
}

/// The index just past the JSON string literal opening at `start`.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// `a=1&secret=x` → `a=1&secret=***`.
fn form_masked(text: &str) -> String {
    text.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if secret_shaped(name) => format!("{name}={MASK}"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `<ns:clientSecret>x</ns:clientSecret>` → `<ns:clientSecret>***</ns:clientSecret>`.
fn xml_masked(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>').map(|c| open + c) else { break };
        let tag = &rest[open + 1..close];
        out.push_str(&rest[..=close]);
        rest = &rest[close + 1..];
        let name = tag.split_whitespace().next().unwrap_or("");
        let local = name.rsplit(':').next().unwrap_or(name);
        if !tag.starts_with('/') && !tag.ends_with('/') && secret_shaped(local) {
            if let Some(end) = rest.find('<') {
                if rest[end..].starts_with(&format!("</{name}")) && end > 0 {
                    out.push_str(MASK);
                    rest = &rest[end..];
                }
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_secret_is_masked_wherever_it_is() {
        assert_eq!(redact("Basic sk_1 and sk_1", "sk_1"), "Basic *** and ***");
    }

    #[test]
    fn secret_shaped_fields_are_masked_whatever_their_value() {
        let json = r#"{"imp_key":"k","imp_secret":"PLANTED1","response":{"access_token" : "PLANTED2"},"n":1}"#;
        assert_eq!(
            redact(json, "other"),
            r#"{"imp_key":"k","imp_secret":"***","response":{"access_token" : "***"},"n":1}"#
        );
        assert_eq!(redact("site_cd=T0&kcp_cert_info=PLANTED3&amount=10", ""), "site_cd=T0&kcp_cert_info=***&amount=10");
        assert_eq!(
            redact("<a:clientSecret>PLANTED4</a:clientSecret><a:amount>5</a:amount>", ""),
            "<a:clientSecret>***</a:clientSecret><a:amount>5</a:amount>"
        );
    }

    #[test]
    fn ids_and_keys_that_are_evidence_stay() {
        let json = r#"{"paymentKey":"pk_1","orderId":"o1","Idempotency-Key":"k1","secretless":false,"x":"token"}"#;
        assert_eq!(redact(json, ""), json);
        assert_eq!(redact("not a body: token=", ""), "not a body: token=");
    }
}
