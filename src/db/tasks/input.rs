//! What a task's fields may hold, checked before anything is written (bad input exits 2): ids
//! are [`super::TaskRef`], and here statuses, priorities, titles, one-line texts and the other
//! fields of [`NewTask`] and [`TaskChanges`]. `task create`/`update`/`status`/`list` and the MCP
//! server's tools check through these same functions, so both refuse the same input with the
//! same line (which names the CLI's flag: the message is one, wherever it comes from).

use anyhow::Result;

use super::{NewTask, TaskChanges, MAX_TITLE_CHARS, STATUSES};
use crate::exit::usage;
use crate::taskmaster;

/// `0`–`10` or a Task Master priority name.
pub fn parse_priority(text: &str) -> Result<i16> {
    let t = text.trim().to_ascii_lowercase();
    if let Some((_, v)) = taskmaster::PRIORITY_NAMES.iter().find(|(n, _)| *n == t) {
        return Ok(*v as i16);
    }
    match t.parse::<i16>() {
        Ok(v) if (0..=10).contains(&v) => Ok(v),
        _ => Err(usage(format!(
            "invalid priority {text:?}: use 0-10 or low, medium, high, critical"
        ))),
    }
}

/// A status, with Task Master's spellings accepted.
pub fn parse_status(text: &str) -> Result<&'static str> {
    let t = text.trim().to_ascii_lowercase().replace('-', "_");
    let t = match t.as_str() {
        "done" => "completed",
        "canceled" => "cancelled",
        other => other,
    };
    STATUSES.iter().copied().find(|s| *s == t).ok_or_else(|| {
        usage(format!(
            "unknown status {text:?}: use one of {} (or done, in-progress)",
            STATUSES.join(", ")
        ))
    })
}

/// A title: one line, not empty, at most [`MAX_TITLE_CHARS`] characters.
pub fn check_title(title: &str) -> Result<()> {
    if title.trim().is_empty() {
        return Err(usage("the title is empty"));
    }
    let n = title.chars().count();
    if n > MAX_TITLE_CHARS {
        return Err(usage(format!(
            "the title is {n} characters long; at most {MAX_TITLE_CHARS} (put long text in --description or --details)"
        )));
    }
    if title.contains('\0') {
        return Err(usage("the title contains a NUL character"));
    }
    refuse_line_breaks("the title", title)
}

/// A one-line value (a title, a step name, a note) with a line break would break every
/// one-line listing it appears in; refuse it (exit 2) and say where longer text goes.
pub fn refuse_line_breaks(what: &str, text: &str) -> Result<()> {
    let breaks = |c: char| {
        matches!(
            c,
            '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}'
        )
    };
    if text.contains(breaks) {
        return Err(usage(format!(
            "{what} contains a line break; it must be one line (put longer text in --description or --details)"
        )));
    }
    Ok(())
}

/// The fields [`NewTask`] and [`TaskChanges`] share, as their checks see them.
struct Shared<'a> {
    texts: [(&'static str, Option<&'a str>); 7],
    task_type: Option<&'a str>,
    complexity: Option<i16>,
    estimate: Option<f64>,
    numbers: [(&'static str, Option<i32>); 2],
    tags: &'a [String],
}

impl Shared<'_> {
    fn check(&self) -> Result<()> {
        for (name, v) in self.texts {
            if v.is_some_and(|v| v.contains('\0')) {
                return Err(usage(format!("--{name} contains a NUL character")));
            }
        }
        if let Some(t) = self.task_type {
            check_type(t)?;
        }
        if let Some(c) = self.complexity {
            if !(1..=10).contains(&c) {
                return Err(usage(format!("invalid --complexity {c}: use 1-10")));
            }
        }
        if let Some(h) = self.estimate {
            if !(0.0..1_000_000.0).contains(&h) || !h.is_finite() {
                return Err(usage(format!(
                    "invalid --estimate {h}: hours between 0 and 999999"
                )));
            }
        }
        for (name, v) in self.numbers {
            if v.is_some_and(|n| n <= 0) {
                return Err(usage(format!("--{name} must be a positive number")));
            }
        }
        for t in self.tags {
            if t.trim().is_empty() || t.contains('\0') {
                return Err(usage(format!("invalid --tag {t:?}")));
            }
        }
        Ok(())
    }
}

