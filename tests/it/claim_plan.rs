//! `task next` and claims read one index in Task Master's order, whatever the number of tasks
//! that are not candidates (V14): checked on the plans PostgreSQL really runs (auto_explain on
//! the statements inside `claim_tasks`, EXPLAIN ANALYZE for `task next`'s own SQL) over
//! 100,000 tasks — 70% open, dependency chains, subtasks, 10 tags. The shape is asserted,
//! never the time.

use std::sync::mpsc;

use serde_json::Value;

use crate::support::TestPg;

/// 100,000 tasks: 30% completed, the rest pending; within each run of 5 a task depends on the
/// previous one (so most pending tasks are blocked); every 50th task is the parent of the next
/// four (half of those parents in progress); tag `tag-<n % 10>`, and every 7th task carries
/// `extra` first and that tag second.
const SEED: &str = "
INSERT INTO tasks (title, priority, tags, status)
SELECT 'task ' || g, g % 11,
       CASE WHEN g % 7 = 0 THEN ARRAY['extra', 'tag-' || (g % 10)] ELSE ARRAY['tag-' || (g % 10)] END,
       CASE WHEN g % 10 < 3 THEN 'completed' ELSE 'pending' END
  FROM generate_series(1, 100000) AS g;
INSERT INTO task_dependencies (task_id, depends_on_task_id)
SELECT t.id, p.id FROM tasks t JOIN tasks p ON p.short_id = t.short_id - 1
 WHERE t.short_id % 5 <> 1 AND t.short_id % 50 NOT BETWEEN 1 AND 4;
UPDATE tasks c SET parent_task_id = p.id
  FROM tasks p
 WHERE p.short_id % 50 = 0 AND c.short_id BETWEEN p.short_id + 1 AND p.short_id + 4;
UPDATE tasks SET status = 'in_progress' WHERE short_id % 100 = 0 AND status = 'pending';
ANALYZE tasks; ANALYZE task_dependencies;
";

/// Every plan node of a JSON plan, depth first.
fn nodes(plan: &Value, out: &mut Vec<Value>) {
    out.push(plan.clone());
    for child in plan["Plans"].as_array().into_iter().flatten() {
        nodes(child, out);
    }
}

