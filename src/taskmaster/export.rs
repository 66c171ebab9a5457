//! Database rows back into the tagged tasks.json format, writing back what was read.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{json, Map, Value};

use super::*;

/// A task as read back from the database for export.
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub key: uuid::Uuid,
    pub parent: Option<uuid::Uuid>,
    pub short_id: i64,
    pub title: String,
    pub description: Option<String>,
    pub details: Option<String>,
    pub test_strategy: Option<String>,
    pub status: String,
    pub priority: i32,
    pub metadata: Value,
    /// Tasks this one depends on (blocking edges only).
    pub depends_on: Vec<uuid::Uuid>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl ExportRow {
    fn tm(&self) -> Option<&Map<String, Value>> {
        self.metadata.get("taskmaster").and_then(Value::as_object)
    }

    /// The Task Master tag this task belongs to: the one it was imported from, else `master`.
    pub fn tag(&self) -> String {
        self.tm()
            .and_then(|m| m.get("tag"))
            .and_then(Value::as_str)
            .unwrap_or("master")
            .to_string()
    }

    fn imported_id(&self) -> Option<u64> {
        self.tm().and_then(|m| m.get("id")).and_then(stored_id)
    }
}

/// What export produced besides the document: things people should know.
#[derive(Debug, Default)]
pub struct ExportReport {
    pub tasks: usize,
    pub subtasks: usize,
    pub warnings: Vec<String>,
}

/// Build the tagged document from database rows. `tag_meta` holds stored tag metadata (from a
/// previous import); tags without it get JS-layer-style metadata.
pub fn export(
    rows: &[ExportRow],
    tag_meta: &HashMap<String, Value>,
    only: &[String],
) -> (Value, ExportReport) {
    let mut report = ExportReport::default();
    let by_key: HashMap<uuid::Uuid, &ExportRow> = rows.iter().map(|r| (r.key, r)).collect();
    // Top-level tasks are the rows without a parent (or whose parent is not exported).
    let mut tags: BTreeMap<String, Vec<&ExportRow>> = BTreeMap::new();
    let mut children: Children<'_> = HashMap::new();
    let mut sorted: Vec<&ExportRow> = rows.iter().collect();
    sorted.sort_by_key(|r| r.short_id);
    for r in &sorted {
        match r.parent.filter(|p| by_key.contains_key(p)) {
            Some(p) => children.entry(p).or_default().push(r),
            None => tags.entry(r.tag()).or_default().push(r),
        }
    }
    let mut doc = Map::new();
    for (tag, tops) in &tags {
        if !only.is_empty() && !only.contains(tag) {
            continue;
        }
        let refs = assign_ids(tops, &children, &mut report);
        let index = RefIndex::from_refs(refs.values().copied());
        let tasks = tag_tasks(tops, &children, &refs, &index, &mut report);
        let metadata = tag_meta
            .get(tag)
            .cloned()
            .unwrap_or_else(|| default_tag_metadata(tag, tops));
        let mut tag_obj = Map::new();
        tag_obj.insert("tasks".into(), Value::Array(tasks));
        if !metadata.is_null() {
            tag_obj.insert("metadata".into(), metadata);
        }
        doc.insert(tag.clone(), Value::Object(tag_obj));
    }
    (Value::Object(doc), report)
}

type Children<'a> = HashMap<uuid::Uuid, Vec<&'a ExportRow>>;

/// Task Master ids for one tag's tasks and their subtasks: imported rows keep theirs, others
/// get max+1 (Task Master's rule), per tag and per parent.
fn assign_ids(
    tops: &[&ExportRow],
    children: &Children<'_>,
    report: &mut ExportReport,
) -> HashMap<uuid::Uuid, Ref> {
    let mut refs: HashMap<uuid::Uuid, Ref> = HashMap::new();
    for (key, id) in number(tops) {
        refs.insert(key, Ref::Task(id));
    }
    for t in tops {
        let Some(Ref::Task(pid)) = refs.get(&t.key).copied() else {
            continue;
        };
        let subs = children.get(&t.key).map(Vec::as_slice).unwrap_or(&[]);
        for (key, id) in number(subs) {
            refs.insert(key, Ref::Sub(pid, id));
        }
        for s in subs {
            if children.contains_key(&s.key) {
                report.warnings.push(format!(
                    "task #{} is nested deeper than Task Master's one level of subtasks; its children are not exported",
                    s.short_id
                ));
            }
        }
    }
    refs
}

