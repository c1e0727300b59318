"""What the ops scripts share besides the traffic: the server binary, free ports, throwaway
databases, server processes, a private PostgreSQL cluster, and reporting claims.

Nothing here is specific to one script; `load.py` holds the HTTP client and the traffic.

Environment (all optional):
  OPS_BIN        the server binary (default target/production/yhdyspinta, else
                 target/release/…, else target/debug/…; waited for up to OPS_BIN_WAIT seconds, default 180,
                 if it is missing, say while being rebuilt). It is copied first, so a rebuild
                 during a run changes nothing.
  OPS_ADMIN_URL  a PostgreSQL role that may create databases
                 (default postgres://postgres@127.0.0.1:5432/postgres)
  OPS_OUT        where logs go (default target/ops/<script>)
  RUST_LOG       the servers' log level (default info, as in production)
"""

from __future__ import annotations

import contextlib
from collections import Counter
import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ADMIN_URL = os.environ.get("OPS_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        sys.exit(f"{name} must be an integer, not {value!r}")


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        sys.exit(f"{name} must be a number, not {value!r}")


def log(message: str) -> None:
    print(message, flush=True)


def out_dir(script: str) -> Path:
    path = Path(os.environ.get("OPS_OUT") or REPO / "target" / "ops" / script)
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_id() -> str:
    """A short tag that makes this run's names, codes and request ids unique."""
    return secrets.token_hex(3)


# ---------------------------------------------------------------------------------------------
# The binary


def binary_candidates() -> list[Path]:
    """OPS_BIN, or the builds in order of preference: the deployed `production` profile, then
    release, then debug."""
    explicit = os.environ.get("OPS_BIN")
    if explicit:
        return [Path(explicit)]
    return [REPO / "target" / profile / "yhdyspinta" for profile in ("production", "release", "debug")]


def first_binary() -> Path | None:
    """The first of [`binary_candidates`] that exists, without waiting or copying."""
    return next((c for c in binary_candidates() if c.is_file() and os.access(c, os.X_OK)), None)


class HarnessError(Exception):
    """The harness itself failed (a script exits 2), as opposed to a claim (exit 1)."""


def required_binary() -> str:
    """The first of [`binary_candidates`] that exists, or a HarnessError."""
    found = first_binary()
    if found is None:
        raise HarnessError("no binary: set OPS_BIN or build target/debug/yhdyspinta")
    return str(found)


def psql_quietly(sql: str) -> None:
    """Runs `sql` as OPS_ADMIN_URL, ignoring its outcome (dropping what may not exist)."""
    subprocess.run(["psql", ADMIN_URL, "-qXc", sql], check=False, capture_output=True, timeout=60)


def run_script(main) -> None:
    """Exits with `main()`'s status: 1 when a claim failed, 2 when the harness did."""
    try:
        sys.exit(main())
    except HarnessError as e:
        print(f"HARNESS FAILED: {e}", file=sys.stderr)
        sys.exit(2)


def print_warnings(lines: list[str], most: int, width: int) -> None:
    """The commonest WARN and ERROR messages among server log `lines`, with their counts."""
    noisy = Counter(f"{level_of(line)} {message_of(line)}" for line in lines
                    if level_of(line) in ("WARN", "ERROR"))
    for message, count in noisy.most_common(most):
        print(f"      x{count}: {message[:width]}")


def server_binary(workdir: Path) -> Path:
    """The binary to run, copied into `workdir` so that a rebuild cannot swap it mid-run."""
    candidates = binary_candidates()
    deadline = time.monotonic() + env_int("OPS_BIN_WAIT", 180)
    announced = False
    while True:
        for candidate in candidates:
            if candidate.is_file() and os.access(candidate, os.X_OK):
                copy = workdir / "yhdyspinta"
                try:
                    shutil.copy2(candidate, copy)
                except OSError:
                    break  # being replaced right now: try again
                log(f"   server binary: {candidate}")
                return copy
        if time.monotonic() > deadline:
            sys.exit(f"ops: no server binary at {', '.join(map(str, candidates))} (set OPS_BIN)")
        if not announced:
            log(f"   waiting for a server binary at {', '.join(map(str, candidates))} ...")
            announced = True
        time.sleep(2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# PostgreSQL


def with_database(url: str, database: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + database


def psql(url: str, sql: str, timeout: float = 120) -> list[list[str]]:
    """Runs `sql` with psql and returns the rows, tab-separated fields."""
    res = subprocess.run(
        ["psql", "-XAtq", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", url],
        input=sql,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if res.returncode != 0:
        raise RuntimeError(f"psql failed: {res.stderr.strip()}")
    return [line.split("\t") for line in res.stdout.splitlines() if line]


def drop_database(admin_url: str, database: str) -> None:
    assert database.startswith("yhdyspinta_ops_"), database
    try:
        psql(admin_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    except Exception as e:  # cleanup goes on
        log(f"   (could not drop {database}: {e})")


def pg_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    sys.exit("ops: initdb not found (/usr/lib/postgresql/*/bin)")


class PrivateCluster:
    """A PostgreSQL cluster of its own in a temporary directory, on a free port, started and
    stopped at will (as the `postgres` user when run as root: initdb refuses root)."""

    def __init__(self) -> None:
        self.bindir = pg_bindir()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="yhdyspinta_ops_pg_"))  # /tmp: the postgres user can reach it
        self.data = self.root / "data"
        self.logfile = self.root / "postgres.log"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            os.chmod(self.root, 0o700)
            shutil.chown(self.root, "postgres", "postgres")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd="/")
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {res.stdout}{res.stderr}")
        return res

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.root}'\nmax_connections = 100\n"
                       "shared_buffers = 64MB\nlog_min_messages = warning\n")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.logfile), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        cmd = [str(self.bindir / "pg_ctl"), "-D", str(self.data), "status"]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, cwd="/").returncode == 0

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            if self.data.exists() and self.running():
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Server processes


