#!/usr/bin/env bash
# "What is on": GET /api/v1/occurrences for a two-week window in one wellbeing county, 50 a
# page, over 10,000 published series with 1,050,000 occurrences, measured against PostgreSQL
# running the page's statement under pgbench (the API runs it and one more, for the organisers).
#
# Seeds a separate database with SQL: 600 venues spread over every municipality of the area
# register, 10,000 weekly series (105 occurrences each, from January 2026) at those venues, and
# their organisers. Each request picks one of 52 two-week windows at random, in Keski-Suomi
# (county 15, about 7 % of the occurrences), anonymously. Both sides run with the API's pool
# size as concurrency; the rounds are interleaved and the medians reported.
#
# Needs wrk, pgbench, psql, curl. Environment: BENCH_ADMIN_URL (a role that may create
# databases), BENCH_DURATION (seconds per run, default 15), BENCH_ROUNDS (default 3),
# BENCH_PORT (default 18082), RUST_LOG (default info), YHDYSPINTA_POOL_SIZE as usual, BENCH_BIN
# (a binary to measure instead of the production build).
set -euo pipefail
cd "$(dirname "$0")/.."

admin_url=${BENCH_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
database=yhdyspinta_bench_occurrences
db_url="${admin_url%/*}/$database"
port=${BENCH_PORT:-18082}
duration=${BENCH_DURATION:-15}
rounds=${BENCH_ROUNDS:-3}
connections=32
series=10000
weeks=105
cores=$(nproc)
pool=${YHDYSPINTA_POOL_SIZE:-$((2 * cores + 2))}
log_level=${RUST_LOG:-info}
out=bench/out/occurrences
mkdir -p "$out"

for tool in wrk pgbench psql curl; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install wrk postgresql-contrib)" >&2; exit 1; }
done

. bench/binary.sh
bin=$(bench_binary)

echo "== preparing $database: $series series, $((series * weeks)) occurrences"
psql "$admin_url" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
psql "$admin_url" -qc "CREATE DATABASE $database" >/dev/null
DATABASE_URL=$db_url RUST_LOG=warn "$bin" migrate
psql "$db_url" -qv ON_ERROR_STOP=1 <<SQL
INSERT INTO organizations (id, name, kind, municipality_codes, wellbeing_county_code)
SELECT md5('org-' || n)::uuid, jsonb_build_object('fi', 'Yhdistys ' || n), 'ngo', '{}', NULL
FROM generate_series(1, 200) AS n;

CREATE TEMP TABLE m AS
SELECT row_number() OVER (ORDER BY code) AS n, code FROM areas
WHERE kind = 'municipality' AND valid_to IS NULL;

INSERT INTO venues (id, name, kind, owner_organization_id, municipality_code, lon, lat, premises_terms, rent_cents)
SELECT md5('venue-' || v)::uuid, jsonb_build_object('fi', 'Kohtaamispaikka ' || v), 'meeting_place',
       md5('org-' || (1 + v % 200))::uuid, m.code, 20 + v % 10, 60 + v % 7, 'free', NULL
FROM generate_series(1, 600) AS v JOIN m ON m.n = 1 + v % (SELECT count(*) FROM m);

INSERT INTO event_series (id, title, kind, activity_type, publisher_id, venue_id, target_groups, languages, is_free,
                          publication_status, schedule, materialized_until)
SELECT md5('series-' || s)::uuid, jsonb_build_object('fi', 'Ryhmä ' || s), 'recurring',
       (ARRAY['event', 'ongoing_activity', 'support', 'volunteering'])[1 + s % 4], md5('org-' || (1 + s % 200))::uuid,
       md5('venue-' || (1 + s % 600))::uuid, '{older_people}', '{fi}', s % 3 = 0, 'published',
       jsonb_build_object('timezone', 'Europe/Helsinki', 'start_date', '2026-01-05', 'start_time', '10:00',
                          'end_time', '12:00', 'rrule', 'FREQ=WEEKLY;COUNT=$weeks'),
       '2099-01-01'
FROM generate_series(1, $series) AS s;

INSERT INTO event_series_organizers (series_id, organization_id, accepted_at)
SELECT id, publisher_id, now() FROM event_series;

INSERT INTO event_occurrences (id, series_id, instance_date, scheduled_start, scheduled_end, starts_at, ends_at,
                               venue_id, municipality_code, wellbeing_county_code)
SELECT md5('occ-' || s.n || '-' || w)::uuid, s.id, d::date, t, t + interval '2 hours', t, t + interval '2 hours',
       s.venue_id, v.municipality_code, v.wellbeing_county_code
FROM (SELECT row_number() OVER (ORDER BY id) AS n, id, venue_id FROM event_series) s
JOIN venues v ON v.id = s.venue_id
CROSS JOIN generate_series(0, $weeks - 1) AS w
CROSS JOIN LATERAL (SELECT date '2026-01-05' + (s.n % 7)::int + 7 * w AS d) days
CROSS JOIN LATERAL (SELECT (d + time '06:00' + (s.n % 10) * interval '1 hour') AT TIME ZONE 'UTC' AS t) times;
VACUUM ANALYZE;
SQL
psql "$db_url" -Atc "SELECT count(*) FROM event_occurrences WHERE wellbeing_county_code = '15'" > "$out/county_rows.txt"

