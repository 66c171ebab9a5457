//! The strict reader against serde_json, and its refusals.

#![allow(clippy::unwrap_used)]
use super::*;

fn same_as_serde(text: &str) {
    let ours = parse(text).unwrap().value;
    let theirs: Value = serde_json::from_str(text).unwrap();
    assert_eq!(ours, theirs, "{text}");
}

fn refusal(text: &str) -> Error {
    parse(text).unwrap_err()
}

#[test]
fn builds_what_serde_json_builds() {
    for text in [
        "{}",
        "[]",
        " \t\r\n[1, -2, 3.5, -0, 0.0, 1e3, 1E-3, -1.5e+300, 18446744073709551615]",
        "[18446744073709551616, -9223372036854775808, -9223372036854775809, 99999999999999999999]",
        "[12345678901234567890123456789, 0.1, 1.7976931348623157e308, 5e-324, 123456789012345678]",
        r#"{"a":"x\"y\\z\/\b\f\n\r\t\u00e9\ud83d\ude00\u0000","b":[true,false,null],"c":{}}"#,
        r#""plain""#,
        "null",
        "\"caf\u{e9} \u{1F600} \u{7f}\"",
    ] {
        same_as_serde(text);
    }
}

#[test]
fn big_integers_remember_how_they_were_written() {
    let doc = parse("[99999999999999999999, -99999999999999999999, 1e20, 5, 2.5, 1E3]").unwrap();
    let items = doc.value.as_array().unwrap();
    let spelled: Vec<Option<&str>> = items
        .iter()
        .map(|v| doc.spellings.of(v.as_number().unwrap()))
        .collect();
    // 1e20 is the same float as the first literal, which was written first.
    assert_eq!(
        spelled,
        vec![
            Some("99999999999999999999"),
            Some("-99999999999999999999"),
            Some("99999999999999999999"),
            None,
            None,
            Some("1E3"),
        ]
    );
}

#[test]
fn duplicate_keys_are_named_with_their_object_and_position() {
    let e = refusal(
        "{\"master\": {\"tasks\": [\n  {\"id\": 1},\n  {\"id\": 2, \"status\": \"a\", \"status\": \"b\"}\n]}}",
    );
    assert_eq!(e.kind, ErrorKind::DuplicateKey);
    assert_eq!(
        e.to_string(),
        "duplicate key \"status\" in master.tasks[1] at line 3 column 28"
    );
    let e = refusal(r#"{"tasks": [], "tasks": []}"#);
    assert_eq!(
        e.to_string(),
        "duplicate key \"tasks\" in the top-level value at line 1 column 15"
    );
    let e = refusal(r#"{"a b": {"x": 1, "x": 2}}"#);
    assert_eq!(
        e.to_string(),
        "duplicate key \"x\" in [\"a b\"] at line 1 column 18"
    );
    // The same key in different objects is fine; escapes are compared decoded.
    same_as_serde(r#"[{"a":1},{"a":2},{"b":{"a":3}}]"#);
    let e = refusal(r#"{"\u0061": 1, "a": 2}"#);
    assert_eq!(e.kind, ErrorKind::DuplicateKey);
}

#[test]
fn lone_surrogates_are_named() {
    for (text, unit, column) in [
        (r#"["\ud800"]"#, "\\ud800", 3),
        (r#"["ab\udc00cd"]"#, "\\udc00", 5),
        (r#"["\ud800\u0041"]"#, "\\ud800", 3),
        (r#"["\uD83D\uD83D"]"#, "\\ud83d", 3),
        (r#"{"k\udfff": 1}"#, "\\udfff", 4),
    ] {
        let e = refusal(text);
        assert_eq!(e.kind, ErrorKind::LoneSurrogate, "{text}");
        assert_eq!(
            e.to_string(),
            format!("lone surrogate {unit} at line 1 column {column}"),
            "{text}"
        );
        // serde_json refuses them too, in other words.
        assert!(serde_json::from_str::<Value>(text).is_err());
    }
}

#[test]
fn nesting_is_capped_in_words() {
    let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert!(parse(&ok).is_ok());
    let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    let e = refusal(&deep);
    assert_eq!(e.kind, ErrorKind::TooDeep);
    assert_eq!(
        e.to_string(),
        format!(
            "arrays and objects nested deeper than {MAX_DEPTH} levels at line 1 column {}",
            MAX_DEPTH + 1
        )
    );
    // A million levels: refused at level 129, no stack overflow.
    let e = refusal(&"{\"a\":[".repeat(1_000_000));
    assert_eq!(e.kind, ErrorKind::TooDeep);
}

#[test]
fn syntax_errors_say_what_and_where() {
    for (text, message) in [
        (
            "",
            "expected a value, found the end of the file at line 1 column 1",
        ),
        (
            "{\"tasks\": [}",
            "expected a value, found `}` at line 1 column 12",
        ),
        (
            "{\"a\" 1}",
            "expected `:` after the key, found `1` at line 1 column 6",
        ),
        (
            "{a: 1}",
            "expected a key in double quotes, found `a` at line 1 column 2",
        ),
        (
            "[1 2]",
            "expected `,` or `]` after an array element, found `2` at line 1 column 4",
        ),
        (
            "{\"tasks\":[]}{\"tasks\":[]}",
            "`{` after the end of the document at line 1 column 13",
        ),
        (
            "[1]\n garbage",
            "`g` after the end of the document at line 2 column 2",
        ),
        (
            "[\"abc",
            "a string that is never closed starts at line 1 column 2",
        ),
        (
            "[\"a\u{0}b\"]",
            "control character U+0000 inside a string (write it as \\u0000) at line 1 column 4",
        ),
        ("[\"a\\x\"]", "invalid escape \\x at line 1 column 4"),
        (
            "[\"\\u12G4\"]",
            "invalid escape \\u12G4 (\\u takes four hex digits) at line 1 column 3",
        ),
        ("[01]", "01 is not a valid number at line 1 column 2"),
        ("[1e400]", "1e400 is out of range at line 1 column 2"),
        ("[-]", "- is not a valid number at line 1 column 2"),
        ("[tru]", "expected a value, found `t` at line 1 column 2"),
        (
            "\u{0}",
            "expected a value, found control character U+0000 at line 1 column 1",
        ),
        ("[1,]", "expected a value, found `]` at line 1 column 4"),
        ("é", "expected a value, found `é` at line 1 column 1"),
        (
            "\u{feff}{}",
            "expected a value, found invisible character U+FEFF at line 1 column 1",
        ),
        (
            "[1,\u{a0}2]",
            "expected a value, found invisible character U+00A0 at line 1 column 4",
        ),
    ] {
        let e = refusal(text);
        assert_eq!(e.kind, ErrorKind::Syntax, "{text:?}");
        assert_eq!(
            e.to_string(),
            format!("the file is not valid JSON: {message}"),
            "{text:?}"
        );
        assert!(serde_json::from_str::<Value>(text).is_err(), "{text:?}");
    }
}

#[test]
fn columns_count_characters_and_long_keys_are_cut() {
    let e = refusal("{\"é\": 1, \"é\": 2}");
    assert_eq!(e.column, 10);
    let key = "k".repeat(10_000);
    let e = refusal(&format!("{{\"{key}\": 1, \"{key}\": 2}}"));
    let shown = e.to_string();
    assert!(shown.len() < 200, "{shown}");
    assert!(shown.starts_with(&format!("duplicate key \"{}\"…", "k".repeat(60))));
}
