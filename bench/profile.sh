#!/usr/bin/env bash
# Where the service spends its time on the hot public reads, in figures that do not depend on
# what else the machine is doing.
#
# 1. Instructions per request (valgrind's callgrind, production build): the server runs under
#    callgrind on the database `bench/run.sh` seeds, 300 requests warm it up, the counters are
#    zeroed, BENCH_REQUESTS requests (default 2000) go over four keep-alive connections, and
#    the user-space instructions of every thread of the server are divided by the requests.
#    The same binary and requests give the same figure within a fraction of a per cent, so a
#    change of a few per cent is visible, where req/s on a shared 2-core machine moves ±20%.
#    (System calls and the kernel's TCP work are not counted: `perf` below sees those.)
#    The largest inclusive costs of the by-id read are printed below the table.
# 2. With BENCH_PERF=1, also a sampled profile of the server under wrk load (32 connections),
#    with call graphs from DWARF unwinding: `perf report -i bench/out/perf.data --children`.
#
# Needs valgrind, python3, curl, psql (and perf and wrk for BENCH_PERF=1). Environment as in
# bench/run.sh, plus BENCH_REQUESTS and BENCH_PERF.
set -euo pipefail
cd "$(dirname "$0")/.."

admin_url=${BENCH_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db_url="${admin_url%/*}/yhdyspinta_bench"
port=${BENCH_PORT:-18090}
requests=${BENCH_REQUESTS:-2000}
out=bench/out
mkdir -p "$out"
for tool in valgrind callgrind_control python3 curl psql; do
  command -v "$tool" >/dev/null || { echo "profile: $tool is missing (apt-get install valgrind)" >&2; exit 1; }
done

BENCH_PREPARE_ONLY=1 bench/run.sh
. bench/binary.sh
bin=$(bench_binary)

# Sends `count` GETs of `path` over four keep-alive connections; `{id}` takes a random seeded id.
drive() {
  python3 - "$1" "$2" "$port" "$out/ids.txt" <<'PY'
import http.client, random, sys
path, count, port, ids = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ids = [line.strip() for line in open(ids)]
random.seed(count)
connections = [http.client.HTTPConnection("127.0.0.1", port) for _ in range(4)]
for i in range(count):
    c = connections[i % 4]
    c.request("GET", path.replace("{id}", random.choice(ids)))
    response = c.getresponse()
    response.read()
    if response.status != 200:
        sys.exit(f"{path}: {response.status}")
PY
}

# Instructions per request of `path`; leaves the callgrind file in $out/callgrind.<label>.
count() {
  local label=$1 path=$2
  rm -f "$out"/callgrind.out.*
  DATABASE_URL=$db_url YHDYSPINTA_BIND=127.0.0.1:$port RUST_LOG=${RUST_LOG:-info} \
    valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out.%p" "$bin" serve > "$out/callgrind_server.log" 2>&1 &
  local server=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.3; done
  drive "$path" 300
  callgrind_control -z "$server" > /dev/null 2>&1
  drive "$path" "$requests"
  callgrind_control -d "$server" > /dev/null 2>&1
  kill -TERM "$server"; wait "$server" 2>/dev/null || true
  local dump
  dump=$(ls -t "$out"/callgrind.out.*.* | head -1)
  mv "$dump" "$out/callgrind.$label"
  rm -f "$out"/callgrind.out.*
  awk -v n="$requests" '/^summary:/ {printf "%d", $2 / n}' "$out/callgrind.$label"
}

printf '%-40s %14s\n' "request" "instructions"
for spec in "healthz /healthz" "by_id /api/v1/organizations/{id}" \
            "organizations /api/v1/organizations?limit=50" "venues /api/v1/venues?limit=50"; do
  read -r label path <<< "$spec"
  printf '%-40s %14s\n' "GET $path" "$(count "$label" "$path")"
done

echo
echo "largest inclusive costs of GET /api/v1/organizations/{id}, instructions per request:"
python3 - "$out/callgrind.by_id" "$requests" <<'PY'
import collections, re, sys
names, own, calls = {}, collections.Counter(), collections.Counter()
function = callee = None
pending = False
def name(number, text):
    if text:
        names[number] = text
    return names.get(number, number)
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"^(c?)fn=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
    if m:
        if m.group(1):
            callee = name(m.group(2), m.group(3))
        else:
            function = name(m.group(2), m.group(3))
        continue
    if line.startswith("calls="):
        pending = True
        continue
    parts = line.split()
    if len(parts) >= 2 and parts[0][0] in "0123456789+-*":
        if pending:
            pending = False
            if callee != function:
                calls[function] += int(parts[1])
        else:
            own[function] += int(parts[1])
n = int(sys.argv[2])
ours = ("yhdyspinta::", "diesel", "serde_json", "tracing", "actix_web::", "actix_cors", "tokio_postgres")
inclusive = {f: own[f] + calls[f] for f in set(own) | set(calls)}
for f, cost in sorted(inclusive.items(), key=lambda x: -x[1])[:400]:
    if f.startswith(ours) or f.startswith(tuple("<" + o for o in ours)):
        if cost / n > 1500:
            print(f"{cost / n:10.0f}  {f[:140]}")
PY

if [ -n "${BENCH_PERF:-}" ]; then
  DATABASE_URL=$db_url YHDYSPINTA_BIND=127.0.0.1:$port RUST_LOG=${RUST_LOG:-info} "$bin" serve > "$out/perf_server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  wrk -t2 -c32 -d15s -s "$out/random_org.lua" "http://127.0.0.1:$port" > /dev/null &
  sleep 3
  perf record -F 499 -e cpu-clock --call-graph dwarf,16384 -p "$server" -o "$out/perf.data" -- sleep 8 > /dev/null 2>&1
  wait %2 || true
  kill -TERM "$server"; wait "$server" 2>/dev/null || true
  perf report -i "$out/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -30
fi
