//! Why a Task Master id (or a dependency naming one) is refused, in words naming the problem.
//!
//! What is accepted is decided in `taskmaster.rs` (a non-negative integer that fits a `u64`, as
//! a number or a string, and for subtasks `"P-S"`/`"P.S"` with P the parent); this only
//! explains a refusal: a negative id, one too large, a fraction, a string that is no number.

use serde_json::Value;

use super::strict_json::Spellings;

/// The largest id (ids are kept as `u64`).
pub const MAX_ID: u64 = u64::MAX;

/// What is wrong with a value that is not an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Negative,
    TooLarge,
    /// A number with a fractional part, or a string such as `"1.5"`.
    Fractional,
    /// A whole number written with a decimal point or an exponent (`1.0`, `1e3`).
    NotInteger,
    Empty,
    /// Text that is no number, or a value of another type.
    NotANumber,
}

/// `raw` as it is shown in a message: JSON, with a big integer as it was written, cut after 60
/// characters (an id may be a huge string, array or object).
pub fn shown(raw: &Value, spellings: &Spellings) -> String {
    let text = match raw {
        Value::Number(n) => spellings
            .of(n)
            .map_or_else(|| n.to_string(), str::to_string),
        other => return quoted(other),
    };
    cut_at_60(text)
}

/// A JSON value for an error line: its text up to 60 characters, then `…`. Serialises only
/// what it shows, so a value of many megabytes costs nothing and never floods the line.
pub fn quoted(value: &Value) -> String {
    /// Keeps the first bytes written and refuses the rest, which stops serde_json early.
    struct Prefix(Vec<u8>);
    impl std::io::Write for Prefix {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            // 60 characters are at most 240 bytes of UTF-8; one more shows there was more.
            let room = 244usize.saturating_sub(self.0.len());
            if room == 0 {
                return Err(std::io::Error::other("enough"));
            }
            let n = room.min(buf.len());
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut prefix = Prefix(Vec::new());
    let _ = serde_json::to_writer(&mut prefix, value);
    cut_at_60(String::from_utf8_lossy(&prefix.0).into_owned())
}

fn cut_at_60(text: String) -> String {
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// The problem of a value that is not an id; `None` for one that is (`3`, `"3"`, `" +3 "`).
pub fn problem(raw: &Value) -> Option<Problem> {
    match raw {
        Value::Number(n) if n.is_f64() => n.as_f64().map(|f| {
            if f.is_sign_negative() {
                Problem::Negative
            } else if f >= 18_446_744_073_709_551_616.0 {
                Problem::TooLarge
            } else if f.fract() != 0.0 {
                Problem::Fractional
            } else {
                Problem::NotInteger
            }
        }),
        Value::Number(n) => n.as_u64().is_none().then_some(Problem::Negative),
        Value::String(s) => text_problem(s.trim()),
        _ => Some(Problem::NotANumber),
    }
}

/// The problem of an id written as text (trimmed), as `u64::from_str` reads it.
fn text_problem(s: &str) -> Option<Problem> {
    if s.parse::<u64>().is_ok() {
        return None;
    }
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let decimal = |t: &str| {
        digits(t)
            || t.split_once('.')
                .is_some_and(|(a, b)| digits(a) && digits(b))
    };
    let unsigned = s.strip_prefix('+').unwrap_or(s);
    Some(if s.is_empty() {
        Problem::Empty
    } else if s.strip_prefix('-').is_some_and(decimal) {
        Problem::Negative
    } else if digits(unsigned) {
        // Digits that do not fit a u64.
        Problem::TooLarge
    } else if decimal(unsigned) {
        Problem::Fractional
    } else {
        Problem::NotANumber
    })
}

/// The words after the value: `is negative`, `is too large (max …)`, ….
pub fn words(problem: Problem) -> String {
    match problem {
        Problem::Negative => "is negative".into(),
        Problem::TooLarge => format!("is too large (max {MAX_ID})"),
        Problem::Fractional => "is not a whole number".into(),
        Problem::NotInteger => {
            "is not written as a whole number (no decimal point or exponent)".into()
        }
        Problem::Empty => "is empty".into(),
        Problem::NotANumber => "is not a number".into(),
    }
}

/// The refusal of a task's or subtask's id. `place` says which object it is (`tag "master",
/// task #4`); `parent` is the parent's id for a subtask.
pub fn refusal(place: &str, raw: &Value, parent: Option<u64>, spellings: &Spellings) -> String {
    let what = shown(raw, spellings);
    if let (Some(p), Some(s)) = (parent, raw.as_str()) {
        // "P-S" / "P.S" whose P is another task's id.
        if let Some((prefix, sub)) = s.trim().split_once(['-', '.']) {
            let number = |t: &str| t.parse::<u64>().ok();
            if let (Some(other), Some(_)) = (number(prefix), number(sub)) {
                if other != p {
                    return format!(
                        "{place}: id {what} names task {other}, but the subtask belongs to task {p}"
                    );
                }
            }
        }
    }
    match problem(raw) {
        // Another tool's file (`"task-1"`, a UUID) rather than a Task Master file with a bad id.
        None | Some(Problem::NotANumber) => {
            format!("not a Task Master tasks.json: {place} has id {what}, not a number")
        }
        Some(p) => format!("{place}: id {what} {}", words(p)),
    }
}

/// The refusal of a dependency that names no id at all (`dependency -3 is negative`).
pub fn dependency_refusal(raw: &Value, spellings: &Spellings) -> String {
    let what = shown(raw, spellings);
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    // `"P.S"` names a subtask: two numbers, so digits on both sides that failed are too many.
    let problem = match raw.as_str().and_then(|s| s.trim().split_once('.')) {
        Some((p, s)) if digits(p) && digits(s) => Some(Problem::TooLarge),
        _ => problem(raw),
    };
    match problem {
        None | Some(Problem::NotANumber) => format!("dependency {what} is not an id"),
        Some(p) => format!("dependency {what} {}", words(p)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;
    use crate::taskmaster::strict_json;

    fn why(text: &str) -> String {
        let doc = strict_json::parse(text).unwrap();
        refusal("task #1", &doc.value, None, &doc.spellings)
    }

    #[test]
    fn each_problem_has_its_own_words() {
        let max = u64::MAX;
        for (text, expected) in [
            ("-3", "task #1: id -3 is negative".to_string()),
            ("-3.5", "task #1: id -3.5 is negative".into()),
            ("\"-3\"", "task #1: id \"-3\" is negative".into()),
            (
                "99999999999999999999",
                format!("task #1: id 99999999999999999999 is too large (max {max})"),
            ),
            (
                "18446744073709551616",
                format!("task #1: id 18446744073709551616 is too large (max {max})"),
            ),
            (
                "\" 99999999999999999999 \"",
                format!("task #1: id \" 99999999999999999999 \" is too large (max {max})"),
            ),
            ("1e30", format!("task #1: id 1e30 is too large (max {max})")),
            ("1.5", "task #1: id 1.5 is not a whole number".into()),
            (
                "\"1.5\"",
                "task #1: id \"1.5\" is not a whole number".into(),
            ),
            (
                "2.0",
                "task #1: id 2.0 is not written as a whole number (no decimal point or exponent)"
                    .into(),
            ),
            ("\"\"", "task #1: id \"\" is empty".into()),
            (
                "\"task-1\"",
                "not a Task Master tasks.json: task #1 has id \"task-1\", not a number".into(),
            ),
            (
                "true",
                "not a Task Master tasks.json: task #1 has id true, not a number".into(),
            ),
            (
                "null",
                "not a Task Master tasks.json: task #1 has id null, not a number".into(),
            ),
        ] {
            assert_eq!(why(text), expected, "{text}");
        }
    }

    #[test]
    fn a_subtask_prefixed_with_another_task_is_named() {
        let none = Spellings::default();
        assert_eq!(
            refusal("subtask #1 of task 42", &json!("3-1"), Some(42), &none),
            "subtask #1 of task 42: id \"3-1\" names task 3, but the subtask belongs to task 42"
        );
        assert_eq!(
            refusal("subtask #1 of task 42", &json!("42-x"), Some(42), &none),
            "not a Task Master tasks.json: subtask #1 of task 42 has id \"42-x\", not a number"
        );
    }

    #[test]
    fn dependencies_and_long_strings() {
        let doc =
            strict_json::parse("[-3, 99999999999999999999, \"x\", \"1.99999999999999999999\"]")
                .unwrap();
        let items = doc.value.as_array().unwrap();
        let said: Vec<String> = items
            .iter()
            .map(|d| dependency_refusal(d, &doc.spellings))
            .collect();
        assert_eq!(
            said,
            vec![
                "dependency -3 is negative".to_string(),
                format!("dependency 99999999999999999999 is too large (max {MAX_ID})"),
                "dependency \"x\" is not an id".into(),
                format!("dependency \"1.99999999999999999999\" is too large (max {MAX_ID})"),
            ]
        );
        for long in [json!("z".repeat(10_000)), json!([vec![1; 10_000]])] {
            let message = refusal("task #1", &long, None, &Spellings::default());
            assert!(message.len() < 200, "{message}");
            assert!(message.contains("…, not a number"), "{message}");
        }
    }
}
