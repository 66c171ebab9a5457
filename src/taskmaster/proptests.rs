//! Property tests of the tasks.json reader: any bytes are answered without a panic, the strict
//! JSON reader builds exactly what serde_json builds (and refuses what it refuses), a duplicate
//! key put anywhere is refused with its name and position, and a generated Task Master file
//! comes back from import and export as it was.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{json, Map, Value};

use super::strict_json::{self, ErrorKind};
use super::*;

/// Pieces of JSON (and of Task Master files, and of broken ones) to build inputs from: random
/// bytes alone rarely get past the first character.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    " ",
    "\n",
    "\"tasks\"",
    "\"master\"",
    "\"id\"",
    "\"title\"",
    "\"dependencies\"",
    "\"subtasks\"",
    "\"status\"",
    "\"metadata\"",
    "\"x\"",
    "\"1.2\"",
    "\"-3\"",
    "\"2-1\"",
    "0",
    "1",
    "2",
    "-3",
    "1.5",
    "2.0",
    "1e400",
    "99999999999999999999",
    "-0",
    "01",
    "null",
    "true",
    "false",
    "\"\\ud800\"",
    "\"\\udc00x\"",
    "\"\\ud83d\\ude00\"",
    "\"\\u0000\"",
    "\"a\\\"b\"",
    "\"\\q\"",
    "\"",
    "\\",
    "\u{feff}",
    "\u{0}",
    "\u{1b}[2J",
    "é",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..60).prop_map(|t| t.concat())
}

/// Any JSON value, five levels at most.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// serde_json's own reading of `text`, or `None` when it refuses it.
fn serde_reading(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok()
}

/// JSON text of `v` with one member repeated in the `target`-th object (preorder): the key of
/// its `pick`-th member (or `"k"` in an empty object), again with `dup` as its value. Returns
/// the text, the repeated key and the byte offset of its second occurrence.
struct Dup<'a> {
    target: usize,
    pick: Index,
    dup: &'a Value,
    seen: usize,
    out: String,
    found: Option<(String, usize)>,
}

impl Dup<'_> {
    fn write(&mut self, v: &Value) {
        match v {
            Value::Array(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.write(item);
                }
                self.out.push(']');
            }
            Value::Object(map) => {
                let here = self.seen == self.target;
                self.seen += 1;
                self.out.push('{');
                let mut members: Vec<(&String, &Value)> = map.iter().collect();
                let empty_key = "k".to_string();
                if here && members.is_empty() {
                    members.push((&empty_key, &Value::Null));
                }
                let repeat = here.then(|| self.pick.index(members.len()));
                for (i, (k, item)) in members.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.member(k, item);
                    if repeat == Some(i) {
                        self.out.push(',');
                        self.found = Some(((*k).clone(), self.out.len()));
                        self.member(k, self.dup);
                    }
                }
                self.out.push('}');
            }
            other => self.out.push_str(&other.to_string()),
        }
    }

    fn member(&mut self, key: &str, v: &Value) {
        self.out
            .push_str(&Value::String(key.to_string()).to_string());
        self.out.push(':');
        self.write(v);
    }
}

