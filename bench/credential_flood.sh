#!/usr/bin/env bash
# Memory under a flood of credential requests: starts `serve --demo` on its own database,
# sends 100 concurrent invitation accepts with bogus tokens and 1 KiB passwords, then twice
# 100 concurrent sign-ins from distinct clients (each one an Argon2 hash, 19 MiB), and prints
# the server's resident memory after each burst. Hashing should hold about cores x 19 MiB.
#
# Usage: bash bench/credential_flood.sh [BIN]   (default: BENCH_BIN, or the production build)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/binary.sh
BIN=${1:-$(bench_binary)}
ADMIN=${YHDYSPINTA_TEST_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB=${ADMIN%/*}/yhdyspinta_flood
PORT=18095
psql "$ADMIN" -qc 'DROP DATABASE IF EXISTS yhdyspinta_flood WITH (FORCE)' >/dev/null 2>&1 || true
DATABASE_URL=$DB YHDYSPINTA_TRUSTED_PROXIES=127.0.0.1 RUST_LOG=warn "$BIN" serve --demo --bind "127.0.0.1:$PORT" \
  >/tmp/yhdyspinta-flood.log 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done
python3 - "http://127.0.0.1:$PORT" "$PID" <<'PY'
import json, sys, threading, time, urllib.error, urllib.parse, urllib.request
base, pid = sys.argv[1], int(sys.argv[2])

def rss():
    fields = dict(line.split(':', 1) for line in open(f'/proc/{pid}/status') if ':' in line)
    return int(fields['VmRSS'].split()[0]) // 1024

def post(url, data, headers):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=120) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code

def burst(name, make):
    codes, threads = [], [threading.Thread(target=lambda i=i: codes.append(make(i))) for i in range(100)]
    started = time.time()
    for t in threads: t.start()
    for t in threads: t.join()
    print(f"{name}: {time.time() - started:.1f} s, statuses {sorted(set(codes))}, RSS {rss()} MiB")

print(f"after start-up: RSS {rss()} MiB")
burst("100 concurrent bogus invitation accepts", lambda i: post(
    f"{base}/api/v1/invitations/bogus-token-{i}/accept", json.dumps({"password": "x" * 1024}).encode(),
    {"content-type": "application/json", "x-forwarded-for": f"198.51.100.{i}"}))
for round in (1, 2):
    burst(f"100 concurrent sign-ins, round {round}", lambda i: post(
        f"{base}/api/v1/auth/token",
        urllib.parse.urlencode({"grant_type": "password", "username": f"u{i}@example.fi",
                                "password": "a wrong password"}).encode(),
        {"content-type": "application/x-www-form-urlencoded", "x-forwarded-for": f"203.0.113.{i}"}))
PY