/// Number sibling rows: an imported id is kept (the first time it is seen), the others get
/// max+1, max+2, … in order.
fn number(rows: &[&ExportRow]) -> Vec<(uuid::Uuid, u64)> {
    let mut used: HashSet<u64> = HashSet::new();
    let mut numbered = Vec::new();
    let mut pending = Vec::new();
    for r in rows {
        match r.imported_id().filter(|id| !used.contains(id)) {
            Some(id) => {
                used.insert(id);
                numbered.push((r.key, id));
            }
            None => pending.push(r),
        }
    }
    let first = used.iter().max().map_or(1, |m| m + 1);
    numbered.extend((first..).zip(pending).map(|(id, r)| (r.key, id)));
    numbered
}

/// One tag's task objects, each with its subtasks.
fn tag_tasks(
    tops: &[&ExportRow],
    children: &Children<'_>,
    refs: &HashMap<uuid::Uuid, Ref>,
    index: &RefIndex,
    report: &mut ExportReport,
) -> Vec<Value> {
    let mut tasks = Vec::new();
    for t in tops {
        let Some(Ref::Task(pid)) = refs.get(&t.key).copied() else {
            continue;
        };
        let subs = children.get(&t.key).map(Vec::as_slice).unwrap_or(&[]);
        let mut obj = task_object(t, None, t.priority, refs, index, report);
        if !subs.is_empty()
            || t.tm()
                .is_none_or(|m| m.get("has_subtasks") != Some(&Value::Bool(false)))
        {
            let sub_objs: Vec<Value> = subs
                .iter()
                .map(|s| Value::Object(task_object(s, Some(pid), t.priority, refs, index, report)))
                .collect();
            report.subtasks += sub_objs.len();
            obj.insert("subtasks".into(), Value::Array(sub_objs));
        }
        report.tasks += 1;
        tasks.push(Value::Object(obj));
    }
    tasks
}

/// Metadata for a tag that has none stored: Task Master's JS layer's shape.
fn default_tag_metadata(tag: &str, tops: &[&ExportRow]) -> Value {
    let created = tops.iter().map(|t| t.created_at).min();
    let updated = tops.iter().map(|t| t.updated_at).max();
    let iso = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    };
    json!({
        "created": iso(created),
        "updated": iso(updated),
        "description": format!("Tasks for {tag} context"),
    })
}

/// A task's `dependencies`: the raw list when it still resolves to the current edges, else the
/// current edges spelled as the file spells ids; None leaves the key out (an imported task
/// that had none and has none).
fn dependencies_value(
    t: &ExportRow,
    parent: Option<u64>,
    refs: &HashMap<uuid::Uuid, Ref>,
    index: &RefIndex,
    report: &mut ExportReport,
) -> Option<Value> {
    let tm = t.tm();
    let raw = |k: &str| tm.and_then(|m| m.get(k));
    let imported = tm.is_some();
    let mut current: Vec<Ref> = Vec::new();
    for d in &t.depends_on {
        match refs.get(d) {
            Some(r) => current.push(*r),
            None => report.warnings.push(format!(
                "task #{}: a dependency on a task outside the exported tag was left out",
                t.short_id
            )),
        }
    }
    let current_set: HashSet<Ref> = current.iter().copied().collect();
    let raw_deps = raw("dependencies");
    let prefer_task = raw("int_deps").and_then(Value::as_str) == Some("tasks");
    let raw_set: Option<HashSet<Ref>> = raw_deps.and_then(Value::as_array).and_then(|items| {
        items
            .iter()
            .map(|d| resolve_dep(d, parent, index, prefer_task).ok())
            .collect::<Option<HashSet<Ref>>>()
    });
    match (raw_deps, raw_set) {
        (Some(r), Some(set)) if set == current_set => Some(r.clone()),
        (None, _) if imported && current.is_empty() => None,
        _ => {
            let stringy = raw("id").is_some_and(Value::is_string);
            current.sort();
            let deps: Vec<Value> = current
                .iter()
                .map(|r| match (*r, parent) {
                    (Ref::Sub(p, s), Some(me)) if p == me => json!(s),
                    (Ref::Task(k), _) if stringy => json!(k.to_string()),
                    (Ref::Task(k), _) => json!(k),
                    (Ref::Sub(p, s), _) => json!(format!("{p}.{s}")),
                })
                .collect();
            Some(Value::Array(deps))
        }
    }
}

