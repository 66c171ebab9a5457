//! `taskdb task …`: create, find, change and hand out tasks; Task Master import/export.
//!
//! Ids: every command takes a task's short id (`42` or `#42`) or its UUID. A malformed id, or
//! one that names no task, is bad input (exit 2). Status changes go through the schema's
//! `update_task_status`, dependency cycles are refused by the schema's trigger; this module
//! validates input before it writes anything and prints what the schema answered.
//!
//! Here: the flags (clap) and the dispatch. The parts: `input` checks flags, `list` lists,
//! searches and shows history, `show` shows one task and draws the tree, `write` creates,
//! changes, deletes and links tasks, `next` picks or claims the next task, `transfer`
//! imports and exports Task Master files. The SQL is in `crate::db::tasks`.

mod input;
mod lease;
mod list;
mod next;
mod show;
mod transfer;
mod write;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};

use crate::context::Context;
use crate::exit::Exit;
use crate::options::DatabaseUse;
use input::parse_max_size;

pub(crate) use lease::holder;

#[derive(Debug, Args)]
#[command(after_help = "Ids: a task's short id (42 or #42) or its UUID. \
    Statuses: pending, in_progress, review, blocked, deferred, completed, failed, cancelled \
    (Task Master's done and in-progress are accepted). Priorities: 0-10 or low(2), medium(5), \
    high(8), critical(10).")]
pub struct TaskArgs {
    #[command(subcommand)]
    cmd: TaskCmd,
}

#[derive(Debug, Subcommand)]
enum TaskCmd {
    /// Create a task; prints its short id (json: the whole task)
    #[command(after_help = "Examples:\n  \
        id=$(taskdb task create \"Fix login redirect\" --priority high --tag web)\n  \
        taskdb task create \"Write tests\" --parent \"$id\" --depends-on 12 --meta source=ci\n  \
        taskdb --format json task create \"Deploy\" --type deployment --meta-json '{\"env\":\"prod\"}'")]
    Create(CreateArgs),
    /// List tasks (filters, trigram search, keyset pagination)
    #[command(after_help = "Examples:\n  \
        taskdb task list --status pending --status in_progress --sort priority\n  \
        taskdb task list --ready --tag backend --limit 10\n  \
        taskdb task list --stale              # leases that expired (dead agents)\n  \
        taskdb task list --after 150          # the page after task #150 in the chosen order\n  \
        taskdb --format json task list --assigned none")]
    List(ListArgs),
    /// Find tasks by title and description, best matches first (same as `list --search`)
    Search(SearchArgs),
    /// Show one task: every field, dependencies, children, completion, workflows, history
    Show(IdArg),
    /// Draw the task hierarchy with statuses (all top-level tasks, or below one task)
    Tree(TreeArgs),
    /// The audit trail of a task: who changed what, when, old → new
    History(HistoryArgs),
    /// Change a task's fields (status has its own command: `task status`)
    Update(UpdateArgs),
    /// Move a task to a new status along the allowed transitions
    #[command(after_help = "Allowed transitions (enforced by the database):\n  \
        pending     → in_progress, blocked, deferred, completed, cancelled\n  \
        in_progress → pending, review, blocked, deferred, completed, failed, cancelled\n  \
        review      → in_progress, blocked, completed, failed, cancelled\n  \
        blocked     → pending, in_progress, deferred, cancelled\n  \
        deferred    → pending, in_progress, cancelled\n  \
        completed   → in_progress\n  \
        failed      → pending, in_progress, cancelled\n  \
        cancelled   → pending\n\
        Aliases: done = completed, in-progress = in_progress, canceled = cancelled.")]
    Status(StatusArgs),
    /// Delete a task (refuses when it has children or dependents, unless --cascade)
    Delete(DeleteArgs),
    /// Add, remove or list dependencies between tasks
    Deps(DepsArgs),
    /// The next task to work on (Task Master's choice); --claim takes it atomically
    #[command(
        after_help = "Choice (as `task-master next`): first the pending/in-progress subtasks of \
        in-progress tasks, then top-level pending/in-progress tasks; every blocking dependency must \
        be completed; highest priority first, then fewer dependencies, then lowest id.\n\
        With --claim only pending tasks are candidates; the chosen task is marked in_progress, \
        assigned and leased in one statement (FOR NO KEY UPDATE SKIP LOCKED), so concurrent agents \
        never get the same task. The holder keeps it until the lease ends (--lease, [tasks] lease, \
        default 15m; `off`: until finished or released): extend it with `task heartbeat`, hand it \
        back with `task release`. An expired lease makes the task claimable again (a new \
        attempt); after max attempts ([tasks] max_attempts, default 3, or the task's own) it is \
        failed instead.\nNothing ready: empty stdout (json: null, or [] with --limit), a note on \
        stderr, exit 0; with --wait, exit 4 when the wait ends empty. A connection lost while \
        waiting (a failover) is opened again, within --reconnect-for and the wait; otherwise \
        exit 6.\n\n\
        Examples:\n  id=$(taskdb task next --claim --assign agent-7) && [ -n \"$id\" ] && work-on \"$id\"\n  \
        taskdb task next --claim --lease 30m --limit 5 --tag backend\n  \
        taskdb task next --claim --wait 30s || [ $? -eq 4 ]   # nothing arrived in 30 s"
    )]
    Next(NextArgs),
    /// Extend the lease on a task you hold (only the holder may)
    #[command(
        after_help = "The holder is --assign, or the actor (--actor / TASKDB_ACTOR). \
        Anyone else gets one line and exit 2; so does the holder once the lease expired and the \
        task was handed back. Not an edit: no audit row, updated_at unchanged.\n\n\
        Example:\n  while sleep 300; do taskdb task heartbeat 42 --assign agent-7 --extend 15m || break; done"
    )]
    Heartbeat(lease::HeartbeatArgs),
    /// Hand a task you hold back (pending again, claimable by others)
    #[command(
        after_help = "Only the holder (--assign, or the actor) may release a task; the \
        note is kept in last_outcome and the audit trail. The attempt still counts.\n\n\
        Example:\n  taskdb task release 42 --assign agent-7 --note \"needs a GPU runner\""
    )]
    Release(lease::ReleaseArgs),
    /// Import a Task Master tasks.json (both shapes) in one transaction; idempotent
    #[command(
        after_help = "Each task and subtask gets external_key taskmaster:<tag>:<id> (subtasks \
        <id> = P.S); importing again updates those tasks in place. Subtasks become child tasks, \
        dependencies become task dependencies, and details, testStrategy and every unknown key \
        are kept (columns, or metadata.taskmaster) so `task export` can write the file back.\n\n\
        Examples:\n  taskdb task import .taskmaster/tasks/tasks.json --dry-run\n  \
        taskdb task import tasks.json --tag master --tag feature-x"
    )]
    Import(ImportArgs),
    /// Export tasks as a Task Master tasks.json (tagged format)
    #[command(
        after_help = "Imported tasks go back to their tag with their Task Master ids; other \
        top-level tasks go to tag master with new ids (max+1), their children become subtasks.\n\n\
        Example:\n  taskdb task export --tag master -o .taskmaster/tasks/tasks.json"
    )]
    Export(ExportArgs),
}

