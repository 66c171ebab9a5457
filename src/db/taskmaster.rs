//! Task Master import and export against the database: binary COPY into temporary staging
//! tables, then set-based upserts keyed by `external_key`, all in one transaction.

use std::collections::{HashMap, HashSet, VecDeque};

use anyhow::Result;
use futures_util::pin_mut;
use serde::Serialize;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;
use uuid::Uuid;

use crate::db::{db_error, Db, Tx};
use crate::exit::usage;
use crate::taskmaster::{ExportRow, ImportSet, JsonText};

/// Sent as it is: jsonb's binary input is a version byte (1) followed by the JSON text.
impl tokio_postgres::types::ToSql for JsonText {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        if *ty == Type::JSONB {
            out.extend_from_slice(&[1]);
        }
        out.extend_from_slice(self.0.as_bytes());
        Ok(tokio_postgres::types::IsNull::No)
    }

    tokio_postgres::types::accepts!(JSON, JSONB);
    tokio_postgres::types::to_sql_checked!();
}

/// What an import did (or, with --dry-run, would do).
#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub tags: Vec<String>,
    pub tasks_in_file: usize,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    /// Dependency edges in the file.
    pub dependencies: usize,
    pub dependencies_added: u64,
    pub dependencies_removed: u64,
    /// Status steps applied to existing tasks (each one an allowed transition).
    pub status_changes: usize,
}

/// The shortest way from one status to another along the allowed transitions.
fn status_path(edges: &HashMap<String, Vec<String>>, from: &str, to: &str) -> Option<Vec<String>> {
    let mut prev: HashMap<String, String> = HashMap::new();
    let mut queue = VecDeque::from([from.to_string()]);
    let mut seen = HashSet::from([from.to_string()]);
    while let Some(cur) = queue.pop_front() {
        if cur == to {
            let mut path = vec![cur.clone()];
            let mut c = cur;
            while let Some(p) = prev.get(&c) {
                if p == from {
                    break;
                }
                path.push(p.clone());
                c = p.clone();
            }
            path.reverse();
            return Some(path);
        }
        for n in edges.get(&cur).into_iter().flatten() {
            if seen.insert(n.clone()) {
                prev.insert(n.clone(), cur.clone());
                queue.push_back(n.clone());
            }
        }
    }
    None
}

/// Key of the transaction advisory lock that serialises imports ("taskdbim").
const IMPORT_LOCK_KEY: i64 = 0x7461_736b_6462_696d;

/// Import a parsed file. Either everything is written or nothing (one transaction).
pub async fn import(client: &mut Db, set: &ImportSet, dry_run: bool) -> Result<ImportReport> {
    let tx = client.transaction();
    stage_file(&tx, set).await?;
    let mut report = count_changes(&tx, set, dry_run).await?;
    if dry_run {
        tx.rollback().await.map_err(db_error)?;
        return Ok(report);
    }
    insert_new_tasks(&tx).await?;
    let existing = report.updated + report.unchanged;
    // Existing tasks (none on a first import): update what differs, the status separately
    // along allowed transitions. Tags and metadata are merged so that what was added in taskdb
    // stays.
    if existing > 0 {
        update_existing(&tx, &mut report).await?;
    }

    sync_dependencies(&tx, &mut report, existing).await?;
    // Statistics for what was just bulk-written, committed with it: the next command (a
    // `task show` right after a 100,000-task import) is planned on the real sizes instead of
    // waiting for autovacuum.
    if report.created + report.updated >= ANALYZE_AFTER_ROWS
        || (report.dependencies_added + report.dependencies_removed) as i64 >= ANALYZE_AFTER_ROWS
    {
        tx.batch_execute("ANALYZE tasks; ANALYZE task_dependencies;")
            .await
            .map_err(db_error)?;
    }
    tx.commit().await.map_err(db_error)?;
    Ok(report)
}

