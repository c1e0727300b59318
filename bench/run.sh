#!/usr/bin/env bash
# Throughput of the API's hot public reads measured against PostgreSQL's own speed on the
# same machine.
#
# Seeds 100,000 organisations and 10,000 venues into a separate database, then runs, one after
# another (wrk at 32 connections, pgbench over TCP with as many connections as the API's pool):
#   - GET /api/v1/organizations/{random id}   against pgbench running its SELECT,
#   - GET /api/v1/organizations?limit=50       against pgbench running its SELECT,
#   - GET /api/v1/venues?limit=50              against pgbench running its SELECT,
#   - GET /healthz (the same middleware, no database), for the HTTP layer's own ceiling.
# The pgbench statements are the exact ones the service sends, as PostgreSQL logs them with
# `ALTER DATABASE yhdyspinta_bench SET log_statement = 'all'` (anonymous first pages ask for
# one row more than the page, to know whether there is a next one).
# Prints req/s, p99 latency and the ratios. Needs wrk and pgbench.
#
# The runs are repeated BENCH_ROUNDS times, each API run followed at once by pgbench on its
# statement, and the medians of each round's ratios are reported: on a small shared machine
# one sample moves by ±20% and more, and a ratio of two runs seconds apart moves less.
# `bench/profile.sh` counts the instructions the service spends per request instead, which
# does not depend on what else the machine is doing.
#
# Environment: BENCH_ADMIN_URL (a role that may create databases), BENCH_DURATION (seconds
# per run, default 15), BENCH_ROUNDS (default 3), BENCH_PORT (default 18080), RUST_LOG (the
# server's log level: default `info`, the service's default, one access-log line a request),
# YHDYSPINTA_POOL_SIZE / _WORKERS as usual, BENCH_PREPARE_ONLY (seed and stop), BENCH_BIN (a
# binary to measure instead of the production build, e.g. an earlier commit's).
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
venues=10000
cores=$(nproc)
pool=${YHDYSPINTA_POOL_SIZE:-$((2 * cores + 2))}
log_level=${RUST_LOG:-info}
out=bench/out
mkdir -p "$out"

for tool in wrk pgbench psql; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install wrk postgresql-contrib)" >&2; exit 1; }
done

. bench/binary.sh
bin=$(bench_binary)

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
INSERT INTO venues (id, name, description, kind, owner_organization_id, street, postal_code, locality,
                    municipality_code, lon, lat, capacity, premises_terms)
SELECT md5('bench-venue-' || n)::uuid,
       jsonb_build_object('fi', 'Kohtaamispaikka ' || n, 'sv', 'Mötesplats ' || n),
       jsonb_build_object('fi', 'Avoin olohuone: kahvia, lehtiä ja vertaistukea, kohtaamispaikka numero ' || n),
       (ARRAY['meeting_place', 'library', 'parish_hall', 'collaboration_lobby'])[1 + n % 4],
       md5('bench-' || (1 + n % $rows))::uuid,
       'Kauppakatu ' || n, '40100', 'Jyväskylä', '179',
       25.7 + (n % 100) * 0.001, 62.2 + (n % 97) * 0.001, 20 + n % 40,
       (ARRAY['free', 'free_for_ngos', 'rent'])[1 + n % 3]
FROM generate_series(1, $venues) AS n
ON CONFLICT (id) DO NOTHING;
VACUUM ANALYZE venues;
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

org_columns='"organizations"."id", "organizations"."name", "organizations"."kind", "organizations"."business_id", "organizations"."parent_id", "organizations"."municipality_codes", "organizations"."wellbeing_county_code", "organizations"."description", "organizations"."website", "organizations"."email", "organizations"."phone", "organizations"."external_ids", "organizations"."created_at", "organizations"."updated_at", "organizations"."version"'
venue_columns='"venues"."id", "venues"."name", "venues"."description", "venues"."kind", "venues"."owner_organization_id", "venues"."operator_organization_id", "venues"."street", "venues"."postal_code", "venues"."locality", "venues"."municipality_code", "venues"."lon", "venues"."lat", "venues"."accessibility", "venues"."accessibility_info", "venues"."interpretation_services", "venues"."opening_hours", "venues"."capacity", "venues"."premises_terms", "venues"."rent_cents", "venues"."contact", "venues"."images", "venues"."external_ids", "venues"."wellbeing_county_code", "venues"."created_at", "venues"."updated_at", "venues"."version"'
cat > "$out/select.sql" <<SQL
\set n random(1, $rows)
\set one 1
SELECT $org_columns FROM "organizations" WHERE ("organizations"."id" = md5('bench-' || :n)::uuid) LIMIT :one;
SQL
cat > "$out/organizations_page.sql" <<SQL
\set limit 51
SELECT $org_columns FROM "organizations" ORDER BY "organizations"."id" LIMIT :limit;
SQL
cat > "$out/venues_page.sql" <<SQL
\set limit 51
SELECT $venue_columns, NULL::bigint FROM "venues" ORDER BY "venues"."id" LIMIT :limit;
SQL

