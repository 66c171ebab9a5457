//! Reading a tasks.json: the strict JSON reader's document into [`TmFile`], with every quirk
//! of real files accepted and anything else refused with one line naming where.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::*;

/// Read a tasks.json from its bytes.
/// Keys of a task or subtask object that taskdb maps to columns; every other key is kept
/// verbatim in `metadata.taskmaster.extra`.
pub(super) const KNOWN_KEYS: &[&str] = &[
    "id",
    "title",
    "description",
    "details",
    "testStrategy",
    "status",
    "dependencies",
    "priority",
    "subtasks",
];

pub fn parse(bytes: &[u8]) -> Result<TmFile, ParseError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return err("the file is empty, not a Task Master tasks.json");
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            return err(format!(
                "the file is not UTF-8 text (invalid byte at offset {})",
                e.valid_up_to()
            ))
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.bytes().all(|b| b.is_ascii_whitespace()) {
        return err("the file holds only a byte order mark, not a Task Master tasks.json");
    }
    // Duplicate keys, lone surrogates and deep nesting are refused here, naming them.
    let doc = strict_json::parse(text).map_err(|e| ParseError(e.to_string()))?;
    parse_document(doc.value, &doc.spellings)
}

/// Parse an already-decoded JSON document.
pub fn parse_value(root: Value) -> Result<TmFile, ParseError> {
    parse_document(root, &Spellings::default())
}

/// Parse a decoded document; `spellings` quote big integers as written in messages.
fn parse_document(root: Value, spellings: &Spellings) -> Result<TmFile, ParseError> {
    let Value::Object(mut root) = root else {
        return err("not a Task Master tasks.json: the top level is not a JSON object");
    };
    if let Some(tasks) = root.get("tasks") {
        if !tasks.is_array() {
            return err("not a Task Master tasks.json: \"tasks\" is not an array");
        }
        // Legacy shape: {"tasks": […], "metadata"?: …, plus extras such as "meta"}.
        let tasks = root.remove("tasks").unwrap_or(Value::Null);
        let metadata = root.remove("metadata");
        let tag = parse_tag("master", tasks, metadata, spellings)?;
        return Ok(TmFile {
            shape: Shape::Legacy,
            tags: vec![tag],
            extras: root,
        });
    }
    let mut tags = Vec::new();
    let mut extras = Map::new();
    for (name, value) in root {
        match value {
            Value::Object(mut obj) if obj.get("tasks").is_some_and(Value::is_array) => {
                if let Some(bad) = obj.keys().find(|k| *k != "tasks" && *k != "metadata") {
                    return err(format!(
                        "tag {name:?}: unexpected key {bad:?} next to \"tasks\" and \"metadata\""
                    ));
                }
                let tasks = obj.remove("tasks").unwrap_or(Value::Null);
                let metadata = obj.remove("metadata");
                tags.push(parse_tag(&name, tasks, metadata, spellings)?);
            }
            other => {
                extras.insert(name, other);
            }
        }
    }
    if tags.is_empty() {
        return err(
            "not a Task Master tasks.json: no \"tasks\" array at the top level and no tag object \
             holding one (a VS Code tasks.json or another tool's file?)",
        );
    }
    Ok(TmFile {
        shape: Shape::Tagged,
        tags,
        extras,
    })
}

/// A subtask id written with its parent's id in front, `"42-1"` or `"42.1"` (seen in
/// Task Master's own repository): the subtask number is the last part.
fn prefixed_sub_id(v: &Value, parent: u64) -> Option<u64> {
    let s = v.as_str()?.trim();
    let (p, sub) = s.split_once(['-', '.'])?;
    (p.parse::<u64>().ok()? == parent).then(|| sub.parse().ok())?
}

/// The number of an id kept in `metadata.taskmaster.id` (plain, or `"P-S"` for subtasks).
pub(super) fn stored_id(v: &Value) -> Option<u64> {
    parse_id(v).or_else(|| {
        let s = v.as_str()?;
        s.rsplit_once(['-', '.'])?.1.parse().ok()
    })
}

/// An id: a non-negative integer or a string holding one.
fn parse_id(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn opt_string(
    obj: &Map<String, Value>,
    key: &str,
    what: &str,
) -> Result<Option<String>, ParseError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => err(format!(
            "{what}: \"{key}\" must be a string, got {}",
            ids::quoted(other)
        )),
    }
}

