#!/usr/bin/env bash
# Concurrent editing of coordination documents, measured against PostgreSQL's own speed.
#
# Starts `serve --demo` (production build) on its own database and creates 50 documents with one
# entry each. Then 50 writers (wrk, one connection each) run two phases of BENCH_DURATION
# seconds (default 30); every request PATCHes an entry with the ETag the writer last saw of it
# and a content unique to that request, and a 412 teaches the writer the current ETag:
#   own:    writer i edits document i: the write path at full speed, no conflicts;
#   shared: each request picks a random document, so writers collide all the time.
# Each phase reports acknowledged writes/s, the 412 rate and p99, then checks the revision log:
# every acknowledged write is there exactly once, and nothing else is but the requests still in
# flight when wrk stopped (written, never answered: at most one a writer).
#
# The same transaction (lock the document, its editors and the entry, compare the version,
# update, next revision, append the revision and the audit entry) then runs under pgbench with
# 50 clients on the same documents; the ratio is the "own" phase's writes/s to pgbench's tps.
#
# Needs wrk, pgbench, psql, curl, python3. Environment: BENCH_ADMIN_URL (a role that may create
# databases), BENCH_DURATION, BENCH_PORT (default 18081), RUST_LOG (server log level, default
# info: one access-log line a request, as in production), BENCH_BIN (a binary to measure instead
# of the production build).
set -euo pipefail
cd "$(dirname "$0")/.."

admin_url=${BENCH_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
database=yhdyspinta_bench_docs
db_url="${admin_url%/*}/$database"
port=${BENCH_PORT:-18081}
duration=${BENCH_DURATION:-30}
writers=50
documents=50
log_level=${RUST_LOG:-info}
out=bench/out/coordination
mkdir -p "$out"
base=http://127.0.0.1:$port

for tool in wrk pgbench psql curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install wrk postgresql-contrib)" >&2; exit 1; }
done

. bench/binary.sh
bin=$(bench_binary)

psql "$admin_url" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
DATABASE_URL=$db_url YHDYSPINTA_BIND=127.0.0.1:$port RUST_LOG=$log_level "$bin" serve --demo > "$out/server.log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.5; done

echo "== creating $documents documents with one entry each"
python3 - "$base" "$documents" "$out" <<'PY'
import json, sys, urllib.parse, urllib.request
base, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def call(method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers or {})
    with urllib.request.urlopen(req) as r:
        return json.load(r), r.headers

form = urllib.parse.urlencode({"grant_type": "password", "username": "koordinaattori@jyvaskyla.example",
                               "password": "yhdyspinta-demo"}).encode()
with urllib.request.urlopen(urllib.request.Request(base + "/api/v1/auth/token", data=form)) as r:
    token = json.load(r)["access_token"]
auth = {"authorization": "Bearer " + token, "content-type": "application/json"}
me, _ = call("GET", "/api/v1/me", headers=auth)
org = me["memberships"][0]["organization_id"]
with open(f"{out}/targets.txt", "w") as targets:
    for i in range(count):
        doc, _ = call("POST", "/api/v1/coordination-documents",
                      {"title": f"Kuormitustesti {i}", "owner_organization_id": org}, auth)
        entry, _ = call("POST", f"/api/v1/coordination-documents/{doc['id']}/entries",
                        {"date": "2026-04-01", "title": "Rivi", "content": "alku"}, {**auth, "if-match": "*"})
        targets.write(f"{doc['id']} {entry['id']}\n")
open(f"{out}/token.txt", "w").write(token)
PY

cat > "$out/writers.lua" <<LUA
-- One writer per thread (one connection each): the ETags it has seen, and what it wrote.
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("writer", counter)
  table.insert(threads, thread)
end

local targets, etags = {}, {}
local token
ok, stale, other, acked = 0, 0, 0, {}
local pending, value, n = nil, nil, 0