/// One task or subtask object, in Task Master's key order, extras last.
fn task_object(
    t: &ExportRow,
    parent: Option<u64>,
    parent_priority: i32,
    refs: &HashMap<uuid::Uuid, Ref>,
    index: &RefIndex,
    report: &mut ExportReport,
) -> Map<String, Value> {
    let tm = t.tm();
    let raw = |k: &str| tm.and_then(|m| m.get(k));
    let imported = tm.is_some();
    let my_ref = refs.get(&t.key).copied();
    let mut obj = Map::new();
    let id_value = match (my_ref, raw("id")) {
        (Some(Ref::Task(id)) | Some(Ref::Sub(_, id)), Some(raw)) if stored_id(raw) == Some(id) => {
            raw.clone()
        }
        (Some(Ref::Task(id)) | Some(Ref::Sub(_, id)), _) => json!(id),
        (None, _) => json!(null),
    };
    obj.insert("id".into(), id_value);
    obj.insert("title".into(), json!(t.title));
    for (key, value) in [
        ("description", &t.description),
        ("details", &t.details),
        ("testStrategy", &t.test_strategy),
    ] {
        match value {
            Some(v) => {
                obj.insert(key.into(), json!(v));
            }
            // Native tasks get Task Master's usual empty strings; imported ones keep absence
            // (or an explicit null).
            None if !imported && (parent.is_none() || key != "testStrategy") => {
                obj.insert(key.into(), json!(""));
            }
            None if raw("nulls")
                .and_then(Value::as_array)
                .is_some_and(|n| n.iter().any(|v| v == key)) =>
            {
                obj.insert(key.into(), Value::Null);
            }
            None => {}
        }
    }
    // Status: the raw spelling when it still means the current status.
    match raw("status") {
        Some(r) if status_to_db(Some(r)) == t.status => {
            obj.insert("status".into(), r.clone());
        }
        None if imported && t.status == "pending" => {}
        _ => {
            obj.insert("status".into(), json!(status_from_db(&t.status)));
        }
    }
    if let Some(deps) = dependencies_value(t, parent, refs, index, report) {
        obj.insert("dependencies".into(), deps);
    }
    // Priority: the raw value when it still means the current one; a subtask without one
    // inherits its parent's.
    match raw("priority") {
        Some(r) if priority_to_db(Some(r)) == Some(t.priority) => {
            obj.insert("priority".into(), r.clone());
        }
        None if imported && parent.is_some() && t.priority == parent_priority => {}
        None if imported && parent.is_none() && t.priority == DEFAULT_PRIORITY => {}
        None if !imported && parent.is_some() && t.priority == parent_priority => {}
        _ => {
            obj.insert("priority".into(), json!(priority_from_db(t.priority)));
        }
    }
    if let Some(Value::Object(extra)) = raw("extra") {
        for (k, v) in extra {
            obj.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    obj
}

/// Tag metadata kept at import time (on the first task of each tag).
pub fn tag_metadata(rows: &[ExportRow]) -> HashMap<String, Value> {
    let mut out = HashMap::new();
    for r in rows {
        if let Some(m) = r.metadata.pointer("/taskmaster/tag_metadata") {
            out.entry(r.tag()).or_insert_with(|| m.clone());
        }
    }
    out
}
