#!/usr/bin/env bash
# Runs a command (normally `npm run bench -- ...`) while sampling what PostgreSQL, Redis and the
# Parley node are doing, to find where sends wait (issue 11). Then summarizes with
# bench/scripts/stall-report.mjs.
#
#   bench/scripts/pg-wait-sampler.sh OUT_DIR ADMIN_URL -- COMMAND...
#
# OUT_DIR gets:
#   activity.txt     pg_stat_activity of the bench databases (parley_bench_*) and of the
#                    checkpointer / WAL writer / autovacuum, every SAMPLE_INTERVAL seconds (0.01)
#   metrics.txt      the Parley node's /metrics every second (GC, event-loop delay, pool wait)
#   redis-latency.txt  `redis-cli --latency-history -i 1` on the bench's redis-server
#   redis-slowlog.txt  its SLOWLOG (commands over 1 ms)
#   sched.jsonl      per second: CPU run and run-queue wait of PostgreSQL, the node and Redis,
#                    and the machine's CPU pressure (bench/scripts/sched-sampler.mjs)
#   before.txt after.txt  pg_stat_bgwriter, pg_stat_wal, pg_stat_database; after.txt also
#                    pg_stat_statements (when installed)
#   command.log      the command's output (the bench prints ack p99 per second)
#   report.md        the summary
# Environment: SAMPLE_INTERVAL (seconds), DB_PATTERN (like-pattern of the databases to watch),
# PG_LOG (server log to cut the window's lines from).
set -euo pipefail
out="$1"
admin="$2"
shift 2
[[ "${1:-}" == "--" ]] && shift
interval="${SAMPLE_INTERVAL:-0.01}"
pattern="${DB_PATTERN:-parley_bench_%}"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out"
: >"$out/command.log"
pids=()
cleanup() {
  # The samplers and what each started (redis-cli, curl, sleep), by pid.
  for pid in "${pids[@]}"; do
    pkill -P "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap cleanup EXIT

counters() {
  psql -X -q "$admin" <<'SQL'
\pset footer off
select now() as at;
select * from pg_stat_bgwriter;
select * from pg_stat_wal;
select datname, xact_commit, blks_read, blks_hit, deadlocks, blk_read_time, blk_write_time
  from pg_stat_database where datname like 'parley_bench_%';
SQL
}

counters >"$out/before.txt"
if psql -X -At "$admin" -c "select 1 from pg_extension where extname = 'pg_stat_statements'" | grep -q 1; then
  statements=1
  psql -X -q "$admin" -c 'select pg_stat_statements_reset()' >/dev/null
else
  statements=0
fi
log_start=0
[[ -n "${PG_LOG:-}" && -f "${PG_LOG:-}" ]] && log_start=$(wc -c <"$PG_LOG")

# One connection, one short statement per sample: \watch re-runs it (a new snapshot each time).
printf '%s\n' "select to_char(clock_timestamp() at time zone 'UTC', 'HH24:MI:SS.MS'), coalesce(datname, '-'), pid,
    backend_type, coalesce(state, '-'), coalesce(wait_event_type, 'CPU'), coalesce(wait_event, '-'),
    coalesce(round(extract(epoch from clock_timestamp() - query_start) * 1000), -1),
    left(regexp_replace(query, '\\s+', ' ', 'g'), 70)
  from pg_stat_activity
  where pid <> pg_backend_pid()
    and (datname like '$pattern' or backend_type in ('checkpointer', 'walwriter',
         'background writer', 'autovacuum worker'))
    and (state is distinct from 'idle' or backend_type <> 'client backend') \\watch $interval" |
  psql -X -q -At -F'|' "$admin" >"$out/activity.txt" 2>/dev/null &
pids+=($!)

# The bench starts its own redis-server and node on free ports and prints them: wait for those
# lines (other benches may run on the same machine, so no guessing by process name).
wait_for_line() {
  local pattern="$1" line=""
  while [[ -z "$line" ]]; do
    sleep 0.2
    line=$(grep -m1 -oE "$pattern" "$out/command.log" 2>/dev/null || true)
  done
  echo "$line" | grep -oE '[0-9]+$'
}
(
  redis_port=$(wait_for_line 'redis-server started on port [0-9]+')
  redis-cli -p "$redis_port" config set slowlog-log-slower-than 1000 >/dev/null
  # --no-raw: one line per 1 s interval, ending "min: A, max: B, avg: C (N samples) -- 1.00 seconds range".
  redis-cli -p "$redis_port" --latency-history -i 1 --no-raw |
    while IFS= read -r line; do echo "$(date -u +%H:%M:%S) $line"; done >"$out/redis-latency.txt" &
  while sleep 2; do
    redis-cli -p "$redis_port" slowlog get 100 >"$out/redis-slowlog.new" 2>/dev/null &&
      [[ -s "$out/redis-slowlog.new" ]] && mv "$out/redis-slowlog.new" "$out/redis-slowlog.txt"
  done
) &
pids+=($!)

pg_port=$(echo "$admin" | sed -E 's#^.*:([0-9]+)/[^/]*$#\1#')
node "$here/sched-sampler.mjs" "$out/sched.jsonl" "$pg_port" "$out/command.log" &
pids+=($!)

(
  node_port=$(wait_for_line 'parley: 1 node\(s\) [0-9]+')
  while true; do
    { echo "# $(date -u +%H:%M:%S.%3N)"
      curl -s --max-time 1 "http://127.0.0.1:$node_port/metrics" |
        grep -E '^parley_(db_pool|nodejs_gc_duration_seconds_(sum|count)|nodejs_eventloop_lag_(p99|max)_seconds|process_cpu_seconds_total)' || true
    } >>"$out/metrics.txt"
    sleep 1
  done
) &
pids+=($!)
status=0
"$@" 2>&1 | tee "$out/command.log" || status=$?

cleanup
pids=()
{
  counters
  if [[ "$statements" == 1 ]]; then
    psql -X -q "$admin" <<'SQL'
\pset footer off
select calls, round(mean_exec_time::numeric, 3) as mean_ms, round(max_exec_time::numeric, 1) as max_ms,
  round(stddev_exec_time::numeric, 2) as stddev_ms, round(total_exec_time::numeric) as total_ms,
  wal_records, wal_fpi, round(blk_read_time::numeric, 1) as read_ms,
  left(regexp_replace(query, '\s+', ' ', 'g'), 90) as query
from pg_stat_statements where calls > 100 order by total_exec_time desc limit 15;
SQL
  fi
} >"$out/after.txt"
if [[ -n "${PG_LOG:-}" && -f "${PG_LOG:-}" ]]; then
  tail -c +"$((log_start + 1))" "$PG_LOG" >"$out/postgresql.log"
fi
node "$here/stall-report.mjs" "$out" >"$out/report.md" || true
cat "$out/report.md"
exit "$status"
