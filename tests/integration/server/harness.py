"""Test harness: starts the real `attune serve` against the real PostgreSQL
and talks to it with real WebSocket clients (python3-websockets) over loopback.

Environment (set by tests/integration/server/CMakeLists.txt via ctest):
  ATTUNE_BIN                 path to the attune binary
  ATTUNE_PY_PATH             folder holding the generated attune/v1/*_pb2.py
  ATTUNE_TEST_DATABASE_URL   libpq URL of the throwaway PostgreSQL (scripts/test)
"""
import asyncio
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.environ.get("ATTUNE_PY_PATH", ""))
from attune.v1 import attune_pb2 as pb  # noqa: E402
from google.protobuf import json_format  # noqa: E402
import websockets  # noqa: E402

ADMIN_KEY = "test-admin-key-0123456789abcdef"


def require_env(name):
    value = os.environ.get(name)
    if not value:
        raise SystemExit(f"{name} is not set: run the tests through scripts/test (ctest)")
    return value


def psql(sql, url=None):
    """Runs SQL against the test database (or `url`) and returns the rows as lists of strings."""
    url = url or require_env("ATTUNE_TEST_DATABASE_URL")
    out = subprocess.run(["psql", url, "-qtAX", "-F", "\t", "-c", sql], check=True, capture_output=True, text=True)
    return [line.split("\t") for line in out.stdout.splitlines() if line]


class Server:
    """One `attune serve` process on a free port, with its log captured."""

    def __init__(self, *extra_args, grace_s=5, database_url=None):
        self.bin = require_env("ATTUNE_BIN")
        self.db = database_url or require_env("ATTUNE_TEST_DATABASE_URL")
        self.tmp = tempfile.mkdtemp(prefix="attune-it-")
        # Each server keeps its spool in its own folder (not the working
        # directory), and has a node id of its own, so that crash recovery at
        # start-up never closes another test's sessions.
        self.spool_dir = os.path.join(self.tmp, "spool")
        self.node_id = "it-" + os.path.basename(self.tmp)
        if "--spool-dir" not in extra_args:
            extra_args += ("--spool-dir", self.spool_dir)
        if "--node-id" not in extra_args:
            extra_args += ("--node-id", self.node_id)
        self.port_file = os.path.join(self.tmp, "port")
        self.log_path = os.path.join(self.tmp, "server.log")
        self.args = [self.bin, "serve", "--listen", "127.0.0.1:0", "--port-file", self.port_file,
                     "--database-url", self.db, "--admin-key", ADMIN_KEY, "--threads", "2",
                     "--grace-period", str(grace_s), *extra_args]
        self.proc = None
        self.port = None

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"attune serve exited with {self.proc.returncode}:\n{self.read_log()}")
            if os.path.exists(self.port_file) and open(self.port_file).read().strip():
                self.port = int(open(self.port_file).read())
                return self
            time.sleep(0.05)
        raise RuntimeError("attune serve did not start listening in 60 s:\n" + self.read_log())

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def http(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}/v1/ws"


