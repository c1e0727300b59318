#!/usr/bin/env python3
"""Two server processes on one database. OPS_ROUNDS rounds (default 40) of conflicting
writes: each round reads a resource's ETag, then sends the same `If-Match` through both
instances at once, in turn to a coordination-document entry, the document itself and an
organisation. Meanwhile a reader of the document's live event stream (`…/events`, SSE) is
connected to each instance.

Claims (exit status 1 when one fails):
  - every round has exactly one 2xx winner and one 412;
  - the 412 carries the winner's new ETag (the current one);
  - the audit log holds the winner's write and nothing of the loser's;
  - the stream on each instance receives every revision made through the other instance (and
    through its own), in order and without gaps in the revision numbers.
Prints the rounds, the winners by instance and the cross-instance delivery latency.

    python3 tests/ops/two_instances.py

Environment: OPS_ROUNDS, OPS_STREAM_WAIT (seconds to wait for the last revisions, default 15),
and those of harness.py (OPS_BIN, OPS_ADMIN_URL, OPS_OUT, RUST_LOG).
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as h  # noqa: E402
from load import (  # noqa: E402
    MERGE_PATCH, NO_ANSWER, EventStream, Http, Response, days_from_today, percentile, sign_in)

JYVASKYLA = "01930000-0000-7000-8000-000000000005"
DOMAIN = "jyvaskyla.example"


async def call(http: Http, method: str, path: str, token: str, body: dict | None = None,
               headers: dict[str, str] | None = None, content_type: str = "application/json") -> Response:
    hdrs = {"Authorization": f"Bearer {token}", "Accept": "application/json", **(headers or {})}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = content_type
    try:
        return await http.request(method, path, hdrs, data)
    except (OSError, ConnectionError, asyncio.IncompleteReadError) as e:
        return Response(NO_ANSWER, {}, str(e).encode())


class StreamReader:
    """A reader of one document's event stream on one instance, collecting revisions."""

    def __init__(self, name: str, base: str, path: str, token: str):
        self.name = name
        self.stream = EventStream(base, path, {"Authorization": f"Bearer {token}"})
        self.revisions: list[tuple[int, str, float]] = []  # (revision, data, received)
        self.ended: str | None = None
        self.task: asyncio.Task | None = None

    async def start(self) -> None:
        status = await self.stream.open()
        if status != 200:
            raise RuntimeError(f"event stream on {self.name}: {status}")
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for event in self.stream.events():
                if event.get("event") == "revision":
                    self.revisions.append((int(event.get("id", "0")), event["data"], event["received"]))
                elif event.get("event") == "end":
                    self.ended = "end event"
                    return
            self.ended = "stream closed"
        except Exception as e:  # noqa: BLE001 - reported, not raised
            self.ended = f"{type(e).__name__}: {e}"

    def seen(self, marker: str) -> float | None:
        for _, data, received in self.revisions:
            if marker in data:
                return received
        return None

    def stop(self) -> None:
        if self.task:
            self.task.cancel()
        self.stream.close()


