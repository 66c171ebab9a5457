//! Task Master's own `next` algorithm, kept as the reference the SQL choice is tested against.

use std::collections::HashSet;

use serde_json::Value;

use super::*;

fn tm_priority_rank(raw: Option<&Value>) -> u8 {
    match raw.and_then(Value::as_str) {
        Some("critical") => 4,
        Some("high") => 3,
        Some("low") => 1,
        _ => 2,
    }
}

/// Sort keys of `next`: priority (desc), dependency count, parent id, subtask id.
type SubKey = (std::cmp::Reverse<u8>, usize, u64, u64);
/// Sort keys of `next` for top-level tasks: priority (desc), dependency count, id.
type TaskKey = (std::cmp::Reverse<u8>, usize, u64);

/// Task Master's `next` for one tag, as tm-core `TaskService.getNextTask` does it (see
/// reference notes §1.3). Returns `"7"` or `"7.2"`.
// Kept line for line beside tm-core's code it mirrors (test-only reference).
#[allow(clippy::too_many_lines)]
pub fn next_task(tag: &TmTag) -> Option<String> {
    let dep_str = |d: &Value, parent: Option<u64>| -> String {
        let s = match d {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match parent {
            Some(p) if !s.contains('.') => format!("{p}.{s}"),
            _ => s,
        }
    };
    let raw_deps = |t: &TmTask| -> Vec<Value> {
        t.raw_dependencies
            .as_ref()
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let mut completed: HashSet<String> = HashSet::new();
    for t in &tag.tasks {
        if t.status_str() == Some("done") {
            completed.insert(t.id.to_string());
        }
        for s in &t.subtasks {
            if s.status_str() == Some("done") {
                completed.insert(format!("{}.{}", t.id, s.id));
            }
        }
    }
    // Phase 1: subtasks of in-progress parents.
    let mut best: Option<(SubKey, String)> = None;
    for t in tag
        .tasks
        .iter()
        .filter(|t| t.status_str() == Some("in-progress"))
    {
        for s in &t.subtasks {
            let st = s.status_str().unwrap_or("pending");
            if st != "pending" && st != "in-progress" {
                continue;
            }
            let deps = raw_deps(s);
            if !deps
                .iter()
                .all(|d| completed.contains(&dep_str(d, Some(t.id))))
            {
                continue;
            }
            let prio = if s.raw_priority.is_some() {
                tm_priority_rank(s.raw_priority.as_ref())
            } else {
                tm_priority_rank(t.raw_priority.as_ref())
            };
            let key = (std::cmp::Reverse(prio), deps.len(), t.id, s.id);
            if best.as_ref().is_none_or(|(k, _)| key < *k) {
                best = Some((key, format!("{}.{}", t.id, s.id)));
            }
        }
    }
    if let Some((_, id)) = best {
        return Some(id);
    }
    // Phase 2: top-level tasks.
    let mut best: Option<(TaskKey, String)> = None;
    for t in &tag.tasks {
        let st = t.status_str();
        if st != Some("pending") && st != Some("in-progress") {
            continue;
        }
        let deps = raw_deps(t);
        if !deps.iter().all(|d| completed.contains(&dep_str(d, None))) {
            continue;
        }
        let key = (
            std::cmp::Reverse(tm_priority_rank(t.raw_priority.as_ref())),
            deps.len(),
            t.id,
        );
        if best.as_ref().is_none_or(|(k, _)| key < *k) {
            best = Some((key, t.id.to_string()));
        }
    }
    best.map(|(_, id)| id)
}
