#!/usr/bin/env python3
"""SIGTERM under keep-alive load: the server exits 0 and answers every request it accepted.

    python3 tests/ops/sigterm.py

OPS_RUNS times (default 20): starts `yhdyspinta serve` on a free port (the first run with
`--demo`; all runs share one throwaway database, `yhdyspinta_ops2_sigterm_<pid>`, dropped at the
end), puts load on it through keep-alive connections and sends SIGTERM mid-load:

  - OPS_BUSY clients (default 6), each a thread reusing one connection, send requests back to
    back (GET /healthz, a page of organisations, a page of areas, a page of occurrences);
  - OPS_PAUSING clients (default 4) do the same but pause 0.1-0.8 s after each answer, so their
    connection is often idle at the moment of the signal.

A client stops using a connection once an answer carried `Connection: close`, and then
reconnects (refused once the server stopped listening). Before reusing an idle connection it
checks, as HTTP clients do, whether the server has already closed it ("idle closed" below: not
a request). After the signal, the clients go on until the server process has exited.

Claims, per run:
  - the exit code is 0;
  - every request the server accepted was answered: a request counts as unanswered when it was
    fully sent on a connection and the connection then closed with no response bytes (or with a
    cut-off response), although the previous answer on that connection had not said
    `Connection: close`; and no request waits forever (40 s).
Figures per run: requests sent, answered, answered with `Connection: close`, unanswered (and of
those, how many were the first request on a new connection: one accepted by the kernel but
perhaps never by the server), cut off, hung, requests in flight at the signal, answers without
`Connection: close` to requests sent more than 0.2 s after the signal (the service is meant to
close every connection after SIGTERM), idle connections found closed before reuse, refused
reconnects, time from the signal to the exit.

The server's own settings come from the environment as usual: YHDYSPINTA_SHUTDOWN_DRAIN_MS
(how long it answers with `Connection: close` before it stops accepting) shortens a run.

Environment: OPS_BIN (default target/production/yhdyspinta, else target/release/…,
else target/debug/…; copied first), OPS_ADMIN_URL (default
postgres://postgres@127.0.0.1:5432/postgres; needs psql), OPS_RUNS, OPS_BUSY, OPS_PAUSING,
OPS_LOAD_SECS (load before the signal, default 1.5; each run varies it by ±0.5 s), OPS_KEEP.
Exit status 1 when a claim fails, 2 when the harness fails.
"""

import http.client
import os
import random
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time


from harness import HarnessError, free_port, run_script
from harness import psql_quietly as psql
from harness import required_binary as binary

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ADMIN_URL = os.environ.get("OPS_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
RUNS = int(os.environ.get("OPS_RUNS", "20"))
BUSY = int(os.environ.get("OPS_BUSY", "6"))
PAUSING = int(os.environ.get("OPS_PAUSING", "4"))
# When the server closes its listener after the signal (its drain; see the service's README).
DRAIN_S = int(os.environ.get("YHDYSPINTA_SHUTDOWN_DRAIN_MS", "5000")) / 1000
LOAD_SECS = float(os.environ.get("OPS_LOAD_SECS", "1.5"))
ANSWER_TIMEOUT = 40.0
PATHS = [
    "/healthz",
    "/api/v1/organizations?limit=20",
    "/api/v1/areas?kind=municipality&limit=50",
    "/api/v1/occurrences?limit=10",
]


def start_server(bin_path, database, log_path, demo):
    port = free_port()
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": ADMIN_URL.rsplit("/", 1)[0] + "/" + database,
        "YHDYSPINTA_BIND": f"127.0.0.1:{port}",
        "RUST_LOG": os.environ.get("OPS_RUST_LOG", "warn"),
    })
    log = open(log_path, "ab")
    proc = subprocess.Popen([bin_path, "serve"] + (["--demo"] if demo else []), env=env, stdout=log,
                            stderr=subprocess.STDOUT, cwd=ROOT)
    log.close()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise HarnessError(f"the server exited with {proc.returncode} at start (log: {log_path})")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/readyz")
            ready = c.getresponse().status == 200
            c.close()
            if ready:
                return proc, port
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise HarnessError("the server did not become ready within 300 s")


class Stats:
    FIELDS = ["sent", "answered", "with_close", "unanswered", "unanswered_new", "cut_off", "hung", "send_failed",
              "after_signal_keepalive", "idle_closed", "refused", "inflight_at_signal", "at_listener_close"]

    def __init__(self):
        self.lock = threading.Lock()
        for f in self.FIELDS:
            setattr(self, f, 0)
        self.inflight = 0
        self.examples = []

    def add(self, field, n=1):
        with self.lock:
            setattr(self, field, getattr(self, field) + n)