async def scenario(a: h.Server, b: h.Server, tag: str, database_url: str, rounds: int, claims: h.Claims) -> None:
    h.log("== signing in (through instance A; both instances share the signing key in the database)")
    coordinator = await sign_in(a.base, f"koordinaattori@{DOMAIN}")
    org_admin = await sign_in(a.base, f"paakayttaja@{DOMAIN}")
    member = await sign_in(a.base, f"jasen@{DOMAIN}")
    http_a, http_b = Http(a.base), Http(b.base)
    setup = Http(a.base)

    res = await call(setup, "POST", "/api/v1/coordination-documents", coordinator,
                     {"title": f"Kahden instanssin testi {tag}", "sections": [{"heading": "Ohjelma", "body": "-"}]})
    assert res.status == 201, f"creating the document: {res.status} {res.body[:300]!r}"
    doc = res.json()["id"]
    res = await call(setup, "POST", f"/api/v1/coordination-documents/{doc}/entries", coordinator,
                     {"date": days_from_today(30), "title": "Yhteinen rivi", "content": "alku"}, {"If-Match": "*"})
    assert res.status == 201, f"creating the entry: {res.status} {res.body[:300]!r}"
    entry = res.json()["id"]
    targets = [
        ("entry", f"/api/v1/coordination-documents/{doc}/entries/{entry}", lambda m: {"content": m}, True),
        ("document", f"/api/v1/coordination-documents/{doc}", lambda m: {"title": m}, True),
        ("organization", f"/api/v1/organizations/{JYVASKYLA}", lambda m: {"description": {"fi": m}}, False),
    ]
    # Writers: through A the coordinator, through B the org admin (both edit the document);
    # the organisation is edited by its org admin through both.
    writers = {"entry": (coordinator, org_admin), "document": (coordinator, org_admin),
               "organization": (org_admin, org_admin)}

    events = f"/api/v1/coordination-documents/{doc}/events"
    readers = {"A": StreamReader("A", a.base, events, member), "B": StreamReader("B", b.base, events, member)}
    for reader in readers.values():
        await reader.start()
    await asyncio.sleep(0.5)

    h.log(f"== {rounds} rounds of the same If-Match through A ({a.base}) and B ({b.base}) at once")
    winners: Counter = Counter()
    bad_rounds: list[str] = []
    stale_etag: list[str] = []
    revisions: list[tuple[str, str, float]] = []  # (marker, instance that wrote it, sent at)
    request_ids: dict[str, str] = {}  # request id -> "winner" / "loser"
    by_target: Counter = Counter()
    for n in range(1, rounds + 1):
        name, path, body, is_revision = targets[(n - 1) % len(targets)]
        token_a, token_b = writers[name]
        current = await call(setup, "GET", path, token_a)
        etag = current.headers.get("etag")
        if current.status != 200 or not etag:
            bad_rounds.append(f"round {n}: reading {name} answered {current.status}")
            continue
        marker_a, marker_b = f"ops-{tag}-round{n}-A", f"ops-{tag}-round{n}-B"
        sent = time.monotonic()
        res_a, res_b = await asyncio.gather(
            call(http_a, "PATCH", path, token_a, body(marker_a), {"If-Match": etag, "X-Request-Id": marker_a},
                 MERGE_PATCH),
            call(http_b, "PATCH", path, token_b, body(marker_b), {"If-Match": etag, "X-Request-Id": marker_b},
                 MERGE_PATCH),
        )
        statuses = {"A": res_a.status, "B": res_b.status}
        ok = [i for i, s in statuses.items() if 200 <= s < 300]
        stale = [i for i, s in statuses.items() if s == 412]
        by_target[name] += 1
        if len(ok) != 1 or len(stale) != 1:
            bad_rounds.append(f"round {n} ({name}, If-Match {etag}): A {statuses['A']}, B {statuses['B']}")
            for marker, res in ((marker_a, res_a), (marker_b, res_b)):
                if 200 <= res.status < 300:
                    request_ids[marker] = "winner"
                    if is_revision:
                        revisions.append((marker, "A" if marker == marker_a else "B", sent))
            continue
        winner = ok[0]
        winners[(name, winner)] += 1
        win_res, lose_res = (res_a, res_b) if winner == "A" else (res_b, res_a)
        win_marker, lose_marker = (marker_a, marker_b) if winner == "A" else (marker_b, marker_a)
        request_ids[win_marker], request_ids[lose_marker] = "winner", "loser"
        if lose_res.headers.get("etag") != win_res.headers.get("etag"):
            stale_etag.append(f"round {n} ({name}): 412 says {lose_res.headers.get('etag')}, "
                              f"the winner got {win_res.headers.get('etag')}")
        if is_revision:
            revisions.append((win_marker, winner, sent))

    wait = h.env_float("OPS_STREAM_WAIT", 15)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if all(r.seen(m) is not None for r in readers.values() for m, _, _ in revisions):
            break
        await asyncio.sleep(0.1)

    # Figures
    print()
    total_a = sum(v for (t, i), v in winners.items() if i == "A")
    total_b = sum(v for (t, i), v in winners.items() if i == "B")
    print(f"rounds: {rounds} ({', '.join(f'{t}: {c}' for t, c in by_target.items())}); "
          f"exactly one winner and one 412: {rounds - len(bad_rounds)}; winners: A {total_a}, B {total_b}")
    for (t, i), v in sorted(winners.items()):
        print(f"   {t:<13} won through {i}: {v}")
    for line in bad_rounds[:20]:
        print(f"   BAD {line}")
    for line in stale_etag[:10]:
        print(f"   412 without the current ETag: {line}")

    missing: dict[str, list[str]] = {}
    cross_latency: list[float] = []
    for name, reader in readers.items():
        missing[name] = [m for m, _, _ in revisions if reader.seen(m) is None]
        for m, writer, sent in revisions:
            seen = reader.seen(m)
            if seen is not None and writer != name:
                cross_latency.append((seen - sent) * 1000)
        ids = [r for r, _, _ in reader.revisions]
        gaps = [f"{x}->{y}" for x, y in zip(ids, ids[1:]) if y != x + 1]
        reader.gaps = gaps  # type: ignore[attr-defined]
        from_other = sum(1 for m, w, _ in revisions if w != name and reader.seen(m) is not None)
        of_other = sum(1 for _, w, _ in revisions if w != name)
        print(f"stream on {name}: {len(reader.revisions)} revisions (ids {ids[0] if ids else '-'}..{ids[-1] if ids else '-'})"
              f", {from_other}/{of_other} of those written through the other instance, "
              f"{len(missing[name])} missing, gaps: {gaps or 'none'}"
              + (f", ended: {reader.ended}" if reader.ended else ""))
    if cross_latency:
        print(f"cross-instance delivery (writes sent to the revision on the other instance's stream): "
              f"p50 {percentile(cross_latency, 50):.1f} ms, max {max(cross_latency):.1f} ms")

    rows = h.psql(database_url, f"SELECT request_id, action FROM audit_log WHERE request_id LIKE 'ops-{tag}-round%'")
    audited = Counter(r[0] for r in rows)
    winners_missing = [m for m, role in request_ids.items() if role == "winner" and audited[m] == 0]
    losers_written = [m for m, role in request_ids.items() if role == "loser" and audited[m] > 0]
    print(f"audit log: {sum(1 for r in request_ids.values() if r == 'winner')} winners' writes, "
          f"{len(winners_missing)} of them missing; {len(losers_written)} losers' writes present")
    print()

    for reader in readers.values():
        reader.stop()
    for http in (http_a, http_b, setup):
        http.close()

    claims.check(not bad_rounds, "every round: exactly one 2xx and one 412",
                 f"{rounds - len(bad_rounds)}/{rounds} rounds")
    claims.check(not stale_etag, "each 412 carries the winner's ETag", f"{len(stale_etag)} did not")
    claims.check(not winners_missing and not losers_written,
                 "the audit log holds every winner's write and no loser's",
                 f"{len(winners_missing)} missing, {len(losers_written)} losers present")
    for name, reader in readers.items():
        other = "B" if name == "A" else "A"
        claims.check(not missing[name] and not reader.gaps,  # type: ignore[attr-defined]
                     f"the stream on {name} received every revision (those made through {other} too), without gaps",
                     f"{len(missing[name])} missing, gaps {reader.gaps or 'none'}")  # type: ignore[attr-defined]
    claims.check(a.alive() and b.alive(), "both servers are still running")


