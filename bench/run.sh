#!/usr/bin/env bash
# Throughput of the API measured against PostgreSQL's own speed on the same machine.
#
# Seeds 100,000 organisations into a separate database, then runs, one after another:
#   - wrk: GET /api/v1/organizations/{random id} at 32 connections,
#   - wrk: GET /healthz (a bare route through the same middleware, no database),
#   - pgbench: the same SELECT by id over TCP, with as many connections as the API's pool.
# Prints req/s, p99 latency and the ratios. Needs wrk and pgbench.
#
# The three runs are repeated BENCH_ROUNDS times, interleaved, and the medians are reported:
# on a small shared machine one 15-second sample moves by ±10%.
#
# Environment: BENCH_ADMIN_URL (a role that may create databases), BENCH_DURATION (seconds
# per run, default 15), BENCH_ROUNDS (default 3), BENCH_PORT (default 18080), RUST_LOG (the
# server's log level: default `info`, the service's default, one access-log line a request),
# YHDYSPINTA_POOL_SIZE / _WORKERS as usual.
set -euo pipefail
cd "$(dirname "$0")/.."

admin_url=${BENCH_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
database=yhdyspinta_bench
db_url="${admin_url%/*}/$database"
port=${BENCH_PORT:-18080}
duration=${BENCH_DURATION:-15}
rounds=${BENCH_ROUNDS:-3}
connections=32
rows=100000
cores=$(nproc)
pool=${YHDYSPINTA_POOL_SIZE:-$((2 * cores + 2))}
log_level=${RUST_LOG:-info}
out=bench/out
mkdir -p "$out"

for tool in wrk pgbench psql; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install wrk postgresql-contrib)" >&2; exit 1; }
done

echo "== building release binary"
cargo build --release --quiet
bin=target/release/yhdyspinta

echo "== preparing $database with $rows organisations"
DATABASE_URL=$db_url RUST_LOG=warn "$bin" migrate
psql "$db_url" -qv ON_ERROR_STOP=1 <<SQL
INSERT INTO organizations (id, name, kind, municipality_codes, wellbeing_county_code, description, website, external_ids)
SELECT md5('bench-' || n)::uuid,
       jsonb_build_object('fi', 'Yhdistys ' || n, 'sv', 'Förening ' || n),
       (ARRAY['ngo', 'municipality', 'parish', 'other'])[1 + n % 4],
       '{179}', '15',
       jsonb_build_object('fi', 'Kohtaamispaikkatoimintaa ja vertaisryhmiä, yhdistys numero ' || n),
       'https://yhdistys' || n || '.example',
       jsonb_build_object('lahella', n::text)
FROM generate_series(1, $rows) AS n
ON CONFLICT (id) DO NOTHING;
VACUUM ANALYZE organizations;
SQL
psql "$db_url" -Atc "SELECT md5('bench-' || n)::uuid FROM generate_series(1, $rows) AS n" > "$out/ids.txt"

cat > "$out/random_org.lua" <<LUA
local ids = {}
for line in io.lines("$out/ids.txt") do ids[#ids + 1] = line end
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
request = function()
  return wrk.format("GET", "/api/v1/organizations/" .. ids[math.random(#ids)])
end
LUA

cat > "$out/select.sql" <<SQL
\set n random(1, $rows)
SELECT id, name, kind, business_id, parent_id, municipality_codes, wellbeing_county_code, description,
       website, email, phone, external_ids, created_at, updated_at, version
FROM organizations WHERE id = md5('bench-' || :n)::uuid LIMIT 1;
SQL

start_api() {
  DATABASE_URL=$db_url YHDYSPINTA_BIND=127.0.0.1:$port YHDYSPINTA_POOL_SIZE=$pool RUST_LOG=$log_level \
    "$bin" serve > "$out/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
}
stop_api() { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
trap stop_api EXIT

# wrk's "Requests/sec" and the 99% latency in milliseconds.
wrk_run() {
  local label=$1; shift
  wrk -t2 -c"$connections" -d"${duration}s" --latency "$@" > "$out/$label.txt"
  local rps p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' "$out/$label.txt")
  p99=$(awk '$1 == "99%" {v = $2; if (v ~ /us$/) {sub(/us/, "", v); v /= 1000} else if (v ~ /ms$/) {sub(/ms/, "", v)} else if (v ~ /s$/) {sub(/s/, "", v); v *= 1000}; print v}' "$out/$label.txt")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$out/$label.txt")
  [ -n "$errors" ] && echo "   $label: $errors" >&2
  echo "$rps $p99"
}

pgbench_run() {
  rm -f "$out"/pgbench_log.*
  (cd "$out" && pgbench -n -h 127.0.0.1 -U postgres -c "$pool" -j 2 -T "$duration" -M prepared \
     -f select.sql -l --log-prefix=pgbench_log "$database" > pgbench.txt 2>&1)
  local tps p99
  tps=$(awk '/^tps/ {print $3; exit}' "$out/pgbench.txt")
  p99=$(cat "$out"/pgbench_log.* | awk '{print $3}' | sort -n | awk '{a[NR] = $1} END {print a[int(NR * 0.99)] / 1000}')
  echo "$tps $p99"
}

median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

: > "$out/rounds.txt"
for round in $(seq 1 "$rounds"); do
  echo "== round $round/$rounds: API (pool $pool), /healthz, pgbench ($pool connections)"
  start_api
  wrk -t2 -c"$connections" -d3s -s "$out/random_org.lua" "http://127.0.0.1:$port" > /dev/null
  read -r api_rps api_p99 < <(wrk_run api -s "$out/random_org.lua" "http://127.0.0.1:$port")
  read -r hello_rps hello_p99 < <(wrk_run hello "http://127.0.0.1:$port/healthz")
  stop_api
  read -r pg_tps pg_p99 < <(pgbench_run)
  echo "$api_rps $api_p99 $hello_rps $hello_p99 $pg_tps $pg_p99" >> "$out/rounds.txt"
  printf '   api %s req/s (p99 %s ms)   healthz %s req/s   pgbench %s tps   ratio %s\n' \
    "$api_rps" "$api_p99" "$hello_rps" "$pg_tps" "$(awk -v a="$api_rps" -v p="$pg_tps" 'BEGIN {printf "%.2f", a / p}')"
done
trap - EXIT

col() { awk -v c="$1" '{print $c}' "$out/rounds.txt" | median; }
api_rps=$(col 1); api_p99=$(col 2); hello_rps=$(col 3); hello_p99=$(col 4); pg_tps=$(col 5); pg_p99=$(col 6)
ratio=$(awk '{print $1 / $5}' "$out/rounds.txt" | median)
ratio=$(printf '%.2f' "$ratio")
hello_ratio=$(awk -v a="$api_rps" -v h="$hello_rps" 'BEGIN {printf "%.2f", a / h}')

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo
echo "machine: $cores cores ($cpu), $(free -g | awk '/Mem/ {print $2}') GiB; $rows organisations; ${duration}s per run; median of $rounds rounds; RUST_LOG=$log_level"
printf '%-42s %10s req/s   p99 %7s ms\n' "API GET /api/v1/organizations/{id} (c=$connections)" "$api_rps" "$api_p99"
printf '%-42s %10s req/s   p99 %7s ms\n' "API GET /healthz (c=$connections)" "$hello_rps" "$hello_p99"
printf '%-42s %10s tps     p99 %7s ms\n' "pgbench same SELECT (c=$pool, prepared)" "$pg_tps" "$pg_p99"
echo "ratio API/pgbench: $ratio   (median of the rounds' ratios; target >= 0.5)"
echo "ratio API/healthz: $hello_ratio"
