#!/usr/bin/env python3
"""A database outage under load. Starts a PostgreSQL cluster of its own (initdb into a
temporary directory, a free port), the service against it, and the mixed load of
`mixed_load.py`; in the middle, stops PostgreSQL (`pg_ctl stop -m fast`) for
OPS_OUTAGE_SECONDS (default 5) and starts it again. The service is not restarted.

Claims (exit status 1 when one fails):
  - no 5xx other than 503 at any time;
  - while the database is down, every answer is a 503 with `Retry-After`, and fast
    (p99 at most OPS_OUTAGE_P99_MS, default 1000 ms);
  - the service answers 2xx again within OPS_RECOVERY_SECONDS (default 5) of the database
    being back (`pg_ctl start -w` returned), with the same process;
  - every acknowledged (2xx) write is in the database afterwards (audit log by request id,
    read back by GET);
  - the server logs fewer than OPS_MAX_OUTAGE_LOG_LINES (default 20) WARN/ERROR lines from the
    stop until 3 s after it answers 2xx again.
Prints the figures: load summary, a per-second timeline around the outage, the 503s' latency,
the recovery time, the WARN/ERROR lines, and writes that took effect although their answer was
an error or never came (a commit whose acknowledgement was lost with the connection: reported,
not a failure).

    python3 tests/ops/db_outage.py

Environment: OPS_DURATION (default 60), OPS_CONNECTIONS (default 64), OPS_OUTAGE_AT (seconds
into the load, default the middle), OPS_OUTAGE_SECONDS, OPS_OUTAGE_P99_MS, OPS_RECOVERY_SECONDS,
OPS_MAX_OUTAGE_LOG_LINES, OPS_WRITE_SHARE, and those of harness.py (OPS_BIN, OPS_OUT, RUST_LOG).
Run as root, the cluster runs as the `postgres` user (runuser).
"""

from __future__ import annotations

import asyncio
import math
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as h  # noqa: E402
from load import NO_ANSWER, Traffic, percentile  # noqa: E402


async def outage(traffic: Traffic, cluster: h.PrivateCluster, server: h.Server, at: float, seconds: float,
                 marks: dict[str, float]) -> None:
    await asyncio.sleep(at)
    h.log(f"   {at:.0f} s: stopping PostgreSQL (pg_ctl stop -m fast)")
    marks["log_start"] = server.log_size()
    marks["stop_begin"] = time.monotonic()
    await asyncio.to_thread(cluster.stop, "fast")
    marks["stop_done"] = time.monotonic()
    await asyncio.sleep(seconds)
    h.log(f"   starting PostgreSQL again after {seconds:g} s")
    marks["start_begin"] = time.monotonic()
    await asyncio.to_thread(cluster.start)
    marks["db_back"] = time.monotonic()
    # The first 2xx of a request sent after the database is back, then 3 s for the log.
    deadline = marks["db_back"] + 60
    seen = 0
    while time.monotonic() < deadline and "first_2xx" not in marks:
        samples = traffic.samples
        for s in samples[seen:]:
            if s.start >= marks["db_back"] and 200 <= s.status < 300:
                marks["first_2xx"] = s.end
                break
        seen = len(samples)
        await asyncio.sleep(0.05)
    await asyncio.sleep(3)
    marks["log_end"] = server.log_size()
    h.log("   database back; load goes on")


def timeline(samples, origin: float, start: float, end: float) -> None:
    print("   timeline (second since the stop began: answers by status)")
    buckets: dict[int, Counter] = {}
    for s in samples:
        second = math.floor(s.end - origin)
        if start <= second <= end:
            buckets.setdefault(second, Counter())["no answer" if s.status == NO_ANSWER else s.status] += 1
    for second in range(int(start), int(end) + 1):
        counts = buckets.get(second, Counter())
        text = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=lambda kv: str(kv[0])))
        print(f"      {second:+4d} s  {text or '-'}")