fn count_objects(v: &Value) -> usize {
    match v {
        Value::Array(items) => items.iter().map(count_objects).sum(),
        Value::Object(map) => 1 + map.values().map(count_objects).sum::<usize>(),
        _ => 0,
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

// ---- generated Task Master files -------------------------------------------------------------

/// The fields of a task or subtask other than id, dependencies and subtasks.
fn task_fields() -> impl Strategy<Value = Map<String, Value>> {
    let status = prop::option::of(prop::sample::select(vec![
        json!("pending"),
        json!("done"),
        json!("in-progress"),
        json!("review"),
        json!("deferred"),
        json!("cancelled"),
        json!("blocked"),
        json!("completed"),
        json!("todo"),
        json!(null),
    ]));
    let priority = prop::option::of(prop::sample::select(vec![
        json!("low"),
        json!("medium"),
        json!("high"),
        json!("critical"),
        json!("urgent"),
        json!("whenever"),
        json!(3),
        json!(11),
    ]));
    // Absent, null, or a string (NUL-free: PostgreSQL cannot store it, the importer refuses it).
    let text = || prop::option::of(prop::option::of("[^\u{0}]{0,12}"));
    let extra_leaf = prop_oneof![
        Just(Value::Null),
        any::<i32>().prop_map(Value::from),
        "[^\u{0}]{0,8}".prop_map(Value::String),
    ];
    let extras = prop::collection::btree_map(
        "[a-zA-Z]{1,8}".prop_filter("unknown keys only", |k| {
            !parse::KNOWN_KEYS.contains(&k.as_str())
        }),
        prop_oneof![
            extra_leaf.clone(),
            prop::collection::vec(extra_leaf, 0..3).prop_map(Value::Array),
        ],
        0..3,
    );
    (
        ".{0,12}[a-z]",
        status,
        priority,
        (text(), text(), text()),
        extras,
    )
        .prop_map(|(title, status, priority, texts, extras)| {
            let mut m = Map::new();
            m.insert("title".into(), json!(title));
            if let Some(s) = status {
                m.insert("status".into(), s);
            }
            if let Some(p) = priority {
                m.insert("priority".into(), p);
            }
            for (key, text) in ["description", "details", "testStrategy"]
                .iter()
                .zip([texts.0, texts.1, texts.2])
            {
                if let Some(t) = text {
                    m.insert((*key).into(), t.map_or(Value::Null, Value::String));
                }
            }
            m.extend(extras);
            m
        })
}

/// Per subtask: fields, how its id is written (0 number, 1 string, 2 `"P-S"`), and picks of
/// earlier siblings to depend on (as a plain number, or as `"P.S"`).
type SubGen = (Map<String, Value>, u8, Vec<(Index, bool)>);
/// Per task: fields, id written as a string?, picks of earlier tasks (or one of their
/// subtasks) to depend on, and subtasks (absent, or a list).
type TaskGen = (
    Map<String, Value>,
    bool,
    Vec<(Index, bool, bool)>,
    Option<Vec<SubGen>>,
);

// A generator reads best as one declaration of the shape it generates.
#[allow(clippy::too_many_lines)]
fn tag_tasks() -> impl Strategy<Value = Value> {
    let sub = (
        task_fields(),
        0u8..3,
        prop::collection::vec((any::<Index>(), any::<bool>()), 0..3),
    );
    let task = (
        task_fields(),
        any::<bool>(),
        prop::collection::vec((any::<Index>(), any::<bool>(), any::<bool>()), 0..3),
        prop::option::of(prop::collection::vec(sub, 0..4)),
    );
    (
        prop::collection::btree_set(0u64..10_000, 1..6),
        prop::collection::vec(task, 6),
        any::<bool>(),
    )
        .prop_map(
            |(ids, tasks, shuffle): (BTreeSet<u64>, Vec<TaskGen>, bool)| {
                let mut ids: Vec<u64> = ids.into_iter().collect();
                if shuffle {
                    ids.reverse();
                }
                let mut out: Vec<Value> = Vec::new();
                // Each task's id and its subtasks' ids, to depend on earlier ones only (no cycles).
                let mut earlier: Vec<(u64, Vec<u64>)> = Vec::new();
                for (id, (fields, id_string, dep_picks, subs)) in ids.into_iter().zip(tasks) {
                    let mut t = fields;
                    t.insert(
                        "id".into(),
                        if id_string {
                            json!(id.to_string())
                        } else {
                            json!(id)
                        },
                    );
                    if !earlier.is_empty() || !dep_picks.is_empty() {
                        let deps: Vec<Value> = dep_picks
                            .iter()
                            .filter(|_| !earlier.is_empty())
                            .map(|(pick, as_string, sub)| {
                                let (tid, subs) = &earlier[pick.index(earlier.len())];
                                match (subs.first(), sub, as_string) {
                                    (Some(s), true, _) => json!(format!("{tid}.{s}")),
                                    (_, _, true) => json!(tid.to_string()),
                                    _ => json!(tid),
                                }
                            })
                            .collect();
                        t.insert("dependencies".into(), Value::Array(deps));
                    }
                    let mut sub_ids = Vec::new();
                    if let Some(subs) = subs {
                        let mut objs = Vec::new();
                        for (i, (fields, style, picks)) in subs.into_iter().enumerate() {
                            let sid = i as u64 + 1;
                            let mut s = fields;
                            s.insert(
                                "id".into(),
                                match style {
                                    0 => json!(sid),
                                    1 => json!(sid.to_string()),
                                    _ => json!(format!("{id}-{sid}")),
                                },
                            );
                            let deps: Vec<Value> = picks
                                .iter()
                                .filter(|_| !sub_ids.is_empty())
                                .map(|(pick, dotted)| {
                                    let d: &u64 = &sub_ids[pick.index(sub_ids.len())];
                                    if *dotted {
                                        json!(format!("{id}.{d}"))
                                    } else {
                                        json!(d)
                                    }
                                })
                                .collect();
                            s.insert("dependencies".into(), Value::Array(deps));
                            sub_ids.push(sid);
                            objs.push(Value::Object(s));
                        }
                        t.insert("subtasks".into(), Value::Array(objs));
                    }
                    earlier.push((id, sub_ids));
                    out.push(Value::Object(t));
                }
                Value::Array(out)
            },
        )
}

/// A tagged tasks.json with one to three tags, each with tasks and metadata.
fn tm_file() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(
        "[a-z][a-z0-9-]{0,8}".prop_filter("not the legacy key", |t| t != "tasks"),
        (tag_tasks(), "[a-zA-Z ]{0,10}"),
        1..4,
    )
    .prop_map(|tags: BTreeMap<String, (Value, String)>| {
        let mut doc = Map::new();
        for (name, (tasks, description)) in tags {
            doc.insert(
                name,
                json!({"tasks": tasks, "metadata": {"description": description}}),
            );
        }
        Value::Object(doc)
    })
}

/// Export after import, with the rows as the database would hold them and the tag metadata
/// found in them as `task export` finds it.
fn round_trip(file: TmFile) -> (ImportSet, Value) {
    let set = to_import_rows(file, &[]).unwrap();
    let rows = super::tests::db_rows(&set);
    let (doc, _) = export(&rows, &tag_metadata(&rows), &[]);
    (set, doc)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_get_an_answer_not_a_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(file) = parse(&bytes) {
            let _ = to_import_rows(file, &[]);
        }
    }

    #[test]
    fn token_soup_gets_an_answer_not_a_panic(text in token_soup()) {
        if let Ok(file) = parse(text.as_bytes()) {
            let _ = to_import_rows(file, &[]);
        }
    }

    /// Whatever the text, the strict reader agrees with serde_json, except that it also
    /// refuses duplicate keys (which serde_json accepts).
    #[test]
    fn the_strict_reader_agrees_with_serde_json(text in token_soup()) {
        match (strict_json::parse(&text), serde_reading(&text)) {
            (Ok(doc), Some(value)) => prop_assert_eq!(doc.value, value),
            (Ok(doc), None) => prop_assert!(false, "serde_json refuses what was read as {}", doc.value),
            (Err(e), Some(_)) => prop_assert_eq!(e.kind, ErrorKind::DuplicateKey, "{}", e),
            (Err(_), None) => {}
        }
    }

    #[test]
    fn any_value_is_read_back_as_serde_json_reads_it(v in json_value()) {
        for text in [v.to_string(), serde_json::to_string_pretty(&v).unwrap()] {
            let doc = strict_json::parse(&text).unwrap();
            prop_assert_eq!(&doc.value, &serde_reading(&text).unwrap());
        }
    }

    #[test]
    fn a_duplicate_key_anywhere_is_refused_by_name_and_position(
        v in json_value(),
        target in any::<Index>(),
        pick in any::<Index>(),
        dup in json_value(),
    ) {
        // Wrapped in an object, so that there is always at least one.
        let v = json!({"master": v});
        let mut w = Dup { target: target.index(count_objects(&v)), pick, dup: &dup, seen: 0, out: String::new(), found: None };
        w.write(&v);
        let (key, offset) = w.found.unwrap();
        // serde_json takes it (the last one wins) …
        prop_assert!(serde_reading(&w.out).is_some());
        // … the strict reader names it.
        let e = strict_json::parse(&w.out).unwrap_err();
        prop_assert_eq!(e.kind, ErrorKind::DuplicateKey);
        prop_assert_eq!((e.line, e.column), line_column(&w.out, offset));
        prop_assert!(e.to_string().starts_with(&format!("duplicate key {key:?} in ")), "{}", e);
        let message = parse(w.out.as_bytes()).unwrap_err().0;
        prop_assert!(message.starts_with("duplicate key "), "{}", message);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// parse → import rows → export gives the file back, and parsing that gives the same rows.
    #[test]
    fn generated_files_round_trip(doc in tm_file()) {
        let text = serde_json::to_string_pretty(&doc).unwrap();
        let (set, exported) = round_trip(parse(text.as_bytes()).unwrap());
        prop_assert_eq!(&exported, &doc);
        let again = to_import_rows(parse(exported.to_string().as_bytes()).unwrap(), &[]).unwrap();
        prop_assert_eq!(again.rows, set.rows);
        prop_assert_eq!(again.deps, set.deps);
    }
}
