//! The committed real-world tasks.json fixtures: parsed, imported as rows and exported back.

#![allow(clippy::unwrap_used)]

use super::*;

fn tag<'a>(f: &'a TmFile, name: &str) -> &'a TmTag {
    f.tags.iter().find(|t| t.name == name).unwrap()
}

/// Expected answers worked out by hand from Task Master's algorithm (reference §1.3);
/// the integration tests check that `taskdb task next` gives the same ones.
#[test]
fn next_on_the_fixtures() {
    let q = parse(include_bytes!(
        "../../tests/fixtures/taskmaster/quirks.json"
    ))
    .unwrap();
    assert_eq!(next_task(tag(&q, "master")).as_deref(), Some("1.2"));
    assert_eq!(next_task(tag(&q, "feature-x")).as_deref(), Some("23"));
    assert_eq!(next_task(tag(&q, "empty-tag")), None);
    let l = parse(include_bytes!(
        "../../tests/fixtures/taskmaster/legacy.json"
    ))
    .unwrap();
    assert_eq!(next_task(tag(&l, "master")).as_deref(), Some("2.2"));
    let n = parse(include_bytes!(
        "../../tests/fixtures/taskmaster/next-phase2.json"
    ))
    .unwrap();
    assert_eq!(next_task(tag(&n, "master")).as_deref(), Some("6"));
    assert_eq!(next_task(tag(&n, "blocked-only")), None);
}

#[test]
fn quirks_fixture_parses_as_intended() {
    let q = parse(include_bytes!(
        "../../tests/fixtures/taskmaster/quirks.json"
    ))
    .unwrap();
    let m = tag(&q, "master");
    let six = m.tasks.iter().find(|t| t.id == 6).unwrap();
    assert!(six.subtasks.iter().all(|s| s.int_deps_are_tasks));
    assert_eq!(six.subtasks[0].dependencies, vec![Ref::Task(4)]);
    let five = m.tasks.iter().find(|t| t.id == 5).unwrap();
    assert_eq!(five.subtasks[1].id, 2);
    assert_eq!(five.subtasks[1].dependencies, vec![Ref::Sub(5, 1)]);
    let set = to_import_rows(q.clone(), &[]).unwrap();
    assert_eq!(set.rows.len(), 8 + 3 + 11);
}