function init(args)
  for line in io.lines("$out/targets.txt") do
    local doc, entry = line:match("(%S+) (%S+)")
    targets[#targets + 1] = {doc = doc, entry = entry}
    etags[#targets] = '"1"'
  end
  token = io.open("$out/token.txt"):read("*l")
  math.randomseed(writer * 7919 + os.time())
end

local phase = os.getenv("BENCH_PHASE")

function request()
  if phase == "own" then
    pending = (writer - 1) % #targets + 1
  else
    pending = math.random(#targets)
  end
  n = n + 1
  value = phase .. "-w" .. writer .. "-" .. n
  local t = targets[pending]
  return wrk.format("PATCH", "/api/v1/coordination-documents/" .. t.doc .. "/entries/" .. t.entry, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/merge-patch+json",
    ["If-Match"] = etags[pending],
  }, '{"content": "' .. value .. '"}')
end

function response(status, headers, body)
  local etag = headers["etag"] or headers["ETag"]
  if status == 200 then
    ok = ok + 1
    acked[#acked + 1] = value
  elseif status == 412 then
    stale = stale + 1
  else
    other = other + 1
  end
  if etag then etags[pending] = etag end
end

function done(summary, latency, requests)
  local sums = {ok = 0, stale = 0, other = 0}
  local file = io.open("$out/acked-" .. os.getenv("BENCH_PHASE") .. ".txt", "w")
  for _, t in ipairs(threads) do
    for k, _ in pairs(sums) do sums[k] = sums[k] + t:get(k) end
    for _, v in ipairs(t:get("acked")) do file:write(v, "\n") end
  end
  file:close()
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT %d %d %d %.1f %.1f %.2f\n", sums.ok, sums.stale, sums.other, sums.ok / seconds,
    (sums.ok + sums.stale + sums.other) / seconds, latency:percentile(99) / 1000))
end
LUA

# One phase: wrk, then the revision log checked against what was acknowledged. Sets the
# phase's figures in globals named after it.
run_phase() {
  local phase=$1
  echo "== $phase: $writers writers for ${duration}s"
  BENCH_PHASE=$phase wrk -t"$writers" -c"$writers" -d"${duration}s" --latency -s "$out/writers.lua" "$base" \
    > "$out/wrk-$phase.txt"
  local ok stale other writes requests p99
  read -r _ ok stale other writes requests p99 < <(grep '^RESULT' "$out/wrk-$phase.txt")
  psql "$db_url" -Atc "SELECT r.patch->0->>'value' FROM coordination_revisions r
                       JOIN coordination_documents d ON d.id = r.document_id
                       WHERE r.action = 'entry_updated' AND d.title LIKE 'Kuormitustesti %'" \
    | grep "^$phase-" | sort > "$out/logged-$phase.txt" || true
  sed '/^$/d' "$out/acked-$phase.txt" | sort > "$out/acked-$phase-sorted.txt"
  local duplicates missing unanswered
  duplicates=$(uniq -d "$out/logged-$phase.txt" | wc -l)
  missing=$(comm -23 "$out/acked-$phase-sorted.txt" "$out/logged-$phase.txt" | wc -l)
  # Requests still in flight when wrk stops were written but never answered: at most one a writer.
  unanswered=$(comm -13 "$out/acked-$phase-sorted.txt" "$out/logged-$phase.txt" | wc -l)
  if [[ $duplicates -ne 0 || $missing -ne 0 || $unanswered -gt $writers ]]; then
    echo "FAILED: $missing acknowledged writes missing from the log, $duplicates logged twice, $unanswered unanswered" >&2
    exit 1
  fi
  echo "   all $ok acknowledged writes are in the revision log exactly once; $unanswered more were in flight at the end"
  local total=$((ok + stale + other))
  printf -v "summary_$phase" 'API %-6s: %7s acknowledged writes/s, %7s requests/s, 412 rate %5s%%, other statuses %s, p99 %s ms' \
    "$phase" "$writes" "$requests" "$(awk -v s="$stale" -v t="$total" 'BEGIN {printf "%.1f", 100 * s / t}')" "$other" "$p99"
  printf -v "writes_$phase" '%s' "$writes"
}

run_phase own
run_phase shared
kill -TERM "$server"; wait "$server" 2>/dev/null || true
trap - EXIT

echo "== pgbench: the same write transaction, $writers clients"
psql "$db_url" -qv ON_ERROR_STOP=1 <<'SQL'
DROP TABLE IF EXISTS bench_targets;
CREATE TABLE bench_targets AS
SELECT row_number() OVER (ORDER BY d.id) AS n, d.id AS doc, e.id AS entry
FROM coordination_documents d JOIN coordination_entries e ON e.document_id = d.id
WHERE d.title LIKE 'Kuormitustesti %';
SQL
user_id=$(psql "$db_url" -Atc "SELECT id FROM users WHERE email = 'koordinaattori@jyvaskyla.example'")
cat > "$out/write.sql" <<SQL
\set t random(1, $documents)
BEGIN;
SELECT d.* FROM coordination_documents d JOIN bench_targets b ON b.doc = d.id WHERE b.n = :t FOR UPDATE OF d;
SELECT organization_id, accepted_at FROM coordination_document_editors WHERE document_id = (SELECT doc FROM bench_targets WHERE n = :t);
SELECT e.* FROM coordination_entries e JOIN bench_targets b ON b.entry = e.id WHERE b.n = :t FOR UPDATE OF e;
UPDATE coordination_entries SET content = 'pgbench ' || :client_id, updated_by = '$user_id'
  WHERE id = (SELECT entry FROM bench_targets WHERE n = :t)
    AND version = (SELECT version FROM coordination_entries WHERE id = (SELECT entry FROM bench_targets WHERE n = :t))
  RETURNING *;
UPDATE coordination_documents SET revision = revision + 1 WHERE id = (SELECT doc FROM bench_targets WHERE n = :t) RETURNING revision;
INSERT INTO coordination_revisions (document_id, revision, actor_id, action, entry_id, patch, etags)
  SELECT b.doc, d.revision, '$user_id', 'entry_updated', b.entry,
         '[{"op": "replace", "path": "/entries/x/content", "value": "pgbench"}]', '{"entry": "\"2\""}'
  FROM bench_targets b JOIN coordination_documents d ON d.id = b.doc WHERE b.n = :t;
INSERT INTO audit_log (actor_kind, actor_id, action, resource_type, resource_id, organization_ids, diff)
  VALUES ('user', '$user_id', 'update', 'coordination_entry', 'x', '{}', '{"before": {}, "after": {}}');
COMMIT;
SQL
pgbench -n -h 127.0.0.1 -U postgres -c "$writers" -j 2 -T "$duration" -f "$out/write.sql" "$database" > "$out/pgbench.txt" 2>&1
tps=$(awk '/^tps/ {print $3; exit}' "$out/pgbench.txt")

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo
echo "machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem/ {print $2}') GiB; ${duration}s a phase; RUST_LOG=$log_level"
echo "$summary_own"
echo "$summary_shared"
printf 'pgbench, the same write transaction (c=%s): %s tps\n' "$writers" "$tps"
printf 'ratio API writes (own phase)/pgbench: %s\n' "$(awk -v a="$writes_own" -v p="$tps" 'BEGIN {printf "%.2f", a / p}')"
