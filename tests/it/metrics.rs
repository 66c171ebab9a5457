//! `taskdb metrics record|dump|prune` on a migrated database.

use std::time::Duration;

use serde_json::Value;

use crate::support::metrics::{parse_prometheus, seed_months};
use crate::support::{Sandbox, Taskdb, TestDb, TestPg};

/// `taskdb metrics <args>` on the sandbox's database (a hang fails after a minute).
fn metrics(sb: &Sandbox, args: &[&str]) -> Taskdb {
    sb.taskdb(&["metrics"])
        .args(args)
        .timeout(Duration::from_secs(60))
}

fn count(db: &TestDb) -> i64 {
    db.client()
        .query_one("SELECT count(*) FROM system_metrics", &[])
        .unwrap()
        .get(0)
}

#[test]
fn record_stores_one_row_and_bad_input_stores_none() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let doc = metrics(
        &sb,
        &[
            "--format",
            "json",
            "record",
            "queue_depth",
            "-3.5",
            "--component",
            "scheduler",
            "--unit",
            "count",
            "--type",
            "counter",
            "--tag",
            "env=prod",
            "--tag",
            "region=eu",
        ],
    )
    .ok()
    .json();
    let id = doc["id"].as_i64().unwrap();
    let row = db
        .client()
        .query_one(
            "SELECT metric_name, metric_value, component, metric_unit, metric_type, tags FROM system_metrics WHERE id = $1",
            &[&id],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "queue_depth");
    assert_eq!(row.get::<_, f64>(1), -3.5);
    assert_eq!(row.get::<_, String>(2), "scheduler");
    assert_eq!(row.get::<_, String>(3), "count");
    assert_eq!(row.get::<_, String>(4), "counter");
    assert_eq!(
        row.get::<_, Value>(5),
        serde_json::json!({"env": "prod", "region": "eu"})
    );

    let before = count(&db);
    for (args, expect) in [
        (vec!["record", "x", "abc"], "not a finite number"),
        (vec!["record", "x", "NaN"], "not a finite number"),
        (
            vec!["record", "x", "1", "--type", "nosuch"],
            "invalid value 'nosuch'",
        ),
        (
            vec!["record", "x", "1", "--unit", "furlongs"],
            "unit \"furlongs\" is not allowed",
        ),
        (vec!["record", " ", "1"], "must not be blank"),
        (vec!["record", "x", "1e308"], "out of range: at most ±1e300"),
        (vec!["record", "x", "-2e300"], "out of range"),
        (
            vec!["record", "x", "1", "--tag", "novalue"],
            "expected KEY=VALUE",
        ),
    ] {
        let r = metrics(&sb, &args).expect_exit(2);
        r.stdout_is("").stderr_contains(expect);
        assert!(r.stderr.starts_with("error: "), "{r}");
    }
    assert_eq!(count(&db), before, "nothing written");
}

/// percentile_cont: linear interpolation between the closest ranks.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let pos = p * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

