#!/usr/bin/env bash
# HTTP load harness: starts `tally serve` on a fresh data directory and drives it with wrk
# (bench/http_*.lua) — /livez (the machine's ceiling for this HTTP path), customEvents.upsert
# (unique external_ids), customEvents.import (50 events per request), customEvents.get and
# customEvents.list — at 64 and 256 connections, printing req/s, events/s and p50/p99 latency;
# then /livez and customEvents.get again over one connection (wrk -t1 -c1), whose p50 is the
# service latency (at 64 connections p50 is bounded below by Little's law, 64 / throughput).
# With PEER=nginx (and nginx installed) it also runs the same /livez script against nginx
# answering a fixed 325 B JSON body from two workers: the machine's HTTP ceiling measured with
# a server nobody here wrote, on the same cores and with the same load generator.
#
#   bench/http_load.sh                       # build/tally, --sync always, 5 s per run
#   TALLY_BUILD=build-net DURATION=10 SYNC=interval bench/http_load.sh
#
# Environment: TALLY_BUILD (build directory holding `tally`, default build), DURATION (seconds
# per run, default 5), SYNC (always|interval|none, default always), PORT (default 18090),
# CONNECTIONS (default "64 256"), SCENARIOS (default "livez upsert import get list"),
# WRK_THREADS (default 2), SERVER_THREADS (default: nproc), SERVICE_SCENARIOS (the scenarios
# run over one connection, default "livez get"; "" skips them), PEER ("nginx" or empty, the
# default), PEER_PORT (default PORT + 1).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
build=${TALLY_BUILD:-build}
duration=${DURATION:-5}
sync=${SYNC:-always}
port=${PORT:-18090}
connections=${CONNECTIONS:-"64 256"}
scenarios=${SCENARIOS:-"livez upsert import get list"}
wrk_threads=${WRK_THREADS:-2}
server_threads=${SERVER_THREADS:-$(nproc)}
service_scenarios=${SERVICE_SCENARIOS-"livez get"}
peer=${PEER:-}
peer_port=${PEER_PORT:-$((port + 1))}
seeded=10000

command -v wrk >/dev/null || { echo "http_load: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
[ -x "$build/tally" ] || { echo "http_load: $build/tally not found; build the 'tally' target" >&2; exit 1; }
case $peer in
  "") ;;
  nginx) command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] ||
    { echo "http_load: PEER=nginx but nginx is not installed (apt-get install nginx-light)" >&2; exit 1; } ;;
  *) echo "http_load: unknown PEER $peer (nginx or empty)" >&2; exit 2 ;;
esac

data=$(mktemp -d /tmp/tally-http-bench-XXXXXX)
server_pid=""
cleanup() {
  if [ -f "$data/nginx/nginx.pid" ]; then
    kill -TERM "$(cat "$data/nginx/nginx.pid")" 2>/dev/null || true
  fi
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$data"
}
trap cleanup EXIT

key=$("$build/tally" keys add --data-dir "$data" --workspace bench | tail -n 1)
"$build/tally" serve --data-dir "$data" --listen "127.0.0.1:$port" --sync "$sync" \
  --threads "$server_threads" --log-level warn >"$data/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 200); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.05
done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$data/server.log" >&2; exit 1; }

# Seed events for get/list: seed-0..seed-9999 over 100 contacts (100 events each).
for ((batch = 0; batch < seeded / 50; batch++)); do
  events=""
  for ((i = batch * 50; i < batch * 50 + 50; i++)); do
    events+="${events:+,}{\"email\":\"seed$((i % 100))@example.com\",\"event_name\":\"orders/completed\",\"external_id\":\"seed-$i\",\"goal_type\":\"purchase\",\"goal_value\":10,\"occurred_at\":\"2026-11-20T10:00:00Z\"}"
  done
  curl -sf -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    "http://127.0.0.1:$port/api/customEvents.import" -d "{\"workspace_id\":\"bench\",\"events\":[$events]}"