def read_response(sock, deadline):
    """(status, headers, bytes received): status None when the connection closed first.
    Raises TimeoutError when nothing completes by `deadline`."""
    buf = b""
    received = 0

    def fill():
        nonlocal buf, received
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError()
        sock.settimeout(remaining)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            raise TimeoutError() from None
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        received += len(data)
        buf += data
        return bool(data)

    while b"\r\n\r\n" not in buf:
        if not fill():
            return None, {}, received
    head, body = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        n = int(headers["content-length"])
        buf = body
        while len(buf) < n:
            if not fill():
                return None, headers, received
    elif "chunked" in headers.get("transfer-encoding", ""):
        buf = body
        while not buf.endswith(b"0\r\n\r\n"):
            if not fill():
                return None, headers, received
    return status, headers, received


def closed_by_peer(sock):
    """Whether an idle connection has been closed (or sent something unasked)."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        sock.setblocking(False)
        sock.recv(1, socket.MSG_PEEK)
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True
    finally:
        sock.setblocking(True)
    return True  # b"" (closed) or unsolicited bytes: either way not reusable


def client(port, stats, pausing, signalled, exited, rng):
    sock = None
    previous_close = False
    while True:
        if sock is None:
            if exited.is_set():
                return
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                previous_close = False
                connected_at = time.monotonic()
                on_connection = 0
            except OSError:
                stats.add("refused")
                sock = None
                time.sleep(0.02)
                continue
        elif closed_by_peer(sock):
            stats.add("idle_closed")
            sock.close()
            sock = None
            continue
        path = rng.choice(PATHS)
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n".encode()
        try:
            sock.settimeout(10)
            sock.sendall(request)
        except OSError:
            stats.add("send_failed")
            sock.close()
            sock = None
            continue
        sent_at = time.monotonic()
        with stats.lock:
            stats.sent += 1
            stats.inflight += 1
        try:
            status, headers, received = read_response(sock, time.monotonic() + ANSWER_TIMEOUT)
        except TimeoutError:
            status, headers, received = "hung", {}, 0
        with stats.lock:
            stats.inflight -= 1
        # Sent well after the server got the signal (0.2 s to notice it).
        sent_after_signal = signalled.is_set() and sent_at > signalled.at + 0.2
        if status == "hung":
            stats.add("hung")
            stats.examples.append(f"no answer in {ANSWER_TIMEOUT:.0f}s to GET {path}")
            sock.close()
            sock = None
            continue
        if status is None:
            if previous_close:
                pass  # the server said it would close: not a broken promise
            elif (received == 0 and on_connection == 0 and signalled.is_set()
                  and -0.05 <= sent_at - signalled.at - DRAIN_S <= 0.1):
                # A connection the kernel queued as the server closed its listener: the
                # server never accepted it, and the kernel resets it (as for any server that
                # stops listening). Balancers have had the drain to stop sending here.
                stats.add("at_listener_close")
            elif received == 0:
                stats.add("unanswered")
                if on_connection == 0:
                    stats.add("unanswered_new")
                when = (f"{sent_at - signalled.at:+.3f}s from the signal" if signalled.is_set()
                        else "BEFORE the signal")
                stats.examples.append(
                    f"GET {path}: closed with no answer, sent {when}, "
                    + (f"the first request on a connection opened {sent_at - connected_at:.3f}s before"
                       if on_connection == 0 else f"request {on_connection + 1} on its connection"))
            else:
                stats.add("cut_off")
                stats.examples.append(f"GET {path}: answer cut off after {received} bytes")
            sock.close()
            sock = None
            continue
        stats.add("answered")
        on_connection += 1
        closing = "close" in headers.get("connection", "").lower()
        if closing:
            stats.add("with_close")
        elif sent_after_signal:
            stats.add("after_signal_keepalive")
        if closing:
            sock.close()
            sock = None
        if pausing and not exited.is_set():
            time.sleep(rng.uniform(0.1, 0.8))


def one_run(n, bin_path, database, log_path):
    proc, port = start_server(bin_path, database, log_path, demo=(n == 1))
    stats = Stats()
    signalled, exited = threading.Event(), threading.Event()
    rng = random.Random(n)
    threads = [threading.Thread(target=client, args=(port, stats, i >= BUSY, signalled, exited,
                                                     random.Random(n * 100 + i)), daemon=True)
               for i in range(BUSY + PAUSING)]
    for t in threads:
        t.start()
    time.sleep(max(0.2, LOAD_SECS + rng.uniform(-0.5, 0.5)))
    with stats.lock:
        stats.inflight_at_signal = stats.inflight
        sent_before = stats.sent
    signal_at = time.monotonic()
    signalled.at = signal_at
    signalled.set()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(45)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait()
        code = f"killed after 45s ({code})"
    shutdown_s = time.monotonic() - signal_at
    exited.set()
    for t in threads:
        t.join(ANSWER_TIMEOUT + 5)
    stats.sent_before = sent_before
    return stats, code, shutdown_s


def main():
    tmp = tempfile.mkdtemp(prefix="ops2-sigterm-")
    source = binary()
    if not os.path.exists(source):
        raise HarnessError(f"binary {source} is missing")
    bin_path = os.path.join(tmp, "yhdyspinta")
    shutil.copy2(source, bin_path)
    database = f"yhdyspinta_ops2_sigterm_{os.getpid()}"
    log_path = os.path.join(tmp, "server.log")
    psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    print(f"binary: {source}; {RUNS} runs, {BUSY} busy + {PAUSING} pausing keep-alive clients, "
          f"SIGTERM after ~{LOAD_SECS:g} s of load")
    header = ("run", "sent", "answered", "w/close", "unanswd", "(new conn)", "cut off", "hung", "inflight@sig",
              "sig→keepalive", "idle closed", "refused", "at close", "exit", "shutdown s")
    print("%4s %7s %9s %8s %8s %10s %8s %5s %13s %14s %12s %8s %9s %5s %11s" % header)
    failures = []
    totals = {f: 0 for f in Stats.FIELDS}
    try:
        for n in range(1, RUNS + 1):
            stats, code, shutdown_s = one_run(n, bin_path, database, log_path)
            for f in Stats.FIELDS:
                totals[f] += getattr(stats, f)
            print("%4d %7d %9d %8d %8d %10d %8d %5d %13d %14d %12d %8d %9d %5s %11.2f" % (
                n, stats.sent, stats.answered, stats.with_close, stats.unanswered, stats.unanswered_new,
                stats.cut_off, stats.hung,
                stats.inflight_at_signal, stats.after_signal_keepalive, stats.idle_closed, stats.refused,
                stats.at_listener_close, code, shutdown_s), flush=True)
            problems = []
            if code != 0:
                problems.append(f"exit code {code}")
            if stats.unanswered or stats.cut_off or stats.hung:
                problems.append(f"{stats.unanswered} unanswered, {stats.cut_off} cut off, {stats.hung} hung: "
                                + "; ".join(stats.examples[:4]))
            if stats.sent_before == 0:
                problems.append("no load before the signal")
            if problems:
                failures.append((n, problems))
    finally:
        if os.environ.get("OPS_KEEP"):
            print(f"kept: server log {log_path}, database {database}")
        else:
            psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    print("%4s %7d %9d %8d %8d %10d %8d %5d %13d %14d %12d %8d %9d" % (
        "all", totals["sent"], totals["answered"], totals["with_close"], totals["unanswered"],
        totals["unanswered_new"], totals["cut_off"],
        totals["hung"], totals["inflight_at_signal"], totals["after_signal_keepalive"], totals["idle_closed"],
        totals["refused"], totals["at_listener_close"]))
    print()
    print("unanswered: fully sent, then closed with no response bytes, the previous answer without "
          "Connection: close ((new conn): of those, the first request on a new connection); sig→keepalive: answers without Connection: close to requests sent "
          ">0.2 s after the signal; at close: first requests on connections the kernel queued in the 50 ms "
          "around the moment the server closed its listener (never accepted by it; reset)")
    try:
        with open(log_path, "rb") as f:
            panics = [l for l in f.read().decode("utf-8", "replace").splitlines() if "panicked" in l]
    except OSError:
        panics = []
    if not os.environ.get("OPS_KEEP"):
        shutil.rmtree(tmp, ignore_errors=True)
    if panics:
        failures.append(("log", [f"{len(panics)} panic line(s): {panics[0][:200]}"]))
    for n, problems in failures:
        print(f"FAIL run {n}: " + "; ".join(problems))
    if not failures:
        print(f"PASS: {RUNS} runs exited 0 and answered every accepted request")
    return 1 if failures else 0


if __name__ == "__main__":
    run_script(main)