fn node_types(plan: &Value) -> Vec<String> {
    let mut all = Vec::new();
    nodes(plan, &mut all);
    all.iter()
        .map(|n| {
            format!(
                "{} {} {}",
                n["Node Type"].as_str().unwrap_or(""),
                n["Relation Name"].as_str().unwrap_or(""),
                n["Index Name"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// The plans auto_explain reports for the statements `sql` runs, by query text.
fn explained(db: &crate::support::TestDb, sql: &str, times: usize) -> Vec<(String, Value)> {
    let (tx, rx) = mpsc::channel::<String>();
    let mut config: postgres::Config = db.url().parse().unwrap();
    config.notice_callback(move |n| {
        let _ = tx.send(n.message().to_string());
    });
    let mut c = config.connect(postgres::NoTls).unwrap();
    c.batch_execute(
        "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; \
         SET auto_explain.log_nested_statements = on; SET auto_explain.log_analyze = on; \
         SET auto_explain.log_timing = off; SET auto_explain.log_format = json; \
         SET auto_explain.log_level = notice",
    )
    .unwrap();
    for _ in 0..times {
        c.batch_execute(sql).unwrap();
    }
    drop(c);
    rx.try_iter()
        .filter_map(|m| {
            let json = m.split_once("plan:")?.1.trim().to_string();
            let v: Value = serde_json::from_str(&json).ok()?;
            Some((v["Query Text"].as_str()?.to_string(), v["Plan"].clone()))
        })
        .collect()
}

/// The claim's choice, as it ran inside `claim_tasks` (the CTE statement), each time.
fn claim_plans(plans: &[(String, Value)]) -> Vec<Value> {
    plans
        .iter()
        .filter(|(q, _)| {
            let q = q.trim_start();
            q.starts_with("WITH c AS MATERIALIZED") || q.starts_with("WITH first AS MATERIALIZED")
        })
        .map(|(_, p)| p.clone())
        .collect()
}

#[test]
fn next_and_claims_read_one_index_whatever_is_not_claimable() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let mut c = db.client();
    c.batch_execute(SEED).unwrap();
    let claimable = |c: &mut postgres::Client, tag: Option<&str>| -> i64 {
        c.query_one(
            "SELECT count(*) FROM tasks t WHERE t.status = 'pending' AND t.open_blockers = 0 \
               AND (t.parent_task_id IS NULL OR t.parent_in_progress) \
               AND ($1::text IS NULL OR t.tags @> ARRAY[$1::text])",
            &[&tag],
        )
        .unwrap()
        .get(0)
    };
    let (all, tagged) = (claimable(&mut c, None), claimable(&mut c, Some("tag-3")));
    let total: i64 = c
        .query_one("SELECT count(*) FROM tasks", &[])
        .unwrap()
        .get(0);
    assert!(all > 1000 && all < total / 2, "{all} claimable of {total}");

    // Claims without a tag: eight in one session (PostgreSQL switches to a generic plan after
    // five), each an index scan of tasks_claim_idx that stops at the first row: no sort, no
    // other scan of tasks, nothing read and thrown away.
    let plans = explained(
        &db,
        "SELECT * FROM claim_tasks('planner', interval '15 minutes', NULL, 1, 3)",
        8,
    );
    let claims = claim_plans(&plans);
    assert_eq!(claims.len(), 8, "{plans:?}");
    for plan in &claims {
        let types = node_types(plan);
        assert!(
            types
                .iter()
                .any(|t| t.starts_with("Index Scan tasks tasks_claim_idx")),
            "{types:?}"
        );
        assert!(
            !types.iter().any(|t| t.starts_with("Seq Scan")),
            "{types:?}"
        );
        // The claimed ids are then updated through the primary key (a bitmap scan under the
        // generic plan V15 pins); no other index of tasks is read.
        assert!(
            types
                .iter()
                .filter(|t| t.starts_with("Bitmap Index Scan"))
                .all(|t| t.ends_with("tasks_pkey")),
            "{types:?}"
        );
        let mut all_nodes = Vec::new();
        nodes(plan, &mut all_nodes);
        let scan = all_nodes
            .iter()
            .find(|n| n["Index Name"] == "tasks_claim_idx")
            .unwrap();
        assert_eq!(scan["Actual Rows"], 1, "{scan}");
        assert_eq!(
            scan["Rows Removed by Filter"].as_i64().unwrap_or(0),
            0,
            "{scan}"
        );
        // The only sort is of the claimed row(s), after the choice.
        let sorts: Vec<_> = all_nodes
            .iter()
            .filter(|n| n["Node Type"] == "Sort")
            .collect();
        assert!(
            sorts.iter().all(|s| s["Actual Rows"].as_i64() <= Some(1)),
            "{sorts:?}"
        );
    }

    // With a tag: the tasks whose first tag it is come in order from tasks_claim_tag_idx (one
    // row read), those carrying it second from tasks_claim_more_tags_gin — exactly those, no
    // other tag's task is read.
    let further = |c: &mut postgres::Client| -> i64 {
        c.query_one(
            "SELECT count(*) FROM tasks t WHERE t.status = 'pending' AND t.open_blockers = 0 \
               AND (t.parent_task_id IS NULL OR t.parent_in_progress) \
               AND t.tags[1] <> 'tag-3' AND t.tags @> ARRAY['tag-3']",
            &[],
        )
        .unwrap()
        .get(0)
    };
    let tagged_further = further(&mut c);
    assert!(
        tagged_further > 10 && tagged_further < tagged / 2,
        "{tagged_further} of {tagged}"
    );
    let plans = explained(
        &db,
        "SELECT * FROM claim_tasks('planner', interval '15 minutes', 'tag-3', 1, 3)",
        8,
    );
    let claims = claim_plans(&plans);
    assert_eq!(claims.len(), 8, "{plans:?}");
    for plan in &claims {
        let types = node_types(plan);
        assert!(
            types
                .iter()
                .any(|t| t.starts_with("Index Scan tasks tasks_claim_tag_idx")),
            "{types:?}"
        );
        assert!(
            types
                .iter()
                .any(|t| t.starts_with("Bitmap Index Scan  tasks_claim_more_tags_gin")),
            "{types:?}"
        );
        assert!(
            !types.iter().any(|t| t.starts_with("Seq Scan")),
            "{types:?}"
        );
        assert!(
            !types.iter().any(|t| t.contains("tasks_claim_idx")),
            "{types:?}"
        );
        let mut all_nodes = Vec::new();
        nodes(plan, &mut all_nodes);
        let ordered = all_nodes
            .iter()
            .find(|n| n["Index Name"] == "tasks_claim_tag_idx")
            .unwrap();
        assert_eq!(ordered["Actual Rows"], 1, "{ordered}");
        let heap = all_nodes
            .iter()
            .find(|n| {
                n["Node Type"] == "Bitmap Heap Scan"
                    && n["Plans"][0]["Index Name"] == "tasks_claim_more_tags_gin"
            })
            .unwrap();
        // Every row read carries the tag further on and is claimable (none was claimed from
        // there: the first-tag tasks come first in this seed's order or tie-break).
        let read = heap["Actual Rows"].as_i64().unwrap()
            + heap["Rows Removed by Filter"].as_i64().unwrap_or(0)
            + heap["Rows Removed by Index Recheck"].as_i64().unwrap_or(0);
        assert!(read <= tagged_further, "{heap}");
        assert!(read >= further(&mut c), "{heap}");
    }

    // `task next` (pending and in-progress candidates): its own SQL, EXPLAIN ANALYZE.
    let next = taskdb::db::tasks::next_sql();
    let v: Value = c
        .query_one(
            &format!("EXPLAIN (ANALYZE, FORMAT JSON, TIMING OFF) {next}"),
            &[],
        )
        .unwrap()
        .get(0);
    let plan = &v[0]["Plan"];
    let types = node_types(plan);
    for index in ["tasks_claim_idx", "tasks_running_idx"] {
        assert!(
            types
                .iter()
                .any(|t| t.starts_with(&format!("Index Scan tasks {index}"))),
            "{types:?}"
        );
    }
    assert!(
        !types
            .iter()
            .any(|t| t.contains("Seq Scan") || t.contains("Bitmap")),
        "{types:?}"
    );
    // Each index is read up to its first row; only those two rows are sorted.
    let mut all_nodes = Vec::new();
    nodes(plan, &mut all_nodes);
    for n in all_nodes.iter().filter(|n| n["Node Type"] == "Index Scan") {
        assert!(n["Actual Rows"].as_i64() <= Some(1), "{n}");
    }
    let tagged_next = taskdb::db::tasks::next_tagged_sql();
    let v: Value = c
        .query_one(
            &format!(
                "EXPLAIN (ANALYZE, FORMAT JSON, TIMING OFF) {}",
                tagged_next.replace("$1::text", "'tag-3'::text")
            ),
            &[],
        )
        .unwrap()
        .get(0);
    let types = node_types(&v[0]["Plan"]);
    // Pending candidates through the tag's indexes; in-progress ones (as many as tasks being
    // worked on) through tasks_running_idx.
    for index in [
        "Index Scan tasks tasks_claim_tag_idx",
        "Bitmap Index Scan  tasks_claim_more_tags_gin",
    ] {
        assert!(types.iter().any(|t| t.starts_with(index)), "{types:?}");
    }
    assert!(
        types.iter().any(|t| t.contains("tasks_running_idx")),
        "{types:?}"
    );
    assert!(!types.iter().any(|t| t.contains("Seq Scan")), "{types:?}");
}