# bench/profile.sh prepares the same database this way.
[ -n "${BENCH_PREPARE_ONLY:-}" ] && exit 0

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
  local script=$1
  rm -f "$out"/pgbench_log.*
  (cd "$out" && pgbench -n -h 127.0.0.1 -U postgres -c "$pool" -j 2 -T "$duration" -M prepared \
     -f "$script" -l --log-prefix=pgbench_log "$database" > pgbench.txt 2>&1)
  local tps p99
  tps=$(awk '/^tps/ {print $3; exit}' "$out/pgbench.txt")
  p99=$(cat "$out"/pgbench_log.* | awk '{print $3}' | sort -n | awk '{a[NR] = $1} END {print a[int(NR * 0.99)] / 1000}')
  echo "$tps $p99"
}

median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

: > "$out/rounds.txt"
api=http://127.0.0.1:$port
for round in $(seq 1 "$rounds"); do
  echo "== round $round/$rounds: API (pool $pool) and pgbench ($pool connections), by id, organisation page, venue page, /healthz"
  # Each API run is followed at once by pgbench on its statement (the idle server stays up),
  # so the two runs of a ratio are seconds apart.
  start_api
  wrk -t2 -c"$connections" -d3s -s "$out/random_org.lua" "$api" > /dev/null
  read -r id_rps id_p99 < <(wrk_run api -s "$out/random_org.lua" "$api")
  read -r pg_id pg_id_p99 < <(pgbench_run select.sql)
  read -r orgs_rps orgs_p99 < <(wrk_run orgs "$api/api/v1/organizations?limit=50")
  read -r pg_orgs pg_orgs_p99 < <(pgbench_run organizations_page.sql)
  read -r venues_rps venues_p99 < <(wrk_run venues "$api/api/v1/venues?limit=50")
  read -r pg_venues pg_venues_p99 < <(pgbench_run venues_page.sql)
  read -r hello_rps hello_p99 < <(wrk_run hello "$api/healthz")
  stop_api
  echo "$id_rps $id_p99 $orgs_rps $orgs_p99 $venues_rps $venues_p99 $hello_rps $hello_p99 $pg_id $pg_id_p99 $pg_orgs $pg_orgs_p99 $pg_venues $pg_venues_p99" >> "$out/rounds.txt"
  ratio() { awk -v a="$1" -v p="$2" 'BEGIN {printf "%.2f", a / p}'; }
  printf '   by id %s req/s / %s tps = %s   organisations %s / %s = %s   venues %s / %s = %s   healthz %s\n' \
    "$id_rps" "$pg_id" "$(ratio "$id_rps" "$pg_id")" "$orgs_rps" "$pg_orgs" "$(ratio "$orgs_rps" "$pg_orgs")" \
    "$venues_rps" "$pg_venues" "$(ratio "$venues_rps" "$pg_venues")" "$hello_rps"
done
trap - EXIT

col() { awk -v c="$1" '{print $c}' "$out/rounds.txt" | median; }
ratio_col() { awk -v a="$1" -v b="$2" '{print $a / $b}' "$out/rounds.txt" | median | xargs printf '%.2f'; }

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo
echo "machine: $cores cores ($cpu), $(free -g | awk '/Mem/ {print $2}') GiB; $rows organisations, $venues venues; ${duration}s per run; median of $rounds rounds; RUST_LOG=$log_level"
printf '%-48s %10s %9s %10s %9s %7s\n' "" "API req/s" "p99 ms" "pgbench" "p99 ms" "ratio"
printf '%-48s %10s %9s %10s %9s %7s\n' "GET /api/v1/organizations/{id} (target >= 0.6)" "$(col 1)" "$(col 2)" "$(col 9)" "$(col 10)" "$(ratio_col 1 9)"
printf '%-48s %10s %9s %10s %9s %7s\n' "GET /api/v1/organizations?limit=50 (>= 0.5)" "$(col 3)" "$(col 4)" "$(col 11)" "$(col 12)" "$(ratio_col 3 11)"
printf '%-48s %10s %9s %10s %9s %7s\n' "GET /api/v1/venues?limit=50 (>= 0.5)" "$(col 5)" "$(col 6)" "$(col 13)" "$(col 14)" "$(ratio_col 5 13)"
printf '%-48s %10s %9s %10s %9s %7s\n' "GET /healthz (no database)" "$(col 7)" "$(col 8)" "" "" ""
echo "ratio: median of the rounds' API req/s over pgbench tps on the same statement"