async def scenario(server: h.Server, cluster: h.PrivateCluster, tag: str, database_url: str, claims: h.Claims,
                   duration: float, connections: int, at: float, seconds: float) -> None:
    traffic = Traffic(server.base, tag)
    h.log("== signing in the demo users")
    await traffic.setup()
    h.log(f"== mixed load: {connections} connections for {duration:g} s; PostgreSQL stops at {at:g} s "
          f"for {seconds:g} s")
    marks: dict[str, float] = {}
    pid = server.proc.pid if server.proc else None
    await asyncio.gather(traffic.run(duration, connections), outage(traffic, cluster, server, at, seconds, marks))
    print()
    traffic.print_summary(title="whole run")
    samples = traffic.samples
    stop_begin, stop_done = marks["stop_begin"], marks["stop_done"]
    start_begin, db_back = marks["start_begin"], marks["db_back"]
    first_2xx = marks.get("first_2xx")
    print(f"   pg_ctl stop took {stop_done - stop_begin:.2f} s, pg_ctl start {db_back - start_begin:.2f} s")
    timeline(samples, stop_begin, -2, (first_2xx or db_back) - stop_begin + 3)

    # While the database is certainly down: sent after the stop finished, answered before the start began.
    down = [s for s in samples if s.start >= stop_done and s.end <= start_begin]
    down_503 = [s for s in down if s.status == 503]
    not_503 = Counter("no answer" if s.status == NO_ANSWER else s.status for s in down if s.status != 503)
    without_retry_after = sum(1 for s in down_503 if not s.retry_after)
    p99 = percentile([s.ms for s in down_503], 99)
    print(f"   while down: {len(down)} answers, {len(down_503)} of them 503 "
          f"(p50 {percentile([s.ms for s in down_503], 50):.1f} ms, p99 {p99:.1f} ms, "
          f"max {max((s.ms for s in down_503), default=0):.1f} ms), {without_retry_after} 503s without Retry-After"
          + (f"; other: {dict(not_503)}" if not_503 else ""))
    recovery = (first_2xx - db_back) if first_2xx else None
    late_503 = [s for s in samples if first_2xx and s.start >= first_2xx and s.status == 503]
    last_503 = max((s.end for s in samples if s.status == 503), default=None)
    print(f"   recovery: first 2xx {recovery:.2f} s after the database was back" if recovery is not None
          else "   recovery: no 2xx after the database was back")
    if last_503 is not None:
        print(f"   last 503 answered {last_503 - db_back:+.2f} s from the database being back; "
              f"{len(late_503)} 503s to requests sent after the first 2xx")
    before = Counter(s.status for s in samples if s.end < stop_begin and s.status >= 500)
    if before:
        print(f"   5xx before the outage: {dict(before)}")

    lines = server.log_lines(int(marks["log_start"]), int(marks["log_end"]))
    noisy = [line for line in lines if h.level_of(line) in ("WARN", "ERROR")]
    print(f"   server log from the stop until 3 s after recovery: {len(lines)} lines, "
          f"{len(noisy)} at WARN/ERROR")
    h.print_warnings(lines, 8, 200)

    h.explain_server_errors(traffic.samples, [server])
    h.log("\n== verifying every acknowledged write")
    verification = await traffic.verify(database_url)
    verification.print()
    print()

    server_errors = Counter(s.status for s in samples if s.status >= 500 and s.status != 503)
    max_p99 = h.env_float("OPS_OUTAGE_P99_MS", 1000)
    max_recovery = h.env_float("OPS_RECOVERY_SECONDS", 5)
    max_lines = h.env_int("OPS_MAX_OUTAGE_LOG_LINES", 20)
    claims.check(not server_errors, "no 5xx other than 503 at any time",
                 ", ".join(f"{k}: {v}" for k, v in sorted(server_errors.items())) or "none")
    claims.check(bool(down) and not not_503 and without_retry_after == 0,
                 "while the database is down, every answer is a 503 with Retry-After",
                 f"{len(down_503)} of {len(down)}, {without_retry_after} without Retry-After")
    claims.check(bool(down_503) and p99 <= max_p99, f"the 503s are fast: p99 <= {max_p99:g} ms", f"p99 {p99:.1f} ms")
    claims.check(recovery is not None and recovery <= max_recovery,
                 f"2xx again within {max_recovery:g} s of the database being back",
                 f"{recovery:.2f} s" if recovery is not None else "never")
    claims.check(server.alive() and server.proc is not None and server.proc.pid == pid,
                 "the same server process ran throughout")
    claims.check(verification.all_present, "every acknowledged write is in the database",
                 f"{len(verification.missing_audit)} without their audit row, {len(verification.lost)} resources "
                 f"not as last acknowledged, of {verification.acked} writes on {verification.resources} resources")
    claims.check(len(noisy) < max_lines, f"fewer than {max_lines} WARN/ERROR log lines for the outage",
                 f"{len(noisy)}")


def main() -> None:
    duration = h.env_float("OPS_DURATION", 60)
    connections = h.env_int("OPS_CONNECTIONS", 64)
    seconds = h.env_float("OPS_OUTAGE_SECONDS", 5)
    at = h.env_float("OPS_OUTAGE_AT", max(2.0, (duration - seconds) / 2))
    # Leave room after the outage to see the recovery.
    duration = max(duration, at + seconds + 8)
    out = h.out_dir("db_outage")
    tag = h.run_id()
    database = f"yhdyspinta_ops_outage_{tag}"
    claims = h.Claims()
    with h.terminated_cleanly(), tempfile.TemporaryDirectory(prefix="yhdyspinta_ops_") as tmp:
        binary = h.server_binary(Path(tmp))
        cluster = h.PrivateCluster()
        server = None
        try:
            h.log(f"== a private PostgreSQL cluster in {cluster.root} on port {cluster.port}")
            cluster.init()
            cluster.start()
            database_url = h.with_database(cluster.url, database)
            server = h.Server(binary, database_url, out / "server.log",
                              env={"YHDYSPINTA_ACCESS_TOKEN_TTL_SECS": str(max(900, int(duration) + 900))})
            h.log(f"== starting the server on {database} (log: {server.log_path})")
            server.start()
            server.wait_ready()
            asyncio.run(scenario(server, cluster, tag, database_url, claims, duration, connections, at, seconds))
        finally:
            if server is not None:
                server.stop()
            cluster.destroy()
    claims.exit()


if __name__ == "__main__":
    main()
