//! The layering ARCHITECTURE.md describes, checked on the source: a module may use modules of
//! its own layer or below, never above, and the top-level modules form no cycle. Reads `src/`
//! as text (every `crate::…` path outside comments), so it needs no build of anything else.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules by layer, lowest first. A new module must be placed here (and in
/// ARCHITECTURE.md) before the test passes.
const LAYERS: &[&[&str]] = &[
    &[
        "exit", "units", "options", "platform", "conninfo", "limits", "signals",
    ],
    &["settings", "output"],
    &["db", "health", "cloudflare", "taskmaster", "local", "bench"],
    &["commands", "context", "mcp"],
    &["cli", "lib", "main"],
];

/// The longest a source file may be (ARCHITECTURE.md: "no file past ~600 lines").
const MAX_FILE_LINES: usize = 650;

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn source_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            source_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// `src/db/spec.rs` → `db`; `src/lib.rs` → `lib`.
fn top_module(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The code of a file without `//` comments (doc links are not dependencies) and string
/// literals' contents are kept: no source string spells `crate::`.
fn code_of(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every top-level module a piece of code names: `crate::x::…`, `crate::{x, y::z}`, and in
/// `main.rs`, `taskdb::x`.
fn used_modules(code: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for prefix in ["crate::", "taskdb::"] {
        let mut rest = code;
        while let Some(i) = rest.find(prefix) {
            let before = rest[..i].chars().last();
            rest = &rest[i + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                // The first name of each top-level item of the group.
                let mut depth = 0;
                let mut item_start = true;
                let mut name = String::new();
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => item_start = true,
                        c if depth == 0 && item_start && (c.is_alphanumeric() || c == '_') => {
                            name.push(c)
                        }
                        _ if depth == 0 && item_start && !name.is_empty() => {
                            used.insert(std::mem::take(&mut name));
                            item_start = false;
                        }
                        _ => {}
                    }
                }
                if !name.is_empty() {
                    used.insert(name);
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                used.insert(name);
            }
        }
    }
    used.retain(|n| n.chars().next().is_some_and(|c| c.is_lowercase()));
    used
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// (from module, to module) → the files that make the arrow.
fn module_graph() -> BTreeMap<(String, String), Vec<String>> {
    let src = src_dir();
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let mut graph: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for file in files {
        let from = top_module(&src, &file);
        let code = code_of(&std::fs::read_to_string(&file).unwrap());
        for to in used_modules(&code) {
            if to != from && to != "self" && to != "super" {
                let rel = file.strip_prefix(&src).unwrap().display().to_string();
                graph.entry((from.clone(), to)).or_default().push(rel);
            }
        }
    }
    graph
}

#[test]
fn the_parser_sees_grouped_and_plain_paths() {
    let used = used_modules(&code_of(
        "use crate::{db::Db, exit::{usage, Exit}, output};\nlet x = crate::units::parse(1);\n\
         // crate::cli in a comment is no dependency\n",
    ));
    let used: Vec<String> = used.into_iter().collect();
    assert_eq!(used, ["db", "exit", "output", "units"]);
    assert!(used_modules(&code_of("x(); // crate::cli::Cli")).is_empty());
}

#[test]
fn every_module_has_a_layer() {
    let src = src_dir();
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let unplaced: BTreeSet<String> = files
        .iter()
        .map(|f| top_module(&src, f))
        .filter(|m| layer_of(m).is_none())
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules without a layer (add them to LAYERS in tests/architecture.rs and to \
         ARCHITECTURE.md): {unplaced:?}"
    );
}

#[test]
fn no_module_uses_a_higher_layer() {
    let mut wrong = Vec::new();
    for ((from, to), files) in module_graph() {
        let (Some(lf), Some(lt)) = (layer_of(&from), layer_of(&to)) else {
            continue;
        };
        if lt > lf {
            wrong.push(format!(
                "{from} (layer {lf}) -> {to} (layer {lt}) in {files:?}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "arrows up the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn top_level_modules_form_no_cycle() {
    let graph = module_graph();
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (from, to) in graph.keys() {
        // lib.rs declares every module; it is the root, not a dependency of anything.
        if from != "lib" && layer_of(to).is_some() {
            edges.entry(from).or_default().insert(to);
        }
    }
    // Depth-first search for a back edge; report the cycle it closes.
    fn visit<'a>(
        node: &'a str,
        edges: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<&'a str>> {
        if let Some(i) = path.iter().position(|n| *n == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node);
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node);
        for next in edges.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node);
        None
    }
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        if let Some(cycle) = visit(node, &edges, &mut Vec::new(), &mut done) {
            let files: Vec<String> = cycle
                .windows(2)
                .map(|w| {
                    format!(
                        "{}->{}: {:?}",
                        w[0],
                        w[1],
                        graph[&(w[0].into(), w[1].into())]
                    )
                })
                .collect();
            panic!("import cycle {}\n{}", cycle.join(" -> "), files.join("\n"));
        }
    }
}

#[test]
fn no_source_file_is_too_long() {
    let src = src_dir();
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let mut long: Vec<(usize, String)> = files
        .iter()
        .map(|f| {
            let lines = std::fs::read_to_string(f).unwrap().lines().count();
            (lines, f.strip_prefix(&src).unwrap().display().to_string())
        })
        .filter(|(n, _)| *n > MAX_FILE_LINES)
        .collect();
    long.sort();
    assert!(
        long.is_empty(),
        "files over {MAX_FILE_LINES} lines (split them along their seams): {long:?}"
    );
}

/// Where the driver's client may be named (ARCHITECTURE.md, "no named statements across
/// transactions"): the pool-safe query layer, opening connections (and asking a server its role
/// while connecting, in the simple protocol) and cancelling their statements, and the LISTEN
/// session (a session of its own on purpose). Everywhere else
/// statements go through `db::Db` / `db::Tx`, which send them unnamed with the settings in
/// their transaction, so that they work through a transaction pooler.
const DRIVER_CLIENT_FILES: &[&str] = &[
    "db/sql/",
    "db/connect.rs",
    "db/route.rs",
    "db/cancel.rs",
    "db/listen/link.rs",
];

/// The driver's names that run statements outside the pool-safe layer.
const DRIVER_CLIENT_NAMES: &[&str] = &[
    "Client",
    "Transaction",
    "GenericClient",
    "Statement",
    "ToStatement",
];

/// The driver names a piece of code imports or spells out from `tokio_postgres::` (plain and
/// grouped paths, one level deep: `tokio_postgres::{Client, types::ToSql}` gives `Client`).
fn driver_names(code: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("tokio_postgres::") {
        rest = &rest[i + "tokio_postgres::".len()..];
        let items = match rest.strip_prefix('{') {
            Some(group) => group.split('}').next().unwrap_or("").to_string(),
            None => rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect(),
        };
        for item in items.split(',') {
            let name = item.split_whitespace().next().unwrap_or("");
            if !name.contains("::") && !name.is_empty() {
                names.insert(name.to_string());
            }
        }
    }
    names
}

#[test]
fn the_driver_name_parser_sees_grouped_and_plain_paths() {
    let code = "use tokio_postgres::{Client, types::ToSql, Row as PgRow};\n\
                fn f(c: &tokio_postgres::Transaction<'_>) {}";
    let names = driver_names(code);
    assert!(names.contains("Client") && names.contains("Transaction"));
    assert!(names.contains("Row") && !names.contains("types::ToSql"));
}

#[test]
fn statements_go_through_the_pool_safe_layer() {
    let src = src_dir();
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let mut found = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap().display().to_string();
        if DRIVER_CLIENT_FILES.iter().any(|f| rel.starts_with(f)) {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(&file).unwrap());
        for name in driver_names(&code) {
            if DRIVER_CLIENT_NAMES.contains(&name.as_str()) {
                found.push(format!("{rel}: tokio_postgres::{name}"));
            }
        }
        for call in [".prepare(", ".prepare_typed("] {
            if code.contains(call) {
                found.push(format!("{rel}: {call}…)"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the driver's client used outside src/db/sql (use db::Db / db::Tx; see ARCHITECTURE.md): {found:#?}"
    );
}