#[test]
fn dump_aggregates_match_independent_arithmetic() {
    let db = TestPg::get().migrated_db();
    let mut c = db.client();
    // Three hours of samples with known values, two hours ago and older.
    let base: i64 = c
        .query_one(
            "SELECT (floor(extract(epoch FROM now()) / 3600) * 3600 - 3 * 3600)::int8",
            &[],
        )
        .unwrap()
        .get(0);
    let mut expected: Vec<(i64, Vec<f64>)> = Vec::new();
    for hour in 0..3i64 {
        let mut vals = Vec::new();
        for i in 0..7i64 {
            let v = ((hour + 1) * 10 + i * i) as f64 + 0.25;
            let at = base + hour * 3600 + i * 300;
            c.execute(
                "SELECT record_metric('latency_ms', $1, 'api', p_recorded_at => to_timestamp($2::float8))",
                &[&v, &(at as f64)],
            )
            .unwrap();
            vals.push(v);
        }
        vals.sort_by(f64::total_cmp);
        expected.push((base + hour * 3600, vals));
    }
    c.execute(
        "SELECT record_metric('other', 1, 'api', p_recorded_at => to_timestamp($1::float8))",
        &[&(base as f64)],
    )
    .unwrap();
    let sb = Sandbox::on(&db);
    let since = chrono::DateTime::from_timestamp(base, 0)
        .unwrap()
        .to_rfc3339();
    for agg in ["avg", "min", "max", "sum", "count", "p50", "p95", "p99"] {
        let r = metrics(
            &sb,
            &[
                "--format",
                "json",
                "dump",
                "--name",
                "latency_ms",
                "--since",
                &since,
                "--bucket",
                "1h",
                "--agg",
                agg,
            ],
        )
        .ok();
        let rows: Vec<Value> = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(rows.len(), 3, "{r}");
        for (row, (start, vals)) in rows.iter().zip(&expected) {
            let want = match agg {
                "avg" => vals.iter().sum::<f64>() / vals.len() as f64,
                "min" => vals[0],
                "max" => vals[vals.len() - 1],
                "sum" => vals.iter().sum(),
                "count" => vals.len() as f64,
                "p50" => percentile(vals, 0.5),
                "p95" => percentile(vals, 0.95),
                _ => percentile(vals, 0.99),
            };
            let got = row["value"].as_f64().unwrap();
            assert!(
                (got - want).abs() < 1e-9,
                "{agg} bucket {start}: {got} vs {want}"
            );
            assert_eq!(row["samples"], 7);
            assert_eq!(
                chrono::DateTime::parse_from_rfc3339(row["bucket_start"].as_str().unwrap())
                    .unwrap()
                    .timestamp(),
                *start
            );
        }
    }
    // The same numbers through SQL, to be sure the buckets are the ones PostgreSQL would form.
    let sql_avg: Vec<f64> = c
        .query(
            "SELECT avg(metric_value) FROM system_metrics WHERE metric_name = 'latency_ms'
             GROUP BY date_trunc('hour', recorded_at) ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let csv = metrics(
        &sb,
        &[
            "--format",
            "csv",
            "dump",
            "--name",
            "latency_ms",
            "--bucket",
            "1h",
        ],
    )
    .run();
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(lines[0], "bucket_start,name,agg,value,samples");
    let mut csv_avg: Vec<f64> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(3).unwrap().parse().unwrap())
        .collect();
    csv_avg.sort_by(f64::total_cmp);
    let mut sql_sorted = sql_avg.clone();
    sql_sorted.sort_by(f64::total_cmp);
    assert_eq!(csv_avg.len(), sql_sorted.len());
    for (a, b) in csv_avg.iter().zip(&sql_sorted) {
        assert!((a - b).abs() < 1e-9);
    }

    // Raw samples, paginated.
    let r = metrics(
        &sb,
        &[
            "--format",
            "json",
            "dump",
            "--component",
            "api",
            "--limit",
            "20",
        ],
    )
    .ok();
    assert_eq!(r.json().as_array().unwrap().len(), 20);
    r.stderr_contains("--offset 20");
    let r = metrics(
        &sb,
        &[
            "--format",
            "json",
            "dump",
            "--component",
            "api",
            "--limit",
            "20",
            "--offset",
            "20",
        ],
    )
    .run();
    let page: Vec<Value> = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(page.len(), 2, "22 samples in all");
    r.stderr_lacks("--offset");

    // Prometheus: newest value per series, parseable, no timestamps.
    let r = metrics(
        &sb,
        &["--format", "prometheus", "dump", "--component", "api"],
    )
    .ok();
    let series = parse_prometheus(&r.stdout);
    let newest = expected[2].1.iter().cloned().fold(f64::MIN, f64::max);
    assert_eq!(
        series["taskdb_latency_ms{component=\"api\"}"],
        (3 * 10 + 36) as f64 + 0.25
    );
    assert!(newest >= 66.25);
}

#[test]
fn dump_rejects_bad_times_and_buckets() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    for (args, expect) in [
        (
            vec!["dump", "--since", "yesterday-ish"],
            "neither a duration",
        ),
        (vec!["dump", "--until", "soonish"], "neither a duration"),
        (vec!["dump", "--bucket", "0s"], "at least 1s"),
        (vec!["dump", "--bucket", "fortnightly"], "not a duration"),
        (
            vec!["dump", "--since", "1h", "--until", "2h"],
            "--since must be before --until",
        ),
        (vec!["dump", "--limit", "0"], "--limit must be at least 1"),
        (vec!["prune", "--older-than", "-5d"], "negative"),
        (vec!["prune", "--older-than", "5s"], "at least 1m"),
    ] {
        metrics(&sb, &args)
            .expect_exit(2)
            .stdout_is("")
            .stderr_contains(expect)
            .stderr_line();
    }
}