/// Take the import lock, then copy the file's rows and edges into staging tables (dropped at
/// commit) that the set-based statements below join against.
async fn stage_file(tx: &Tx<'_>, set: &ImportSet) -> Result<()> {
    // Imports run one at a time: two imports of one file would otherwise both see a key as new
    // and the second fail on the unique external key. Waiting is right (the second then finds
    // the tasks and updates nothing); a transaction lock also holds through a transaction pooler.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&IMPORT_LOCK_KEY])
        .await
        .map_err(db_error)?;
    // The bulk joins below (staging tables against tasks and task_dependencies) are hash or
    // merge joins whatever the statistics say: an ANALYZE that ran while this transaction's
    // rows were invisible to it says `tasks` is empty, and a nested loop chosen on that word
    // rescans the table once per imported row (a 50,000-task import took 520 s instead of 6).
    // The graph functions the triggers call keep nested loops for their index lookups.
    tx.batch_execute("SET LOCAL enable_nestloop = off")
        .await
        .map_err(db_error)?;
    tx.batch_execute(
        "CREATE TEMP TABLE tm_stage (ord int, external_key text, parent_key text, title text, \
           description text, details text, test_strategy text, status text, priority smallint, \
           tags text[], metadata jsonb) ON COMMIT DROP; \
         CREATE TEMP TABLE tm_deps (task_key text, dep_key text) ON COMMIT DROP;",
    )
    .await
    .map_err(db_error)?;

    let sink = tx
        .copy_in("COPY tm_stage FROM STDIN (FORMAT binary)")
        .await
        .map_err(db_error)?;
    let types = [
        Type::INT4,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::INT2,
        Type::TEXT_ARRAY,
        Type::JSONB,
    ];
    let writer = BinaryCopyInWriter::new(sink, &types);
    pin_mut!(writer);
    for (i, r) in set.rows.iter().enumerate() {
        let ord = i as i32;
        let status = r.status.to_string();
        let priority = r.priority as i16;
        writer
            .as_mut()
            .write(&[
                &ord,
                &r.external_key,
                &r.parent_key,
                &r.title,
                &r.description,
                &r.details,
                &r.test_strategy,
                &status,
                &priority,
                &r.tags,
                &r.metadata,
            ])
            .await
            .map_err(db_error)?;
    }
    writer.finish().await.map_err(db_error)?;

    let sink = tx
        .copy_in("COPY tm_deps FROM STDIN (FORMAT binary)")
        .await
        .map_err(db_error)?;
    let writer = BinaryCopyInWriter::new(sink, &[Type::TEXT, Type::TEXT]);
    pin_mut!(writer);
    for d in &set.deps {
        writer
            .as_mut()
            .write(&[&d.task_key, &d.depends_on_key])
            .await
            .map_err(db_error)?;
    }
    writer.finish().await.map_err(db_error)?;
    tx.batch_execute("ANALYZE tm_stage; ANALYZE tm_deps;")
        .await
        .map_err(db_error)?;

    Ok(())
}

/// What the import would change: new keys, existing rows whose imported fields differ.
async fn count_changes(tx: &Tx<'_>, set: &ImportSet, dry_run: bool) -> Result<ImportReport> {
    let counts = tx
        .query_one(
            "SELECT count(*) FILTER (WHERE t.id IS NULL), \
                    count(*) FILTER (WHERE t.id IS NOT NULL AND ( \
                        t.title IS DISTINCT FROM s.title OR t.description IS DISTINCT FROM s.description \
                        OR t.details IS DISTINCT FROM s.details OR t.test_strategy IS DISTINCT FROM s.test_strategy \
                        OR t.status IS DISTINCT FROM s.status OR t.priority IS DISTINCT FROM s.priority \
                        OR t.metadata -> 'taskmaster' IS DISTINCT FROM s.metadata -> 'taskmaster' \
                        OR NOT t.tags @> s.tags \
                        OR t.parent_task_id IS DISTINCT FROM p.id)), \
                    count(*) FILTER (WHERE t.id IS NOT NULL) \
               FROM tm_stage s \
               LEFT JOIN tasks t ON t.external_key = s.external_key \
               LEFT JOIN tasks p ON p.external_key = s.parent_key",
            &[],
        )
        .await
        .map_err(db_error)?;
    let created: i64 = counts.try_get(0)?;
    let updated: i64 = counts.try_get(1)?;
    let existing: i64 = counts.try_get(2)?;
    Ok(ImportReport {
        dry_run,
        tags: set.tags.iter().map(|t| t.name.clone()).collect(),
        tasks_in_file: set.rows.len(),
        created,
        updated,
        unchanged: existing - updated,
        dependencies: set.deps.len(),
        ..ImportReport::default()
    })
}

