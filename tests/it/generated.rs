//! Generated files that are committed, and fail a test when they drift: `completions/` and
//! `man/` (from the clap definition), `migrations/schema.sql` (the schema after all
//! migrations) and `migrations/checksums.txt` (the released migrations, which never change).
//! Regenerate with `TASKDB_UPDATE_GENERATED=1 cargo test --test it generated`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use taskdb::cli::completions::{completion_scripts, man_pages};

use crate::support::TestPg;

const REGENERATE: &str = "TASKDB_UPDATE_GENERATED=1 cargo test --test it generated";

fn update() -> bool {
    std::env::var_os("TASKDB_UPDATE_GENERATED").is_some()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn check_dir(dir: &str, files: Vec<(String, Vec<u8>)>) {
    let root = root().join(dir);
    if update() {
        if root.exists() {
            std::fs::remove_dir_all(&root).unwrap();
        }
        std::fs::create_dir_all(&root).unwrap();
    }
    let mut expected_names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    for (name, contents) in files {
        let path = root.join(&name);
        if update() {
            std::fs::write(&path, &contents).unwrap();
            continue;
        }
        let committed = std::fs::read(&path)
            .unwrap_or_else(|_| panic!("{dir}/{name} is missing; run {REGENERATE}"));
        assert!(
            committed == contents,
            "{dir}/{name} is out of date; run {REGENERATE}"
        );
    }
    let mut present: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    present.sort();
    expected_names.sort();
    assert_eq!(present, expected_names, "{dir}/ has stale or missing files");
}

#[test]
fn completions_are_up_to_date() {
    check_dir("completions", completion_scripts());
}

#[test]
fn man_pages_are_up_to_date() {
    check_dir("man", man_pages().unwrap());
}

/// The lines only one side has (as a multiset, in order): a short summary of a text diff.
fn diff_summary(committed: &str, now: &str, max: usize) -> String {
    let count = |text: &str| {
        let mut m: BTreeMap<String, i64> = BTreeMap::new();
        for l in text.lines() {
            *m.entry(l.to_string()).or_default() += 1;
        }
        m
    };
    let (mut old, mut new) = (count(committed), count(now));
    let mut lines = Vec::new();
    for l in committed.lines() {
        let n = new.entry(l.to_string()).or_default();
        if *n > 0 {
            *n -= 1;
        } else {
            lines.push(format!("- {l}"));
        }
    }
    for l in now.lines() {
        let o = old.entry(l.to_string()).or_default();
        if *o > 0 {
            *o -= 1;
        } else {
            lines.push(format!("+ {l}"));
        }
    }
    let more = lines.len().saturating_sub(max);
    lines.truncate(max);
    if more > 0 {
        lines.push(format!("… and {more} more changed line(s)"));
    }
    lines.join("\n")
}

#[test]
fn schema_sql_is_up_to_date() {
    let db = TestPg::get().migrated_db();
    let now = crate::support::schema::snapshot(&db);
    let path = root().join("migrations/schema.sql");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if update() {
        // Only when it changed: build.rs reruns (and the crate rebuilds) on any write under
        // migrations/.
        if committed != now {
            std::fs::write(&path, &now).unwrap();
        }
        return;
    }
    assert!(
        committed == now,
        "migrations/schema.sql is not the schema the migrations make (- committed, + now):\n{}\n\
         If the change is intended, regenerate it: {REGENERATE}",
        diff_summary(&committed, &now, 20)
    );
}

/// A released migration, as listed in migrations/checksums.txt.
#[derive(Debug, PartialEq)]
struct Released {
    version: u32,
    name: String,
    /// refinery's checksum of the up script (what refinery_schema_history.checksum holds).
    up: String,
    /// SHA-256 of the down script.
    down: String,
}

impl Released {
    fn line(&self) -> String {
        format!("{} {} {} {}", self.version, self.name, self.up, self.down)
    }

    fn label(&self) -> String {
        format!("V{}__{}", self.version, self.name)
    }
}

/// Every migration in migrations/, as its line in checksums.txt would be.
fn on_disk(dir: &Path) -> Vec<Released> {
    let mut all: Vec<Released> = refinery::load_sql_migrations(dir)
        .expect("migrations/ loads")
        .iter()
        .map(|m| {
            let down = dir.join(format!("V{}__{}.down.sql", m.version(), m.name()));
            let down = std::fs::read(&down)
                .map(|sql| hex::encode(Sha256::digest(sql)))
                .unwrap_or_else(|_| "-".to_string());
            Released {
                version: m.version(),
                name: m.name().to_string(),
                up: m.checksum().to_string(),
                down,
            }
        })
        .collect();
    all.sort_by_key(|m| m.version);
    all
}

fn parse_checksums(text: &str) -> Vec<Released> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f.len(), 4, "migrations/checksums.txt: bad line {l:?}");
            Released {
                version: f[0].parse().expect("a version number"),
                name: f[1].to_string(),
                up: f[2].to_string(),
                down: f[3].to_string(),
            }
        })
        .collect()
}

