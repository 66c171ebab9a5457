//! What the worker was asked to do: its flags checked (all before anything connects) into a
//! [`Plan`].

use std::ffi::OsString;
use std::time::Duration;

use anyhow::Result;

use super::WorkerArgs;
use crate::commands::task::holder;
use crate::context::Context;
use crate::exit::usage;
use crate::options::Format;

/// What the worker was asked to do, checked.
#[derive(Debug)]
pub(super) struct Plan {
    pub holder: String,
    pub lease: Duration,
    pub tag: Option<String>,
    pub task_type: Option<String>,
    pub concurrency: u32,
    pub max_attempts: u32,
    /// Tasks to claim in all (--once: 1); None: no limit.
    pub max_tasks: Option<u64>,
    pub once: bool,
    pub idle_exit: Option<Duration>,
    pub grace: Duration,
    /// How long claims keep being tried while the database cannot be reached.
    pub reconnect_for: Duration,
    pub program: OsString,
    pub args: Vec<OsString>,
    pub json: bool,
}

impl Plan {
    /// Heartbeats: every third of the lease.
    pub fn beat_every(&self) -> Duration {
        self.lease / 3
    }

    /// Whether CMD's output lines are prefixed with the task (several run at once).
    pub fn prefix_output(&self) -> bool {
        self.concurrency > 1
    }
}

fn count(flag: &str, text: &str, max: u64) -> Result<u64> {
    let n: u64 = text.trim().parse().map_err(|_| {
        usage(format!(
            "{flag} {text:?}: not a whole number from 1 to {max}"
        ))
    })?;
    if !(1..=max).contains(&n) {
        return Err(usage(format!("{flag} {text:?}: must be 1 to {max}")));
    }
    Ok(n)
}

fn wait_arg(flag: &str, text: &str) -> Result<Duration> {
    crate::settings::parse_wait(text).map_err(|e| usage(format!("{flag}: {e}")))
}

fn lease_arg(a: &WorkerArgs, ctx: &Context) -> Result<Duration> {
    let lease = match &a.lease {
        Some(text) => {
            crate::settings::parse_lease(text).map_err(|e| usage(format!("--lease: {e}")))?
        }
        None => ctx.settings.task_lease()?,
    };
    lease.ok_or_else(|| {
        usage(
            "a worker needs a lease (it heartbeats, and a dead worker's tasks must come back): \
             --lease off / [tasks] lease = off is refused here; give --lease DURATION",
        )
    })
}

/// Check every flag (nothing connects before this has passed).
pub(super) fn plan(a: WorkerArgs, ctx: &Context) -> Result<Plan> {
    let format = ctx.out.require_format(&[Format::Table, Format::Json])?;
    let mut command = a.command.clone().into_iter();
    let program = command.next().ok_or_else(|| {
        usage("say what to run for each task: taskdb worker [flags] -- CMD [ARGS…]")
    })?;
    if program.is_empty() {
        return Err(usage("the command (after --) is empty"));
    }
    if a.once && a.max_tasks.is_some() {
        return Err(usage(
            "--once runs one task; it cannot be combined with --max-tasks",
        ));
    }
    let max_attempts = match &a.max_attempts {
        Some(text) => u32::try_from(count("--max-attempts", text, 1000)?).unwrap_or(1000),
        None => ctx.settings.max_attempts()?,
    };
    let max_tasks = match &a.max_tasks {
        Some(text) => Some(count("--max-tasks", text, u64::from(u32::MAX))?),
        None => a.once.then_some(1),
    };
    for (flag, value) in [("--tag", &a.tag), ("--type", &a.task_type)] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(usage(format!("{flag} needs a value")));
        }
    }
    Ok(Plan {
        holder: holder(a.assign.as_deref(), ctx)?,
        lease: lease_arg(&a, ctx)?,
        concurrency: u32::try_from(count("--concurrency", &a.concurrency, 1000)?).unwrap_or(1000),
        max_attempts,
        max_tasks,
        once: a.once,
        idle_exit: a
            .idle_exit
            .as_deref()
            .map(|t| wait_arg("--idle-exit", t))
            .transpose()?,
        grace: wait_arg("--grace", &a.grace)?,
        reconnect_for: match &a.reconnect_for {
            Some(text) => wait_arg("--reconnect-for", text)?,
            None => ctx.settings.reconnect_for()?,
        },
        tag: a.tag,
        task_type: a.task_type,
        program,
        args: command.collect(),
        json: format == Format::Json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Exit;

    #[test]
    fn counts_are_whole_numbers_in_range() {
        assert_eq!(count("--concurrency", "4", 1000).unwrap(), 4);
        for bad in ["0", "-1", "1001", "x", "", "1.5"] {
            let e = count("--concurrency", bad, 1000).unwrap_err();
            assert_eq!(crate::exit::code_for(&e), Exit::USAGE, "{bad}");
            assert!(format!("{e}").starts_with("--concurrency"), "{e}");
        }
    }

    #[test]
    fn waits_are_durations_up_to_a_year() {
        assert_eq!(wait_arg("--grace", "0").unwrap(), Duration::ZERO);
        assert_eq!(wait_arg("--grace", "2m").unwrap(), Duration::from_secs(120));
        assert!(wait_arg("--grace", "-1s").is_err());
        assert!(wait_arg("--grace", "400d").is_err());
    }
}
