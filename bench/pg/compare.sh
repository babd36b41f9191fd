# bench/pg/compare.sh: the PostgreSQL comparison of bench/run --compare-postgres (issue 7).
# Sourced by bench/run, whose helpers it uses (row, ratio, progress, next_stage, fail,
# install_missing, cleanups, and the variables build, work, dataset_dir, contacts, events,
# quick, port).
#
# A private PostgreSQL 15 (initdb in a temporary directory, loopback port, stopped by its pid at
# exit) gets Notifuse's tables and indexes (schema.sql, indexes.sql) and the data set's COPY
# files; a fresh `tally serve --sync always` gets the same events over HTTP. Then both run:
#   - ingestion: Notifuse's single-row upsert (upsert.sql through pgbench) from 1 and 8
#     connections, and batches of 50 in one transaction, vs customEvents.upsert and
#     customEvents.import (50 per request) at the same concurrency (bench/http_bench_client);
#   - segments S1–S3 as Notifuse's SQL (s1..s3.sql) vs segments.preview with the same trees
#     (s1..s3.tree.json): the counts must be equal, or the run fails; S4 is tally's alone;
#   - one contact's purchase sum over the last 30 days (sum30.sql vs customEvents.list pages).
# The data set ends 2024-06-01T00:00:00Z and tally's clock cannot be injected over HTTP, so
# every relative window ("last 60 days") is written as the absolute bound it means at that end
# date, in both systems.

pg_bin=/usr/lib/postgresql/15/bin
pg_end_minus_30d="2024-05-02T00:00:00Z"

# as_pg CMD...: PostgreSQL refuses to run as root, so root runs it as the postgres user.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_psql() { psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }

start_postgres() {
  install_missing postgresql-15
  pg_dir=$(mktemp -d /tmp/tally-bench-pg-XXXXXX)
  cleanups+=("rm -rf '$pg_dir'")
  [ "$(id -u)" -eq 0 ] && chown postgres "$pg_dir"
  pg_port=$((port + 100))
  as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --locale=C \
    >"$pg_dir/initdb.log" 2>&1 || { cat "$pg_dir/initdb.log" >&2; return 1; }
  # Memory for a 23 GB machine; durability as shipped (fsync, synchronous_commit on), which is
  # what tally's --sync always matches.
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 start -o \
    "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c shared_buffers=2GB \
     -c work_mem=64MB -c maintenance_work_mem=1GB -c max_wal_size=8GB \
     -c checkpoint_timeout=30min" >/dev/null || { cat "$pg_dir/server.log" >&2; return 1; }
  pg_pid=$(head -n 1 "$pg_dir/data/postmaster.pid")
  cleanups+=("stop_pid $pg_pid")
  progress "  PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') pid $pg_pid on 127.0.0.1:$pg_port"
}

# stop_pid PID: asks the process to stop (SIGINT: PostgreSQL's fast shutdown, tally's drain)
# and waits up to 30 s for it to exit.
stop_pid() {
  kill -INT "$1" 2>/dev/null || return 0
  local i
  for i in $(seq 1 300); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$1" 2>/dev/null || true
}

start_tally() {
  tally_dir=$(mktemp -d /tmp/tally-bench-serve-XXXXXX)
  cleanups+=("rm -rf '$tally_dir'")
  tally_port=$((port + 1))
  tally_key=$("$build/tally" keys add --data-dir "$tally_dir" --workspace bench | tail -n 1)
  "$build/tally" serve --data-dir "$tally_dir" --listen "127.0.0.1:$tally_port" --sync always \
    --log-level warn >"$tally_dir/server.log" 2>&1 &
  tally_pid=$!
  cleanups+=("stop_pid $tally_pid")
  local i
  for i in $(seq 1 200); do
    curl -sf "http://127.0.0.1:$tally_port/readyz" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  cat "$tally_dir/server.log" >&2
  return 1
}

client() {
  "$build/bench/http_bench_client" --port "$tally_port" --key "$tally_key" --workspace bench "$@"
}

# pgbench_run NAME CLIENTS SECONDS SCRIPT [pgbench args...]: prints "tps p50_us p99_us" from
# pgbench's summary and its per-transaction latency log.
pgbench_run() {
  local name=$1 clients=$2 seconds=$3 script=$4
  shift 4
  local logs=$work/pgbench-$name
  mkdir -p "$logs"
  local threads=$((clients < 2 ? clients : 2))
  (cd "$logs" && pgbench -n -h 127.0.0.1 -p "$pg_port" -U postgres -M prepared -c "$clients" \
    -j "$threads" -T "$seconds" -f "$script" -l --log-prefix=tx "$@" postgres >summary.txt 2>&1) ||
    { tail -n 5 "$logs/summary.txt" >&2; return 1; }
  local tps
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$logs/summary.txt" | head -n 1)
  cat "$logs"/tx.* | awk '{ print $3 }' | sort -n | awk -v tps="$tps" '
    { v[NR] = $1 }
    END { if (NR == 0) exit 1; printf "%s %d %d\n", tps, v[int((NR - 1) * 0.5) + 1], v[int((NR - 1) * 0.99) + 1] }'
}

