//! The schema as pg_dump sees it: a raw `--schema-only` dump of a test database, and the
//! normalised form committed as `migrations/schema.sql`.

use super::TestDb;

/// `pg_dump --schema-only` of `db` with extra flags, as text (the cluster's own pg_dump).
pub fn pg_dump_schema(db: &TestDb, flags: &[&str]) -> String {
    let out = std::process::Command::new(db.pg.bindir.join("pg_dump"))
        .args(["--schema-only", "-d", &db.url()])
        .args(flags)
        .output()
        .expect("run pg_dump");
    assert!(
        out.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("pg_dump printed UTF-8")
}

/// The header of `migrations/schema.sql`.
const HEADER: &str = "\
-- The schema after all migrations: `pg_dump --schema-only --no-owner --no-privileges
-- --no-tablespaces` of a freshly migrated database, without refinery's history table and the
-- monthly partitions (<table>_pYYYYMM, named after the month the migration ran), and without
-- pg_dump's version header, SET lines and \\restrict keys. Generated; do not edit. Regenerate
-- with: TASKDB_UPDATE_GENERATED=1 cargo test --test it generated
";

/// `migrations/schema.sql` for a migrated database: only what the migrations made, and
/// nothing that differs between two runs, machines or dates.
pub fn snapshot(db: &TestDb) -> String {
    let raw = pg_dump_schema(
        db,
        &[
            "--no-owner",
            "--no-privileges",
            "--no-tablespaces",
            "--exclude-table=refinery_schema_history",
            "--exclude-table=*_p[0-9][0-9][0-9][0-9][0-9][0-9]",
        ],
    );
    normalise(&raw)
}

/// Drop what depends on the pg_dump version or the run (the version header, SET lines, the
/// random `\restrict` key of newer pg_dumps), the bare `--` lines that framed them, and runs
/// of blank lines.
fn normalise(raw: &str) -> String {
    let noise = |l: &str| {
        l.starts_with("SET ")
            || l.starts_with("SELECT pg_catalog.set_config('search_path'")
            || l.starts_with("\\restrict ")
            || l.starts_with("\\unrestrict ")
            || l == "-- PostgreSQL database dump"
            || l == "-- PostgreSQL database dump complete"
            || l.starts_with("-- Dumped from database version ")
            || l.starts_with("-- Dumped by pg_dump version ")
    };
    let kept: Vec<&str> = raw.lines().filter(|l| !noise(l)).collect();
    let comment = |i: Option<usize>| {
        i.and_then(|i| kept.get(i))
            .is_some_and(|l| l.starts_with("-- "))
    };
    let mut out = format!("{HEADER}\n");
    let mut after_blank = true;
    for (i, line) in kept.iter().enumerate() {
        if *line == "--" && !comment(i.checked_sub(1)) && !comment(Some(i + 1)) {
            continue;
        }
        let blank = line.trim().is_empty();
        if blank && after_blank {
            continue;
        }
        after_blank = blank;
        out.push_str(line);
        out.push('\n');
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
