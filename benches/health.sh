#!/bin/sh
# Benchmark of `taskdb health` (every probe, one process) against check_postgres running the
# actions for the same probes one after another, on a throw-away PostgreSQL cluster this script
# starts itself (Unix socket in a temp dir; as the postgres user when run as root), with the
# taskdb schema migrated and a few idle and idle-in-transaction sessions open.
#
# check_postgres actions: connection, backends, hitratio, txn_time, txn_idle, locks,
# txn_wraparound, database_size, replication_slots (9; check_postgres has no dead-tuple,
# schema, workflow or metrics-freshness action).
#
# Usage: benches/health.sh [TASKDB_BINARY]   (default: target/release/taskdb)
# Needs hyperfine, check_postgres (apt-get install hyperfine check-postgres), GNU time and the
# PostgreSQL server binaries. Results: stdout and Markdown in $OUT (./bench-health-results.md).
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
taskdb=${1:-$here/target/release/taskdb}
taskdb=$(cd "$(dirname "$taskdb")" && pwd)/$(basename "$taskdb")
out=${OUT:-$PWD/bench-health-results.md}
runs=${RUNS:-30}

command -v hyperfine >/dev/null || { echo "hyperfine is not installed (apt-get install hyperfine)" >&2; exit 2; }
command -v check_postgres >/dev/null || { echo "check_postgres is not installed (apt-get install check-postgres)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time is not installed (apt-get install time)" >&2; exit 2; }
[ -x "$taskdb" ] || { echo "no taskdb binary at $taskdb (cargo build --release)" >&2; exit 2; }
# shellcheck disable=SC2012
bindir=${TASKDB_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}

dir=$(mktemp -d /tmp/taskdb-bench-XXXXXX)
chmod 755 "$dir"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
cleanup() {
    # shellcheck disable=SC2086
    if [ -n "${holders:-}" ]; then kill $holders 2>/dev/null || true; fi
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

as_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust -N --no-instructions >/dev/null
as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-c listen_addresses='' -k $dir -c fsync=off" start >/dev/null
"$bindir/createdb" -h "$dir" -U postgres bench
export DATABASE_URL="host=$dir user=postgres dbname=bench"
export TASKDB_CONFIG=/dev/null
"$taskdb" --quiet migrate up --no-backup >/dev/null
# Some sessions to look at: 3 idle, 2 idle in transaction.
holders=""
for _ in 1 2 3; do (echo "SELECT 1;"; sleep 600) | "$bindir/psql" -h "$dir" -U postgres -d bench -q >/dev/null & holders="$holders $!"; done
for _ in 1 2; do (echo "BEGIN; SELECT 1;"; sleep 600) | "$bindir/psql" -h "$dir" -U postgres -d bench -q >/dev/null & holders="$holders $!"; done
sleep 1

cp="check_postgres --host=$dir --dbuser=postgres --dbname=bench"
cat > "$dir/check_postgres.sh" <<SH
#!/bin/sh
$cp --action=connection
$cp --action=backends
$cp --action=hitratio
$cp --action=txn_time --warning=5m --critical=30m
$cp --action=txn_idle --warning=1m --critical=5m
$cp --action=locks --warning=100 --critical=200
$cp --action=txn_wraparound
$cp --action=database_size --warning=10GB --critical=20GB
$cp --action=replication_slots --warning=64MB --critical=1GB
exit 0
SH
chmod +x "$dir/check_postgres.sh"
probes=$("$taskdb" health --format json | grep -c '"duration_seconds"' || true)
echo "taskdb health runs $((probes - 1)) probes"

hyperfine -N --warmup 3 --runs "$runs" --ignore-failure --export-markdown "$out" \
    -n "taskdb health (all probes)" "$taskdb health --format nagios" \
    -n "check_postgres, 9 actions in a row" "$dir/check_postgres.sh"

peak() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}'; }
t=$(peak "$taskdb" health --format nagios)
c=0
for a in "connection" "backends" "hitratio" "txn_time --warning=5m --critical=30m"; do
    # check_postgres is one perl process per action: its peak is the largest of them.
    # shellcheck disable=SC2086
    m=$(peak $cp --action=$a); [ "$m" -gt "$c" ] && c=$m
done
printf '\n| peak RSS | KiB |\n|---|---|\n| taskdb health (one process) | %s |\n| check_postgres (largest single action) | %s |\n' "$t" "$c" | tee -a "$out"