pg_load() {
  progress "  PostgreSQL: schema, COPY contacts and custom_events, Notifuse's indexes"
  local start end
  start=$(date +%s.%N)
  pg_psql -f "$root/bench/pg/schema.sql"
  pg_psql -c "\\copy contacts FROM '$dataset_dir/contacts.copy'"
  pg_psql -c "\\copy custom_events FROM '$dataset_dir/custom_events.copy'"
  pg_psql -f "$root/bench/pg/indexes.sql"
  end=$(date +%s.%N)
  pg_load_rate=$(awk -v s="$start" -v e="$end" -v n="$events" 'BEGIN { printf "%.0f", n / (e - s) }')
  row "pg bulk load" "COPY $events events + build Notifuse's 7 indexes" "" "" "$pg_load_rate" \
    "events/s" "" ""
  progress "  tally: customEvents.import of the same $events events, 8 connections"
  local out
  out=$(client --mode import --connections 8 --ndjson "$dataset_dir/events.ndjson") ||
    { fail "tally bulk load failed"; return 1; }
  row "tally bulk load" "customEvents.import 50/request, 8 connections, sync always" \
    "$(jq -r .p50_us <<<"$out")" "$(jq -r .p99_us <<<"$out")" "$(jq -r .events_per_s <<<"$out")" \
    "events/s" "PostgreSQL COPY+indexes" "$(ratio "$(jq -r .events_per_s <<<"$out")" "$pg_load_rate")"
}

compare_ingest() {
  local seconds=$1 limit=$((events < 1000000 ? events : 1000000))
  local one=$work/upsert_one.sql batch=$work/upsert_batch50.sql i
  cp "$root/bench/pg/upsert.sql" "$one"
  { echo "BEGIN;"; for i in $(seq 1 50); do cat "$root/bench/pg/upsert.sql"; done; echo "COMMIT;"; } >"$batch"
  local c pg tally
  for c in 1 8; do
    progress "  ingest: single-row upsert from $c connection(s), ${seconds}s each"
    pg=$(pgbench_run "upsert-c$c" "$c" "$seconds" "$one" -D contacts="$contacts") ||
      { fail "pgbench upsert c$c failed"; continue; }
    read -r tps p50 p99 <<<"$pg"
    row "pg upsert c$c" "Notifuse's upsert, 1 row/transaction" "$p50" "$p99" "$tps" "rows/s" "" ""
    tally=$(client --mode upsert --connections "$c" --seconds "$seconds" --limit "$limit" \
      --id-prefix "up$c-" --ndjson "$dataset_dir/events.ndjson") ||
      { fail "tally upsert c$c failed"; continue; }
    row "tally upsert c$c" "customEvents.upsert, sync always" "$(jq -r .p50_us <<<"$tally")" \
      "$(jq -r .p99_us <<<"$tally")" "$(jq -r .events_per_s <<<"$tally")" "events/s" \
      "pg upsert c$c" "$(ratio "$(jq -r .events_per_s <<<"$tally")" "$tps")"

    progress "  ingest: batches of 50 from $c connection(s), ${seconds}s each"
    pg=$(pgbench_run "batch-c$c" "$c" "$seconds" "$batch" -D contacts="$contacts") ||
      { fail "pgbench batch c$c failed"; continue; }
    read -r tps p50 p99 <<<"$pg"
    local rows_s
    rows_s=$(awk -v t="$tps" 'BEGIN { printf "%.1f", t * 50 }')
    row "pg batch50 c$c" "50 upserts in one transaction" "$p50" "$p99" "$rows_s" "rows/s" "" ""
    tally=$(client --mode import --connections "$c" --seconds "$seconds" --limit "$limit" \
      --id-prefix "im$c-" --ndjson "$dataset_dir/events.ndjson") ||
      { fail "tally import c$c failed"; continue; }
    row "tally import c$c" "customEvents.import 50/request, sync always" \
      "$(jq -r .p50_us <<<"$tally")" "$(jq -r .p99_us <<<"$tally")" \
      "$(jq -r .events_per_s <<<"$tally")" "events/s" "pg batch50 c$c" \
      "$(ratio "$(jq -r .events_per_s <<<"$tally")" "$rows_s")"
  done
}