done

export TALLY_BENCH_KEY=$key TALLY_BENCH_DIR=$root/bench TALLY_BENCH_SEEDED=$seeded
printf '%-8s %6s %12s %12s %10s %10s %8s\n' scenario conns 'req/s' 'events/s' 'p50_us' 'p99_us' errors
run_wrk() {  # scenario, connections, wrk threads
  export TALLY_BENCH_RUN="$1-$2-$RANDOM"
  local line
  line=$(wrk -t "$3" -c "$2" -d "${duration}s" --timeout 10s \
    -s "bench/http_$1.lua" "http://127.0.0.1:$port" | grep '^RESULT' || true)
  [ -n "$line" ] || { echo "http_load: wrk produced no result for $1/$2" >&2; exit 1; }
  eval "${line#RESULT }"
  printf '%-8s %6s %12s %12s %10s %10s %8s\n' "$1" "$2" "$req_s" "$events_s" "$p50_us" \
    "$p99_us" "$errors"
}
for scenario in $scenarios; do
  for c in $connections; do
    run_wrk "$scenario" "$c" "$wrk_threads"
  done
done
for scenario in $service_scenarios; do
  run_wrk "$scenario" 1 1
done
if [ "$peer" = nginx ]; then
  # The peer answers every path with the same body as /livez would, so the livez script drives it
  # unchanged; the body is the size of a customEvents.upsert answer.
  mkdir -p "$data/nginx"
  cat >"$data/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $data/nginx/nginx.pid;
error_log $data/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $data/nginx/body;
  server {
    listen 127.0.0.1:$peer_port;
    location / {
      default_type application/json;
      return 200 '{"event":{"workspace_id":"bench","email":"a@example.com","event_name":"order.completed","external_id":"x-1","properties":{"sku":"SKU-1"},"occurred_at":"2026-01-01T00:00:00Z","source":"api","goal_type":"purchase","goal_value":19.99,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","pad":"xxxxxxxxxxxx"}}';
    }
  }
}
CONF
  PATH=$PATH:/usr/sbin nginx -c "$data/nginx/nginx.conf" -e "$data/nginx/error.log"
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$peer_port/livez" && break
    sleep 0.05
  done
  saved_port=$port
  port=$peer_port
  for c in $connections; do
    run_wrk livez "$c" "$wrk_threads" | sed 's/^livez   /nginx   /'
  done
  port=$saved_port
  kill -TERM "$(cat "$data/nginx/nginx.pid")"
  rm -f "$data/nginx/nginx.pid"
fi
echo "(sync=$sync, server threads=$server_threads, wrk threads=$wrk_threads, ${duration}s per run, $(nproc) cores shared)"

# Server-side handler time from the server's own histogram (excludes queueing in the kernel and
# wrk): the bucket bound at or under which 50% and 99% of each route's requests finished.
echo
printf '%-22s %10s %14s %14s\n' route requests 'handler_p50<=' 'handler_p99<='
curl -s "http://127.0.0.1:$port/metrics" | awk '
  /^tally_http_request_duration_seconds_bucket/ {
    match($0, /route="[^"]*"/); route = substr($0, RSTART + 7, RLENGTH - 8)
    match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5)
    n[route]++; bound[route, n[route]] = le; cum[route, n[route]] = $NF
  }
  END {
    for (r in n) {
      total = cum[r, n[r]]
      if (total == 0 || r == "metrics" || r == "readyz" || r == "unknown") continue
      p50 = ""; p99 = ""
      for (i = 1; i <= n[r]; i++) {
        if (p50 == "" && cum[r, i] >= 0.50 * total) p50 = bound[r, i]
        if (p99 == "" && cum[r, i] >= 0.99 * total) p99 = bound[r, i]
      }
      printf "%-22s %10d %13ss %13ss\n", r, total, p50, p99
    }
  }' | sort
