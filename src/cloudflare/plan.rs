//! Plans: what a command will do (or did) to each resource, and the fields that change.

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Unchanged,
    Delete,
    /// Differs, but the API says it cannot be changed here (a zone setting locked by the plan).
    NotEditable,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Unchanged => "unchanged",
            Action::Delete => "delete",
            Action::NotEditable => "not editable",
        }
    }
}

/// One resource of a plan.
#[derive(Debug, Clone, Serialize)]
pub struct PlanItem {
    pub resource: String,
    pub name: String,
    pub action: Action,
    /// `field: old -> new` for updates, `field: value` for creates.
    pub changes: Vec<String>,
}

impl PlanItem {
    pub fn new(
        resource: &str,
        name: impl Into<String>,
        action: Action,
        changes: Vec<String>,
    ) -> Self {
        PlanItem {
            resource: resource.to_string(),
            name: name.into(),
            action,
            changes,
        }
    }

    /// Whether applying the plan writes this item.
    pub fn is_write(&self) -> bool {
        !matches!(self.action, Action::Unchanged | Action::NotEditable)
    }

    /// Whether what is deployed differs from what is wanted (written or not).
    pub fn is_drift(&self) -> bool {
        self.action != Action::Unchanged
    }
}

impl crate::output::Row for PlanItem {
    fn columns() -> &'static [&'static str] {
        &["resource", "name", "action", "changes"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.resource.clone(),
            self.name.clone(),
            self.action.name().to_string(),
            self.changes.join("\n"),
        ]
    }
}

/// Compact one-line rendering of a JSON value for change lists.
pub fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "(none)".into(),
        other => other.to_string(),
    }
}

/// The leaf-level differences between `old` and `new`, as `path: old -> new`.
/// Only keys present in `new` are compared: fields the API adds are not drift.
pub fn diff(prefix: &str, old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff_into(prefix, old, new, &mut out);
    out
}

fn diff_into(prefix: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            for (k, nv) in n {
                let ov = o.get(k).unwrap_or(&Value::Null);
                diff_into(&join(k), ov, nv, out);
            }
        }
        (Value::Array(o), Value::Array(n)) if o.len() == n.len() => {
            for (i, (ov, nv)) in o.iter().zip(n).enumerate() {
                diff_into(&format!("{prefix}[{i}]"), ov, nv, out);
            }
        }
        _ => {
            if old != new {
                let name = if prefix.is_empty() { "value" } else { prefix };
                out.push(format!("{name}: {} -> {}", show(old), show(new)));
            }
        }
    }
}

/// `field: value` lines for a resource about to be created.
pub fn fields(v: &Value) -> Vec<String> {
    match v {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}: {}", show(v)))
            .collect(),
        other => vec![show(other)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_reports_changed_leaves_and_ignores_extra_fields() {
        let old = json!({"a": 1, "b": {"c": "x", "extra": true}, "l": [1, 2]});
        let new = json!({"a": 1, "b": {"c": "y"}, "l": [1, 3]});
        assert_eq!(diff("", &old, &new), vec!["b.c: x -> y", "l[1]: 2 -> 3"]);
        assert!(diff("", &old, &json!({"a": 1})).is_empty());
        assert_eq!(
            diff("ingress", &json!([1]), &json!([1, 2])),
            vec!["ingress: [1] -> [1,2]"]
        );
    }
}