# median of the arguments
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# tally_preview TREE_FILE: prints "count seconds" of one segments.preview.
tally_preview() {
  local body
  body=$(jq -c '{workspace_id: "bench", tree: ., limit: 10}' "$1")
  curl -sf -o "$work/preview.json" -w '%{time_total}' -H "Authorization: Bearer $tally_key" \
    -H 'Content-Type: application/json' "http://127.0.0.1:$tally_port/api/segments.preview" \
    -d "$body" >"$work/preview.time" || return 1
  echo "$(jq -r .total_count "$work/preview.json") $(cat "$work/preview.time")"
}

compare_segments() {
  local runs=3 s
  for s in 1 2 3 4; do
    progress "  segments: S$s, $runs runs per system"
    local tally_times=() tally_count="" i out
    for i in $(seq 1 $runs); do
      out=$(tally_preview "$root/bench/pg/s$s.tree.json") || { fail "segments.preview S$s failed"; continue 2; }
      tally_count=${out% *}
      tally_times+=("$(awk -v t="${out#* }" 'BEGIN { printf "%.0f", t * 1e6 }')")
    done
    local tally_us
    tally_us=$(median "${tally_times[@]}")
    if [ "$s" = 4 ]; then
      row "tally S4 preview" "NOT(purchase in last 90 days) AND sum ≥ 500: $tally_count contacts" \
        "$tally_us" "" "" "" "no Notifuse form" ""
      continue
    fi
    # psql's \timing: the query's round trip as the client sees it, without connecting.
    local pg_times=() pg_count="" out
    for i in $(seq 1 $runs); do
      out=$(pg_psql -At -c '\timing on' -f "$root/bench/pg/s$s.sql")
      pg_count=$(grep -v '^Time' <<<"$out" | tail -n 1)
      pg_times+=("$(awk '/^Time:/ { printf "%.0f", $2 * 1000 }' <<<"$out")")
    done
    local pg_us
    pg_us=$(median "${pg_times[@]}")
    row "pg S$s count" "Notifuse's SQL (bench/pg/s$s.sql): $pg_count contacts" "$pg_us" "" "" "" "" ""
    row "tally S$s preview" "segments.preview over HTTP: $tally_count contacts" "$tally_us" "" "" "" \
      "pg S$s count" "$(ratio "$pg_us" "$tally_us")"
    if [ "$pg_count" != "$tally_count" ]; then
      fail "S$s: PostgreSQL counts $pg_count contacts, tally $tally_count"
    fi
  done
}

compare_sum30() {
  local seconds=$1 name email expected
  while read -r name email expected; do
    progress "  30-day purchase sum of the $name contact ($email), ${seconds}s per system"
    local pg_value tally
    pg_value=$(pg_psql -At -c "SELECT COALESCE(SUM(goal_value), 0) FROM custom_events
      WHERE email = '$email' AND goal_type = 'purchase' AND deleted_at IS NULL
        AND occurred_at > '$pg_end_minus_30d'::timestamptz")
    local pg
    pg=$(pgbench_run "sum30-$name" 1 "$seconds" "$root/bench/pg/sum30.sql" -D email="$email" \
      -D after="$pg_end_minus_30d") || { fail "pgbench sum30 $name failed"; continue; }
    read -r tps p50 p99 <<<"$pg"
    row "pg sum30 $name" "SUM over the last 30 days, one contact: $pg_value" "$p50" "$p99" "$tps" \
      "queries/s" "" ""
    tally=$(client --mode sum30 --email "$email" --after "$pg_end_minus_30d" --seconds "$seconds") ||
      { fail "tally sum30 $name failed"; continue; }
    local value
    value=$(jq -r .value <<<"$tally")
    row "tally sum30 $name" "customEvents.list pages summed by the client: $value" \
      "$(jq -r .p50_us <<<"$tally")" "$(jq -r .p99_us <<<"$tally")" "$(jq -r .req_per_s <<<"$tally")" \
      "queries/s" "pg sum30 $name" "$(ratio "$(jq -r .req_per_s <<<"$tally")" "$tps")"
    if ! awk -v a="$pg_value" -v b="$value" -v c="$expected" \
      'BEGIN { exit !((a - b) ^ 2 < 1e-6 && (a - c) ^ 2 < 1e-6) }'; then
      fail "30-day sum of $email: PostgreSQL $pg_value, tally $value, generator $expected"
    fi
  done < <(jq -r '.references[] | "\(.name) \(.email) \(.purchase_sum_30d)"' "$dataset_dir/info.json")
}

stage_postgres() {
  next_stage "postgres: Notifuse's schema and SQL on PostgreSQL 15 vs tally over HTTP"
  start_postgres || { fail "PostgreSQL did not start"; return 0; }
  start_tally || { fail "tally serve did not start"; return 0; }
  pg_load || return 0
  local seconds=$((quick == 1 ? 5 : 10))
  # Reads first: the ingestion runs add different new events to each system.
  compare_segments
  compare_sum30 "$seconds"
  compare_ingest "$seconds"
}
