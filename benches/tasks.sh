#!/bin/sh
# Benchmarks for `taskdb task`: import throughput and peak memory of a generated Task Master
# file, then whole-process time and peak memory of `task show`, `task list --status pending`,
# `task next`, `health` and `--version` against `psql -c` running the equivalent SQL (and
# `psql --version`), on a database holding the imported tasks.
#
# Usage: DATABASE_URL=<empty database> benches/tasks.sh [N_TASKS]   (default 100000)
# Needs: a release build of taskdb on PATH or in target/release, psql, python3, hyperfine,
# /usr/bin/time. The database is migrated (`taskdb migrate up --no-backup`) and filled.
set -eu

N=${1:-100000}
: "${DATABASE_URL:?set DATABASE_URL to an empty database}"
here=$(cd "$(dirname "$0")/.." && pwd)
TASKDB=${TASKDB:-$here/target/release/taskdb}
# The psql binary itself: Debian's /usr/bin/psql is a Perl wrapper (pg_wrapper) that adds
# ~20 ms to every start and would flatter taskdb.
bindir=$(pg_config --bindir 2>/dev/null || true)
[ -x "$bindir/psql" ] || bindir=$(find /usr/lib/postgresql -maxdepth 2 -name bin | sort -V | tail -1)
PSQL=${PSQL:-$bindir/psql}
work=$(mktemp -d /tmp/taskdb-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export TASKDB_ACTOR=bench@local

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {print int($2/1024) " MiB"}' /proc/meminfo), $(psql "$DATABASE_URL" -Atc 'show server_version')"

# A tagged tasks.json with N top-level tasks: realistic text sizes, ints and strings mixed,
# every task depending on the previous one within groups of 10 (TM files are chains and fans).
python3 - "$N" "$work/tasks.json" <<'PY'
import json, sys
n, path = int(sys.argv[1]), sys.argv[2]
prio = ["low", "medium", "high", "critical"]
status = ["pending"] * 6 + ["done", "in-progress", "deferred", "review"]
tasks = []
for i in range(1, n + 1):
    deps = [i - 1] if i % 10 != 1 else []
    tasks.append({
        "id": i if i % 2 else str(i),
        "title": f"Task {i}: implement part {i % 97} of the pipeline",
        "description": f"Description of task {i}. " * 4,
        "details": f"Implementation notes for task {i}: touch module m{i % 50}, add tests. " * 4,
        "testStrategy": "Unit tests and an integration test against a real database.",
        "status": status[i % len(status)],
        "dependencies": deps if i % 3 else [str(d) for d in deps],
        "priority": prio[i % 4],
        "subtasks": [],
        "updatedAt": "2026-01-01T00:00:00.000Z",
    })
json.dump({"master": {"tasks": tasks, "metadata": {"created": "2026-01-01T00:00:00.000Z",
           "description": "Tasks for master context"}}}, open(path, "w"))
PY
echo "== generated $N tasks: $(du -h "$work/tasks.json" | cut -f1)"

"$TASKDB" migrate up --no-backup >/dev/null 2>&1 || "$TASKDB" migrate up --no-backup
/usr/bin/time -v "$TASKDB" task import "$work/tasks.json" 2>"$work/time.txt" >/dev/null || { cat "$work/time.txt"; exit 1; }
secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/time.txt")
rss=$(awk -F': ' '/Maximum resident set size/ {print int($2/1024)}' "$work/time.txt")
echo "== import of $N tasks: ${secs}s wall, $(python3 -c "print(int($N/$secs))") tasks/s, peak RSS ${rss} MiB"
/usr/bin/time -v "$TASKDB" task import "$work/tasks.json" 2>"$work/time2.txt" >/dev/null
secs2=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/time2.txt")
echo "== re-import (nothing changes): ${secs2}s wall"
psql "$DATABASE_URL" -qc "VACUUM ANALYZE" >/dev/null

id=$(psql "$DATABASE_URL" -Atc "SELECT short_id FROM tasks ORDER BY short_id OFFSET $((N / 2)) LIMIT 1")
uuid=$(psql "$DATABASE_URL" -Atc "SELECT id FROM tasks WHERE short_id = $id")
cols="t.id, t.short_id, t.external_key, t.title, t.description, t.details, t.test_strategy, t.type, t.status, t.priority, t.complexity, t.tags, t.requirements, t.acceptance_criteria, t.affected_files, t.metadata, t.estimated_hours, t.actual_hours, t.parent_task_id, (SELECT p.short_id FROM tasks p WHERE p.id = t.parent_task_id), t.assigned_to, t.created_by, t.repository_url, t.branch_name, t.pr_number, t.linear_issue_id, t.github_issue_number, t.codegen_session_id, t.created_at, t.updated_at, t.started_at, t.completed_at"
show_sql="SELECT $cols FROM tasks t WHERE t.short_id = $id;
SELECT calculate_task_completion('$uuid');
SELECT o.id, o.short_id, o.title, o.status, d.dependency_type FROM task_dependencies d JOIN tasks o ON o.id = d.depends_on_task_id WHERE d.task_id = '$uuid' UNION ALL SELECT o.id, o.short_id, o.title, o.status, d.dependency_type FROM task_dependencies d JOIN tasks o ON o.id = d.task_id WHERE d.depends_on_task_id = '$uuid';
SELECT id, short_id, title, status, priority FROM tasks WHERE parent_task_id = '$uuid' ORDER BY short_id;
SELECT * FROM workflows WHERE task_id = '$uuid';
SELECT * FROM audit_log WHERE table_name = 'tasks' AND record_id = '$uuid' ORDER BY id DESC LIMIT 5;"
list_sql="SELECT $cols FROM tasks t WHERE t.status = ANY('{pending}') ORDER BY t.short_id LIMIT 51"
next_sql="SELECT $cols FROM tasks t WHERE t.id = (SELECT t.id FROM tasks t LEFT JOIN tasks p ON p.id = t.parent_task_id WHERE t.status IN ('pending', 'in_progress') AND (t.parent_task_id IS NULL OR p.status = 'in_progress') AND t.open_blockers = 0 ORDER BY (t.parent_task_id IS NOT NULL) DESC, t.priority DESC, (SELECT count(*) FROM task_dependencies d WHERE d.task_id = t.id AND d.dependency_type = 'blocks'), p.short_id NULLS FIRST, t.short_id LIMIT 1)"

hyperfine -N --warmup 3 --runs 30 --export-markdown "$work/bench.md" \
  -n "taskdb task show $id" "$TASKDB task show $id" \
  -n "psql: show queries" "$PSQL '$DATABASE_URL' -X -q -c \"$show_sql\"" \
  -n "taskdb task list --status pending" "$TASKDB task list --status pending" \
  -n "psql: list query" "$PSQL '$DATABASE_URL' -X -q -c \"$list_sql\"" \
  -n "taskdb task next" "$TASKDB task next" \
  -n "psql: next query" "$PSQL '$DATABASE_URL' -X -q -c \"$next_sql\"" \
  -n "taskdb --version" "$TASKDB --version" \
  -n "psql --version" "$PSQL --version" >/dev/null
cat "$work/bench.md"
# health's exit code is its verdict (1 = WARNING is normal on a busy test box): -i.
hyperfine -N -i --warmup 3 --runs 30 --export-markdown "$work/health.md" \
  -n "taskdb health (every probe)" "$TASKDB health" >/dev/null
tail -n +3 "$work/health.md"

# Peak memory (maximum resident set size, GNU time), one run of each.
peak() {
  /usr/bin/time -o "$work/rss" -f %M "$@" >/dev/null 2>&1 || true
  awk '{printf "%.1f MiB", $1 / 1024}' "$work/rss"
}
echo
echo "| command | taskdb peak RSS | psql peak RSS |"
echo "|:---|---:|---:|"
echo "| task show $id | $(peak "$TASKDB" task show "$id") | $(peak "$PSQL" "$DATABASE_URL" -X -q -c "$show_sql") |"
echo "| task list --status pending | $(peak "$TASKDB" task list --status pending) | $(peak "$PSQL" "$DATABASE_URL" -X -q -c "$list_sql") |"
echo "| task next | $(peak "$TASKDB" task next) | $(peak "$PSQL" "$DATABASE_URL" -X -q -c "$next_sql") |"
echo "| health | $(peak "$TASKDB" health) | — |"
echo "| --version | $(peak "$TASKDB" --version) | $(peak "$PSQL" --version) |"
