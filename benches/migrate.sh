#!/bin/sh
# Benchmarks for `taskdb migrate` and `taskdb backup`, against a throw-away PostgreSQL cluster
# this script starts itself (Unix socket in a temp dir; as the postgres user when run as root).
#
#   1. `taskdb migrate up` on an empty database vs `psql -1 -f` of the same up scripts;
#   2. `taskdb backup create` vs `pg_dump -Fc` on a database with 100,000 tasks;
#   3. `taskdb backup restore --into` vs `createdb` + `pg_restore --single-transaction`;
#      and `taskdb backup restore --yes --no-backup` (over the current database) for reference.
#
# Usage: benches/migrate.sh [TASKDB_BINARY]   (default: target/release/taskdb)
# Needs hyperfine (apt-get install hyperfine) and the PostgreSQL server binaries.
# Results are printed and written as Markdown to $OUT (default: ./bench-migrate-results.md).
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
taskdb=${1:-$here/target/release/taskdb}
taskdb=$(cd "$(dirname "$taskdb")" && pwd)/$(basename "$taskdb")
out=${OUT:-$PWD/bench-migrate-results.md}
runs_fast=${RUNS_FAST:-10}
runs_slow=${RUNS_SLOW:-5}
tasks=${TASKS:-100000}

command -v hyperfine >/dev/null || { echo "hyperfine is not installed (apt-get install hyperfine)" >&2; exit 2; }
[ -x "$taskdb" ] || { echo "no taskdb binary at $taskdb (cargo build --release)" >&2; exit 2; }
bindir=${TASKDB_PG_BINDIR:-$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -1)}

dir=$(mktemp -d /tmp/taskdb-bench-XXXXXX)
chmod 755 "$dir"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
cleanup() { as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT INT TERM

as_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-instructions >/dev/null
as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-c listen_addresses='' -k $dir -p 5432 -c max_connections=50" start >/dev/null

export PGHOST="$dir" PGPORT=5432 PGUSER=postgres
psql="$bindir/psql -X -q -v ON_ERROR_STOP=1"
url() { echo "host=$dir port=5432 user=postgres dbname=$1"; }
export TASKDB_BACKUP_DIR="$dir/backups" TASKDB_CONFIG=/dev/null TASKDB_ACTOR=bench NO_COLOR=1

# The up scripts in version order, as one file (what `psql -1 -f` runs).
: > "$dir/all-ups.sql"
for f in "$here"/migrations/V*__*.sql; do
    case $f in *.down.sql) continue ;; esac
    v=${f##*/V}
    echo "${v%%__*} $f"
done | sort -n | while read -r _ f; do cat "$f" >> "$dir/all-ups.sql"; done

echo "## taskdb migrate/backup benchmarks" > "$out"
{
    echo
    echo "- machine: $(nproc) CPU(s), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
    echo "- PostgreSQL: $("$bindir/postgres" --version), Unix socket, default settings"
    echo "- taskdb: $taskdb ($("$taskdb" --version))"
    echo
} >> "$out"

echo "### 1. migrate up on an empty database" >> "$out"
hyperfine --style basic --runs "$runs_fast" --export-markdown "$dir/r1.md" \
    --prepare "$bindir/dropdb --if-exists bench_up; $bindir/createdb bench_up" \
    -n "taskdb migrate up" "DATABASE_URL='$(url bench_up)' $taskdb -q migrate up" \
    -n "psql -1 -f (same SQL)" "$psql -1 -d bench_up -f $dir/all-ups.sql"
cat "$dir/r1.md" >> "$out"

# A database with $tasks tasks.
"$bindir/createdb" bench_data
DATABASE_URL=$(url bench_data) "$taskdb" -q migrate up --no-backup >/dev/null
$psql -d bench_data -c "INSERT INTO tasks (title, description, priority, tags, metadata)
    SELECT 'task ' || g, 'description of task ' || g, g % 11, ARRAY['t' || (g % 7)],
           jsonb_build_object('n', g) FROM generate_series(1, $tasks) g"
$psql -d bench_data -c "VACUUM ANALYZE"
size=$($psql -At -d bench_data -c "SELECT pg_size_pretty(pg_database_size('bench_data'))")

{ echo; echo "### 2. backup of a database with $tasks tasks ($size)"; } >> "$out"
hyperfine --style basic --runs "$runs_slow" --export-markdown "$dir/r2.md" \
    --prepare "rm -rf $dir/backups $dir/plain.dump" \
    -n "taskdb backup create (dump + verify + manifest)" \
        "DATABASE_URL='$(url bench_data)' $taskdb -q backup create --reason bench" \
    -n "pg_dump -Fc" "$bindir/pg_dump -Fc -d bench_data -f $dir/plain.dump"
cat "$dir/r2.md" >> "$out"

"$bindir/pg_dump" -Fc -d bench_data -f "$dir/plain.dump"
DATABASE_URL=$(url bench_data) "$taskdb" -q backup create --reason restore-source >/dev/null
dump=$(ls "$dir"/backups/*restore-source.dump)
{ echo; echo "### 3. restore of that backup ($(du -h "$dump" | cut -f1))"; } >> "$out"
hyperfine --style basic --runs "$runs_slow" --export-markdown "$dir/r3.md" \
    --prepare "$bindir/dropdb --if-exists bench_copy" \
    -n "taskdb backup restore --into (verify + restore)" \
        "DATABASE_URL='$(url bench_data)' $taskdb -q backup restore $dump --into bench_copy" \
    -n "createdb + pg_restore --single-transaction" \
        "$bindir/createdb bench_copy && $bindir/pg_restore --single-transaction -d bench_copy $dir/plain.dump" \
    -n "taskdb backup restore --yes --no-backup (over the current db)" \
        "DATABASE_URL='$(url bench_data)' $taskdb -q -y backup restore $dump --no-backup"
cat "$dir/r3.md" >> "$out"

echo
cat "$out"