/// Insert the tasks whose keys are new.
async fn insert_new_tasks(tx: &Tx<'_>) -> Result<()> {
    // New tasks: parents first (file order), then subtasks under their parent's id. Each one
    // arrives with its count of open blockers as the file's edges will make it, so that the
    // dependency triggers' recount below finds nothing to rewrite (a second version of every
    // blocked row, with all its index entries, would cost more than the insert).
    tx.batch_execute(
        "CREATE TEMP TABLE tm_blockers ON COMMIT DROP AS \
           SELECT x.task_key, \
                  (count(*) FILTER (WHERE coalesce(ds.status, dt.status) <> 'completed'))::integer AS n, \
                  count(*)::integer AS total \
             FROM tm_deps x \
             LEFT JOIN tm_stage ds ON ds.external_key = x.dep_key \
             LEFT JOIN tasks dt ON dt.external_key = x.dep_key \
            GROUP BY x.task_key; \
         ANALYZE tm_blockers;",
    )
    .await
    .map_err(db_error)?;
    tx.execute(
        "INSERT INTO tasks (external_key, title, description, details, test_strategy, status, \
                            priority, tags, metadata, open_blockers, blocking_dependencies) \
         SELECT s.external_key, s.title, s.description, s.details, s.test_strategy, s.status, \
                s.priority, s.tags, s.metadata, coalesce(b.n, 0), coalesce(b.total, 0) \
           FROM tm_stage s LEFT JOIN tm_blockers b ON b.task_key = s.external_key \
          WHERE s.parent_key IS NULL \
            AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.external_key = s.external_key) \
          ORDER BY s.ord",
        &[],
    )
    .await
    .map_err(db_error)?;
    tx.execute(
        "INSERT INTO tasks (external_key, parent_task_id, title, description, details, \
                            test_strategy, status, priority, tags, metadata, open_blockers, \
                            blocking_dependencies) \
         SELECT s.external_key, p.id, s.title, s.description, s.details, s.test_strategy, s.status, \
                s.priority, s.tags, s.metadata, coalesce(b.n, 0), coalesce(b.total, 0) \
           FROM tm_stage s JOIN tasks p ON p.external_key = s.parent_key \
           LEFT JOIN tm_blockers b ON b.task_key = s.external_key \
          WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.external_key = s.external_key) \
          ORDER BY s.ord",
        &[],
    )
    .await
    .map_err(db_error)?;

    Ok(())
}

/// Drop edges between imported tasks that the file no longer has (when some of its tasks
/// existed), add new ones, and make blocking again an edge the file has that was made
/// 'related' in taskdb.
async fn sync_dependencies(tx: &Tx<'_>, report: &mut ImportReport, existing: i64) -> Result<()> {
    if existing > 0 {
        report.dependencies_removed = tx
            .execute(
                "DELETE FROM task_dependencies d USING tasks t, tasks o, tm_stage s \
              WHERE t.id = d.task_id AND o.id = d.depends_on_task_id \
                AND s.external_key = t.external_key AND o.external_key LIKE 'taskmaster:%' \
                AND NOT EXISTS (SELECT 1 FROM tm_deps x WHERE x.task_key = t.external_key \
                                   AND x.dep_key = o.external_key)",
                &[],
            )
            .await
            .map_err(db_error)?;
    }
    report.dependencies_added = tx
        .execute(
            "INSERT INTO task_dependencies (task_id, depends_on_task_id, dependency_type) \
             SELECT t.id, o.id, 'blocks' FROM tm_deps x \
               JOIN tasks t ON t.external_key = x.task_key \
               JOIN tasks o ON o.external_key = x.dep_key \
              WHERE NOT EXISTS (SELECT 1 FROM task_dependencies e \
                                 WHERE e.task_id = t.id AND e.depends_on_task_id = o.id)",
            &[],
        )
        .await
        .map_err(db_error)?;
    // An edge made 'related' in taskdb becomes blocking again when the file has it.
    // (Existing edges are left out of the INSERT above: its row triggers would run the cycle
    // check for every edge of a re-import before ON CONFLICT could skip it.)
    report.dependencies_added += tx
        .execute(
            "UPDATE task_dependencies e SET dependency_type = 'blocks' \
               FROM tm_deps x JOIN tasks t ON t.external_key = x.task_key \
                              JOIN tasks o ON o.external_key = x.dep_key \
              WHERE e.task_id = t.id AND e.depends_on_task_id = o.id AND e.dependency_type <> 'blocks'",
            &[],
        )
        .await
        .map_err(db_error)?;
    Ok(())
}

/// Imports that write at least this many rows analyze what they wrote before committing.
const ANALYZE_AFTER_ROWS: i64 = 1_000;