/// Released migrations never change: every migration listed in migrations/checksums.txt still
/// exists with the same checksums (refinery's for the up script, as refinery_schema_history
/// records it, and SHA-256 for the down script), and every migration is listed. New migrations
/// append their line (`TASKDB_UPDATE_GENERATED=1` appends; it never rewrites a line).
#[test]
fn released_migrations_never_change() {
    let dir = root().join("migrations");
    let path = dir.join("checksums.txt");
    let text = std::fs::read_to_string(&path).expect("migrations/checksums.txt");
    let listed = parse_checksums(&text);
    let disk = on_disk(&dir);

    // The binary applies what is on disk (build.rs reruns when migrations/ changes).
    let embedded: Vec<(u32, String, String)> = taskdb::db::migrations::catalog()
        .iter()
        .map(|m| (m.version, m.name.clone(), m.checksum.to_string()))
        .collect();
    let files: Vec<(u32, String, String)> = disk
        .iter()
        .map(|m| (m.version, m.name.clone(), m.up.clone()))
        .collect();
    assert_eq!(
        embedded, files,
        "the binary embeds other migrations than migrations/ holds; `touch build.rs` and rebuild"
    );

    let mut changed = Vec::new();
    for old in &listed {
        match disk.iter().find(|m| m.version == old.version) {
            Some(now) if now == old => {}
            Some(now) => changed.push(format!(
                "{} is released and was changed (listed: {}; now: {})",
                old.label(),
                old.line(),
                now.line()
            )),
            None => changed.push(format!("{} is released and was removed", old.label())),
        }
    }
    assert!(
        changed.is_empty(),
        "{}\nA released migration never changes (databases have applied it; refinery would call \
         them divergent). Undo the edit and put the change in a new migration.",
        changed.join("\n")
    );

    // The listed checksums are the ones refinery records when it applies the migrations.
    let db = TestPg::get().migrated_db();
    let recorded: Vec<(u32, String, String)> = db
        .client()
        .query(
            "SELECT version, name, checksum FROM refinery_schema_history ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| {
            (
                u32::try_from(r.get::<_, i32>(0)).unwrap(),
                r.get(1),
                r.get(2),
            )
        })
        .collect();
    let differ: Vec<String> = listed
        .iter()
        .filter(|l| !recorded.contains(&(l.version, l.name.clone(), l.up.clone())))
        .map(|l| {
            let got = recorded.iter().find(|r| r.0 == l.version);
            format!("{}: refinery_schema_history has {got:?}", l.line())
        })
        .collect();
    assert!(differ.is_empty(), "{}", differ.join("\n"));

    let newest = listed.iter().map(|m| m.version).max().unwrap_or(0);
    let new: Vec<&Released> = disk.iter().filter(|m| m.version > newest).collect();
    let unlisted: Vec<String> = disk
        .iter()
        .filter(|m| m.version < newest && !listed.iter().any(|l| l.version == m.version))
        .map(Released::label)
        .collect();
    assert!(
        unlisted.is_empty(),
        "{} not listed in migrations/checksums.txt but older than released V{newest}: a new \
         migration takes the next version after the newest released one",
        unlisted.join(", ")
    );
    if new.is_empty() {
        return;
    }
    let lines: String = new.iter().map(|m| format!("{}\n", m.line())).collect();
    if update() {
        let mut text = text;
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&lines);
        std::fs::write(&path, text).unwrap();
        return;
    }
    panic!(
        "new migration(s) not listed in migrations/checksums.txt: {}\nNew migrations append \
         their line (never edit a line above): run {REGENERATE}, or append:\n{lines}",
        new.iter().map(|m| m.label()).collect::<Vec<_>>().join(", ")
    );
}