def main() -> None:
    rounds = h.env_int("OPS_ROUNDS", 40)
    out = h.out_dir("two_instances")
    tag = h.run_id()
    database = f"yhdyspinta_ops_two_{tag}"
    database_url = h.with_database(h.ADMIN_URL, database)
    claims = h.Claims()
    with h.terminated_cleanly(), tempfile.TemporaryDirectory(prefix="yhdyspinta_ops_") as tmp:
        binary = h.server_binary(Path(tmp))
        a = h.Server(binary, database_url, out / "server_a.log", name="instance A", demo=True)
        b = h.Server(binary, database_url, out / "server_b.log", name="instance B", demo=False)
        try:
            h.log(f"== instance A (with the demo data) on {database} (log: {a.log_path})")
            a.start()
            a.wait_ready()
            h.log(f"== instance B on the same database (log: {b.log_path})")
            b.start()
            b.wait_ready()
            asyncio.run(scenario(a, b, tag, database_url, rounds, claims))
            for server in (a, b):
                noisy = [line for line in server.log_lines() if h.level_of(line) in ("WARN", "ERROR")]
                print(f"{server.name} logged {len(noisy)} WARN/ERROR lines"
                      + "".join(f"\n   {h.message_of(line)[:200]}" for line in noisy[:5]))
        finally:
            a.stop()
            b.stop()
            h.drop_database(h.ADMIN_URL, database)
    claims.exit()


if __name__ == "__main__":
    main()
