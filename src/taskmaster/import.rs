//! A parsed file flattened into rows for the database (tasks, edges, tags), with the raw forms
//! kept in `metadata.taskmaster` for a lossless export, and the file's own cycles refused.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::*;

/// The external key of a task or subtask.
pub fn external_key(tag: &str, r: Ref) -> String {
    format!("taskmaster:{tag}:{}", r.display())
}

/// One task (or subtask) to upsert.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRow {
    pub external_key: String,
    pub parent_key: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub details: Option<String>,
    pub test_strategy: Option<String>,
    pub status: &'static str,
    pub priority: i32,
    pub tags: Vec<String>,
    /// `{"taskmaster": {tag, id, status?, priority?, dependencies?, has_subtasks?, extra}}`.
    pub metadata: JsonText,
}

/// A JSON document kept as its serialized text. Import rows hold their metadata this way: as a
/// `Value` each row's two or three small maps took ~1.9 KB (a BTreeMap node is ~630 bytes
/// however few keys it holds), 190 MB of a 100,000-task import's peak; the text is ~150 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonText(pub String);

impl JsonText {
    pub fn new(v: &Value) -> Self {
        JsonText(v.to_string())
    }

    /// The document decoded again (it was encoded from a `Value`, so it always parses).
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }
}

/// Whether a JSON value holds U+0000 in any key or string (PostgreSQL jsonb cannot).
fn has_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// The refusal of a row whose text or metadata holds U+0000 (PostgreSQL text and jsonb cannot).
pub fn nul_refusal(key: &str) -> String {
    format!("{key}: the text contains a NUL character (\\u0000), which PostgreSQL cannot store")
}

/// The row's metadata as text, refusing what PostgreSQL cannot store.
fn metadata_text(key: &str, metadata: Value) -> Result<JsonText, ParseError> {
    if has_nul(&metadata) {
        return err(nul_refusal(key));
    }
    Ok(JsonText::new(&metadata))
}

/// One dependency edge, by external keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportDep {
    pub task_key: String,
    pub depends_on_key: String,
}

/// Tag-level data kept for export: the tag's metadata object and the file's extra keys.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportTag {
    pub name: String,
    pub metadata: Option<Value>,
}

#[derive(Debug, Clone, Default)]
pub struct ImportSet {
    /// Top-level tasks first (file order), then subtasks (file order), so parents exist
    /// before their children.
    pub rows: Vec<ImportRow>,
    pub deps: Vec<ImportDep>,
    pub tags: Vec<ImportTag>,
}

fn provenance(tag: &str, t: &mut TmTask, is_task: bool) -> Value {
    let mut tm = Map::new();
    tm.insert("tag".into(), Value::String(tag.into()));
    tm.insert("id".into(), t.raw_id.clone());
    if let Some(v) = &t.raw_status {
        tm.insert("status".into(), v.clone());
    }
    if let Some(v) = &t.raw_priority {
        tm.insert("priority".into(), v.clone());
    }
    if let Some(v) = &t.raw_dependencies {
        tm.insert("dependencies".into(), v.clone());
    }
    if is_task {
        tm.insert("has_subtasks".into(), Value::Bool(t.has_subtasks_key));
    }
    if !t.null_fields.is_empty() {
        tm.insert("nulls".into(), json!(t.null_fields));
    }
    if t.int_deps_are_tasks {
        tm.insert("int_deps".into(), json!("tasks"));
    }
    tm.insert("extra".into(), Value::Object(std::mem::take(&mut t.extra)));
    json!({ "taskmaster": tm })
}

/// Every tag asked for with `--tag` is in the file.
fn check_tags_exist(file: &TmFile, only: &[String]) -> Result<(), ParseError> {
    for want in only {
        if !file.tags.iter().any(|t| &t.name == want) {
            let names: Vec<&str> = file.tags.iter().map(|t| t.name.as_str()).collect();
            return err(format!(
                "tag {want:?} is not in the file (it has: {})",
                names.join(", ")
            ));
        }
    }
    Ok(())
}