/// A task id argument.
#[derive(Debug, Args)]
struct IdArg {
    /// Task id: short id (42, #42) or UUID
    id: String,
}

/// Fields shared by `create` and `update`.
#[derive(Debug, Args, Default)]
struct FieldArgs {
    /// One-paragraph description
    #[arg(long, short = 'd')]
    description: Option<String>,
    /// Implementation notes
    #[arg(long)]
    details: Option<String>,
    /// How to verify the task is done
    #[arg(long, value_name = "TEXT")]
    test_strategy: Option<String>,
    /// Kind of task (lower snake_case, e.g. feature, bug_fix, deployment)
    #[arg(long = "type", value_name = "TYPE")]
    task_type: Option<String>,
    /// 0-10 (10 = most urgent) or low, medium, high, critical
    #[arg(long, short = 'p', value_name = "PRIORITY")]
    priority: Option<String>,
    /// Estimated complexity, 1-10
    #[arg(long, value_name = "1-10")]
    complexity: Option<i16>,
    /// Attempts (claims) before the task is given up (failed) [default: [tasks] max_attempts]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i32).range(1..=1000))]
    max_attempts: Option<i32>,
    /// Who works on it
    #[arg(long, value_name = "WHO")]
    assign: Option<String>,
    /// Parent task (makes this a subtask)
    #[arg(long, value_name = "ID")]
    parent: Option<String>,
    /// Tag (repeatable; on update replaces the tags)
    #[arg(long = "tag", short = 't', value_name = "TAG")]
    tags: Vec<String>,
    /// Requirement (repeatable; on update replaces the list)
    #[arg(long = "requirement", value_name = "TEXT")]
    requirements: Vec<String>,
    /// Acceptance criterion (repeatable; on update replaces the list)
    #[arg(long = "criterion", value_name = "TEXT")]
    criteria: Vec<String>,
    /// Affected file (repeatable; on update replaces the list)
    #[arg(long = "file", value_name = "PATH")]
    files: Vec<String>,
    /// Estimated hours
    #[arg(long, value_name = "HOURS")]
    estimate: Option<f64>,
    /// Repository URL
    #[arg(long, value_name = "URL")]
    repo: Option<String>,
    /// Git branch
    #[arg(long, value_name = "BRANCH")]
    branch: Option<String>,
    /// Pull request number
    #[arg(long, value_name = "N")]
    pr: Option<i32>,
    /// Linear issue id
    #[arg(long, value_name = "ID")]
    linear: Option<String>,
    /// GitHub issue number
    #[arg(long, value_name = "N")]
    github: Option<i32>,
    /// Metadata entry key=value (repeatable; the value is stored as a string)
    #[arg(long = "meta", value_name = "KEY=VALUE")]
    meta: Vec<String>,
    /// Metadata as a JSON object (merged with --meta)
    #[arg(long, value_name = "JSON")]
    meta_json: Option<String>,
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// The task's title (one line, at most 500 characters)
    title: String,
    #[command(flatten)]
    fields: FieldArgs,
    /// Task this one depends on (repeatable)
    #[arg(long, value_name = "ID")]
    depends_on: Vec<String>,
}

