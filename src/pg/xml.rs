//! A tiny XML reader and writer, enough for the SOAP envelopes paydrill writes and reads (Naver
//! Pay 주문형): the text of an element by its local name, whether an element closes, and the
//! five predefined entities. Not a general XML parser.

/// The name without its namespace prefix (`mall:ProductOrderID` → `ProductOrderID`).
pub fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

/// The raw content (not unescaped) of the first `<tag>` or `<prefix:tag>` element; `""` for an
/// empty `<tag/>`; `None` when there is none or it is not closed. Nested elements of the same
/// name are not supported (SOAP answers here have none).
pub fn inner<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(found) = xml[from..].find('<') {
        let start = from + found + 1;
        from = start;
        let rest = &xml[start..];
        let name_end = rest.find(|c: char| c.is_whitespace() || c == '>' || c == '/').unwrap_or(rest.len());
        let name = &rest[..name_end];
        if name.is_empty() || name.starts_with(['?', '!']) || local(name) != tag {
            continue;
        }
        let open_end = start + rest.find('>')?;
        if xml[..open_end].ends_with('/') {
            return Some("");
        }
        let content = open_end + 1;
        let close = format!("</{name}>");
        let len = xml[content..].find(&close)?;
        return Some(&xml[content..content + len]);
    }
    None
}

/// The text of the first `<tag>` or `<prefix:tag>` element, trimmed and XML-unescaped.
pub fn element(xml: &str, tag: &str) -> Option<String> {
    inner(xml, tag).map(|text| unescape(text.trim()))
}

/// Whether `xml` closes a `tag` element (`</tag>` or `</prefix:tag>`): a cut-off answer does not.
pub fn closes(xml: &str, tag: &str) -> bool {
    xml.match_indices("</").any(|(at, _)| {
        let rest = &xml[at + 2..];
        rest.find('>').is_some_and(|end| local(rest[..end].trim()) == tag)
    })
}

const ENTITIES: [(&str, char); 5] = [("&amp;", '&'), ("&lt;", '<'), ("&gt;", '>'), ("&quot;", '"'), ("&apos;", '\'')];

/// Text with the five predefined XML entities resolved (others are left as they are).
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match ENTITIES.iter().find(|(entity, _)| rest.starts_with(*entity)) {
            Some((entity, ch)) => {
                out.push(*ch);
                rest = &rest[entity.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Text made safe for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_prefixed_elements_and_unescapes() {
        let xml = "<?xml version=\"1.0\"?><a:Root xmlns:a=\"x\"><a:ProductOrderIDList>1</a:ProductOrderIDList>\
                   <a:ProductOrderID> 2026 </a:ProductOrderID><Message>a &amp;lt; &lt;b&gt; &quot;c&apos;</Message>\
                   <a:Empty/></a:Root>";
        assert_eq!(element(xml, "ProductOrderID").as_deref(), Some("2026"));
        assert_eq!(element(xml, "ProductOrderIDList").as_deref(), Some("1"));
        assert_eq!(element(xml, "Message").as_deref(), Some("a &lt; <b> \"c'"));
        assert_eq!(element(xml, "Empty").as_deref(), Some(""));
        assert_eq!(element(xml, "Missing"), None);
        assert!(closes(xml, "Root"));
        assert!(!closes(&xml[..xml.len() / 2], "Root"));
        assert_eq!(unescape(&escape("<&>\"'")), "<&>\"'");
    }
}
