#!/usr/bin/env bash
# Node CPU per message (issue 11): runs one Parley node (Redis adapter on, fresh bench database)
# under a fixed real-clients workload RUNS times and prints, per run, the node's CPU time per
# acked message (utime + stime from its process_cpu_seconds_total over the measured window,
# divided by the messages acked in it) and its write syscalls per message (/proc/PID/io syscw
# over the node's whole life, setup included, divided by the messages sent).
#
#   bench/scripts/cpu-per-message.sh [direct|group] [RUNS] [extra bench flags]
#
# direct: 1,000 users in 500 direct conversations, RATE msg/s (default 200) for 40 s after 5 s
#         of warm-up, recipients sending delivered receipts (150 ms batches), 30 % read, 10 %
#         typing; no presence churn (a reconnect's sync is not a send-path cost).
# group:  4 groups of 50 members (200 users), RATE msg/s (default 25) for 40 s, same clients.
# PARLEY_MAIN=path/to/main.js measures another build of the API (e.g. a copy of the one before a
# change). `--profile` among the extra flags also writes the node's --cpu-prof profile.
#
# Keep RATE low enough that the node and PostgreSQL keep up (ack p99 in the bench's line): a
# node that falls behind batches more (larger group commits, several frames per read) and its
# CPU per message drops, which on a shared box says more about the neighbours than the code.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
shape="${1:-direct}"
runs="${2:-3}"
shift $(($# < 2 ? $# : 2))
case "$shape" in
  direct) flags=(--preset direct-1node --users 1000 --conversations 500 --rate "${RATE:-200}") ;;
  group) flags=(--preset group --nodes 1 --users 200 --rate "${RATE:-25}") ;;
  *) echo "direct or group, not $shape" >&2; exit 2 ;;
esac
flags+=(--targets parley --redis on --realistic --churn 0 --duration 40 --warmup 5 --drain 15)
out="$(mktemp -d)"
main="${PARLEY_MAIN:-$root/apps/api/dist/main.js}"
for run in $(seq 1 "$runs"); do
  (cd "$root" && npm run bench --silent -- "${flags[@]}" "$@" --json "$out/run-$run.json") \
    > "$out/run-$run.log" 2>&1 &
  bench=$!
  # The node's write syscalls, read until it exits (the bench stops it before it ends).
  writes=0
  while kill -0 "$bench" 2>/dev/null; do
    pid="$(pgrep -n -f "node.* $main\$" || true)"
    if [[ -n "$pid" ]]; then
      writes="$(awk '/^syscw/ { print $2 }' "/proc/$pid/io" 2>/dev/null || echo "$writes")"
    fi
    sleep 0.5
  done
  echo "$writes" > "$out/run-$run.syscw"
  wait "$bench" || echo "run $run failed, see $out/run-$run.log" >&2
  if [[ "$*" == *--profile* ]]; then
    sed -n '/CPU profiles of the Parley nodes/,/profiles kept in/p' "$out/run-$run.log"
  fi
done
node - "$out" "$runs" "$shape" <<'JS'
const { readFileSync, existsSync } = require('node:fs');
const [dir, runs, shape] = process.argv.slice(2);
const rows = [];
for (let run = 1; run <= Number(runs); run++) {
  const path = `${dir}/run-${run}.json`;
  if (!existsSync(path)) continue;
  const writes = Number(readFileSync(`${dir}/run-${run}.syscw`, 'utf8'));
  for (const step of JSON.parse(readFileSync(path, 'utf8')).messaging) {
    // Both are rates over the measured window: CPU seconds per second over messages per second.
    const cpuPerSec = step.resources.nodeCpuPercent[0] / 100;
    rows.push({
      run,
      acked: step.acked,
      deliveries: step.receivedDeliveries,
      nodeCpuPct: step.resources.nodeCpuPercent[0].toFixed(1),
      cpuUsPerMsg: ((cpuPerSec * 1e6) / step.ackedPerSec).toFixed(0),
      cpuUsPerDelivery: ((cpuPerSec * 1e6) / step.deliveriesPerSec).toFixed(1),
      writesPerMsg: (writes / step.sent).toFixed(1),
      ackP99Ms: step.ack.p99.toFixed(0),
      lost: step.lostDeliveries,
      machineBusyPct: step.resources.machineBusyPercent.toFixed(0),
    });
  }
}
console.table(rows);
const perMsg = rows.map((row) => Number(row.cpuUsPerMsg)).sort((a, b) => a - b);
if (perMsg.length > 0) {
  console.log(
    `${shape}: node CPU per acked message, µs: median ${perMsg[Math.floor(perMsg.length / 2)]}, ` +
      `min ${perMsg[0]}, max ${perMsg[perMsg.length - 1]} (${perMsg.length} runs); logs in ${dir}`,
  );
}
JS