#[derive(Debug, Args)]
struct UpdateArgs {
    /// Task id: short id (42, #42) or UUID
    id: String,
    /// New title (one line, at most 500 characters)
    #[arg(long)]
    title: Option<String>,
    #[command(flatten)]
    fields: FieldArgs,
    /// Make it a top-level task again
    #[arg(long, conflicts_with = "parent")]
    no_parent: bool,
    /// Remove the assignee
    #[arg(long, conflicts_with = "assign")]
    unassign: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SortKey {
    /// Short id, ascending
    Id,
    /// Priority, highest first (then id)
    Priority,
    /// Creation time, newest first (then id)
    Created,
    /// Last change, newest first (then id)
    Updated,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only these statuses (repeatable)
    #[arg(long, short = 's', value_name = "STATUS")]
    status: Vec<String>,
    /// Only tasks assigned to WHO (`none` = unassigned)
    #[arg(long, value_name = "WHO")]
    assigned: Option<String>,
    /// Only this type
    #[arg(long = "type", value_name = "TYPE")]
    task_type: Option<String>,
    /// Only tasks carrying every given tag (repeatable)
    #[arg(long = "tag", short = 't', value_name = "TAG")]
    tags: Vec<String>,
    /// Only children of this task
    #[arg(long, value_name = "ID")]
    parent: Option<String>,
    /// Only ready tasks: pending, in_progress or review with every blocking dependency completed
    #[arg(long)]
    ready: bool,
    /// Only tasks whose lease has expired (the holder stopped heartbeating; the next claim, or
    /// `taskdb maintain`, hands them back)
    #[arg(long)]
    stale: bool,
    /// Rank by trigram similarity of title and description to TEXT
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
    /// Order of the rows [default: id; relevance with --search]
    #[arg(long, value_enum)]
    sort: Option<SortKey>,
    /// At most N rows (0 = all)
    #[arg(long, default_value_t = 50, value_name = "N")]
    limit: i64,
    /// Start after this task in the chosen order (keyset pagination)
    #[arg(long, value_name = "ID", conflicts_with = "search")]
    after: Option<String>,
}

#[derive(Debug, Args)]
struct SearchArgs {
    /// Words to look for
    text: String,
    /// At most N rows
    #[arg(long, default_value_t = 20, value_name = "N")]
    limit: i64,
}

#[derive(Debug, Args)]
struct TreeArgs {
    /// Root task (default: every top-level task)
    id: Option<String>,
}

#[derive(Debug, Args)]
struct HistoryArgs {
    /// Task id: short id (42, #42) or UUID
    id: String,
    /// Only the N newest entries
    #[arg(long, value_name = "N")]
    limit: Option<i64>,
}

#[derive(Debug, Args)]
struct StatusArgs {
    /// Task id: short id (42, #42) or UUID
    id: String,
    /// New status (done and in-progress are accepted)
    status: String,
    /// Why (kept with the status change)
    #[arg(long)]
    note: Option<String>,
}

#[derive(Debug, Args)]
struct DeleteArgs {
    /// Task id: short id (42, #42) or UUID
    id: String,
    /// Also delete every descendant and drop the dependencies of dependent tasks on it
    #[arg(long)]
    cascade: bool,
}

#[derive(Debug, Args)]
struct DepsArgs {
    #[command(subcommand)]
    cmd: DepsCmd,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DepType {
    /// DEPENDS_ON must be completed first (cycles refused)
    Blocks,
    /// Informational link
    Related,
}

#[derive(Debug, Subcommand)]
enum DepsCmd {
    /// ID depends on DEPENDS_ON (a cycle is refused and spelled out)
    Add {
        /// The task that waits
        id: String,
        /// The task it waits for
        depends_on: String,
        #[arg(long = "type", value_enum, default_value = "blocks")]
        dep_type: DepType,
    },
    /// Remove the dependency of ID on DEPENDS_ON
    Rm { id: String, depends_on: String },
    /// What ID waits for and what waits for ID
    List { id: String },
}

#[derive(Debug, Args)]
struct NextArgs {
    /// Only tasks carrying this tag (e.g. a Task Master tag)
    #[arg(long, short = 't', value_name = "TAG")]
    tag: Option<String>,
    /// Take the task: mark it in_progress, assign and lease it, atomically
    #[arg(long)]
    claim: bool,
    /// Assignee (the holder) for --claim [default: the actor]
    #[arg(long, value_name = "WHO", requires = "claim")]
    assign: Option<String>,
    /// How long the claim holds the task unless extended (30s, 15m, 2h, or off) [default: [tasks] lease, else 15m]
    #[arg(long, value_name = "DURATION", requires = "claim", value_parser = lease::parse_lease_arg)]
    lease: Option<LeaseArg>,
    /// Claim up to N tasks in one statement (1-1000); prints one id per line (json: an array)
    #[arg(long, value_name = "N", requires = "claim", value_parser = clap::value_parser!(u32).range(1..=1000))]
    limit: Option<u32>,
    /// Attempts before a task whose lease expired is given up [default: [tasks] max_attempts, else 3]
    #[arg(long, value_name = "N", requires = "claim", value_parser = clap::value_parser!(u32).range(1..=1000))]
    max_attempts: Option<u32>,
    /// Nothing claimable: wait up to this long for a task to become claimable (LISTEN/NOTIFY;
    /// exit 4 if none does)
    #[arg(long, value_name = "DURATION", requires = "claim", value_parser = crate::settings::parse_wait)]
    wait: Option<std::time::Duration>,
    /// With --wait: while the database cannot be reached (a failover), keep reconnecting this
    /// long, then exit 6 [default: [tasks] reconnect_for, else 60s]
    #[arg(long, value_name = "DURATION", requires = "wait", value_parser = crate::settings::parse_wait)]
    reconnect_for: Option<std::time::Duration>,
}

/// `--lease`: a duration, or `off` (None).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LeaseArg(pub Option<std::time::Duration>);

#[derive(Debug, Args)]
struct ImportArgs {
    /// The tasks.json file (`-` = stdin)
    file: PathBuf,
    /// Import only these tags (repeatable; default: every tag in the file)
    #[arg(long = "tag", short = 't', value_name = "TAG")]
    tags: Vec<String>,
    /// Report what would be created and updated; change nothing
    #[arg(long)]
    dry_run: bool,
    /// Refuse a file larger than this (1048576, 512kB, 16MB, 1GB)
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_max_size)]
    max_size: u64,
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// Export only these tags (repeatable; default: all)
    #[arg(long = "tag", short = 't', value_name = "TAG")]
    tags: Vec<String>,
    /// Write to FILE instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

impl TaskArgs {
    /// Which subcommands write (refused in read-only mode and on a standby).
    pub fn database_use(&self) -> DatabaseUse {
        let writes = match &self.cmd {
            TaskCmd::List(_)
            | TaskCmd::Search(_)
            | TaskCmd::Show(_)
            | TaskCmd::Tree(_)
            | TaskCmd::History(_)
            | TaskCmd::Export(_)
            | TaskCmd::Deps(DepsArgs {
                cmd: DepsCmd::List { .. },
            }) => return DatabaseUse::Reads,
            TaskCmd::Next(a) if !a.claim => return DatabaseUse::Reads,
            TaskCmd::Create(_) => "task create",
            TaskCmd::Update(_) => "task update",
            TaskCmd::Status(_) => "task status",
            TaskCmd::Delete(_) => "task delete",
            TaskCmd::Deps(_) => "task deps",
            TaskCmd::Next(_) => "task next --claim",
            TaskCmd::Heartbeat(_) => "task heartbeat",
            TaskCmd::Release(_) => "task release",
            TaskCmd::Import(_) => "task import",
        };
        DatabaseUse::Writes(writes)
    }
}

pub async fn run(args: TaskArgs, ctx: &Context) -> Result<Exit> {
    match args.cmd {
        TaskCmd::Create(a) => write::create(a, ctx).await,
        TaskCmd::List(a) => list::list(a, ctx).await,
        TaskCmd::Search(a) => list::search(a, ctx).await,
        TaskCmd::Show(a) => show::show(a, ctx).await,
        TaskCmd::Tree(a) => show::tree(a, ctx).await,
        TaskCmd::History(a) => list::history(a, ctx).await,
        TaskCmd::Update(a) => write::update(a, ctx).await,
        TaskCmd::Status(a) => write::status(a, ctx).await,
        TaskCmd::Delete(a) => write::delete(a, ctx).await,
        TaskCmd::Deps(a) => write::deps(a, ctx).await,
        TaskCmd::Next(a) => next::next(a, ctx).await,
        TaskCmd::Heartbeat(a) => lease::heartbeat(a, ctx).await,
        TaskCmd::Release(a) => lease::release(a, ctx).await,
        TaskCmd::Import(a) => transfer::import(a, ctx).await,
        TaskCmd::Export(a) => transfer::export(a, ctx).await,
    }
}
