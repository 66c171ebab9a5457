//! Input validation for `taskdb task …`: ids, priorities, statuses, titles, metadata and the
//! other field flags are checked here before anything is written (bad input exits 2).

use anyhow::Result;
use serde_json::{Map, Value};

use super::FieldArgs;
use crate::db::tasks::{TaskRef, MAX_TITLE_CHARS, STATUSES};
use crate::exit::usage;
use crate::taskmaster;

/// `--max-size`: a size of at least one byte.
pub(super) fn parse_max_size(text: &str) -> std::result::Result<u64, String> {
    let bytes = crate::units::parse_bytes(text)?;
    if !(1.0..=u64::MAX as f64).contains(&bytes) {
        return Err(format!("{text:?} is not a positive size"));
    }
    Ok(bytes as u64)
}

/// `0`–`10` or a Task Master priority name.
pub fn parse_priority(text: &str) -> Result<i16> {
    let t = text.trim().to_ascii_lowercase();
    if let Some((_, v)) = taskmaster::PRIORITY_NAMES.iter().find(|(n, _)| *n == t) {
        return Ok(*v as i16);
    }
    match t.parse::<i16>() {
        Ok(v) if (0..=10).contains(&v) => Ok(v),
        _ => Err(usage(format!(
            "invalid priority {text:?}: use 0-10 or low, medium, high, critical"
        ))),
    }
}

/// A status, with Task Master's spellings accepted.
pub fn parse_status(text: &str) -> Result<&'static str> {
    let t = text.trim().to_ascii_lowercase().replace('-', "_");
    let t = match t.as_str() {
        "done" => "completed",
        "canceled" => "cancelled",
        other => other,
    };
    STATUSES.iter().copied().find(|s| *s == t).ok_or_else(|| {
        usage(format!(
            "unknown status {text:?}: use one of {} (or done, in-progress)",
            STATUSES.join(", ")
        ))
    })
}

pub(super) fn check_title(title: &str) -> Result<()> {
    if title.trim().is_empty() {
        return Err(usage("the title is empty"));
    }
    let n = title.chars().count();
    if n > MAX_TITLE_CHARS {
        return Err(usage(format!(
            "the title is {n} characters long; at most {MAX_TITLE_CHARS} (put long text in --description or --details)"
        )));
    }
    if title.contains('\0') {
        return Err(usage("the title contains a NUL character"));
    }
    refuse_line_breaks("the title", title)
}

/// A one-line value (a title, a step name) with a line break would break every one-line
/// listing it appears in; refuse it (exit 2) and say where longer text goes.
pub(crate) fn refuse_line_breaks(what: &str, text: &str) -> Result<()> {
    let breaks = |c: char| {
        matches!(
            c,
            '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}'
        )
    };
    if text.contains(breaks) {
        return Err(usage(format!(
            "{what} contains a line break; it must be one line (put longer text in --description or --details)"
        )));
    }
    Ok(())
}

fn check_text(name: &str, value: &Option<String>) -> Result<()> {
    if value.as_deref().is_some_and(|v| v.contains('\0')) {
        return Err(usage(format!("--{name} contains a NUL character")));
    }
    Ok(())
}

/// `--meta k=v…` and `--meta-json` as one object (None when neither was given).
fn parse_meta(pairs: &[String], json_text: Option<&str>) -> Result<Option<Map<String, Value>>> {
    let mut map = Map::new();
    let mut any = false;
    if let Some(text) = json_text {
        any = true;
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(obj)) => map.extend(obj),
            Ok(other) => {
                return Err(usage(format!(
                    "--meta-json must be a JSON object, got {}",
                    json_kind(&other)
                )))
            }
            Err(e) => return Err(usage(format!("--meta-json is not valid JSON: {e}"))),
        }
    }
    for pair in pairs {
        any = true;
        let Some((k, v)) = pair.split_once('=') else {
            return Err(usage(format!(
                "--meta {pair:?} has no '=': use --meta key=value"
            )));
        };
        if k.trim().is_empty() {
            return Err(usage(format!("--meta {pair:?} has an empty key")));
        }
        map.insert(k.trim().to_string(), Value::String(v.to_string()));
    }
    Ok(any.then_some(map))
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Validated field values, ready to bind.
#[derive(Debug, Default)]
pub(super) struct Fields {
    pub(super) priority: Option<i16>,
    pub(super) meta: Option<Map<String, Value>>,
    pub(super) parent: Option<TaskRef>,
}

