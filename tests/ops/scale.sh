#!/usr/bin/env bash
# Beyond one machine, on one machine: a PostgreSQL primary and its streaming replica
# (pg_basebackup -R) on private ports, two service instances reading anonymous requests from
# the replica, and nginx in front as load balancer and HTTP cache. Then it checks, printing
# each figure:
#   1. a write through the proxy is read back by its writer at once, and by an anonymous
#      reader (a page not cached yet) within the replica's lag bound;
#   2. 1,000 anonymous requests for one public page reach the service a few times at most;
#   3. with the replica stopped, anonymous reads keep answering from the primary: 0 × 5xx;
#   4. with one instance stopped, the proxy answers through the other: 0 lost writes;
#   5. a live document event written through one instance reaches a client of the other.
#
# Needs PostgreSQL's server binaries (Debian's postgresql package), nginx (apt-get install
# nginx-light), curl, python3; runs the clusters as the postgres user when started as root.
# SCALE_BIN: the binary (default: target/debug/yhdyspinta, built if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=${SCALE_BIN:-target/debug/yhdyspinta}
[ -x "$bin" ] || cargo build --quiet
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
for tool in nginx curl python3 "$pgbin/initdb"; do
  command -v "$tool" >/dev/null || { echo "scale: $tool is missing" >&2; exit 1; }
done
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

work=$(mktemp -d /tmp/yhdyspinta-scale.XXXXXX)
chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown postgres "$work"
primary_port=$(free_port); replica_port=$(free_port); a_port=$(free_port); b_port=$(free_port); proxy_port=$(free_port)
primary_url="postgres://postgres@127.0.0.1:$primary_port/postgres"
replica_url="postgres://postgres@127.0.0.1:$replica_port/postgres"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  for data in replica primary; do
    [ -d "$work/$data" ] && as_pg "$pgbin/pg_ctl" -D "$work/$data" -m immediate stop >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
pg_start() {
  as_pg "$pgbin/pg_ctl" -D "$work/$1" -w -l "$work/$1.log" \
    -o "-p $2 -k $work -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
}

echo "== primary :$primary_port and streaming replica :$replica_port"
as_pg "$pgbin/initdb" -D "$work/primary" -A trust -U postgres --no-sync >/dev/null
pg_start primary "$primary_port"
as_pg "$pgbin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$work/replica" -R -X stream
pg_start replica "$replica_port"

echo "== two instances :$a_port and :$b_port"
start_instance() {
  local port=$1; shift
  DATABASE_URL=$primary_url YHDYSPINTA_READ_DATABASE_URL=$replica_url YHDYSPINTA_BIND=127.0.0.1:$port \
    YHDYSPINTA_PUBLIC_URL=http://127.0.0.1:$proxy_port RUST_LOG=info YHDYSPINTA_LOG_FORMAT=text \
    "$bin" serve "$@" > "$work/instance-$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return; sleep 0.2; done
  echo "scale: the instance on :$port did not start" >&2; cat "$work/instance-$port.log" >&2; exit 1
}
start_instance "$a_port" --demo
a_pid=${pids[-1]}
start_instance "$b_port"

echo "== nginx :$proxy_port: round robin, caching what Cache-Control allows"
cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  proxy_cache_path $work/cache levels=1:2 keys_zone=api:10m max_size=100m inactive=10m use_temp_path=off;
  upstream yhdyspinta { server 127.0.0.1:$a_port max_fails=1 fail_timeout=5s; server 127.0.0.1:$b_port max_fails=1 fail_timeout=5s; keepalive 16; }
  server {
    listen 127.0.0.1:$proxy_port;
    location / {
      include $PWD/deploy/nginx-proxy.conf;
    }
  }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work"
proxy=http://127.0.0.1:$proxy_port
for _ in $(seq 1 50); do curl -sf "$proxy/readyz" >/dev/null && break; sleep 0.1; done

