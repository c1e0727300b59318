#!/usr/bin/env bash
# Webhook throughput: one server process delivering its outbox to a local receiver. 200
# subscriptions each follow the same 2,500 public changes of the feed (500 a delivery), so the
# worker cuts and sends about 1,000 signed deliveries of up to 500 change items; the figure is deliveries (and
# change items) per second until the last is recorded as delivered. Measured against
# PostgreSQL doing a delivery's own bookkeeping with pgbench (one client, as one worker): the
# transaction that queues a 500-item batch and moves the subscription's position, and the one
# that locks it and records it delivered.
#
# Needs pgbench, psql, curl, python3. Environment: BENCH_ADMIN_URL, BENCH_ROUNDS (default 3),
# BENCH_PORT (default 18084), BENCH_SUBSCRIPTIONS (200), BENCH_CHANGES (2500), RUST_LOG
# (default warn), BENCH_BIN (a binary to measure instead of the production build).
set -euo pipefail
cd "$(dirname "$0")/.."

admin_url=${BENCH_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
database=yhdyspinta_bench_webhooks
db_url="${admin_url%/*}/$database"
port=${BENCH_PORT:-18084}
receiver_port=$((port + 1))
rounds=${BENCH_ROUNDS:-3}
subscriptions=${BENCH_SUBSCRIPTIONS:-200}
changes=${BENCH_CHANGES:-2500}
batch=500
cores=$(nproc)
log_level=${RUST_LOG:-warn}
out=bench/out/webhooks
mkdir -p "$out"

for tool in pgbench psql curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install postgresql-contrib)" >&2; exit 1; }
done

. bench/binary.sh
bin=$(bench_binary)

cat > "$out/receiver.py" <<'PY'
# Answers 204 to every POST over keep-alive connections and counts them.
import http.server, sys, threading
count = 0
lock = threading.Lock()
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        global count
        self.rfile.read(int(self.headers.get("content-length", 0)))
        with lock:
            count += 1
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()
    def do_GET(self):
        body = str(count).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
PY

prepare() {
  psql "$admin_url" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
  psql "$admin_url" -qc "CREATE DATABASE $database" >/dev/null
  DATABASE_URL=$db_url RUST_LOG=warn "$bin" migrate
  psql "$db_url" -qv ON_ERROR_STOP=1 <<SQL
INSERT INTO organizations (id, name, kind) VALUES ('01930000-0000-7000-8000-0000000000b1', '{"fi": "Vertailu"}', 'ngo');
INSERT INTO webhooks (id, organization_id, url, event_types, secret, after_seq, active, disabled_reason)
SELECT md5('w-' || n)::uuid, '01930000-0000-7000-8000-0000000000b1', 'http://127.0.0.1:$receiver_port/hook',
       ARRAY['organization', 'venue', 'event_series', 'event_occurrence'], repeat('s', 40), 0, false, 'not yet'
FROM generate_series(1, $subscriptions) AS n;
INSERT INTO changes (resource_type, resource_id, series_id, op, reason, public)
SELECT (ARRAY['organization', 'venue', 'event_series', 'event_occurrence'])[1 + n % 4], md5('r-' || n)::uuid,
       CASE WHEN n % 4 >= 2 THEN md5('s-' || n % 1000)::uuid END, 'upsert', NULL, true
FROM generate_series(1, $changes) AS n;
VACUUM ANALYZE;
SQL
}

# The bookkeeping of one delivery, as the worker's statements do it.
cat > "$out/delivery.sql" <<SQL
\set w random(1, $subscriptions)
BEGIN;
SELECT id, after_seq FROM webhooks WHERE id = md5('w-' || :w)::uuid FOR UPDATE;
SELECT seq, resource_type, resource_id, series_id, op, changed_at FROM changes
 WHERE public AND seq > 0 ORDER BY seq LIMIT $batch;
INSERT INTO webhook_deliveries (id, webhook_id, first_seq, last_seq, payload, status, delivered_at)
SELECT gen_random_uuid(), md5('w-' || :w)::uuid, min(seq), max(seq),
       jsonb_build_object('data', jsonb_agg(jsonb_build_object('seq', seq, 'type', resource_type, 'id', resource_id,
         'series_id', series_id, 'op', op, 'changed_at', changed_at))), 'delivered', now()
