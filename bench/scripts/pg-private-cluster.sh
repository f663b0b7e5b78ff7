#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster with the diagnostics the stall hunt needs
# (pg_stat_statements, auto_explain, lock-wait and checkpoint logging, I/O timing).
#
#   bench/scripts/pg-private-cluster.sh start [PORT]   # prints the admin URL; default port 5440
#   bench/scripts/pg-private-cluster.sh stop  [PORT]   # stops it and deletes its data directory
#
# The data directory and log live under ${PG_PRIVATE_DIR:-/tmp/parley-pg-<port>}; the log is
# <dir>/postgresql.log. Run as root (the server runs as the postgres user) or as postgres.
set -euo pipefail
action="${1:-start}"
port="${2:-5440}"
bin="${PG_BIN:-/usr/lib/postgresql/15/bin}"
dir="${PG_PRIVATE_DIR:-/tmp/parley-pg-$port}"
as_postgres() { if [[ "$(id -u)" == 0 ]]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }

case "$action" in
  start)
    mkdir -p "$dir"
    [[ "$(id -u)" == 0 ]] && chown postgres "$dir"
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
      as_postgres "$bin/initdb -D '$dir/data' -U postgres --auth=trust --no-sync >/dev/null"
      cat >>"$dir/data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
shared_preload_libraries = 'pg_stat_statements,auto_explain'
pg_stat_statements.track = all
auto_explain.log_min_duration = '50ms'
auto_explain.log_analyze = on
auto_explain.log_buffers = on
auto_explain.log_timing = off
auto_explain.log_nested_statements = on
log_lock_waits = on
deadlock_timeout = '20ms'
log_checkpoints = on
log_min_duration_statement = 50
log_line_prefix = '%m [%p] %d '
track_io_timing = on
track_wal_io_timing = on
max_connections = 200
CONF
    fi
    as_postgres "$bin/pg_ctl -D '$dir/data' -l '$dir/postgresql.log' -w start >/dev/null"
    psql -q -h 127.0.0.1 -p "$port" -U postgres -c 'create extension if not exists pg_stat_statements' postgres
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [[ -f "$dir/data/PG_VERSION" ]]; then
      as_postgres "$bin/pg_ctl -D '$dir/data' -m fast -w stop >/dev/null" || true
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop [PORT]" >&2; exit 2 ;;
esac