pub(super) fn validate_fields(f: &FieldArgs) -> Result<Fields> {
    for (name, v) in [
        ("description", &f.description),
        ("details", &f.details),
        ("test-strategy", &f.test_strategy),
        ("assign", &f.assign),
        ("repo", &f.repo),
        ("branch", &f.branch),
        ("linear", &f.linear),
    ] {
        check_text(name, v)?;
    }
    if let Some(t) = &f.task_type {
        let ok = t.len() <= 50
            && t.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && t.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            return Err(usage(format!(
                "invalid --type {t:?}: lower snake_case, e.g. feature, bug_fix, deployment"
            )));
        }
    }
    if let Some(c) = f.complexity {
        if !(1..=10).contains(&c) {
            return Err(usage(format!("invalid --complexity {c}: use 1-10")));
        }
    }
    if let Some(h) = f.estimate {
        if !(0.0..1_000_000.0).contains(&h) || !h.is_finite() {
            return Err(usage(format!(
                "invalid --estimate {h}: hours between 0 and 999999"
            )));
        }
    }
    for (name, v) in [("pr", f.pr), ("github", f.github)] {
        if v.is_some_and(|n| n <= 0) {
            return Err(usage(format!("--{name} must be a positive number")));
        }
    }
    for t in &f.tags {
        if t.trim().is_empty() || t.contains('\0') {
            return Err(usage(format!("invalid --tag {t:?}")));
        }
    }
    Ok(Fields {
        priority: f.priority.as_deref().map(parse_priority).transpose()?,
        meta: parse_meta(&f.meta, f.meta_json.as_deref())?,
        parent: f.parent.as_deref().map(TaskRef::parse).transpose()?,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::exit::{code_for, Exit};
    use serde_json::json;

    #[test]
    fn priorities() {
        assert_eq!(parse_priority("0").unwrap(), 0);
        assert_eq!(parse_priority("10").unwrap(), 10);
        assert_eq!(parse_priority("High").unwrap(), 8);
        for bad in ["11", "-1", "urgent", "", "5.5"] {
            assert_eq!(code_for(&parse_priority(bad).unwrap_err()), Exit::USAGE);
        }
    }

    #[test]
    fn statuses_and_aliases() {
        assert_eq!(parse_status("done").unwrap(), "completed");
        assert_eq!(parse_status("in-progress").unwrap(), "in_progress");
        assert_eq!(parse_status("IN_PROGRESS").unwrap(), "in_progress");
        let e = parse_status("finished").unwrap_err();
        assert!(e.to_string().contains("unknown status"));
    }

    #[test]
    fn meta_flags() {
        assert!(parse_meta(&[], None).unwrap().is_none());
        let m = parse_meta(&["a=1".into(), "b=x=y".into()], Some(r#"{"c":[1]}"#))
            .unwrap()
            .unwrap();
        assert_eq!(m["a"], json!("1"));
        assert_eq!(m["b"], json!("x=y"));
        assert_eq!(m["c"], json!([1]));
        assert!(parse_meta(&["novalue".into()], None)
            .unwrap_err()
            .to_string()
            .contains("no '='"));
        assert!(parse_meta(&[], Some("[1]"))
            .unwrap_err()
            .to_string()
            .contains("JSON object"));
        assert!(parse_meta(&[], Some("{"))
            .unwrap_err()
            .to_string()
            .contains("not valid JSON"));
    }

    #[test]
    fn titles() {
        assert!(check_title("ok").is_ok());
        assert!(check_title("  ").is_err());
        assert!(check_title(&"x".repeat(501)).is_err());
        assert!(check_title(&"é".repeat(500)).is_ok());
    }
}