fn partitions(db: &TestDb) -> Vec<String> {
    db.client()
        .query(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'system_metrics'::regclass ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn prune_drops_whole_old_partitions_and_deletes_the_rest() {
    let db = TestPg::get().migrated_db();
    let old = seed_months(&db);
    let sb = Sandbox::on(&db);
    let before_parts = partitions(&db);
    let before_rows = count(&db);
    let dry = metrics(
        &sb,
        &[
            "--format",
            "json",
            "prune",
            "--older-than",
            "30d",
            "--dry-run",
        ],
    )
    .ok()
    .json();
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["rows_removed"], 4, "{dry:#}");
    let mut dropped: Vec<String> = dry["partitions_dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    dropped.sort();
    let mut want = old.clone();
    want.sort();
    assert_eq!(dropped, want);
    assert_eq!(partitions(&db), before_parts, "a dry run changes nothing");
    assert_eq!(count(&db), before_rows);

    let done = metrics(&sb, &["--format", "json", "prune", "--older-than", "30d"])
        .ok()
        .json();
    assert_eq!(done["rows_removed"], 4);
    assert_eq!(done["partitions_dropped"].as_array().unwrap().len(), 3);
    let now_parts = partitions(&db);
    for p in &old {
        assert!(!now_parts.contains(p), "{p} still there");
    }
    let names: Vec<String> = db
        .client()
        .query("SELECT metric_name FROM system_metrics", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, vec!["recent".to_string()]);
    // Again: nothing left to do.
    let again = metrics(&sb, &["--format", "json", "prune", "--older-than", "30d"])
        .run()
        .json();
    assert_eq!(again["rows_removed"], 0);
}

#[test]
fn dump_of_values_near_the_float8_limit_never_fails_with_a_raw_error() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    // The largest value `record` takes: its sums stay finite.
    for _ in 0..3 {
        metrics(&sb, &["record", "big", "1e300"]).ok();
    }
    let rows = metrics(
        &sb,
        &[
            "--format", "json", "dump", "--name", "big", "--bucket", "1d", "--agg", "sum",
        ],
    )
    .ok()
    .json();
    assert_eq!(rows[0]["value"], 3e300);
    // Another client (the schema only asks for finite values) stores 1e308 twice.
    db.client()
        .batch_execute("SELECT record_metric('huge', 1e308); SELECT record_metric('huge', 1e308);")
        .unwrap();
    for agg in ["sum", "avg"] {
        let r = metrics(
            &sb,
            &["dump", "--name", "huge", "--bucket", "1d", "--agg", agg],
        )
        .expect_exit(1);
        r.stdout_is("");
        assert!(
            r.stderr_line().starts_with(&format!(
                "error: the {agg} of a bucket is beyond the float8 range"
            )),
            "{r}"
        );
    }
    metrics(
        &sb,
        &["dump", "--name", "huge", "--bucket", "1d", "--agg", "max"],
    )
    .ok();
}

#[test]
fn prometheus_dump_keeps_full_precision() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    // A small ratio and a sub-microsecond duration used to print as 0 (rounded to 6 decimals).
    for (name, value) in [
        ("tiny_ratio", "0.0000004"),
        ("probe_seconds", "0.000000123"),
        ("precise", "0.1234567890123"),
    ] {
        metrics(&sb, &["record", name, value, "--component", "exact"]).ok();
    }
    let r = metrics(
        &sb,
        &["--format", "prometheus", "dump", "--component", "exact"],
    )
    .ok();
    let series = parse_prometheus(&r.stdout);
    assert_eq!(
        series["taskdb_tiny_ratio{component=\"exact\"}"], 4e-7,
        "{r}"
    );
    assert_eq!(
        series["taskdb_probe_seconds{component=\"exact\"}"], 1.23e-7,
        "{r}"
    );
    assert_eq!(
        series["taskdb_precise{component=\"exact\"}"], 0.1234567890123,
        "{r}"
    );
    r.stdout_contains("{component=\"exact\"} 4e-7\n");
}
