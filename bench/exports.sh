#!/usr/bin/env bash
# A reporting tool pulling every value: GET /api/v1/exports/observations?format=csv over
# 1,000,000 approved values of one public indicator, against PostgreSQL writing the same rows
# with `COPY (the same query) TO STDOUT WITH CSV` on the same machine. Also the server's
# resident memory before and at its peak during the export: the export streams in batches,
# so it should grow by little whatever the row count.
#
# The values are seeded with SQL straight into the table, on top of the demo data.
#
# Needs psql, curl, python3. Environment: BENCH_ADMIN_URL, BENCH_ROUNDS (default 3),
# BENCH_PORT (default 18084), BENCH_VALUES (default 1000000), RUST_LOG (default warn),
# BENCH_BIN (a binary to measure instead of the production build).
set -euo pipefail
cd "$(dirname "$0")/.."

admin_url=${BENCH_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
database=yhdyspinta_bench_exports
db_url="${admin_url%/*}/$database"
port=${BENCH_PORT:-18084}
rounds=${BENCH_ROUNDS:-3}
values=${BENCH_VALUES:-1000000}
cores=$(nproc)
log_level=${RUST_LOG:-warn}
out=bench/out/exports
mkdir -p "$out"

for tool in psql curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done

. bench/binary.sh
bin=$(bench_binary)

echo "== preparing $database: the demo data and $values approved values of one public indicator"
psql "$admin_url" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
psql "$admin_url" -qc "CREATE DATABASE $database" >/dev/null
DATABASE_URL=$db_url RUST_LOG=warn "$bin" seed-demo >/dev/null
indicator=$(psql "$db_url" -Atc "SELECT id FROM indicators WHERE code = 'KS_PARTICIPANTS_MONTH'")
reporter=$(psql "$db_url" -Atc "SELECT owner_organization_id FROM indicators WHERE id = '$indicator'")
# Distinct natural keys through the age band (a-b); values with up to three decimals.
psql "$db_url" -qv ON_ERROR_STOP=1 <<SQL
INSERT INTO observations (id, indicator_id, value_type, period_code, period_start, period_end, age_group, value,
                          numerator, denominator, status, reporting_organization_id, provisional)
SELECT gen_random_uuid(), '$indicator', 'actual', '2025', date '2025-01-01', date '2025-12-31',
       (n / 1000) || '-' || (n % 1000), (n % 100000) / 8.0, n % 977, 977, 'approved', '$reporter', n % 13 = 0
FROM generate_series(0, $values - 1) AS n;
VACUUM ANALYZE observations;
SQL
rows=$(psql "$db_url" -Atc "SELECT count(*) FROM observations WHERE indicator_id = '$indicator' AND status = 'approved'")

# The reference: the export's rows and columns, written by PostgreSQL itself.
copy_query="SELECT o.id, o.indicator_id, i.code, o.value_type, o.period_code, o.period_start, o.period_end,
  o.area_kind, o.area_code, o.organization_id, o.sex, o.age_group, round(o.value, i.decimals), o.value, o.numerator,
  o.denominator, i.unit, i.decimals, o.narrative->>'fi', o.status, o.provisional, o.confidential,
  o.reporting_organization_id, o.updated_at
  FROM observations o JOIN indicators i ON i.id = o.indicator_id
  WHERE o.indicator_id = '$indicator' AND o.status = 'approved' AND NOT o.confidential AND i.visibility = 'public'
  ORDER BY o.id"

start_api() {
  DATABASE_URL=$db_url YHDYSPINTA_BIND=127.0.0.1:$port RUST_LOG=$log_level YHDYSPINTA_EXPORTS_PER_MINUTE=100000 \
    "$bin" serve > "$out/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
}
stop_api() { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
trap stop_api EXIT
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

: > "$out/rounds.txt"
for round in $(seq 1 "$rounds"); do
  echo "== round $round/$rounds"
  start_api
  # A small export first, so the pools and caches are warm, then the RSS it starts from.
  curl -sf -o /dev/null "http://127.0.0.1:$port/api/v1/exports/observations?format=csv&value_type=target"
  before=$(rss "$server")
  (peak=$before; while kill -0 "$server" 2>/dev/null; do
     now=$(rss "$server" 2>/dev/null || echo 0); [ "${now:-0}" -gt "$peak" ] && peak=$now
     echo "$peak" > "$out/peak.txt"; sleep 0.05; done) &
  sampler=$!
  read -r seconds bytes status < <(curl -s -o "$out/export.csv" -w '%{time_total} %{size_download} %{http_code}\n' \
    "http://127.0.0.1:$port/api/v1/exports/observations?format=csv&indicator=$indicator")
  sleep 0.2
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
  peak=$(cat "$out/peak.txt")
  stop_api
  [ "$status" = 200 ] || { echo "bench: the export answered $status" >&2; exit 1; }
  exported=$(($(wc -l < "$out/export.csv") - 1))
  [ "$exported" = "$rows" ] || { echo "bench: the export has $exported rows, the table $rows" >&2; exit 1; }
  api_rows=$(awk -v r="$rows" -v s="$seconds" 'BEGIN {printf "%.0f", r / s}')
  copy_started=$(date +%s.%N)
  psql "$db_url" -qc "COPY ($copy_query) TO STDOUT WITH CSV HEADER" > "$out/copy.csv"
  copy_seconds=$(awk -v s="$copy_started" -v e="$(date +%s.%N)" 'BEGIN {printf "%.3f", e - s}')
  copy_rows=$(awk -v r="$rows" -v s="$copy_seconds" 'BEGIN {printf "%.0f", r / s}')
  growth=$(( (peak - before) / 1024 ))
  echo "$api_rows $seconds $copy_rows $growth $bytes" >> "$out/rounds.txt"
  printf '   API %s rows in %s s (%s bytes): %s rows/s   COPY %s s: %s rows/s   RSS %s -> %s KiB (+%s MiB)\n' \
    "$rows" "$seconds" "$bytes" "$api_rows" "$copy_seconds" "$copy_rows" "$before" "$peak" "$growth"
done
trap - EXIT

col() { awk -v c="$1" '{print $c}' "$out/rounds.txt" | median; }
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo
echo "machine: $cores cores ($cpu), $(free -g | awk '/Mem/ {print $2}') GiB; $rows values; one client; median of $rounds rounds"
printf '%-58s %10s rows/s (%s s)\n' "API CSV export (GET /api/v1/exports/observations)" "$(col 1)" "$(col 2)"
printf '%-58s %10s rows/s\n' "COPY (the same query) TO STDOUT WITH CSV" "$(col 3)"
printf '%-58s %10s MiB (target < 50)\n' "server RSS growth during the export" "$(col 4)"
printf 'ratio API/COPY: %.2f   (median of the rounds; target >= 0.5)\n' \
  "$(awk -v a="$(col 1)" -v p="$(col 3)" 'BEGIN {print a / p}')"