/// Update the tasks of the file that already exist: fields, then statuses step by step.
async fn update_existing(tx: &Tx<'_>, report: &mut ImportReport) -> Result<()> {
    tx.execute(
        "UPDATE tasks t SET title = s.title, description = s.description, details = s.details, \
                test_strategy = s.test_strategy, priority = s.priority, \
                metadata = t.metadata || s.metadata, \
                tags = t.tags || ARRAY(SELECT x FROM unnest(s.tags) x WHERE x <> ALL (t.tags)), \
                parent_task_id = p.id \
           FROM tm_stage s LEFT JOIN tasks p ON p.external_key = s.parent_key \
          WHERE t.external_key = s.external_key \
            AND (t.title IS DISTINCT FROM s.title OR t.description IS DISTINCT FROM s.description \
                 OR t.details IS DISTINCT FROM s.details OR t.test_strategy IS DISTINCT FROM s.test_strategy \
                 OR t.priority IS DISTINCT FROM s.priority \
                 OR t.metadata -> 'taskmaster' IS DISTINCT FROM s.metadata -> 'taskmaster' \
                 OR NOT t.tags @> s.tags OR t.parent_task_id IS DISTINCT FROM p.id)",
        &[],
    )
    .await
    .map_err(db_error)?;

    let changes = tx
        .query(
            "SELECT t.id, t.status, s.status FROM tm_stage s JOIN tasks t ON t.external_key = s.external_key \
              WHERE t.status <> s.status",
            &[],
        )
        .await
        .map_err(db_error)?;
    if !changes.is_empty() {
        let mut edges: HashMap<String, Vec<String>> = HashMap::new();
        for r in tx
            .query(
                "SELECT from_status, to_status FROM task_status_transitions",
                &[],
            )
            .await
            .map_err(db_error)?
        {
            edges.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
        }
        // Step k of every task's path goes in one statement.
        let mut steps: Vec<(Vec<Uuid>, Vec<String>)> = Vec::new();
        for r in &changes {
            let id: Uuid = r.try_get(0)?;
            let from: String = r.try_get(1)?;
            let to: String = r.try_get(2)?;
            let path = status_path(&edges, &from, &to).ok_or_else(|| {
                usage(format!(
                    "no allowed way from status {from} to {to} for an imported task"
                ))
            })?;
            for (k, s) in path.into_iter().enumerate() {
                if steps.len() <= k {
                    steps.push((Vec::new(), Vec::new()));
                }
                steps[k].0.push(id);
                steps[k].1.push(s);
                report.status_changes += 1;
            }
        }
        for (ids, statuses) in steps {
            tx.execute(
                "SELECT count(update_task_status(v.id, v.status, 'Task Master import')) \
                   FROM unnest($1::uuid[], $2::text[]) AS v(id, status)",
                &[&ids, &statuses],
            )
            .await
            .map_err(db_error)?;
        }
    }
    Ok(())
}

/// Every task, as export needs it, in short-id order.
pub async fn export_rows(client: &Db) -> Result<Vec<ExportRow>> {
    let rows = client
        .query(
            "SELECT t.id, t.parent_task_id, t.short_id, t.title, t.description, t.details, \
                    t.test_strategy, t.status, t.priority, t.metadata, \
                    coalesce(d.deps, '{}'), t.created_at, t.updated_at \
               FROM tasks t \
               LEFT JOIN (SELECT task_id, array_agg(depends_on_task_id) AS deps \
                            FROM task_dependencies WHERE dependency_type = 'blocks' \
                           GROUP BY task_id) d ON d.task_id = t.id \
              ORDER BY t.short_id",
            &[],
        )
        .await
        .map_err(db_error)?;
    rows.iter()
        .map(|r| {
            let priority: i16 = r.try_get(8)?;
            Ok(ExportRow {
                key: r.try_get(0)?,
                parent: r.try_get(1)?,
                short_id: r.try_get(2)?,
                title: r.try_get(3)?,
                description: r.try_get(4)?,
                details: r.try_get(5)?,
                test_strategy: r.try_get(6)?,
                status: r.try_get(7)?,
                priority: i32::from(priority),
                metadata: r.try_get(9)?,
                depends_on: r.try_get(10)?,
                created_at: r.try_get(11)?,
                updated_at: r.try_get(12)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn status_paths_follow_allowed_transitions() {
        let mut e: HashMap<String, Vec<String>> = HashMap::new();
        for (a, b) in [
            ("pending", "in_progress"),
            ("in_progress", "completed"),
            ("completed", "in_progress"),
            ("in_progress", "pending"),
        ] {
            e.entry(a.into()).or_default().push(b.into());
        }
        assert_eq!(
            status_path(&e, "pending", "completed").unwrap(),
            vec!["in_progress", "completed"]
        );
        assert_eq!(
            status_path(&e, "completed", "pending").unwrap(),
            vec!["in_progress", "pending"]
        );
        assert_eq!(
            status_path(&e, "pending", "in_progress").unwrap(),
            vec!["in_progress"]
        );
        assert!(status_path(&e, "pending", "nowhere").is_none());
    }
}
