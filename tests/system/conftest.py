"""Fixtures that start the real parts: a throwaway PostgreSQL server, the Kafka dev
cluster (librdkafka's mock cluster behind kafkatrace-devcluster) and the two daemons,
from the binaries `swift build` made. Every fixture stops what it started, also when
the test fails."""

import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN_DIR = pathlib.Path(os.environ.get("KAFKATRACE_BIN_DIR", ROOT / ".build" / "debug"))
PG_BIN = pathlib.Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def binary(name: str) -> str:
    path = BIN_DIR / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `swift build` first (or set KAFKATRACE_BIN_DIR)")
    return str(path)


def rss_kb(daemon) -> int:
    """A running daemon's resident set (VmRSS), kB."""
    with open(f"/proc/{daemon.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS line")


def wait_until(predicate, timeout=30.0, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - keep polling, report the last error
            last = exc
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last error: {last})")


def http(method: str, url: str, body: bytes | None = None, headers=None, timeout=10.0):
    """One HTTP request; returns (status, headers, body) for every status code."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def metric_value(text: str, name: str, labels: dict | None = None) -> float:
    """Sum of the samples of `name` whose labels include `labels`."""
    total = 0.0
    found = False
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        head, _, value = line.rpartition(" ")
        metric, _, labelpart = head.partition("{")
        if metric != name:
            continue
        if labels:
            pairs = dict(p.split("=", 1) for p in labelpart.rstrip("}").split(",") if "=" in p)
            pairs = {k: v.strip('"') for k, v in pairs.items()}
            if any(pairs.get(k) != v for k, v in labels.items()):
                continue
        total += float(value)
        found = True
    return total if found else 0.0


class Postgres:
    """A PostgreSQL 15 server in a temporary data directory, run as `postgres`."""

    def __init__(self):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="kt-pg-"))
        self.port = free_port()
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        os.chmod(self.dir, 0o777)
        self._as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                           "--no-sync", "-E", "UTF8"], quiet=True)
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.dir}'\nfsync = off\n"
                       "synchronous_commit = on\nfull_page_writes = off\nmax_connections = 50\n")
        # synchronous_commit stays on: with it off, a commit the consumer saw (and committed its
        # Kafka offsets after) is lost when the fault tests stop the server with -m immediate.
        # fsync off is safe for that: the WAL is written to the OS before the commit returns.
        self.start()
        # One statement per call: psql -c runs a multi-statement string in one transaction,
        # and CREATE DATABASE refuses to run inside a transaction block.
        self.psql("CREATE ROLE kafkatrace LOGIN", db="postgres")
        self.psql("CREATE DATABASE kafkatrace OWNER kafkatrace", db="postgres")
        self.url = f"postgresql://kafkatrace@127.0.0.1:{self.port}/kafkatrace"

    def _as_postgres(self, argv, quiet=False):
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL if quiet else None,
                       stderr=subprocess.STDOUT if quiet else None)

    def start(self):
        self._as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                           "-w", "-t", "60", "start"], quiet=True)

    def stop(self, mode="fast"):
        self._as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"], quiet=True)

    def psql(self, sql: str, db="kafkatrace", user=None) -> str:
        user = user or ("postgres" if db == "postgres" else "kafkatrace")
        out = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                              "-p", str(self.port), "-U", user, "-d", db, "-c", sql],
                             check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def close(self):
        try:
            self.stop(mode="immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class Process:
    """A daemon or tool started from the build, with its output in a log file."""

    def __init__(self, name: str, args, env=None, log_dir=None):
        self.name = name
        self.log_path = pathlib.Path(log_dir or tempfile.mkdtemp(prefix="kt-log-")) / f"{name}.log"
        self.log_file = open(self.log_path, "wb")
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKATRACE_")}
        full_env.pop("NOTIFY_SOCKET", None)
        full_env.update(env or {})
        self.proc = subprocess.Popen(args, stdout=self.log_file, stderr=subprocess.STDOUT, env=full_env,
                                     cwd=str(ROOT))

    def log(self) -> str:
        self.log_file.flush()
        return self.log_path.read_text(errors="replace")

    def signal(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def wait(self, timeout=30.0) -> int:
        return self.proc.wait(timeout=timeout)

    def stop(self, timeout=30.0) -> int:
        self.signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{self.name} did not exit within {timeout}s of SIGTERM\n{self.log()[-3000:]}")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class DevCluster(Process):
    """kafkatrace-devcluster: 3 mock brokers, a first-hop proxy and a control port."""

    def __init__(self, log_dir):
        self.listen_port = free_port()
        self.control_port = free_port()
        self.bootstrap_file = pathlib.Path(log_dir) / "kafka.bootstrap"
        super().__init__("devcluster", [binary("kafkatrace-devcluster"),
                                        "--listen", f"127.0.0.1:{self.listen_port}",
                                        "--control", f"127.0.0.1:{self.control_port}",
                                        "--bootstrap-file", str(self.bootstrap_file)], log_dir=log_dir)
        wait_until(lambda: '"ready"' in self.log(), timeout=60, what="devcluster ready line")
        self.brokers = f"127.0.0.1:{self.listen_port}"

    def control(self, command: str) -> str:
        with socket.create_connection(("127.0.0.1", self.control_port), timeout=10) as s:
            s.sendall(command.encode() + b"\n")
            reply = s.makefile().readline().strip()
        if not reply.startswith("ok"):
            raise AssertionError(f"devcluster control {command!r}: {reply}")
        return reply


class Daemon(Process):
    def __init__(self, name, binary_name, env, log_dir, port=None):
        self.port = port or free_port()
        env = dict(env)
        env.setdefault("KAFKATRACE_HTTP_HOST", "127.0.0.1")
        env["KAFKATRACE_HTTP_PORT"] = str(self.port)
        env.setdefault("KAFKATRACE_LOG_LEVEL", "info")
        super().__init__(name, [binary(binary_name)], env=env, log_dir=log_dir)
        self.url = f"http://127.0.0.1:{self.port}"

    def get(self, path, **kw):
        return http("GET", self.url + path, **kw)

    def metrics(self) -> str:
        return self.get("/metrics")[2].decode()

    def wait_healthy(self, timeout=60):
        def ok():
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.proc.returncode}\n{self.log()[-3000:]}")
            return self.get("/health", timeout=2)[0] == 200
        wait_until(ok, timeout=timeout, what=f"{self.name} /health")

    def wait_ready(self, timeout=60):
        self.wait_healthy(timeout)
        wait_until(lambda: self.get("/ready", timeout=2)[0] == 200, timeout=timeout,
                   what=f"{self.name} /ready: {self.get('/ready?verbose')[2][:500]!r}")


@pytest.fixture
def log_dir(request):
    d = ROOT / "run" / "test-logs" / "system" / request.node.name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d


@pytest.fixture
def postgres():
    pg = Postgres()
    try:
        yield pg
    finally:
        pg.close()


@pytest.fixture
def devcluster(log_dir):
    dc = DevCluster(log_dir)
    try:
        yield dc
    finally:
        dc.stop(timeout=15)


@pytest.fixture
def daemons(log_dir):
    """Factory: daemons("producer"|"consumer", env) -> Daemon; all stopped at the end."""
    started = []

    def start(kind, env, port=None):
        name = f"{kind}{len([d for d in started if d.name.startswith(kind)]) or ''}"
        d = Daemon(name, f"kafkatrace-{kind}", env, log_dir, port=port)
        started.append(d)
        return d

    try:
        yield start
    finally:
        for d in started:
            try:
                d.stop(timeout=30)
            except AssertionError:
                pass


def consume_all(brokers: str, topic: str, expected: int, timeout=60.0):
    """Reads the topic back with kcat (a plain librdkafka consumer): list of dicts."""
    fmt = '{"key":"%k","partition":%p,"offset":%o,"headers":"%h","value":%s}\\n'
    deadline = time.monotonic() + timeout
    records = []
    while time.monotonic() < deadline:
        out = subprocess.run(["kcat", "-C", "-b", brokers, "-t", topic, "-o", "beginning", "-e", "-q",
                              "-f", fmt], capture_output=True, text=True, timeout=timeout)
        records = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
        if len(records) >= expected:
            return records
        time.sleep(0.5)
    return records