/// A task type: lower snake_case, at most 50 characters.
fn check_type(t: &str) -> Result<()> {
    let ok = t.len() <= 50
        && t.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && t.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(usage(format!(
            "invalid --type {t:?}: lower snake_case, e.g. feature, bug_fix, deployment"
        )))
    }
}

/// The [`Shared`] view of a [`NewTask`] or [`TaskChanges`] (the same field names).
macro_rules! shared {
    ($t:expr) => {
        Shared {
            texts: [
                ("description", $t.description.as_deref()),
                ("details", $t.details.as_deref()),
                ("test-strategy", $t.test_strategy.as_deref()),
                ("assign", $t.assigned_to.as_deref()),
                ("repo", $t.repository_url.as_deref()),
                ("branch", $t.branch_name.as_deref()),
                ("linear", $t.linear_issue_id.as_deref()),
            ],
            task_type: $t.task_type.as_deref(),
            complexity: $t.complexity,
            estimate: $t.estimated_hours,
            numbers: [("pr", $t.pr_number), ("github", $t.github_issue_number)],
            tags: &$t.tags,
        }
    };
}

impl NewTask {
    /// Refuse what the schema would store badly or refuse less clearly (exit 2).
    pub fn check(&self) -> Result<()> {
        check_title(&self.title)?;
        shared!(self).check()
    }
}

impl TaskChanges {
    /// Refuse what the schema would store badly or refuse less clearly (exit 2).
    pub fn check(&self) -> Result<()> {
        if let Some(t) = &self.title {
            check_title(t)?;
        }
        shared!(self).check()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::exit::{code_for, Exit};

    #[test]
    fn priorities() {
        assert_eq!(parse_priority("0").unwrap(), 0);
        assert_eq!(parse_priority("10").unwrap(), 10);
        assert_eq!(parse_priority("High").unwrap(), 8);
        for bad in ["11", "-1", "urgent", "", "5.5"] {
            assert_eq!(code_for(&parse_priority(bad).unwrap_err()), Exit::USAGE);
        }
    }

    #[test]
    fn statuses_and_aliases() {
        assert_eq!(parse_status("done").unwrap(), "completed");
        assert_eq!(parse_status("in-progress").unwrap(), "in_progress");
        assert_eq!(parse_status("IN_PROGRESS").unwrap(), "in_progress");
        let e = parse_status("finished").unwrap_err();
        assert!(e.to_string().contains("unknown status"));
    }

    #[test]
    fn titles() {
        assert!(check_title("ok").is_ok());
        assert!(check_title("  ").is_err());
        assert!(check_title(&"x".repeat(501)).is_err());
        assert!(check_title(&"é".repeat(500)).is_ok());
    }

    #[test]
    fn new_tasks_and_changes_refuse_the_same_fields() {
        let new = |f: fn(&mut NewTask)| {
            let mut t = NewTask {
                title: "t".into(),
                ..NewTask::default()
            };
            f(&mut t);
            t.check()
        };
        assert!(new(|_| {}).is_ok());
        type Change = fn(&mut NewTask);
        let refused: [(Change, &str); 6] = [
            (|t| t.task_type = Some("Bug Fix".into()), "invalid --type"),
            (|t| t.complexity = Some(11), "invalid --complexity"),
            (|t| t.estimated_hours = Some(f64::NAN), "invalid --estimate"),
            (|t| t.pr_number = Some(0), "--pr must be"),
            (|t| t.tags = vec![" ".into()], "invalid --tag"),
            (
                |t| t.details = Some("a\0b".into()),
                "--details contains a NUL",
            ),
        ];
        for (f, needle) in refused {
            let e = new(f).unwrap_err();
            assert!(e.to_string().contains(needle), "{e}");
            assert_eq!(code_for(&e), Exit::USAGE);
        }
        let change = TaskChanges {
            complexity: Some(0),
            ..TaskChanges::default()
        };
        assert!(change
            .check()
            .unwrap_err()
            .to_string()
            .contains("--complexity"));
        let change = TaskChanges {
            title: Some("two\nlines".into()),
            ..TaskChanges::default()
        };
        assert!(change
            .check()
            .unwrap_err()
            .to_string()
            .contains("line break"));
    }
}
