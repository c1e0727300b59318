"""Mixed API traffic against a running server, and the check that every acknowledged write
is in the database afterwards. Python standard library only (asyncio, raw HTTP/1.1 with
keep-alive), so that it runs wherever the service does.

    traffic = Traffic(base_url, tag)
    await traffic.setup()                       # signs in the demo users, finds read targets
    await traffic.run(duration, connections)    # records every request in traffic.samples
    traffic.print_summary()
    result = await traffic.verify(database_url) # audit log by request id + GET of every resource

The traffic, per connection, picks at random (OPS_WRITE_SHARE of the requests are writes,
default 0.3):
  reads   every public list endpoint, anonymously: areas, organisations, agreements, venues,
          event series, occurrences, removals, an organisation's contacts, a venue's bookings,
          a series' occurrences, an agreement's versions;
  writes  as demo users of three organisations (Jyväskylä, Tampere, Seniorikammari) and the
          platform admin: create and update organisations (the demo organisation itself by its
          org admin: a resource all connections of that organisation contend for), contacts,
          agreements, coordination documents and their entries, venues and their bookings,
          event series and their cost items. Updates send `If-Match` with the last ETag the
          connection saw; a 412 teaches it the current one.
Every write carries `X-Request-Id: ops-<tag>-<n>` and writes that same id into a field of the
resource (its "marker"), so the database can be asked about each request afterwards:
  - the audit log (written in the write's own transaction) has a row with that request id for
    every acknowledged (2xx) write, naming the resource;
  - every resource created reads back (GET) with the marker of the acknowledged write that
    produced its highest version;
  - a write answered with an error (or not at all) left no audit row ("ghost" writes: reported;
    a write whose answer was lost, e.g. a connection cut during a database outage, may
    legitimately have committed).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import re
import subprocess
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field

PASSWORD = "yhdyspinta-demo"
ADMIN_EMAIL = "admin@yhdyspinta.example"
# Demo organisations whose users write: (fixed id, e-mail domain of its demo users).
ORGANIZATIONS = [
    ("01930000-0000-7000-8000-000000000005", "jyvaskyla.example"),
    ("01930000-0000-7000-8000-000000000002", "tampere.example"),
    ("01930000-0000-7000-8000-00000000000c", "seniorikammari.example"),
]
MERGE_PATCH = "application/merge-patch+json"

NO_ANSWER = 0  # status recorded for a request that got no HTTP answer (timeout, connection lost)


def days_from_today(days: int) -> str:
    """An ISO date relative to today, so that what the scripts create never ages."""
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


# ---------------------------------------------------------------------------------------------
# HTTP/1.1 client


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


class Http:
    """One keep-alive HTTP/1.1 connection; reconnects when the server closed it."""

    IDLE_RECONNECT = 3.0  # seconds: a connection idle longer may have been closed by the server

    def __init__(self, base: str, timeout: float = 30.0):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80
        self.timeout = timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last_used = 0.0

    def close(self) -> None:
        if self.writer is not None:
            try:
                self.writer.close()
            except Exception:
                pass
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                      body: bytes | None = None, timeout: float | None = None) -> Response:
        try:
            return await asyncio.wait_for(self._request(method, path, headers or {}, body),
                                          timeout or self.timeout)
        except BaseException:
            self.close()
            raise

    async def _request(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Response:
        if self.writer is None or time.monotonic() - self.last_used > self.IDLE_RECONNECT:
            self.close()
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body or b'')}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
        await self.writer.drain()
        status, headers_in = await read_head(self.reader)
        if method == "HEAD" or status in (204, 304) or status < 200:
            data = b""
        elif "chunked" in headers_in.get("transfer-encoding", "").lower():
            data = b""
            async for chunk in read_chunks(self.reader):
                data += chunk
        elif "content-length" in headers_in:
            data = await self.reader.readexactly(int(headers_in["content-length"]))
        else:
            data = await self.reader.read()
            self.close()
        if headers_in.get("connection", "").lower() == "close":
            self.close()
        self.last_used = time.monotonic()
        return Response(status, headers_in, data)


async def read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed before the answer")
    parts = status_line.split()
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
        raise ConnectionError(f"not an HTTP answer: {status_line[:80]!r}")
    headers: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return int(parts[1]), headers


async def read_chunks(reader: asyncio.StreamReader):
    while True:
        size_line = await reader.readline()
        if not size_line:
            raise ConnectionError("connection closed inside a chunked body")
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass
            return
        chunk = await reader.readexactly(size)
        await reader.readexactly(2)
        yield chunk


class EventStream:
    """A Server-Sent Events reader: `await open()`, then `async for event in stream.events()`
    gives dicts with `id`, `event`, `data` and `received` (time.monotonic())."""

    def __init__(self, base: str, path: str, headers: dict[str, str]):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80
        self.path, self.headers = path, headers
        self.writer: asyncio.StreamWriter | None = None
        self.status = 0
        self.response_headers: dict[str, str] = {}

    async def open(self, timeout: float = 15) -> int:
        self.reader, self.writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), timeout)
        lines = [f"GET {self.path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Accept: text/event-stream"]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await self.writer.drain()
        self.status, self.response_headers = await asyncio.wait_for(read_head(self.reader), timeout)
        return self.status

    async def _raw(self):
        if "chunked" in self.response_headers.get("transfer-encoding", "").lower():
            async for chunk in read_chunks(self.reader):
                yield chunk
        else:
            while chunk := await self.reader.read(65536):
                yield chunk

    async def events(self):
        buffer = ""
        async for chunk in self._raw():
            buffer += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
            while "\n\n" in buffer:
                block, buffer = buffer.split("\n\n", 1)
                event: dict[str, str] = {}
                data: list[str] = []
                for line in block.split("\n"):
                    if line.startswith(":") or not line:
                        continue
                    name, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if name == "data":
                        data.append(value)
                    else:
                        event[name] = value
                if data or event:
                    event["data"] = "\n".join(data)
                    event["received"] = time.monotonic()  # type: ignore[assignment]
                    yield event

    def close(self) -> None:
        if self.writer is not None:
            try:
                self.writer.close()
            except Exception:
                pass
            self.writer = None


async def sign_in(base: str, email: str, password: str = PASSWORD, attempts: int = 5) -> str:
    """An access token for a person (password grant); waits out a 429 or 503."""
    http = Http(base, timeout=60)
    form = urllib.parse.urlencode({"grant_type": "password", "username": email, "password": password}).encode()
    try:
        for attempt in range(attempts):
            res = await http.request("POST", "/api/v1/auth/token",
                                     {"Content-Type": "application/x-www-form-urlencoded"}, form)
            if res.status == 200:
                return res.json()["access_token"]
            if res.status in (429, 503) and attempt + 1 < attempts:
                await asyncio.sleep(min(30, int(res.headers.get("retry-after", "2"))))
                continue
            raise RuntimeError(f"sign-in of {email}: {res.status} {res.body[:300]!r}")
    finally:
        http.close()
    raise RuntimeError(f"sign-in of {email} failed")


# ---------------------------------------------------------------------------------------------
# Figures


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


@dataclass(slots=True)
class Sample:
    wall: float  # time.time() at the start
    start: float  # time.monotonic() at the start
    end: float
    op: str
    write: bool
    status: int  # NO_ANSWER when there was none
    retry_after: bool
    error: str = ""
    request_id: str = ""
    path: str = ""

    @property
    def ms(self) -> float:
        return (self.end - self.start) * 1000


def status_counts(samples: list[Sample]) -> str:
    counts = Counter("no answer" if s.status == NO_ANSWER else s.status for s in samples)
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=lambda kv: str(kv[0])))


def latency_line(samples: list[Sample]) -> str:
    ms = [s.ms for s in samples]
    return f"p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms, max {max(ms, default=0):.1f} ms"


# ---------------------------------------------------------------------------------------------
# The traffic


@dataclass
class Actor:
    email: str
    token: str
    organization_id: str | None

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def version_of(etag: str | None) -> int:
    m = re.search(r"\d+", etag or "")
    return int(m.group()) if m else -1


# Where each kind's marker lives in its JSON, and how a marker is written into it.
MARKER_FIELDS = {
    "organization": (("description", "fi"), lambda m: {"description": {"fi": m}}),
    "contact": (("title",), lambda m: {"title": m}),
    "agreement": (("purpose", "fi"), lambda m: {"purpose": {"fi": m}}),
    "coordination_document": (("title",), lambda m: {"title": m}),
    "coordination_entry": (("content",), lambda m: {"content": m}),
    "venue": (("description", "fi"), lambda m: {"description": {"fi": m}}),
    "venue_booking": (("note",), lambda m: {"note": m}),
    "event_series": (("summary", "fi"), lambda m: {"summary": {"fi": m}}),
    "event_series_cost_item": (("description",), lambda m: {"description": m}),
}


@dataclass(eq=False)
class Resource:
    kind: str  # the audit log's resource_type
    id: str
    url: str
    actor: Actor  # who reads it back and edits it
    etag: str = '"0"'
    acked: list[tuple[int, str]] = field(default_factory=list)  # (version, marker) of 2xx writes
    attempted: set[str] = field(default_factory=set)  # markers of every write sent to it
    children: int = 0  # entries of a document, cost items of a series
    tracked: bool = False  # in Traffic.resources
    listed_in: str | None = None  # read back from this list (no GET of its own)

    def learn(self, etag: str | None) -> None:
        if etag and version_of(etag) > version_of(self.etag):
            self.etag = etag


@dataclass
class AckedWrite:
    request_id: str
    op: str
    resource: Resource


class Traffic:
    def __init__(self, base: str, tag: str, write_share: float | None = None, request_timeout: float | None = None):
        self.base = base
        self.tag = tag
        self.write_share = write_share if write_share is not None else float(os.environ.get("OPS_WRITE_SHARE", "0.3"))
        self.request_timeout = request_timeout or float(os.environ.get("OPS_REQUEST_TIMEOUT", "30"))
        self.samples: list[Sample] = []
        self.acked: list[AckedWrite] = []
        self.write_status: dict[str, int] = {}  # request id -> status of every write sent
        self.resources: list[Resource] = []  # every resource an acknowledged write touched
        self.actors: dict[str, Actor] = {}
        self.read_paths: list[tuple[str, str]] = []
        self.counter = 0
        self.booking_slot = 0
        # Bookings start at least a day ahead and never overlap: slot n is n·90 minutes later.
        today = dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        self.booking_base = today + dt.timedelta(days=2)
        self.stop = asyncio.Event()

    # -- set-up --------------------------------------------------------------------------------

    async def setup(self) -> None:
        emails = [ADMIN_EMAIL]
        for _, domain in ORGANIZATIONS:
            emails += [f"koordinaattori@{domain}", f"paakayttaja@{domain}"]
        for email in emails:
            org = next((o for o, d in ORGANIZATIONS if email.endswith("@" + d)), None)
            self.actors[email] = Actor(email, await sign_in(self.base, email), org)
        self.shared_orgs = {
            org: Resource("organization", org, f"/api/v1/organizations/{org}", self.actors[f"paakayttaja@{domain}"])
            for org, domain in ORGANIZATIONS
        }
        http = Http(self.base)
        try:
            async def first_id(path: str) -> str | None:
                res = await http.request("GET", path)
                data = res.json().get("data", []) if res.status == 200 else []
                return data[0]["id"] if data else None

            self.read_paths = [
                ("list_areas", "/api/v1/areas?limit=50"),
                ("list_areas", "/api/v1/areas?kind=municipality&q=jyv"),
                ("list_organizations", "/api/v1/organizations?limit=50"),
                ("list_organizations", "/api/v1/organizations?q=tampe"),
                ("list_agreements", "/api/v1/agreements"),
                ("list_venues", "/api/v1/venues"),
                ("list_event_series", "/api/v1/event-series"),
                ("list_occurrences", "/api/v1/occurrences"),
                ("list_occurrences", "/api/v1/occurrences?collapse=series"),
                ("list_removals", "/api/v1/removals"),
            ]
            for org, _ in ORGANIZATIONS:
                self.read_paths.append(("list_contacts", f"/api/v1/organizations/{org}/contacts"))
            venue = await first_id("/api/v1/venues")
            if venue:
                self.read_paths.append(("list_venue_bookings", f"/api/v1/venues/{venue}/bookings"))
            series = await first_id("/api/v1/event-series")
            if series:
                self.read_paths.append(("list_series_occurrences", f"/api/v1/event-series/{series}/occurrences"))
            agreement = await first_id("/api/v1/agreements")
            if agreement:
                self.read_paths.append(("list_agreement_versions", f"/api/v1/agreements/{agreement}/versions"))
        finally:
            http.close()

    # -- running -------------------------------------------------------------------------------

    def next_request_id(self) -> str:
        self.counter += 1
        return f"ops-{self.tag}-{self.counter}"

    async def run(self, duration: float, connections: int) -> None:
        """`connections` workers for `duration` seconds (or until `self.stop` is set); the
        requests in flight at the end are answered before this returns."""
        deadline = time.monotonic() + duration
        workers = [Worker(self, i) for i in range(connections)]
        await asyncio.gather(*(w.loop(deadline) for w in workers))
        for w in workers:
            w.http.close()

    # -- summary -------------------------------------------------------------------------------

    def print_summary(self, samples: list[Sample] | None = None, title: str = "traffic") -> None:
        samples = self.samples if samples is None else samples
        if not samples:
            print(f"{title}: no requests")
            return
        span = max(s.end for s in samples) - min(s.start for s in samples)
        reads = [s for s in samples if not s.write]
        writes = [s for s in samples if s.write]
        acked = sum(1 for s in writes if 200 <= s.status < 300)
        print(f"{title}: {len(samples)} requests in {span:.1f} s = {len(samples) / span:.1f} req/s "
              f"({len(reads)} reads, {len(writes)} writes of which {acked} acknowledged = {acked / span:.1f}/s)")
        print(f"   latency all:    {latency_line(samples)}")
        print(f"   latency reads:  {latency_line(reads)}")
        print(f"   latency writes: {latency_line(writes)}")
        print(f"   statuses: {status_counts(samples)}")
        errors = Counter(s.error for s in samples if s.status == NO_ANSWER)
        if errors:
            print("   no answer: " + ", ".join(f"{k} x{v}" for k, v in errors.most_common()))
        by_op: dict[str, list[Sample]] = defaultdict(list)
        for s in samples:
            by_op[s.op].append(s)
        print(f"   {'operation':<26} {'count':>7} {'p50 ms':>8} {'p99 ms':>8}  statuses")
        for op in sorted(by_op):
            ss = by_op[op]
            ms = [s.ms for s in ss]
            print(f"   {op:<26} {len(ss):>7} {percentile(ms, 50):>8.1f} {percentile(ms, 99):>8.1f}  {status_counts(ss)}")

    # -- verification --------------------------------------------------------------------------

    async def verify(self, database_url: str, parallel: int = 8) -> "Verification":
        """Asks the database (audit log) and the API (GET) about every acknowledged write."""
        v = Verification(acked=len(self.acked), resources=len(self.resources))
        rows = psql_rows(database_url,
                         "SELECT request_id, resource_type, resource_id FROM audit_log "
                         f"WHERE request_id LIKE 'ops-{self.tag}-%'")
        audited: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for request_id, resource_type, resource_id in rows:
            audited[request_id].add((resource_type, resource_id))
        acked_ids = {w.request_id for w in self.acked}
        for w in self.acked:
            if (w.resource.kind, w.resource.id) not in audited.get(w.request_id, set()):
                v.missing_audit.append(f"{w.op} {w.request_id} {w.resource.kind} {w.resource.id}")
        for request_id in audited:
            if request_id not in acked_ids:
                status = self.write_status.get(request_id)
                v.ghosts[("no answer" if status == NO_ANSWER else status)] += 1
                v.ghost_ids.append(f"{request_id} ({status})")

        queue: asyncio.Queue[Resource] = asyncio.Queue()
        for r in self.resources:
            if r.acked:
                queue.put_nowait(r)

        async def checker() -> None:
            http = Http(self.base, timeout=60)
            try:
                while not queue.empty():
                    r = queue.get_nowait()
                    for attempt in range(10):
                        try:
                            res = await http.request("GET", r.listed_in or r.url,
                                                     {**r.actor.auth, "Accept": "application/json"})
                        except (OSError, asyncio.TimeoutError, ConnectionError) as e:
                            res = Response(NO_ANSWER, {}, str(e).encode())
                        if res.status not in (NO_ANSWER, 503):
                            break
                        await asyncio.sleep(1)
                    v.checked += 1
                    expected = max(r.acked)[1]
                    if res.status != 200:
                        v.lost.append(f"{r.kind} {r.url}: GET {res.status}")
                        continue
                    value = res.json()
                    if r.listed_in:
                        value = next((x for x in value.get("data", []) if x.get("id") == r.id), None)
                        if value is None:
                            v.lost.append(f"{r.kind} {r.id}: not in {r.listed_in}")
                            continue
                    for key in MARKER_FIELDS[r.kind][0]:
                        value = value.get(key) if isinstance(value, dict) else None
                    if value == expected:
                        continue
                    acked_markers = {m for _, m in r.acked}
                    if value in r.attempted and value not in acked_markers:
                        v.ghost_values.append(f"{r.kind} {r.id}: {value} ({self.write_status.get(value)})")
                    else:
                        v.lost.append(f"{r.kind} {r.url}: reads {value!r}, last acknowledged write "
                                      f"{expected} (version {max(r.acked)[0]})")
            finally:
                http.close()

        await asyncio.gather(*(checker() for _ in range(parallel)))
        return v


def psql_rows(url: str, sql: str) -> list[list[str]]:
    res = subprocess.run(["psql", "-XAtq", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", url],
                         input=sql, capture_output=True, text=True, timeout=300)
    if res.returncode != 0:
        raise RuntimeError(f"psql: {res.stderr.strip()}")
    return [line.split("\t") for line in res.stdout.splitlines() if line]


@dataclass
class Verification:
    acked: int
    resources: int
    checked: int = 0
    missing_audit: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    ghosts: Counter = field(default_factory=Counter)  # status -> audit rows of writes not acknowledged
    ghost_ids: list[str] = field(default_factory=list)
    ghost_values: list[str] = field(default_factory=list)

    def print(self) -> None:
        print(f"verification: {self.acked} acknowledged writes on {self.resources} resources; "
              f"{self.acked - len(self.missing_audit)} in the audit log under their request id; "
              f"{self.checked} resources read back, {len(self.lost)} not as last acknowledged")
        for line in (self.missing_audit + self.lost)[:20]:
            print(f"   LOST: {line}")
        if self.ghosts:
            print("   writes that took effect without a 2xx (by the answer they got): "
                  + ", ".join(f"{k}: {v}" for k, v in sorted(self.ghosts.items(), key=lambda kv: str(kv[0]))))
            for line in self.ghost_ids[:10]:
                print(f"      {line}")
        for line in self.ghost_values[:10]:
            print(f"   reads the marker of an unacknowledged write: {line}")

    @property
    def all_present(self) -> bool:
        return not self.missing_audit and not self.lost

    def ghosts_with_answer(self) -> int:
        """Writes answered with an error status that nevertheless committed."""
        return sum(v for k, v in self.ghosts.items() if k != "no answer")


class Worker:
    """One connection's loop: a request at a time, reads or writes at random."""

    UPDATE_TARGETS = 10  # updates pick among the connection's most recent resources of a kind

    def __init__(self, traffic: Traffic, index: int):
        self.t = traffic
        self.index = index
        self.rng = random.Random(f"{traffic.tag}-{index}")
        org, domain = ORGANIZATIONS[index % len(ORGANIZATIONS)]
        self.org = org
        self.coordinator = traffic.actors[f"koordinaattori@{domain}"]
        self.org_admin = traffic.actors[f"paakayttaja@{domain}"]
        self.admin = traffic.actors[ADMIN_EMAIL]
        self.http = Http(traffic.base, timeout=traffic.request_timeout)
        self.own: dict[str, list[Resource]] = defaultdict(list)
        self.write_ops = [
            self.create_organization, self.update_organization,
            self.create_contact, self.update_contact,
            self.create_agreement, self.update_agreement,
            self.create_document, self.update_document,
            self.create_entry, self.update_entry,
            self.create_venue, self.update_venue,
            self.create_booking,
            self.create_series, self.update_series,
            self.create_cost_item, self.update_cost_item,
        ]

    async def loop(self, deadline: float) -> None:
        while time.monotonic() < deadline and not self.t.stop.is_set():
            if self.rng.random() < self.t.write_share:
                await self.rng.choice(self.write_ops)()
            else:
                op, path = self.rng.choice(self.t.read_paths)
                await self.send(op, False, "GET", path, {"Accept": "application/json"})

    async def send(self, op: str, write: bool, method: str, path: str, headers: dict[str, str],
                   body: bytes | None = None) -> Response | None:
        request_id = headers.setdefault("X-Request-Id", self.t.next_request_id())
        wall, start = time.time(), time.monotonic()
        try:
            res = await self.http.request(method, path, headers, body)
        except asyncio.TimeoutError:
            self.t.samples.append(Sample(wall, start, time.monotonic(), op, write, NO_ANSWER, False, "timeout",
                                         request_id, f"{method} {path}"))
            return None
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as e:
            self.t.samples.append(Sample(wall, start, time.monotonic(), op, write, NO_ANSWER, False,
                                         type(e).__name__, request_id, f"{method} {path}"))
            await asyncio.sleep(0.05)  # a refused connection must not spin
            return None
        self.t.samples.append(Sample(wall, start, time.monotonic(), op, write, res.status,
                                     "retry-after" in res.headers, "", request_id, f"{method} {path}"))
        return res

    async def write(self, op: str, method: str, path: str, actor: Actor, body: dict,
                    if_match: str | None = None, content_type: str = "application/json",
                    request_id: str | None = None) -> tuple[str, Response | None]:
        request_id = request_id or self.t.next_request_id()
        headers = {**actor.auth, "X-Request-Id": request_id, "Content-Type": content_type,
                   "Accept": "application/json"}
        if if_match:
            headers["If-Match"] = if_match
        res = await self.send(op, True, method, path, headers, json.dumps(body).encode())
        self.t.write_status[request_id] = res.status if res is not None else NO_ANSWER
        return request_id, res

    # -- creating and updating, generically ----------------------------------------------------

    async def create(self, op: str, kind: str, path: str, actor: Actor, body: dict,
                     if_match: str | None = None, parent: Resource | None = None) -> Resource | None:
        request_id = self.t.next_request_id()
        body = {**body, **MARKER_FIELDS[kind][1](request_id)}
        _, res = await self.write(op, "POST", path, actor, body, if_match, request_id=request_id)
        if res is None or res.status != 201:
            return None
        created = res.json()
        r = Resource(kind, created["id"], f"{path.split('?')[0]}/{created['id']}", actor,
                     res.headers.get("etag", '"1"'))
        r.acked.append((version_of(r.etag), request_id))
        r.attempted.add(request_id)
        r.tracked = True
        self.own[kind].append(r)
        self.t.resources.append(r)
        self.t.acked.append(AckedWrite(request_id, op, r))
        if parent is not None:
            parent.children += 1
        if kind == "event_series_cost_item":  # no GET of one item: read back from the series' list
            r.listed_in = f"{path}?limit=200"
        return r

    async def update(self, op: str, r: Resource, actor: Actor | None = None) -> None:
        request_id = self.t.next_request_id()
        r.attempted.add(request_id)
        _, res = await self.write(op, "PATCH", r.url, actor or r.actor, MARKER_FIELDS[r.kind][1](request_id),
                                  r.etag, MERGE_PATCH, request_id=request_id)
        if res is None:
            return
        r.learn(res.headers.get("etag"))
        if 200 <= res.status < 300:
            if not r.tracked:
                r.tracked = True
                self.t.resources.append(r)
            r.acked.append((version_of(res.headers.get("etag")), request_id))
            self.t.acked.append(AckedWrite(request_id, op, r))

    def pick(self, kind: str) -> Resource | None:
        mine = self.own.get(kind)
        return self.rng.choice(mine[-self.UPDATE_TARGETS:]) if mine else None

    # -- the operations ------------------------------------------------------------------------

    async def create_organization(self) -> None:
        await self.create("create_organization", "organization", "/api/v1/organizations", self.admin,
                          {"name": {"fi": f"Kuormitustesti {self.t.tag} ry"}, "kind": "ngo"})

    async def update_organization(self) -> None:
        # Half of the time the connection's own demo organisation, by its org admin: every
        # connection of that organisation contends for it.
        r = self.t.shared_orgs[self.org] if self.rng.random() < 0.5 else self.pick("organization")
        if r is None:
            return await self.create_organization()
        await self.update("update_organization", r)

    async def update_or_create(self, operation: str, kind: str, create) -> None:
        """Updates one of the resources of `kind` made so far, or makes the first one."""
        r = self.pick(kind)
        await (self.update(operation, r) if r else create())

    async def create_contact(self) -> None:
        await self.create("create_contact", "contact", f"/api/v1/organizations/{self.org}/contacts", self.org_admin,
                          {"name": "Kuormitus Testaaja", "visibility": "public", "languages": ["fi"]})

    async def update_contact(self) -> None:
        await self.update_or_create("update_contact", "contact", self.create_contact)

    async def create_agreement(self) -> None:
        code = f"OPS-{self.t.tag}-{self.t.counter + 1}"
        await self.create("create_agreement", "agreement", "/api/v1/agreements", self.coordinator, {
            "code": code, "title": {"fi": "Kuormitustestin sopimus"}, "visibility": "public",
            "period": {"start_date": days_from_today(-30), "end_date": days_from_today(3650)},
            "parties": [{"organization_id": self.org, "roles": ["partner"], "must_sign": True}],
        })

    async def update_agreement(self) -> None:
        await self.update_or_create("update_agreement", "agreement", self.create_agreement)

    async def create_document(self) -> None:
        await self.create("create_document", "coordination_document", "/api/v1/coordination-documents",
                          self.coordinator, {"sections": [{"heading": "Tavoitteet", "body": "Kuormitustesti"}]})

    async def update_document(self) -> None:
        await self.update_or_create("update_document", "coordination_document", self.create_document)

    async def create_entry(self) -> None:
        doc = self.pick("coordination_document")
        if doc is None:
            return await self.create_document()
        await self.create("create_entry", "coordination_entry", f"{doc.url}/entries", self.coordinator,
                          {"date": days_from_today(30), "start_time": "10:00", "end_time": "11:00", "title": "Kuormitus",
                           "status": "planned"}, if_match="*", parent=doc)

    async def update_entry(self) -> None:
        await self.update_or_create("update_entry", "coordination_entry", self.create_entry)

    async def create_venue(self) -> None:
        await self.create("create_venue", "venue", "/api/v1/venues", self.coordinator, {
            "name": {"fi": f"Kuormitustestin paikka {self.t.tag}"}, "kind": "meeting_place",
            "owner_organization_id": self.org, "address": {"municipality_code": "179"},
            "premises_terms": "free", "capacity": 20,
        })

    async def update_venue(self) -> None:
        await self.update_or_create("update_venue", "venue", self.create_venue)

    async def create_booking(self) -> None:
        venue = self.pick("venue")
        if venue is None:
            return await self.create_venue()
        self.t.booking_slot += 1
        start = self.t.booking_base + dt.timedelta(minutes=90 * self.t.booking_slot)
        end = start + dt.timedelta(hours=1)
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        await self.create("create_booking", "venue_booking", f"{venue.url}/bookings", self.coordinator,
                          {"organization_id": self.org, "start": start.strftime(fmt), "end": end.strftime(fmt)},
                          parent=venue)

    async def create_series(self) -> None:
        await self.create("create_series", "event_series", "/api/v1/event-series", self.coordinator, {
            "title": {"fi": "Kuormitustestin tapahtuma"}, "kind": "single", "activity_type": "event",
            "publisher_id": self.org, "publication_status": "published", "languages": ["fi"],
            "schedule": {"start_date": days_from_today(60), "start_time": "10:00", "end_time": "12:00"},
        })

    async def update_series(self) -> None:
        await self.update_or_create("update_series", "event_series", self.create_series)

    async def create_cost_item(self) -> None:
        series = [s for s in self.own.get("event_series", []) if s.children < 150]
        if not series:
            return await self.create_series()
        s = self.rng.choice(series[-self.UPDATE_TARGETS:])
        await self.create("create_cost_item", "event_series_cost_item", f"{s.url}/cost-items", self.coordinator,
                          {"category": "materials", "basis": "lump_sum", "amount": "10.00",
                           "shares": [{"organization_id": self.org, "percent": "100"}]}, parent=s)

    async def update_cost_item(self) -> None:
        await self.update_or_create("update_cost_item", "event_series_cost_item", self.create_cost_item)
