//! Dependency references as files spell them (`3`, `"3"`, `"3.1"`, a sibling's bare
//! number) resolved to tasks and subtasks of one tag.

use std::collections::HashSet;

use serde_json::Value;

use super::*;

/// The ids that exist in one tag, to resolve dependency references.
#[derive(Debug, Default)]
pub struct RefIndex {
    refs: HashSet<Ref>,
}

impl RefIndex {
    pub fn of(tasks: &[TmTask]) -> RefIndex {
        let mut refs = HashSet::new();
        for t in tasks {
            refs.insert(Ref::Task(t.id));
            for s in &t.subtasks {
                refs.insert(Ref::Sub(t.id, s.id));
            }
        }
        RefIndex { refs }
    }

    pub fn from_refs(refs: impl IntoIterator<Item = Ref>) -> RefIndex {
        RefIndex {
            refs: refs.into_iter().collect(),
        }
    }

    pub fn contains(&self, r: Ref) -> bool {
        self.refs.contains(&r)
    }
}

/// Resolve one raw dependency. For a subtask of P, an int (or undotted string) `k` means the
/// sibling `P.k` — Task Master's reading — and, when no such sibling exists but a top-level
/// task `k` does, that task (real files use ints that way too). A dotted `"X.Y"` is subtask
/// `Y` of task `X`. For a top-level task, `k` is task `k`.
///
/// With `prefer_task`, a subtask's `k` means top-level task `k` when it exists.
pub fn resolve_dep(
    raw: &Value,
    parent: Option<u64>,
    index: &RefIndex,
    prefer_task: bool,
) -> Result<Ref, String> {
    resolve_spelled_dep(raw, parent, index, prefer_task, &Spellings::default())
}

/// [`resolve_dep`], quoting big integers as written when refusing.
fn resolve_spelled_dep(
    raw: &Value,
    parent: Option<u64>,
    index: &RefIndex,
    prefer_task: bool,
    spellings: &Spellings,
) -> Result<Ref, String> {
    let text = match raw {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        other => {
            return Err(format!(
                "dependency {other} is neither a number nor a string"
            ))
        }
    };
    let candidate = if let Some((p, s)) = text.split_once('.') {
        match (p.parse(), s.parse()) {
            (Ok(p), Ok(s)) => Ref::Sub(p, s),
            _ => return Err(ids::dependency_refusal(raw, spellings)),
        }
    } else {
        let k: u64 = text
            .parse()
            .map_err(|_| ids::dependency_refusal(raw, spellings))?;
        let task_exists = index.contains(Ref::Task(k));
        match parent {
            Some(p) if prefer_task && !task_exists => Ref::Sub(p, k),
            Some(p) if !prefer_task && (index.contains(Ref::Sub(p, k)) || !task_exists) => {
                Ref::Sub(p, k)
            }
            _ => Ref::Task(k),
        }
    };
    if index.contains(candidate) {
        Ok(candidate)
    } else {
        Err(format!(
            "dependency {raw} points at {}, which does not exist",
            candidate.display()
        ))
    }
}

/// Whether the subtasks of `parent` depend on each other in a cycle.
pub(super) fn sibling_cycle(parent: u64, subtasks: &[TmTask]) -> bool {
    let deps: Vec<ImportDep> = subtasks
        .iter()
        .flat_map(|s| {
            s.dependencies.iter().filter_map(move |d| match d {
                Ref::Sub(p, x) if *p == parent => Some(ImportDep {
                    task_key: s.id.to_string(),
                    depends_on_key: x.to_string(),
                }),
                _ => None,
            })
        })
        .collect();
    find_cycle(&deps).is_some()
}

pub(super) fn resolve_deps(
    tag: &str,
    parent: Option<u64>,
    id: u64,
    raw: Option<&Value>,
    index: &RefIndex,
    prefer_task: bool,
    spellings: &Spellings,
) -> Result<Vec<Ref>, ParseError> {
    let me = match parent {
        Some(p) => Ref::Sub(p, id),
        None => Ref::Task(id),
    };
    let mut out = Vec::new();
    // A set beside the list: one task may name tens of thousands of dependencies.
    let mut seen = HashSet::new();
    for d in raw.and_then(Value::as_array).into_iter().flatten() {
        let r = resolve_spelled_dep(d, parent, index, prefer_task, spellings)
            .map_err(|e| ParseError(format!("tag {tag:?}, task {}: {e}", me.display())))?;
        if r == me {
            return err(format!(
                "tag {tag:?}, task {} depends on itself",
                me.display()
            ));
        }
        if seen.insert(r) {
            out.push(r);
        }
    }
    Ok(out)
}