class Server:
    """One `yhdyspinta serve` process on its own port, its output in a log file."""

    def __init__(self, binary: Path, database_url: str, log_path: Path, name: str = "server",
                 demo: bool = True, env: dict[str, str] | None = None):
        self.binary = binary
        self.database_url = database_url
        self.log_path = log_path
        self.name = name
        self.demo = demo
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.extra_env = env or {}
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": self.database_url,
            "YHDYSPINTA_BIND": f"127.0.0.1:{self.port}",
            "RUST_LOG": os.environ.get("RUST_LOG", "info"),
            "YHDYSPINTA_LOG_FORMAT": "json",
        })
        env.update(self.extra_env)
        args = [str(self.binary), "serve"] + (["--demo"] if self.demo else [])
        self.logfile = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, env=env, stdout=self.logfile, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    def wait_ready(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} was not ready within {timeout:.0f}s:\n{self.tail()}")

    def log_size(self) -> int:
        with contextlib.suppress(OSError):
            return self.log_path.stat().st_size
        return 0

    def log_lines(self, start: int = 0, end: int | None = None) -> list[str]:
        with open(self.log_path, "rb") as f:
            f.seek(start)
            data = f.read() if end is None else f.read(max(0, end - start))
        return data.decode("utf-8", "replace").splitlines()

    def tail(self, n: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_lines()[-n:])
        return ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        with contextlib.suppress(Exception):
            self.logfile.close()


def level_of(line: str) -> str | None:
    """The level of a server log line (JSON or text format), or None for other output."""
    if line.startswith("{"):
        with contextlib.suppress(ValueError):
            return str(json.loads(line).get("level", "")).upper() or None
    parts = line.split()
    if len(parts) >= 2 and parts[1] in ("TRACE", "DEBUG", "INFO", "WARN", "ERROR"):
        return parts[1]
    return None


def message_of(line: str) -> str:
    if line.startswith("{"):
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            fields = record.get("fields", {})
            return str(fields.get("message", record.get("message", line)))
    return line


def explain_server_errors(samples, servers: list["Server"], limit: int = 10) -> None:
    """Prints each 5xx other than 503 (up to `limit`) with what the servers logged for its request id."""
    bad = [s for s in samples if s.status >= 500 and s.status != 503]
    if not bad:
        return
    print(f"   {len(bad)} answers 5xx other than 503:")
    logs = []
    for server in servers:
        with contextlib.suppress(OSError):
            logs += [line for line in server.log_lines() if level_of(line) in ("WARN", "ERROR")]
    for s in bad[:limit]:
        print(f"      {s.status} {s.path} ({s.op}, request id {s.request_id})")
        for line in logs:
            if f'"{s.request_id}"' in line or f"request_id={s.request_id}" in line:
                print(f"         log: {line[:300]}")


# ---------------------------------------------------------------------------------------------
# Claims


class Claims:
    """Each claim is printed as PASS or FAIL; `exit()` is non-zero when one failed."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    def check(self, ok: bool, claim: str, detail: str = "") -> bool:
        print(f"{'PASS' if ok else 'FAIL'}  {claim}" + (f"  ({detail})" if detail else ""), flush=True)
        if not ok:
            self.failed.append(claim)
        return ok

    def exit(self) -> None:
        if self.failed:
            print(f"\n{len(self.failed)} claim(s) failed: " + "; ".join(self.failed), flush=True)
            sys.exit(1)
        print("\nall claims hold", flush=True)
        sys.exit(0)


@contextlib.contextmanager
def terminated_cleanly():
    """SIGTERM/SIGHUP raise SystemExit, so that `finally` blocks stop servers and drop databases."""
    def handler(signum, _frame):
        raise SystemExit(128 + signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
