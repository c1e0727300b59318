#!/usr/bin/env bash
# A directory mirror catching up: GET /api/v1/directory/changes from the start, 1000 changes a
# page, following meta.next_cursor until has_more is false, over 200,000 public changes (and
# 20,000 non-public ones it must skip). Measured against PostgreSQL reading the same pages:
# pgbench, one client like the mirror, running the page statement the API sends at random
# positions (its rows/s = tps × 1000), and COPY of the whole public feed as the ceiling.
#
# The changes are seeded with SQL straight into the change record (their positions are given
# at commit, as for real writes). One client reads, as one mirror would: the figure is how long
# a mirror takes to catch up, not the server's throughput under many.
#
# Needs pgbench, psql, curl, python3. Environment: BENCH_ADMIN_URL, BENCH_ROUNDS (default 3),
# BENCH_PORT (default 18083), BENCH_CHANGES (default 200000), RUST_LOG (default warn),
# BENCH_BIN (a binary to measure instead of the production build).
set -euo pipefail
cd "$(dirname "$0")/.."

admin_url=${BENCH_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
database=yhdyspinta_bench_feed
db_url="${admin_url%/*}/$database"
port=${BENCH_PORT:-18083}
rounds=${BENCH_ROUNDS:-3}
changes=${BENCH_CHANGES:-200000}
page=1000
cores=$(nproc)
log_level=${RUST_LOG:-warn}
out=bench/out/feed
mkdir -p "$out"

for tool in pgbench psql curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install postgresql-contrib)" >&2; exit 1; }
done

. bench/binary.sh
bin=$(bench_binary)

echo "== preparing $database: $changes public changes, $((changes / 10)) non-public"
psql "$admin_url" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
psql "$admin_url" -qc "CREATE DATABASE $database" >/dev/null
DATABASE_URL=$db_url RUST_LOG=warn "$bin" migrate
psql "$db_url" -qv ON_ERROR_STOP=1 <<SQL
INSERT INTO changes (resource_type, resource_id, series_id, op, reason, public)
SELECT (ARRAY['organization', 'venue', 'event_series', 'event_occurrence'])[1 + n % 4], md5('r-' || n)::uuid,
       CASE WHEN n % 4 >= 2 THEN md5('s-' || n % 1000)::uuid END,
       CASE WHEN n % 17 = 0 THEN 'delete' ELSE 'upsert' END, CASE WHEN n % 17 = 0 THEN 'deleted' END,
       n % 11 <> 0
FROM generate_series(1, $changes + $changes / 10) AS n;
VACUUM ANALYZE changes;
SQL
public=$(psql "$db_url" -Atc "SELECT count(*) FROM changes WHERE public")
max_seq=$(psql "$db_url" -Atc "SELECT max(seq) FROM changes")

# The page statement the API sends (it also reads the horizon and the newest position: two
# index lookups the reference leaves out, so the ratio understates the API if anything).
cat > "$out/page.sql" <<SQL
\set after random(0, $max_seq)
SELECT seq, resource_type, resource_id, series_id, op, changed_at FROM changes
 WHERE public AND seq > :after ORDER BY seq LIMIT $((page + 1));
SQL

cat > "$out/mirror.py" <<'PY'
import http.client, json, sys, time
port, limit = int(sys.argv[1]), int(sys.argv[2])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
after, rows, pages, last = "", 0, 0, 0
started = time.monotonic()
while True:
    conn.request("GET", f"/api/v1/directory/changes?limit={limit}{after}")
    res = conn.getresponse()
    body = res.read()
    if res.status != 200:
        sys.exit(f"page {pages}: {res.status} {body[:200]!r}")
    page = json.loads(body)
    for change in page["data"]:
        if change["seq"] <= last:
            sys.exit(f"positions out of order: {change['seq']} after {last}")
        last = change["seq"]
    rows += len(page["data"])
    pages += 1
    after = "&after=" + page["meta"]["next_cursor"]
    if not page["meta"]["has_more"]:
        break
seconds = time.monotonic() - started
print(f"{rows} {pages} {seconds:.3f}")
PY

start_api() {
  DATABASE_URL=$db_url YHDYSPINTA_BIND=127.0.0.1:$port RUST_LOG=$log_level "$bin" serve > "$out/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
}
stop_api() { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
trap stop_api EXIT

median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

: > "$out/rounds.txt"
for round in $(seq 1 "$rounds"); do
  echo "== round $round/$rounds"
  start_api
  read -r rows pages seconds < <(python3 "$out/mirror.py" "$port" "$page")
  stop_api
  [ "$rows" = "$public" ] || { echo "bench: the mirror read $rows changes, the feed holds $public" >&2; exit 1; }
  api_rows=$(awk -v r="$rows" -v s="$seconds" 'BEGIN {printf "%.0f", r / s}')
  pg_tps=$( (cd "$out" && pgbench -n -h 127.0.0.1 -U postgres -c 1 -j 1 -T 10 -M prepared -f page.sql "$database") |
    awk '/^tps/ {print $3; exit}')
  pg_rows=$(awk -v t="$pg_tps" -v p="$page" 'BEGIN {printf "%.0f", t * p}')
  copy_started=$(date +%s.%N)
  psql "$db_url" -qc "COPY (SELECT seq, resource_type, resource_id, series_id, op, changed_at FROM changes WHERE public ORDER BY seq) TO STDOUT" > /dev/null
  copy_rows=$(awk -v r="$public" -v s="$copy_started" -v e="$(date +%s.%N)" 'BEGIN {printf "%.0f", r / (e - s)}')
  echo "$api_rows $seconds $pg_rows $copy_rows" >> "$out/rounds.txt"
  printf '   mirror %s changes in %s pages, %s s: %s changes/s   pgbench %s rows/s   COPY %s rows/s\n' \
    "$rows" "$pages" "$seconds" "$api_rows" "$pg_rows" "$copy_rows"
done
trap - EXIT

col() { awk -v c="$1" '{print $c}' "$out/rounds.txt" | median; }
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo
echo "machine: $cores cores ($cpu), $(free -g | awk '/Mem/ {print $2}') GiB; $public public changes of $((changes + changes / 10)); pages of $page; one client; median of $rounds rounds"
printf '%-58s %10s changes/s (%s s)\n' "API mirror catch-up (GET /api/v1/directory/changes)" "$(col 1)" "$(col 2)"
printf '%-58s %10s rows/s\n' "pgbench the page statement (c=1, prepared)" "$(col 3)"
printf '%-58s %10s rows/s\n' "COPY of the public feed" "$(col 4)"
printf 'ratio API/pgbench: %.2f   API/COPY: %.2f   (medians)\n' \
  "$(awk -v a="$(col 1)" -v p="$(col 3)" 'BEGIN {print a / p}')" "$(awk -v a="$(col 1)" -v p="$(col 4)" 'BEGIN {print a / p}')"
