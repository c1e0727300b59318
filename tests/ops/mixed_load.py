#!/usr/bin/env python3
"""Mixed load: every public list endpoint read anonymously and every writable resource
written by demo users, OPS_CONNECTIONS connections (default 64) for OPS_DURATION seconds
(default 60), against a server of its own on a database of its own.

Claims (exit status 1 when one fails):
  - no answer is a 5xx, and every request is answered;
  - every acknowledged (2xx) write is in the database afterwards: its audit-log row under its
    request id, and the resource reads back (GET) with the value of its last acknowledged write;
  - no write answered with an error status took effect.
Prints throughput, p50/p99 latency (overall, reads, writes, per operation) and counts by status.

    python3 tests/ops/mixed_load.py

Environment: OPS_DURATION, OPS_CONNECTIONS, OPS_WRITE_SHARE (default 0.3), OPS_REQUEST_TIMEOUT
(seconds, default 30), and those of harness.py (OPS_BIN, OPS_ADMIN_URL, OPS_OUT, RUST_LOG).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as h  # noqa: E402
from load import NO_ANSWER, Traffic  # noqa: E402


async def scenario(server: h.Server, tag: str, database_url: str, duration: float, connections: int,
                   claims: h.Claims) -> None:
    traffic = Traffic(server.base, tag)
    h.log("== signing in the demo users")
    await traffic.setup()
    h.log(f"== mixed load: {connections} connections for {duration:g} s, "
          f"{traffic.write_share:.0%} writes, against {server.base}")
    log_start = server.log_size()
    await traffic.run(duration, connections)
    log_end = server.log_size()
    print()
    traffic.print_summary(title="mixed load")
    levels = Counter(h.level_of(line) for line in server.log_lines(log_start, log_end))
    print(f"   server log during the load: {levels.get('WARN', 0)} WARN, {levels.get('ERROR', 0)} ERROR lines "
          f"({sum(levels.values())} lines in all)")
    h.print_warnings(server.log_lines(log_start, log_end), 5, 160)

    h.explain_server_errors(traffic.samples, [server])
    h.log("\n== verifying every acknowledged write")
    verification = await traffic.verify(database_url)
    verification.print()
    print()

    server_errors = Counter(s.status for s in traffic.samples if s.status >= 500)
    unanswered = Counter(s.error for s in traffic.samples if s.status == NO_ANSWER)
    acked = sum(1 for s in traffic.samples if s.write and 200 <= s.status < 300)
    claims.check(acked > 0, "the load made acknowledged writes", f"{acked}")
    claims.check(not server_errors, "no 5xx answers",
                 ", ".join(f"{k}: {v}" for k, v in sorted(server_errors.items())) or "none")
    claims.check(not unanswered, "every request was answered",
                 ", ".join(f"{k}: {v}" for k, v in unanswered.items()) or "all")
    claims.check(verification.all_present, "every acknowledged write is in the database",
                 f"{len(verification.missing_audit)} without their audit row, {len(verification.lost)} resources "
                 f"not as last acknowledged, of {verification.acked} writes on {verification.resources} resources")
    claims.check(verification.ghosts_with_answer() == 0, "no write answered with an error took effect",
                 f"{verification.ghosts_with_answer()}")
    claims.check(server.alive(), "the server is still running")


def main() -> None:
    duration = h.env_float("OPS_DURATION", 60)
    connections = h.env_int("OPS_CONNECTIONS", 64)
    out = h.out_dir("mixed_load")
    tag = h.run_id()
    database = f"yhdyspinta_ops_mixed_{tag}"
    database_url = h.with_database(h.ADMIN_URL, database)
    claims = h.Claims()
    with h.terminated_cleanly(), tempfile.TemporaryDirectory(prefix="yhdyspinta_ops_") as tmp:
        binary = h.server_binary(Path(tmp))
        server = h.Server(binary, database_url, out / "server.log",
                          env={"YHDYSPINTA_ACCESS_TOKEN_TTL_SECS": str(max(900, int(duration) + 900))})
        try:
            h.log(f"== starting the server on {database} (log: {server.log_path})")
            server.start()
            server.wait_ready()
            asyncio.run(scenario(server, tag, database_url, duration, connections, claims))
        finally:
            server.stop()
            h.drop_database(h.ADMIN_URL, database)
    claims.exit()


if __name__ == "__main__":
    main()