FROM (SELECT * FROM changes WHERE public ORDER BY seq LIMIT $batch) c;
UPDATE webhooks SET after_seq = after_seq WHERE id = md5('w-' || :w)::uuid;
COMMIT;
SQL

python3 "$out/receiver.py" "$receiver_port" &
receiver=$!
stop_all() {
  kill -TERM "${server:-}" 2>/dev/null || true; wait "${server:-}" 2>/dev/null || true
  kill "$receiver" 2>/dev/null || true
}
trap stop_all EXIT
sleep 0.5

median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

: > "$out/rounds.txt"
for round in $(seq 1 "$rounds"); do
  echo "== round $round/$rounds: $subscriptions subscriptions × $changes changes"
  prepare
  # Every public change (the organisation's creation too) reaches every subscription.
  public=$(psql "$db_url" -Atc "SELECT count(*) FROM changes WHERE public")
  expected=$((subscriptions * ((public + batch - 1) / batch)))
  before=$(curl -sf "http://127.0.0.1:$receiver_port/")
  DATABASE_URL=$db_url YHDYSPINTA_BIND=127.0.0.1:$port YHDYSPINTA_WEBHOOK_ALLOW_HOSTS=127.0.0.1 RUST_LOG=$log_level \
    "$bin" serve > "$out/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  # The clock starts when the subscriptions are turned on, the server already running.
  started=$(date +%s.%N)
  psql "$db_url" -qc "UPDATE webhooks SET active = true, disabled_reason = NULL"
  while true; do
    done_count=$(psql "$db_url" -Atc "SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'")
    [ "$done_count" -ge "$expected" ] && break
    if ! kill -0 "$server" 2>/dev/null; then echo "bench: the server stopped" >&2; cat "$out/server.log" >&2; exit 1; fi
    sleep 0.05
  done
  seconds=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN {printf "%.3f", e - s}')
  kill -TERM "$server"; wait "$server" 2>/dev/null || true
  received=$(( $(curl -sf "http://127.0.0.1:$receiver_port/") - before ))
  [ "$received" -ge "$expected" ] || { echo "bench: the receiver got $received of $expected" >&2; exit 1; }
  failed=$(psql "$db_url" -Atc "SELECT count(*) FROM webhook_deliveries WHERE status <> 'delivered'")
  per_s=$(awk -v n="$expected" -v s="$seconds" 'BEGIN {printf "%.0f", n / s}')
  items_s=$(awk -v n="$expected" -v b="$batch" -v s="$seconds" 'BEGIN {printf "%.0f", n * b / s}')
  pg_tps=$( (cd "$out" && pgbench -n -h 127.0.0.1 -U postgres -c 1 -j 1 -T 10 -M prepared -f delivery.sql "$database") |
    awk '/^tps/ {print $3; exit}')
  echo "$per_s $seconds $items_s $pg_tps $received" >> "$out/rounds.txt"
  printf '   %s deliveries (%s requests, %s not delivered) in %s s: %s deliveries/s, %s change items/s   pgbench %s tps\n' \
    "$expected" "$received" "$failed" "$seconds" "$per_s" "$items_s" "$pg_tps"
done
trap - EXIT
stop_all

col() { awk -v c="$1" '{print $c}' "$out/rounds.txt" | median; }
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo
echo "machine: $cores cores ($cpu), $(free -g | awk '/Mem/ {print $2}') GiB; $subscriptions subscriptions, $changes changes each, $batch a delivery; one server process; median of $rounds rounds"
printf '%-58s %10s deliveries/s (%s s)\n' "API webhook deliveries to a local receiver" "$(col 1)" "$(col 2)"
printf '%-58s %10s items/s\n' "API webhook change items delivered" "$(col 3)"
printf '%-58s %10s tps\n' "pgbench a delivery's bookkeeping (c=1, prepared)" "$(col 4)"
printf 'ratio API/pgbench: %.2f   (medians)\n' "$(awk -v a="$(col 1)" -v p="$(col 4)" 'BEGIN {print a / p}')"
