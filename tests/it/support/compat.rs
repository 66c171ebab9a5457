//! The helpers tests/it/taskmaster.rs still calls (`crate::tasks::{counts, json, ok, refused}`
//! and `crate::support::success_json`), kept working on top of the builder until that file is
//! converted to it. New tests use [`super::Taskdb`] and [`super::Ran`] directly.

use serde_json::Value;

use super::{Ran, Sandbox, TestDb};

/// `taskdb --format json <args>` on `db`: must succeed; its stdout parsed.
#[track_caller]
pub fn json(sb: &Sandbox, db: &TestDb, args: &[&str]) -> Value {
    sb.taskdb(args).db(db).ok_json()
}

/// `taskdb <args>` on `db`: must succeed; its stdout trimmed.
#[track_caller]
pub fn ok(sb: &Sandbox, db: &TestDb, args: &[&str]) -> String {
    sb.taskdb(args).db(db).ok().text()
}

/// See [`Ran::refused`].
#[track_caller]
pub fn refused(out: std::process::Output, code: i32, needle: &str) {
    Ran::new("taskdb".into(), out).refused(code, needle);
}

/// See [`TestDb::counts`].
pub fn counts(db: &TestDb) -> (i64, i64, i64, i64) {
    db.counts()
}

/// A `taskdb --format json …` run succeeded (`what` names it); its stdout parsed.
#[track_caller]
pub fn success_json(out: &std::process::Output, what: &str) -> Value {
    let ran = Ran::new(what.trim_end_matches([':', ' ']).into(), out.clone());
    ran.ok();
    ran.json()
}
