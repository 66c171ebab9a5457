//! Input of `taskdb task …` that only the command line has: `--max-size`, `--meta`/`--meta-json`,
//! and the field flags parsed into values. The values themselves are checked where the MCP
//! server checks them too: `crate::db::tasks` (`NewTask::check`, `parse_status`, …).

use anyhow::Result;
use serde_json::{Map, Value};

use super::FieldArgs;
use crate::db::tasks::{parse_priority, TaskRef};
use crate::exit::usage;

/// `--max-size`: a size of at least one byte.
pub(super) fn parse_max_size(text: &str) -> std::result::Result<u64, String> {
    let bytes = crate::units::parse_bytes(text)?;
    if !(1.0..=u64::MAX as f64).contains(&bytes) {
        return Err(format!("{text:?} is not a positive size"));
    }
    Ok(bytes as u64)
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

/// Field values parsed from their flags, ready to bind (then checked with the rest of the task by
/// `NewTask::check` / `TaskChanges::check`).
#[derive(Debug, Default)]
pub(super) struct Fields {
    pub(super) priority: Option<i16>,
    pub(super) meta: Option<Map<String, Value>>,
    pub(super) parent: Option<TaskRef>,
}

pub(super) fn parse_fields(f: &FieldArgs) -> Result<Fields> {
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
    use serde_json::json;

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
}
