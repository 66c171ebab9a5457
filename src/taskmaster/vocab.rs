//! Task Master's statuses and priorities and taskdb's, both ways.

use serde_json::Value;

/// Task Master status → taskdb status. Unknown or missing → `pending` (the raw value is kept
/// for export).
pub fn status_to_db(raw: Option<&Value>) -> &'static str {
    let s = raw
        .and_then(Value::as_str)
        .map(|s| s.trim().to_ascii_lowercase().replace(['-', ' '], "_"))
        .unwrap_or_default();
    match s.as_str() {
        "in_progress" | "inprogress" | "started" => "in_progress",
        "done" | "completed" | "complete" => "completed",
        "review" | "in_review" => "review",
        "blocked" => "blocked",
        "deferred" => "deferred",
        "cancelled" | "canceled" => "cancelled",
        "failed" => "failed",
        _ => "pending",
    }
}

/// taskdb status → Task Master spelling (for tasks created or changed in taskdb).
/// Task Master has no `failed`; it is written as `blocked` (not done, not picked by `next`).
pub fn status_from_db(status: &str) -> &'static str {
    match status {
        "in_progress" => "in-progress",
        "completed" => "done",
        "review" => "review",
        "blocked" | "failed" => "blocked",
        "deferred" => "deferred",
        "cancelled" => "cancelled",
        _ => "pending",
    }
}

/// Named priorities on taskdb's 0–10 scale (also accepted by `--priority`).
pub const PRIORITY_NAMES: &[(&str, i32)] =
    &[("low", 2), ("medium", 5), ("high", 8), ("critical", 10)];

/// The default priority (Task Master's `medium`).
pub const DEFAULT_PRIORITY: i32 = 5;

/// Task Master priority → 0–10. `urgent` (Hamster) is `critical`; a number 0–10 is kept;
/// anything else is `medium`, as Task Master's own `next` ranks unknown priorities.
pub fn priority_to_db(raw: Option<&Value>) -> Option<i32> {
    match raw? {
        Value::String(s) => {
            let s = s.trim().to_ascii_lowercase();
            let s = if s == "urgent" {
                "critical".to_string()
            } else {
                s
            };
            Some(
                PRIORITY_NAMES
                    .iter()
                    .find(|(n, _)| *n == s)
                    .map(|(_, v)| *v)
                    .unwrap_or(DEFAULT_PRIORITY),
            )
        }
        Value::Number(n) => Some(
            n.as_i64()
                .filter(|v| (0..=10).contains(v))
                .map(|v| v as i32)
                .unwrap_or(DEFAULT_PRIORITY),
        ),
        _ => Some(DEFAULT_PRIORITY),
    }
}

/// 0–10 → Task Master priority name.
pub fn priority_from_db(p: i32) -> &'static str {
    match p {
        i32::MIN..=3 => "low",
        4..=6 => "medium",
        7..=8 => "high",
        _ => "critical",
    }
}