cat > "$out/window.lua" <<'LUA'
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
request = function()
  local day = 5 + 7 * math.random(0, 51)
  local from = os.time({year = 2026, month = 1, day = day, hour = 0})
  local f = os.date("!%Y-%m-%dT00:00:00Z", from)
  local t = os.date("!%Y-%m-%dT00:00:00Z", from + 14 * 86400)
  return wrk.format("GET", "/api/v1/occurrences?wellbeing_county=15&from=" .. f .. "&to=" .. t .. "&limit=50")
end
LUA

# The page statement the API runs (the occurrences with their series), as the API sends it.
# The API also reads the organisers of the page's series in a second statement, which
# pgbench leaves out: the ratio understates the API, if anything.
cat > "$out/window.sql" <<'SQL'
\set w random(0, 51)
SELECT o.*, s.* FROM event_occurrences o JOIN event_series s ON s.id = o.series_id
 WHERE o.ends_at > timestamptz '2026-01-05 00:00Z' + :w * interval '7 days'
   AND o.starts_at >= timestamptz '2026-01-05 00:00Z' + :w * interval '7 days' - interval '31 days'
   AND o.starts_at < timestamptz '2026-01-05 00:00Z' + :w * interval '7 days' + interval '14 days'
   AND o.published AND o.wellbeing_county_code = '15'
 ORDER BY o.starts_at, o.id LIMIT 51;
SQL

start_api() {
  DATABASE_URL=$db_url YHDYSPINTA_BIND=127.0.0.1:$port YHDYSPINTA_POOL_SIZE=$pool RUST_LOG=$log_level \
    "$bin" serve > "$out/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
}
stop_api() { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
trap stop_api EXIT

wrk_run() {
  wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$out/window.lua" "http://127.0.0.1:$port" > "$out/api.txt"
  local rps p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' "$out/api.txt")
  p99=$(awk '$1 == "99%" {v = $2; if (v ~ /us$/) {sub(/us/, "", v); v /= 1000} else if (v ~ /ms$/) {sub(/ms/, "", v)} else if (v ~ /s$/) {sub(/s/, "", v); v *= 1000}; print v}' "$out/api.txt")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$out/api.txt")
  [ -n "$errors" ] && echo "   api: $errors" >&2
  echo "$rps $p99"
}

pgbench_run() {
  rm -f "$out"/pgbench_log.*
  (cd "$out" && pgbench -n -h 127.0.0.1 -U postgres -c "$pool" -j 2 -T "$duration" -M prepared \
     -f window.sql -l --log-prefix=pgbench_log "$database" > pgbench.txt 2>&1)
  local tps p99
  tps=$(awk '/^tps/ {print $3; exit}' "$out/pgbench.txt")
  p99=$(cat "$out"/pgbench_log.* | awk '{print $3}' | sort -n | awk '{a[NR] = $1} END {print a[int(NR * 0.99)] / 1000}')
  echo "$tps $p99"
}

median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# A page must really hold 50 occurrences of the county.
start_api
sample=$(curl -sf "http://127.0.0.1:$port/api/v1/occurrences?wellbeing_county=15&from=2026-03-02T00:00:00Z&to=2026-03-16T00:00:00Z&limit=50")
echo "$sample" | python3 -c 'import json, sys; d = json.load(sys.stdin)["data"]; assert len(d) == 50 and all(o["wellbeing_county_code"] == "15" for o in d), len(d)'
stop_api

: > "$out/rounds.txt"
for round in $(seq 1 "$rounds"); do
  echo "== round $round/$rounds: API (pool $pool, $connections connections), pgbench ($pool connections)"
  start_api
  wrk -t2 -c"$connections" -d3s -s "$out/window.lua" "http://127.0.0.1:$port" > /dev/null
  read -r api_rps api_p99 < <(wrk_run)
  stop_api
  read -r pg_tps pg_p99 < <(pgbench_run)
  echo "$api_rps $api_p99 $pg_tps $pg_p99" >> "$out/rounds.txt"
  printf '   api %s req/s (p99 %s ms)   pgbench %s tps (p99 %s ms)   ratio %s\n' \
    "$api_rps" "$api_p99" "$pg_tps" "$pg_p99" "$(awk -v a="$api_rps" -v p="$pg_tps" 'BEGIN {printf "%.2f", a / p}')"
done
trap - EXIT

col() { awk -v c="$1" '{print $c}' "$out/rounds.txt" | median; }
ratio=$(awk '{print $1 / $3}' "$out/rounds.txt" | median)
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo
echo "machine: $cores cores ($cpu), $(free -g | awk '/Mem/ {print $2}') GiB; $series series, $((series * weeks)) occurrences ($(cat "$out/county_rows.txt") in county 15); ${duration}s per run; median of $rounds rounds; RUST_LOG=$log_level"
printf '%-58s %10s req/s   p99 %7s ms\n' "API GET /api/v1/occurrences (county, 2 weeks, 50/page)" "$(col 1)" "$(col 2)"
printf '%-58s %10s tps     p99 %7s ms\n' "pgbench the page statement (c=$pool, prepared)" "$(col 3)" "$(col 4)"
printf 'ratio API/pgbench: %.2f   (median of the rounds; target >= 0.5)\n' "$ratio"