/// Flatten the chosen tags of a file into rows (all tags when `only` is empty).
pub fn to_import_rows(file: TmFile, only: &[String]) -> Result<ImportSet, ParseError> {
    check_tags_exist(&file, only)?;
    // Consumes the file: the text moves into the rows instead of being copied (large files).
    let TmFile { tags, extras, .. } = file;
    let mut set = ImportSet::default();
    let mut subrows = Vec::new();
    for tag in tags
        .into_iter()
        .filter(|t| only.is_empty() || only.contains(&t.name))
    {
        let TmTag {
            name,
            metadata: tag_metadata,
            tasks,
        } = tag;
        for (i, mut t) in tasks.into_iter().enumerate() {
            let key = external_key(&name, Ref::Task(t.id));
            let priority = priority_to_db(t.raw_priority.as_ref()).unwrap_or(DEFAULT_PRIORITY);
            let mut metadata = provenance(&name, &mut t, true);
            // The tag's own metadata (and the file's extra top-level keys) ride on the tag's
            // first task, so that export can write them back.
            if i == 0 {
                if let Some(tm) = metadata
                    .get_mut("taskmaster")
                    .and_then(Value::as_object_mut)
                {
                    if let Some(m) = &tag_metadata {
                        tm.insert("tag_metadata".into(), m.clone());
                    }
                    if !extras.is_empty() {
                        tm.insert("file_extras".into(), Value::Object(extras.clone()));
                    }
                }
            }
            for d in &t.dependencies {
                set.deps.push(ImportDep {
                    task_key: key.clone(),
                    depends_on_key: external_key(&name, *d),
                });
            }
            let subtasks = std::mem::take(&mut t.subtasks);
            let parent_id = t.id;
            set.rows.push(ImportRow {
                external_key: key.clone(),
                parent_key: None,
                status: status_to_db(t.raw_status.as_ref()),
                title: t.title,
                description: t.description,
                details: t.details,
                test_strategy: t.test_strategy,
                priority,
                tags: vec![name.clone()],
                metadata: metadata_text(&key, metadata)?,
            });
            subtask_rows(
                &name,
                &key,
                parent_id,
                priority,
                subtasks,
                &mut set.deps,
                &mut subrows,
            )?;
        }
        set.tags.push(ImportTag {
            name,
            metadata: tag_metadata,
        });
    }
    set.rows.extend(subrows);
    if let Some(cycle) = find_cycle(&set.deps) {
        return err(format!(
            "dependency cycle in the file: {}",
            shorten_cycle(&cycle)
        ));
    }
    Ok(set)
}

/// The rows and edges of one task's subtasks (keyed under `key`; a subtask without a priority
/// has its parent's, as in Task Master).
fn subtask_rows(
    name: &str,
    key: &str,
    parent_id: u64,
    priority: i32,
    subtasks: Vec<TmTask>,
    deps: &mut Vec<ImportDep>,
    rows: &mut Vec<ImportRow>,
) -> Result<(), ParseError> {
    for mut s in subtasks {
        let skey = external_key(name, Ref::Sub(parent_id, s.id));
        for d in &s.dependencies {
            deps.push(ImportDep {
                task_key: skey.clone(),
                depends_on_key: external_key(name, *d),
            });
        }
        let metadata = metadata_text(&skey, provenance(name, &mut s, false))?;
        rows.push(ImportRow {
            external_key: skey,
            parent_key: Some(key.to_string()),
            status: status_to_db(s.raw_status.as_ref()),
            // Task Master: a subtask without a priority has its parent's.
            priority: priority_to_db(s.raw_priority.as_ref()).unwrap_or(priority),
            title: s.title,
            description: s.description,
            details: s.details,
            test_strategy: s.test_strategy,
            tags: vec![name.to_string()],
            metadata,
        });
    }
    Ok(())
}

/// A cycle for an error line: whole up to 25 ids, else its first 16 and last 7 (the closing id
/// among them) with the count between, as the database's TD001 message shortens it.
fn shorten_cycle(cycle: &[String]) -> String {
    if cycle.len() <= 25 {
        return cycle.join(" → ");
    }
    let head = cycle[..16].join(" → ");
    let tail = cycle[cycle.len() - 7..].join(" → ");
    format!("{head} → ... ({} more) ... → {tail}", cycle.len() - 23)
}

/// A dependency cycle among the edges, as the external keys' ids (`3 → 5 → 3`), if any.
pub(super) fn find_cycle(deps: &[ImportDep]) -> Option<Vec<String>> {
    let mut graph: HashMap<&str, Vec<&str>> = HashMap::new();
    for d in deps {
        graph
            .entry(&d.task_key)
            .or_default()
            .push(&d.depends_on_key);
    }
    // Iterative DFS with colours: 1 = on the stack, 2 = done.
    let mut colour: HashMap<&str, u8> = HashMap::new();
    let mut starts: Vec<&str> = graph.keys().copied().collect();
    starts.sort_unstable();
    for start in starts {
        if colour.contains_key(start) {
            continue;
        }
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        colour.insert(start, 1);
        while let Some((node, i)) = stack.last().copied() {
            let next = graph.get(node).and_then(|v| v.get(i)).copied();
            match next {
                Some(n) => {
                    if let Some(top) = stack.last_mut() {
                        top.1 += 1;
                    }
                    match colour.get(n) {
                        Some(1) => {
                            let pos = stack.iter().position(|(k, _)| *k == n).unwrap_or(0);
                            let short = |k: &str| k.rsplit(':').next().unwrap_or(k).to_string();
                            let mut cycle: Vec<String> =
                                stack[pos..].iter().map(|(k, _)| short(k)).collect();
                            cycle.push(short(n));
                            return Some(cycle);
                        }
                        Some(_) => {}
                        None => {
                            colour.insert(n, 1);
                            stack.push((n, 0));
                        }
                    }
                }
                None => {
                    colour.insert(node, 2);
                    stack.pop();
                }
            }
        }
    }
    None
}
