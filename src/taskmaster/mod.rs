//! Task Master `tasks.json` interchange, as pure functions (no database here).
//!
//! * [`parse`] reads both shapes (tagged `{"<tag>": {"tasks": […], "metadata": …}}` and legacy
//!   `{"tasks": […]}`) with every quirk seen in real files: int or string ids and dependencies,
//!   dotted `"P.S"` subtask dependencies, ids from 0 or 21 or with gaps, statuses and priorities
//!   outside the vocabulary or missing, unknown keys, extra top-level keys (`$schema`, `meta`).
//!   Anything that is not a Task Master file is refused with one clear line.
//! * [`to_import_rows`] flattens a parsed file into rows for the database: one row per task
//!   and subtask (keyed by `external_key` = `taskmaster:<tag>:<id>` or `…:<P>.<S>`) and one row
//!   per dependency edge, with the raw forms of every normalised field kept in
//!   `metadata.taskmaster` so that [`export`] can write back exactly what was read.
//! * [`export`] turns database rows back into the tagged format.
//! * [`next_task`] is Task Master's own `next` algorithm, used as the reference for tests.

use serde_json::{Map, Value};

use self::strict_json::Spellings;

mod export;
#[cfg(test)]
mod fixture_tests;
pub mod ids;
mod import;
mod parse;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod reference_next;
mod refs;
pub mod strict_json;
#[cfg(test)]
mod tests;
mod vocab;

pub use export::*;
pub use import::*;
pub use parse::*;
#[cfg(test)]
pub use reference_next::*;
pub use refs::*;
pub use vocab::*;

/// Which top-level shape a file had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `{"master": {"tasks": […], "metadata": …}, …}` (Task Master ≥ 0.17).
    Tagged,
    /// `{"tasks": […]}` (Task Master ≤ 0.16), read as tag `master`.
    Legacy,
}

/// A parsed tasks.json.
#[derive(Debug, Clone)]
pub struct TmFile {
    pub shape: Shape,
    pub tags: Vec<TmTag>,
    /// Top-level keys that are not tags (`$schema`, legacy `meta`, …).
    pub extras: Map<String, Value>,
}

/// One tag: a separate task list inside the file.
#[derive(Debug, Clone)]
pub struct TmTag {
    pub name: String,
    /// The tag's `metadata` object, whatever its shape (JS layer or tm-core).
    pub metadata: Option<Value>,
    pub tasks: Vec<TmTask>,
}

/// A dependency reference after normalisation: a top-level task or a subtask `P.S`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ref {
    Task(u64),
    Sub(u64, u64),
}

impl Ref {
    /// Task Master's display form: `7` or `7.2`.
    pub fn display(self) -> String {
        match self {
            Ref::Task(id) => id.to_string(),
            Ref::Sub(p, s) => format!("{p}.{s}"),
        }
    }
}

/// A task or subtask as read from the file.
#[derive(Debug, Clone)]
pub struct TmTask {
    /// The numeric id (local to the parent for subtasks).
    pub id: u64,
    /// The id exactly as written (`1` or `"1"`).
    pub raw_id: Value,
    pub title: String,
    pub description: Option<String>,
    pub details: Option<String>,
    pub test_strategy: Option<String>,
    /// `status` as written, `None` when the key is absent.
    pub raw_status: Option<Value>,
    /// `priority` as written, `None` when absent.
    pub raw_priority: Option<Value>,
    /// `dependencies` as written, `None` when absent.
    pub raw_dependencies: Option<Value>,
    /// Dependencies resolved against the ids in the tag.
    pub dependencies: Vec<Ref>,
    /// Whether the object had a `subtasks` key (so `[]` round-trips as `[]`, absent as absent).
    pub has_subtasks_key: bool,
    /// Text fields written as `null` rather than left out.
    pub null_fields: Vec<String>,
    /// This subtask's plain-int dependencies name top-level tasks (see `sibling_cycle`).
    pub int_deps_are_tasks: bool,
    pub subtasks: Vec<TmTask>,
    /// Every key not in [`KNOWN_KEYS`], verbatim.
    pub extra: Map<String, Value>,
}

impl TmTask {
    /// Status as Task Master's own code sees it (missing = pending for subtasks in `next`).
    pub fn status_str(&self) -> Option<&str> {
        self.raw_status.as_ref().and_then(Value::as_str)
    }
}

/// Parse failures are bad input (exit 2); the message is one line naming the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError(msg.into()))
}