token=$(curl -sf "$proxy/api/v1/auth/token" -d grant_type=password -d username=paakayttaja@jyvaskyla.example \
  -d "password=yhdyspinta-demo" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
auth="Authorization: Bearer $token"
org=$(curl -sf "$proxy/api/v1/me" -H "$auth" | python3 -c 'import json, sys; print(json.load(sys.stdin)["memberships"][0]["organization_id"])')
patch_phone() {
  curl -s -o /dev/null -w '%{http_code}' -X PATCH "$proxy/api/v1/organizations/$org" -H "$auth" -H 'If-Match: *' \
    -H 'Content-Type: application/merge-patch+json' -d "{\"phone\": \"$1\"}"
}
phone_of() { python3 -c 'import json, sys; print(json.load(sys.stdin).get("phone"))'; }
now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN {printf "%.3f", e - s}'; }

echo "== 1. read your writes, and anonymous readers within the lag bound"
for i in 1 2 3; do
  [ "$(patch_phone "+358 40 000 000$i")" = 200 ] || { echo "scale: write $i failed" >&2; exit 1; }
  mine=$(curl -sf "$proxy/api/v1/organizations/$org" -H "$auth" | phone_of)
  [ "$mine" = "+358 40 000 000$i" ] || { echo "scale: the writer read $mine after writing $i" >&2; exit 1; }
  written=$(now)
  # A list page never fetched before, so no cache holds it: what the service reads now.
  until curl -sf "$proxy/api/v1/organizations?limit=200&updated_since=2000-01-0${i}T00:00:00Z" |
      grep -q "+358 40 000 000$i"; do
    sleep 0.02
    awk -v s="$written" -v e="$(now)" 'BEGIN {exit !(e - s > 5)}' && { echo "scale: not visible within 5 s" >&2; exit 1; }
  done
  echo "   write $i: read back by its writer at once; visible to anonymous readers after $(since "$written") s"
done

echo "== 2. 1,000 anonymous requests for one public page"
page="/api/v1/organizations/$org"
before=$(cat "$work"/instance-*.log | grep -c "path=$page status" || true)
codes=$(for _ in $(seq 1 1000); do curl -s -o /dev/null -w '%{http_code}\n' "$proxy$page"; done | sort | uniq -c | tr '\n' ' ')
sleep 0.5
after=$(cat "$work"/instance-*.log | grep -c "path=$page status" || true)
echo "   answers: $codes; reached the service $((after - before)) times (Cache-Control: $(curl -sI "$proxy$page" | tr -d '\r' | awk -F': ' 'tolower($1) == "cache-control" {print $2}'))"
[ $((after - before)) -le 3 ] || { echo "scale: the cache let too many through" >&2; exit 1; }

echo "== 3. the replica stops: anonymous reads answer from the primary"
as_pg "$pgbin/pg_ctl" -D "$work/replica" -m fast stop >/dev/null
started=$(now)
fivexx=0; total=0
while awk -v s="$started" -v e="$(now)" 'BEGIN {exit !(e - s < 5)}'; do
  total=$((total + 1))
  code=$(curl -s -o /dev/null -w '%{http_code}' "$proxy/api/v1/venues?limit=$((total % 150 + 1))")
  [ "${code:0:1}" = 5 ] && fivexx=$((fivexx + 1))
done
lag=$(curl -sf "http://127.0.0.1:$a_port/readyz")
echo "   $total anonymous reads in 5 s with the replica down: $fivexx × 5xx; readyz: $lag"
if [ "$fivexx" != 0 ]; then
  echo "scale: 5xx while the replica was down:" >&2
  curl -s "$proxy/api/v1/venues?limit=199" >&2; echo >&2
  grep -E "ERROR|WARN" "$work"/instance-*.log | tail -5 >&2
  exit 1
fi

echo "== 4. one instance stops: the other answers, no write is lost"
kill -TERM "$a_pid"; wait "$a_pid" 2>/dev/null || true
ok=0; lost=0
version_before=$(curl -sf "$proxy/api/v1/organizations/$org" -H "$auth" | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
for i in $(seq 10 59); do
  if [ "$(patch_phone "+358 40 000 00$i")" = 200 ]; then ok=$((ok + 1)); else lost=$((lost + 1)); fi
done
version_after=$(curl -sf "$proxy/api/v1/organizations/$org" -H "$auth" | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
echo "   50 writes through the proxy with one instance down: $ok answered 200, $lost failed; the version moved by $((version_after - version_before))"
[ "$ok" = 50 ] && [ $((version_after - version_before)) = 50 ] || { echo "scale: writes were lost" >&2; exit 1; }

echo "== 5. a live document event crosses instances"
start_instance "$a_port"
created=$(curl -s "$proxy/api/v1/coordination-documents" -H "$auth" -H 'Content-Type: application/json' \
  -d "{\"title\": \"Skaalaussuunnitelma\", \"owner_organization_id\": \"$org\"}")
doc=$(echo "$created" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])') ||
  { echo "scale: no document: $created" >&2; exit 1; }
curl -sN --max-time 10 "http://127.0.0.1:$a_port/api/v1/coordination-documents/$doc/events" -H "$auth" > "$work/stream.txt" &
stream=$!
sleep 1
written=$(now)
entry=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$b_port/api/v1/coordination-documents/$doc/entries" -H "$auth" \
  -H 'If-Match: *' -H 'Content-Type: application/json' -d "{\"date\": \"$(date -d '+7 days' +%F)\", \"title\": \"Rivi\"}" || true)
[ "${entry: -3}" = 201 ] || { echo "scale: no entry: $entry" >&2; exit 1; }
until grep -q '^id: 2' "$work/stream.txt"; do
  sleep 0.02
  kill -0 "$stream" 2>/dev/null || { echo "scale: the event did not reach the other instance" >&2; cat "$work/stream.txt" >&2; exit 1; }
done
kill "$stream" 2>/dev/null || true
echo "   written through :$b_port, streamed by :$a_port after $(since "$written") s"

echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}'), nginx $(nginx -v 2>&1 | awk -F/ '{print $2}')"
echo "scale: all checks passed"
