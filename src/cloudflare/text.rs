//! API text made safe to print: Cloudflare's error messages (and anything else the server
//! sends back) may echo the request's token and may carry terminal escape sequences.

/// `text` with every occurrence of `secret` replaced by `********` and control characters
/// shown as visible escapes (`\x1b`, `\n`, `\u{9b}`), so it is one inert line.
pub fn clean(text: &str, secret: &str) -> String {
    let masked = if secret.is_empty() {
        text.to_string()
    } else {
        text.replace(secret, "********")
    };
    escape_controls(&masked)
}

/// C0 controls, DEL, C1 controls and the bidirectional overrides (which reorder what follows
/// them on screen) as escapes; everything else as it is.
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0'..='\x1f' | '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_masked_and_controls_escaped() {
        assert_eq!(
            clean(
                "bad token tok123 \x1b]0;x\x07\x1b[2J\r\n\u{9b}1m\u{202e}",
                "tok123"
            ),
            "bad token ******** \\x1b]0;x\\x07\\x1b[2J\\r\\n\\u{9b}1m\\u{202e}"
        );
        assert_eq!(clean("plain – ünïcode", "tok"), "plain – ünïcode");
    }
}