fn parse_task(
    value: Value,
    tag: &str,
    parent: Option<u64>,
    index: usize,
    spellings: &Spellings,
) -> Result<TmTask, ParseError> {
    let place = match parent {
        None => format!("tag {tag:?}, task #{}", index + 1),
        Some(p) => format!("tag {tag:?}, subtask #{} of task {p}", index + 1),
    };
    let Value::Object(mut obj) = value else {
        return err(format!(
            "not a Task Master tasks.json: {place} is not an object"
        ));
    };
    let raw_id = obj.get("id").cloned().ok_or_else(|| {
        ParseError(format!(
            "not a Task Master tasks.json: {place} has no \"id\" (a VS Code tasks.json or another tool's file?)"
        ))
    })?;
    let id = parse_id(&raw_id)
        .or_else(|| parent.and_then(|p| prefixed_sub_id(&raw_id, p)))
        .ok_or_else(|| ParseError(ids::refusal(&place, &raw_id, parent, spellings)))?;
    let what = match parent {
        None => format!("tag {tag:?}, task {id}"),
        Some(p) => format!("tag {tag:?}, subtask {p}.{id}"),
    };
    let title = match obj.get("title") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::String(_)) => return err(format!("{what}: the title is empty")),
        _ => {
            return err(format!(
                "not a Task Master tasks.json: {what} has no \"title\" string"
            ))
        }
    };
    let description = opt_string(&obj, "description", &what)?;
    let details = opt_string(&obj, "details", &what)?;
    let test_strategy = opt_string(&obj, "testStrategy", &what)?;
    check_status_and_dependencies(&obj, &what)?;
    let raw_status = obj.get("status").cloned();
    let raw_priority = obj.get("priority").cloned();
    let raw_dependencies = obj.get("dependencies").cloned();
    // Text fields written as `null` (not absent) are remembered so export writes `null` again.
    let null_fields: Vec<String> = ["description", "details", "testStrategy"]
        .iter()
        .filter(|k| obj.get(**k).is_some_and(Value::is_null))
        .map(|k| k.to_string())
        .collect();
    let has_subtasks_key = obj.contains_key("subtasks");
    let subtasks = parse_subtasks(obj.remove("subtasks"), tag, parent, id, &what, spellings)?;
    let extra: Map<String, Value> = obj
        .into_iter()
        .filter(|(k, _)| !KNOWN_KEYS.contains(&k.as_str()))
        .collect();
    Ok(TmTask {
        id,
        raw_id,
        title,
        description,
        details,
        test_strategy,
        raw_status,
        raw_priority,
        raw_dependencies,
        dependencies: Vec::new(),
        has_subtasks_key,
        null_fields,
        int_deps_are_tasks: false,
        subtasks,
        extra,
    })
}

/// `status` is a string (or null) and `dependencies` an array of numbers and strings.
fn check_status_and_dependencies(obj: &Map<String, Value>, what: &str) -> Result<(), ParseError> {
    if let Some(s) = obj.get("status") {
        if !s.is_string() && !s.is_null() {
            return err(format!(
                "{what}: \"status\" must be a string, got {}",
                ids::quoted(s)
            ));
        }
    }
    if let Some(deps) = obj.get("dependencies") {
        match deps {
            Value::Array(items) => {
                for d in items {
                    if !(d.is_number() || d.is_string()) {
                        return err(format!(
                            "{what}: dependency {} is neither a number nor a string",
                            ids::quoted(d)
                        ));
                    }
                }
            }
            Value::Null => {}
            other => {
                return err(format!(
                    "{what}: \"dependencies\" must be an array, got {}",
                    ids::quoted(other)
                ))
            }
        }
    }
    Ok(())
}

/// A task's `subtasks` (a subtask's must be empty: Task Master nests one level).
fn parse_subtasks(
    value: Option<Value>,
    tag: &str,
    parent: Option<u64>,
    id: u64,
    what: &str,
    spellings: &Spellings,
) -> Result<Vec<TmTask>, ParseError> {
    let mut subtasks = Vec::new();
    match value {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            if parent.is_some() {
                if !items.is_empty() {
                    return err(format!(
                        "{what}: subtasks of subtasks are not part of the Task Master format"
                    ));
                }
            } else {
                for (i, item) in items.into_iter().enumerate() {
                    subtasks.push(parse_task(item, tag, Some(id), i, spellings)?);
                }
            }
        }
        Some(other) => {
            return err(format!(
                "{what}: \"subtasks\" must be an array, got {}",
                ids::quoted(&other)
            ))
        }
    }
    Ok(subtasks)
}

fn parse_tag(
    name: &str,
    tasks: Value,
    metadata: Option<Value>,
    spellings: &Spellings,
) -> Result<TmTag, ParseError> {
    let Value::Array(items) = tasks else {
        return err(format!("tag {name:?}: \"tasks\" is not an array"));
    };
    let mut tasks = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        tasks.push(parse_task(item, name, None, i, spellings)?);
    }
    // Ids must be unique within the tag (and subtask ids within their parent).
    let mut seen = HashSet::new();
    for t in &tasks {
        if !seen.insert(t.id) {
            return err(format!("tag {name:?}: task id {} appears twice", t.id));
        }
        let mut sub_seen = HashSet::new();
        for s in &t.subtasks {
            if !sub_seen.insert(s.id) {
                return err(format!(
                    "tag {name:?}: subtask id {}.{} appears twice",
                    t.id, s.id
                ));
            }
        }
    }
    let index = RefIndex::of(&tasks);
    for t in &mut tasks {
        let raw = t.raw_dependencies.as_ref();
        t.dependencies = resolve_deps(name, None, t.id, raw, &index, false, spellings)?;
        let parent = t.id;
        let resolve_subs = |subs: &mut [TmTask], prefer_task: bool| -> Result<(), ParseError> {
            for s in subs {
                let raw = s.raw_dependencies.as_ref();
                s.dependencies = resolve_deps(
                    name,
                    Some(parent),
                    s.id,
                    raw,
                    &index,
                    prefer_task,
                    spellings,
                )?;
                s.int_deps_are_tasks = prefer_task;
            }
            Ok(())
        };
        resolve_subs(&mut t.subtasks, false)?;
        // Some files use plain ints in subtasks for top-level tasks (Task Master's own file:
        // subtasks 12.1 → [4], 12.4 → [1] mirror task 12's dependencies [1, 3, 4, 6]). Read
        // as siblings they form a cycle; then read this parent's ints as top-level tasks.
        if sibling_cycle(parent, &t.subtasks) {
            resolve_subs(&mut t.subtasks, true)?;
        }
    }
    Ok(TmTag {
        name: name.to_string(),
        metadata,
        tasks,
    })
}