class Postgres:
    """A throwaway PostgreSQL 15 of the test's own (like scripts/lib/pg.sh), for
    tests that stop and start the database. Same port across restarts."""

    BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="attune-pg-")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "sock")
        os.makedirs(self.sock, mode=0o755)
        if os.getuid() == 0:
            import pwd
            pw = pwd.getpwnam("postgres")
            for path in (self.dir, self.sock):
                os.chown(path, pw.pw_uid, pw.pw_gid)
        import socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"host=127.0.0.1 port={self.port} user=postgres dbname=attune"

    def _run(self, *cmd):
        if os.getuid() == 0:
            cmd = ("runuser", "-u", "postgres", "--") + cmd
        return subprocess.run(cmd, check=True, capture_output=True, text=True)

    def start(self):
        fresh = not os.path.exists(os.path.join(self.data, "PG_VERSION"))
        if fresh:
            self._run(f"{self.BIN}/initdb", "-D", self.data, "--auth=trust", "-U", "postgres", "-E", "UTF8")
        self._run(f"{self.BIN}/pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log"), "-w", "-t", "60",
                  "-o", f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        if fresh:
            self._run(f"{self.BIN}/psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres",
                      "-qc", "CREATE DATABASE attune")
        return self

    def stop(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self._run(f"{self.BIN}/pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop")

    def psql(self, sql):
        return psql(sql, url=self.url)

    def remove(self):
        import shutil
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def metric(server, name):
    """One unlabelled metric from /metrics, as a float (None if absent)."""
    status, text = http("GET", server.http + "/metrics", key=None)
    for line in str(text).splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def wait_for(predicate, timeout=30, interval=0.2, what="condition"):
    """Polls predicate() until it returns something truthy; returns that."""
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError(f"{what} not reached within {timeout} s")
        time.sleep(interval)


def http(method, url, body=None, key=ADMIN_KEY, raw=None):
    """Returns (status, parsed JSON or text)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url, data=data, method=method)
    if key:
        req.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            status, text = res.status, res.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def stored_session(server, session_id, key=ADMIN_KEY, timeout=10):
    """GET /v1/sessions/{id} until the summary is stored (writes are asynchronous)."""
    deadline = time.time() + timeout
    while True:
        status, body = http("GET", f"{server.http}/v1/sessions/{session_id}", key=key)
        if (status == 200 and "summary" in body) or time.time() > deadline:
            return status, body
        time.sleep(0.1)


def create_room(server, **body):
    status, room = http("POST", server.http + "/v1/rooms", body or {"label": "test"})
    assert status == 201, (status, room)
    return room


class Client:
    """A WebSocket participant speaking binary (protobuf) or text (JSON) frames.
    A reader task collects everything the server sends, so the server never
    sees a slow reader unless a test wants one."""

    def __init__(self, server, token, fmt="binary", name="it-client"):
        self.server, self.token, self.fmt, self.name = server, token, fmt, name
        self.ws = None
        self.seq = 0
        self.inbox = []          # every message, in order
        self.frame_types = set()  # "binary" / "json": what the server sent us
        self.queue = None        # messages not yet taken by expect()
        self.close_code = None
        self.reader = None
        self.welcome = None
        # Clock probes are answered like a phone would: this client's clock
        # reads true time + clock_skew_us, and each reply meets a random extra
        # delay of up to reply_jitter_ms on its way back.
        self.answer_clock = True
        self.clock_skew_us = 0
        self.reply_jitter_ms = 0.0
        self.rng = random.Random(len(token))

    async def connect(self):
        self.ws = await websockets.connect(self.server.ws_url, max_size=None, ping_interval=None)
        self.queue = asyncio.Queue()
        self.reader = asyncio.ensure_future(self._read())
        return self

    async def _read(self):
        try:
            async for data in self.ws:
                m = pb.ServerMessage()
                if isinstance(data, bytes):
                    m.ParseFromString(data)
                    m_fmt = "binary"
                else:
                    json_format.Parse(data, m, ignore_unknown_fields=True)
                    m_fmt = "json"
                self.frame_types.add(m_fmt)
                if self.answer_clock and m.WhichOneof("payload") == "clock_probe":
                    asyncio.ensure_future(self._answer_probe(m.clock_probe.t0_us))
                self.inbox.append(m)
                self.queue.put_nowait(m)
        except websockets.ConnectionClosed:
            pass
        self.close_code = self.ws.close_code
        self.queue.put_nowait(None)

    def local_us(self):
        return int(time.time() * 1e6) + self.clock_skew_us

    async def _answer_probe(self, t0_us):
        t1 = self.local_us()
        reply = pb.ClientMessage(seq=0)
        reply.clock_reply.t0_us = t0_us
        reply.clock_reply.t1_us = t1
        reply.clock_reply.t2_us = self.local_us()
        if self.reply_jitter_ms:
            await asyncio.sleep(self.rng.uniform(0, self.reply_jitter_ms) / 1000.0)
        try:
            await self.send(reply)
        except websockets.ConnectionClosed:
            pass

    async def send(self, msg):
        if self.fmt == "binary":
            await self.ws.send(msg.SerializeToString())
        else:
            await self.ws.send(json_format.MessageToJson(msg, preserving_proto_field_name=True))

    async def send_raw(self, data):
        await self.ws.send(data)

    def next_seq(self):
        self.seq += 1
        return self.seq

    async def hello(self, resume_token="", expect_welcome=True):
        m = pb.ClientMessage(seq=self.next_seq())
        m.hello.invite_token = self.token
        m.hello.resume_token = resume_token
        m.hello.client_name = self.name
        s = m.hello.streams.add()
        s.kind = pb.STREAM_KIND_RR
        s.unit = "ms"
        await self.send(m)
        if expect_welcome:
            self.welcome = (await self.expect("welcome")).welcome
        return self.welcome

    async def expect(self, kind, timeout=10):
        """Takes messages until one with payload `kind` arrives; returns it."""
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError(f"no {kind} within {timeout} s; last: "
                                     f"{[m.WhichOneof('payload') for m in self.inbox[-8:]]}")
            try:
                m = await asyncio.wait_for(self.queue.get(), left)
            except asyncio.TimeoutError:
                continue
            if m is None:
                self.queue.put_nowait(None)
                raise AssertionError(f"connection closed ({self.close_code}) while waiting for {kind}")
            if m.WhichOneof("payload") == kind:
                return m

    async def expect_error(self, code, timeout=10):
        m = await self.expect("error", timeout)
        assert m.error.code == code, (pb.ErrorCode.Name(m.error.code), m.error.message)
        assert m.error.message, "an error must carry a human sentence"
        return m.error

    async def expect_close(self, timeout=10):
        """Waits for the server to close the connection; returns the close code."""
        await asyncio.wait_for(asyncio.shield(self.reader), timeout)
        return self.close_code

    def of(self, kind):
        return [m for m in self.inbox if m.WhichOneof("payload") == kind]

    async def close(self):
        if self.ws:
            await self.ws.close()
            if self.reader:
                await asyncio.wait([self.reader], timeout=5)


class Heart:
    """Synthetic beats for one person: RR with a breathing rhythm, times that
    accumulate from the intervals (as a chest strap reports them)."""

    def __init__(self, start_ms, base_rr=850.0, amplitude=45.0, breath_hz=0.2, phase=0.0):
        self.t = start_ms
        self.base, self.amp, self.f, self.phase = base_rr, amplitude, breath_hz, phase
        self.sent = 0

    def beats_until(self, until_ms):
        """The beats whose end time is at most until_ms (the data clock)."""
        out = []
        while True:
            rr = round(self.base + self.amp * math.sin(2 * math.pi * self.f * self.t / 1000.0 + self.phase), 3)
            if self.t + int(round(rr)) > until_ms:
                break
            self.t += int(round(rr))
            out.append((self.t, rr))
        self.sent += len(out)
        return out


def batch(client, beats, seq=None):
    m = pb.ClientMessage(seq=seq if seq is not None else client.next_seq())
    m.samples.SetInParent()  # an empty batch is still a batch (no beats in this half second)
    for t, rr in beats:
        b = m.samples.beats.add()
        b.t_ms = t
        b.rr_ms = rr
    return m


def now_ms():
    return int(time.time() * 1000)


def run(coro):
    return asyncio.run(coro)
