#!/usr/bin/env bash
# `npm run bench -- [flags]`: builds what the bench needs when its build is missing or older than
# its sources (protocol, api, bench; BENCH_SKIP_BUILD=1 skips this), raises the open-files limit
# as far as this shell may, and runs the load generator.
set -euo pipefail
bench_dir="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$bench_dir/.." && pwd)"

# Rebuild a workspace when $2 (its build output) is missing or any source file is newer.
build_if_stale() {
  local workspace="$1" output="$2" sources="$3"
  if [[ ! -f "$output" ]] || [[ -n "$(find "$sources" -name '*.ts' -newer "$output" -print -quit)" ]]; then
    echo "building $workspace" >&2
    npm run build --silent --workspace "$workspace" >&2
    touch "$output"
  fi
}

if [[ "${BENCH_SKIP_BUILD:-}" != "1" ]]; then
  build_if_stale @parley/protocol "$root/packages/protocol/dist/index.js" "$root/packages/protocol/src"
  build_if_stale @parley/api "$root/apps/api/dist/main.js" "$root/apps/api/src"
  build_if_stale @parley/bench "$bench_dir/dist/cli.js" "$bench_dir/src"
fi

# Every socket is a file descriptor, for the generator and for the nodes it starts. Raising the
# hard limit needs privileges a container may not grant: then the connections scenario spreads
# its sockets over several agent processes instead.
ulimit -n 1048576 2>/dev/null || ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

cd "$bench_dir"
exec node dist/cli.js "$@"
