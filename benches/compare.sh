#!/usr/bin/env bash
# Compare `taskdb bench` with pgbench running the same SQL, on one server, alternating runs.
#
#   benches/compare.sh [--rounds N] [--duration S] [--clients N] [--workload mixed|read|write|claim]
#
# With DATABASE_URL set it uses that server (needs CREATEDB); otherwise it starts a throw-away
# cluster with the server's default settings on a Unix socket (as `postgres` when root) and
# removes it afterwards. PG_OPTS adds server options, e.g. PG_OPTS="-c synchronous_commit=off".
# Needs: a built taskdb (TASKDB, default target/release/taskdb), pgbench, python3.
set -euo pipefail

rounds=3 duration=10 clients=8 workload=mixed seed_rows=20000
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --workload) workload=$2; shift 2 ;;
    --seed-rows) seed_rows=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

[ "$workload" = queue ] && { echo "compare.sh: for the minimal queue use benches/claim.sh" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
taskdb=${TASKDB:-$here/target/release/taskdb}
[ -x "$taskdb" ] || { echo "compare.sh: build first: cargo build --release" >&2; exit 1; }
bindir=$(pg_config --bindir 2>/dev/null || true)
[ -x "$bindir/pgbench" ] || bindir=$(find /usr/lib/postgresql -maxdepth 2 -name bin | sort -V | tail -1)
pgbench=$bindir/pgbench

cleanup() { :; }
if [ -z "${DATABASE_URL:-}" ]; then
  dir=$(mktemp -d /tmp/taskdb-compare-XXXX)
  run() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  run "$bindir/initdb" -D "$dir/data" -U postgres -A trust -N --no-instructions >/dev/null
  # shellcheck disable=SC2086
  run "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-c listen_addresses='' -k $dir -p 5432 -c max_connections=200 ${PG_OPTS:-}" start >/dev/null
  cleanup() { run "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
  export DATABASE_URL="host=$dir port=5432 user=postgres dbname=postgres"
  scratch_url="host=$dir port=5432 user=postgres dbname=taskdb_bench_scratch"
else
  scratch_url=$(python3 -c 'import sys,re; u=sys.argv[1]; print(re.sub(r"(postgres(ql)?://[^/?]*)/?[^?]*", r"\1/taskdb_bench_scratch", u, count=1) if "://" in u else re.sub(r"dbname=\S+", "", u) + " dbname=taskdb_bench_scratch")' "$DATABASE_URL")
fi
trap cleanup EXIT

script=$(mktemp /tmp/taskdb-pgbench-XXXX.sql)
"$taskdb" bench --workload "$workload" --pgbench-script > "$script"
"$taskdb" -q bench --clean

echo "workload=$workload clients=$clients duration=${duration}s seed_rows=$seed_rows rounds=$rounds"
echo "server: $(psql "$DATABASE_URL" -Atc 'show server_version') $(nproc) cores; PG_OPTS=${PG_OPTS:-}"
printf '%-6s %14s %14s %10s %12s %12s\n' round taskdb_ops/s pgbench_tps ratio taskdb_p95ms pgbench_avgms
for i in $(seq 1 "$rounds"); do
  # taskdb bench on a freshly seeded scratch database.
  json=$("$taskdb" -q --format json bench --workload "$workload" --clients "$clients" \
    --duration "${duration}s" --warmup 2s --seed-rows "$seed_rows")
  t_ops=$(python3 -c 'import json,sys; print("%.0f" % json.load(sys.stdin)["total_ops_per_sec"])' <<<"$json")
  t_p95=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.3f" % d["operations"][-1]["p95_ms"])' <<<"$json")
  # pgbench with the same SQL on a freshly seeded scratch database, sent as taskdb sends it:
  # unnamed statements (Parse, Bind, Execute each time: no prepared statements, which a
  # transaction-pooling PgBouncer would break).
  "$taskdb" -q bench --prepare-only --seed-rows "$seed_rows"
  "$pgbench" -n -M extended -c "$clients" -j 1 -T 2 -D "seed_rows=$seed_rows" -D "clients=$clients" -f "$script" "$scratch_url" >/dev/null 2>&1  # warm-up, as taskdb's
  out=$("$pgbench" -n -M extended -c "$clients" -j 1 -T "$duration" -D "seed_rows=$seed_rows" -D "clients=$clients" -f "$script" "$scratch_url" 2>&1)
  "$taskdb" -q bench --clean
  p_tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out" | head -1)
  p_lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$out")
  ratio=$(python3 -c "print('%.2f' % ($t_ops / $p_tps))")
  printf '%-6s %14s %14.0f %10s %12s %12s\n' "$i" "$t_ops" "$p_tps" "$ratio" "$t_p95" "$p_lat"
done
rm -f "$script"
