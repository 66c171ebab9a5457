#!/bin/sh
# Claims at queue speed: `taskdb bench --workload claim` (taskdb's claim, measured in the same
# run against its minimal-queue anchor), then, as an independent cross-check of the anchor,
# pgbench running the minimal queue's claim on a queue of its own with the same clients.
#
# Usage: DATABASE_URL=<server> benches/claim.sh [CLIENTS] [DURATION_S]   (default 8 10)
# DATABASE_URL needs CREATEDB (both sides work in taskdb's scratch database, which is removed
# afterwards). QUEUE_ROWS sizes pgbench's queue (default 400000: 2 s warm-up plus the run must
# not empty it; the script says so if it does). Needs: a built taskdb (TASKDB, default
# target/release/taskdb), pgbench, psql, python3.
set -eu

clients=${1:-8}
duration=${2:-10}
queue_rows=${QUEUE_ROWS:-400000}
: "${DATABASE_URL:?set DATABASE_URL to a server where taskdb may create its scratch database}"
here=$(cd "$(dirname "$0")/.." && pwd)
TASKDB=${TASKDB:-$here/target/release/taskdb}
[ -x "$TASKDB" ] || { echo "claim.sh: build first: cargo build --release" >&2; exit 1; }
# The binaries themselves: Debian's /usr/bin wrappers (pg_wrapper) add a Perl start to each.
bindir=$(pg_config --bindir 2>/dev/null || true)
[ -x "$bindir/pgbench" ] || bindir=$(find /usr/lib/postgresql -maxdepth 2 -name bin | sort -V | tail -1)
PGBENCH=${PGBENCH:-$bindir/pgbench}
PSQL=${PSQL:-$bindir/psql}
# The scratch database on the same server, for pgbench and psql.
scratch_url=$(python3 -c 'import sys,re; u=sys.argv[1]; print(re.sub(r"(postgres(ql)?://[^/?]*)/?[^?]*", r"\1/taskdb_bench_scratch", u, count=1) if "://" in u else re.sub(r"dbname=\S+", "", u) + " dbname=taskdb_bench_scratch")' "$DATABASE_URL")
work=$(mktemp -d /tmp/taskdb-claim.XXXXXX)
trap '"$TASKDB" -q bench --clean >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {print int($2/1024) " MiB"}' /proc/meminfo), PostgreSQL $("$PSQL" "$DATABASE_URL" -XAtc 'show server_version')"
"$TASKDB" -q bench --clean

echo "== taskdb bench --workload claim --clients $clients --duration ${duration}s (2 s warm-up; anchor first, then taskdb's claim)"
"$TASKDB" -q --format json bench --workload claim --clients "$clients" --duration "${duration}s" \
  --warmup 2s > "$work/taskdb.json"
python3 - "$work/taskdb.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
claim = next(o for o in d["operations"] if o["operation"] == "claim_next")
print(f"{'':28} {'ops/s':>9} {'avg ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
for name, o in (("claim_next (taskdb)", claim), (f"queue_anchor ({d['anchor']['queue_rows']} rows)", d["anchor"])):
    print(f"{name:28} {o['ops_per_sec']:9.0f} {o['avg_ms']:8.3f} {o['p50_ms']:8.3f} {o['p95_ms']:8.3f} {o['p99_ms']:8.3f}")
ratio = d["claim_vs_anchor"]
print(f"claim = {ratio:.3g}x the minimal queue" if ratio else "claim: no ratio (see above)")
if d["empty_claims"] or d["anchor"]["empty_claims"]:
    print("warning: a claim pool ran dry (claim_next %d, anchor %d empty claims): the ratio is unfair"
          % (d["empty_claims"], d["anchor"]["empty_claims"]))
PY

# -M extended: unnamed statements, as taskdb sends them (no prepared statements).
echo "== pgbench -M extended -c $clients -j 2 -T $duration on the minimal queue ($queue_rows rows, after a 2 s warm-up)"
"$TASKDB" bench --workload queue --pgbench-script > "$work/queue.sql"
"$TASKDB" -q bench --workload queue --prepare-only --seed-rows "$queue_rows"
"$PGBENCH" -n -M extended -c "$clients" -j 2 -T 2 -f "$work/queue.sql" "$scratch_url" >/dev/null 2>&1
"$PGBENCH" -n -M extended -c "$clients" -j 2 -T "$duration" -f "$work/queue.sql" "$scratch_url" 2>&1 \
  | grep -E '^(number of transactions actually processed|number of failed|latency average|latency stddev|tps)'
left=$("$PSQL" "$scratch_url" -XAtc "SELECT count(*) FROM bench_queue WHERE status = 'pending'")
echo "pending rows left: $left"
[ "$left" -gt 0 ] || echo "warning: pgbench emptied the queue before the end: raise QUEUE_ROWS"
"$TASKDB" -q bench --clean
