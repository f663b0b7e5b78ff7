#!/usr/bin/env bash
# Proves the embedded path: the built server with no DATABASE_URL (PGlite in a temp data dir)
# serves /health, registers a user over HTTP, answers /users/me, and stops on SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."

data_dir=$(mktemp -d)
port=$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")
log="$data_dir/server.log"

env -u DATABASE_URL -u REDIS_URL PARLEY_DATA_DIR="$data_dir" PORT="$port" LOG_LEVEL=warn \
  node apps/api/dist/main.js >"$log" 2>&1 &
server_pid=$!
cleanup() {
  kill "$server_pid" 2>/dev/null || true
  rm -rf "$data_dir"
}
trap cleanup EXIT

base="http://127.0.0.1:$port"
for _ in $(seq 1 60); do
  curl -sf "$base/health" >/dev/null 2>&1 && break
  sleep 0.5
done
health=$(curl -sf "$base/health")
echo "health: $health"
[[ "$health" == '{"status":"ok","db":"up","redis":"disabled"}' ]]

registered=$(curl -sf -X POST "$base/auth/register" -H 'content-type: application/json' \
  -d '{"username":"Smoke_User","password":"smoke-password"}')
token=$(node -e 'console.log(JSON.parse(process.argv[1]).accessToken)' "$registered")
me=$(curl -sf "$base/users/me" -H "authorization: Bearer $token")
echo "me: $me"
[[ "$me" == *'"username":"smoke_user"'* ]]

kill -TERM "$server_pid"
wait "$server_pid" || { echo "server did not stop cleanly"; cat "$log"; exit 1; }
[[ -d "$data_dir/pgdata" && -f "$data_dir/jwt-secret" ]]
echo "embedded smoke test passed"
