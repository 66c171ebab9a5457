//! Generated files that are committed, and fail a test when they drift: `completions/` and
//! `man/` (from the clap definition) and `migrations/schema.sql` (the schema after all
//! migrations).
//! Regenerate with `TASKDB_UPDATE_GENERATED=1 cargo test --test it generated`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use taskdb::commands::completions::{completion_scripts, man_pages};

use crate::support::TestPg;

const REGENERATE: &str = "TASKDB_UPDATE_GENERATED=1 cargo test --test it generated";

fn update() -> bool {
    std::env::var_os("TASKDB_UPDATE_GENERATED").is_some()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn check_dir(dir: &str, files: Vec<(String, Vec<u8>)>) {
    let root = root().join(dir);
    if update() {
        if root.exists() {
            std::fs::remove_dir_all(&root).unwrap();
        }
        std::fs::create_dir_all(&root).unwrap();
    }
    let mut expected_names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    for (name, contents) in files {
        let path = root.join(&name);
        if update() {
            std::fs::write(&path, &contents).unwrap();
            continue;
        }
        let committed = std::fs::read(&path)
            .unwrap_or_else(|_| panic!("{dir}/{name} is missing; run {REGENERATE}"));
        assert!(
            committed == contents,
            "{dir}/{name} is out of date; run {REGENERATE}"
        );
    }
    let mut present: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    present.sort();
    expected_names.sort();
    assert_eq!(present, expected_names, "{dir}/ has stale or missing files");
}

#[test]
fn completions_are_up_to_date() {
    check_dir("completions", completion_scripts());
}

#[test]
fn man_pages_are_up_to_date() {
    check_dir("man", man_pages().unwrap());
}

/// The lines only one side has (as a multiset, in order): a short summary of a text diff.
fn diff_summary(committed: &str, now: &str, max: usize) -> String {
    let count = |text: &str| {
        let mut m: BTreeMap<String, i64> = BTreeMap::new();
        for l in text.lines() {
            *m.entry(l.to_string()).or_default() += 1;
        }
        m
    };
    let (mut old, mut new) = (count(committed), count(now));
    let mut lines = Vec::new();
    for l in committed.lines() {
        let n = new.entry(l.to_string()).or_default();
        if *n > 0 {
            *n -= 1;
        } else {
            lines.push(format!("- {l}"));
        }
    }
    for l in now.lines() {
        let o = old.entry(l.to_string()).or_default();
        if *o > 0 {
            *o -= 1;
        } else {
            lines.push(format!("+ {l}"));
        }
    }
    let more = lines.len().saturating_sub(max);
    lines.truncate(max);
    if more > 0 {
        lines.push(format!("… and {more} more changed line(s)"));
    }
    lines.join("\n")
}

#[test]
fn schema_sql_is_up_to_date() {
    let db = TestPg::get().migrated_db();
    let now = crate::support::schema::snapshot(&db);
    let path = root().join("migrations/schema.sql");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if update() {
        // Only when it changed: build.rs reruns (and the crate rebuilds) on any write under
        // migrations/.
        if committed != now {
            std::fs::write(&path, &now).unwrap();
        }
        return;
    }
    assert!(
        committed == now,
        "migrations/schema.sql is not the schema the migrations make (- committed, + now):\n{}\n\
         If the change is intended, regenerate it: {REGENERATE}",
        diff_summary(&committed, &now, 20)
    );
}
