#!/usr/bin/env bash
# Cheap reads under a flood of expensive ones: admission control.
#
# On the database bench/run.sh prepares (100,000 organisations), measures the latency of
# GET /api/v1/organizations/{random id} (wrk, 8 connections):
#   1. alone;
#   2. while 200 connections (a second wrk) keep asking for the largest page of a text search
#      that matches every organisation (GET /api/v1/organizations?limit=200&q=yhdistys);
# and pgbench running the by-id statement alone on as many connections, PostgreSQL's own
# latency for the same read. Prints p50/p99 of each, the flood's answers by status, and the
# ratio of the by-id p99 under the flood to its p99 alone.
#
# Environment: as bench/run.sh (BENCH_ADMIN_URL, BENCH_PORT, BENCH_BIN, RUST_LOG), and
# BENCH_DURATION (seconds per measurement, default 15), BENCH_FLOOD (connections, default 200).
set -euo pipefail
cd "$(dirname "$0")/.."

admin_url=${BENCH_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
database=yhdyspinta_bench
db_url="${admin_url%/*}/$database"
port=${BENCH_PORT:-18080}
duration=${BENCH_DURATION:-15}
flood=${BENCH_FLOOD:-200}
cheap=8
out=bench/out
mkdir -p "$out"

. bench/binary.sh
bin=$(bench_binary)
BENCH_BIN=$bin BENCH_PREPARE_ONLY=1 bash bench/run.sh

api=http://127.0.0.1:$port
DATABASE_URL=$db_url YHDYSPINTA_BIND=127.0.0.1:$port RUST_LOG=${RUST_LOG:-info} "$bin" serve > "$out/admission-server.log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf "$api/readyz" >/dev/null && break; sleep 0.2; done

# p50 and p99 in milliseconds from wrk --latency output.
percentiles() {
  awk '$1 == "50%" || $1 == "99%" {v = $2; if (v ~ /us$/) {sub(/us/, "", v); v /= 1000} else if (v ~ /ms$/) {sub(/ms/, "", v)} else if (v ~ /s$/) {sub(/s/, "", v); v *= 1000}; printf "%s ", v} END {print ""}' "$1"
}

echo "== by id alone ($cheap connections, ${duration}s)"
wrk -t1 -c"$cheap" -d3s -s "$out/random_org.lua" "$api" > /dev/null
wrk -t1 -c"$cheap" -d"${duration}s" --latency -s "$out/random_org.lua" "$api" > "$out/admission-alone.txt"
read -r alone_p50 alone_p99 < <(percentiles "$out/admission-alone.txt")

echo "== by id during a flood of $flood connections of text searches"
wrk -t1 -c"$flood" -d"$((duration + 6))s" --latency "$api/api/v1/organizations?limit=200&q=yhdistys" \
  > "$out/admission-flood.txt" &
flooding=$!
sleep 3
wrk -t1 -c"$cheap" -d"${duration}s" --latency -s "$out/random_org.lua" "$api" > "$out/admission-during.txt"
wait "$flooding"
read -r during_p50 during_p99 < <(percentiles "$out/admission-during.txt")
flood_total=$(awk '/requests in/ {print $1}' "$out/admission-flood.txt")
flood_refused=$(awk '/Non-2xx/ {print $NF}' "$out/admission-flood.txt")
flood_refused=${flood_refused:-0}
during_errors=$(awk '/Non-2xx|Socket errors/' "$out/admission-during.txt")
busy_statuses=$(awk '/status=503/ {n++} END {print n + 0}' "$out/admission-server.log")

echo "== pgbench: the by-id statement alone ($cheap connections)"
rm -f "$out"/pgbench_log.*
(cd "$out" && pgbench -n -h 127.0.0.1 -U postgres -c "$cheap" -j 1 -T "$duration" -M prepared \
   -f select.sql -l --log-prefix=pgbench_log "$database" > pgbench.txt 2>&1)
read -r pg_p50 pg_p99 < <(cat "$out"/pgbench_log.* | awk '{print $3}' | sort -n \
  | awk '{a[NR] = $1} END {printf "%s %s\n", a[int(NR * 0.5)] / 1000, a[int(NR * 0.99)] / 1000}')

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo
echo "machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem/ {print $2}') GiB; ${duration}s per measurement"
printf '%-58s %9s %9s\n' "" "p50 ms" "p99 ms"
printf '%-58s %9s %9s\n' "pgbench: the by-id statement alone" "$pg_p50" "$pg_p99"
printf '%-58s %9s %9s\n' "GET /api/v1/organizations/{id} alone" "$alone_p50" "$alone_p99"
printf '%-58s %9s %9s\n' "GET /api/v1/organizations/{id} during the flood" "$during_p50" "$during_p99"
echo "flood: $flood_total answers, $flood_refused of them not 2xx (the service logged $busy_statuses 503s)"
[ -n "$during_errors" ] && echo "by id during the flood: $during_errors"
awk -v a="$alone_p99" -v d="$during_p99" 'BEGIN {printf "by-id p99 during the flood / alone: %.2f\n", d / a}'
