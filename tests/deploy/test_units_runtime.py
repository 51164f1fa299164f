"""Runs each built daemon the way its systemd unit does and checks the sd_notify protocol:
READY=1, STATUS=..., WATCHDOG=1 (at half of WATCHDOG_USEC), STOPPING=1 on SIGTERM, exit 0 within
the unit's TimeoutStopSec, every message from the main PID (NotifyAccess=main).

Environment as systemd would build it: the unit's Environment=, the example EnvironmentFile,
NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID (= the daemon's own PID) and a DynamicUser-like
USER/HOME/SHELL; umask 0077 (UMask=). Overrides for this machine: HTTP on 127.0.0.1 port 0 and
the backends from KAFKATRACE_TEST_KAFKA_BROKERS / KAFKATRACE_TEST_POSTGRES_URL (default: the dev
stack of docs/CONTRACT.md, 127.0.0.1:9092 and the local PostgreSQL).

Binaries: $KAFKATRACE_BIN_DIR (default .build/debug). Missing binaries FAIL (not skip);
the tests carry the marker needs_binaries so a run before the daemons exist can deselect them
with -m "not needs_binaries".
"""

from __future__ import annotations

import array
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import COMPONENTS, REPO, SYSTEMD_DIR
from test_systemd import parse_unit, read_env

pytestmark = pytest.mark.needs_binaries

WATCHDOG_USEC = 2_000_000
CRED_SIZE = struct.calcsize("3i")  # struct ucred: pid, uid, gid


def bin_dir() -> Path:
    return Path(os.environ.get("KAFKATRACE_BIN_DIR", REPO / ".build" / "debug"))


def binary(comp: str) -> Path:
    path = bin_dir() / f"kafkatrace-{comp}"
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"{path} is missing: build the daemons first (swift build) or point "
                    f"KAFKATRACE_BIN_DIR at them")
    return path


def unit_environment(comp: str) -> dict[str, str]:
    unit = parse_unit((SYSTEMD_DIR / f"kafkatrace-{comp}.service").read_text())
    env: dict[str, str] = {}
    for assignment in unit["Service"].get("Environment", []):
        key, _, value = assignment.partition("=")
        env[key] = value
    env.update(read_env(SYSTEMD_DIR / "env" / f"kafkatrace-{comp}.env"))  # EnvironmentFile= wins
    env.update({
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin",
        "USER": f"kafkatrace-{comp}", "LOGNAME": f"kafkatrace-{comp}", "HOME": "/",
        "SHELL": "/usr/sbin/nologin", "LANG": "C.UTF-8",
        "KAFKATRACE_HTTP_HOST": "127.0.0.1", "KAFKATRACE_HTTP_PORT": "0",
        "KAFKATRACE_KAFKA_BROKERS": os.environ.get("KAFKATRACE_TEST_KAFKA_BROKERS", "127.0.0.1:9092"),
        "KAFKATRACE_SHUTDOWN_TIMEOUT_MS": "5000",
    })
    if comp == "consumer":
        env["KAFKATRACE_POSTGRES_URL"] = os.environ.get(
            "KAFKATRACE_TEST_POSTGRES_URL", "postgresql://kafkatrace@127.0.0.1:5432/kafkatrace")
    else:
        env["KAFKATRACE_ORDER_RATE"] = "0"
    return env


@dataclass
class NotifyListener:
    """An AF_UNIX datagram socket like systemd's notify socket, with sender credentials."""

    path: Path
    sock: socket.socket = field(init=False)
    messages: list[tuple[int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(str(self.path))

    def pump(self, done: Callable[[], bool], deadline_s: float, proc: subprocess.Popen[bytes]) -> bool:
        """Collect datagrams until done() holds, the deadline passes or the daemon exits."""
        end = time.monotonic() + deadline_s
        while not done() and time.monotonic() < end:
            self.sock.settimeout(max(0.05, min(0.5, end - time.monotonic())))
            try:
                data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(CRED_SIZE))
            except TimeoutError:
                if proc.poll() is not None:
                    break
                continue
            pid = -1
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = array.array("i", payload[:CRED_SIZE])[0]
            self.messages.append((pid, data.decode("utf-8", "replace")))
        return done()

    def wait_for(self, want: str, deadline_s: float, proc: subprocess.Popen[bytes]) -> None:
        if not self.pump(lambda: self.count(want) > 0, deadline_s, proc):
            pytest.fail(f"no {want} within {deadline_s}s (exit={proc.poll()}); got {self.messages}")

    def count(self, line: str) -> int:
        return sum(1 for _, text in self.messages if line in text.splitlines())

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def notify() -> Iterator[NotifyListener]:
    d = Path(tempfile.mkdtemp(prefix="kt-notify-", dir="/tmp"))  # short path: sun_path <= 107
    listener = NotifyListener(d / "notify.sock")
    try:
        yield listener
    finally:
        listener.close()
        shutil.rmtree(d, ignore_errors=True)


@pytest.mark.parametrize("comp", COMPONENTS)
def test_daemon_speaks_sd_notify_under_unit_environment(comp: str, notify: NotifyListener,
                                                       tmp_path: Path) -> None:
    exe = binary(comp)
    unit = parse_unit((SYSTEMD_DIR / f"kafkatrace-{comp}.service").read_text())
    stop_timeout = int(unit["Service"]["TimeoutStopSec"][-1])
    start_timeout = int(os.environ.get("KAFKATRACE_TEST_START_TIMEOUT_S", unit["Service"]["TimeoutStartSec"][-1]))
    env = unit_environment(comp)
    env.update({"NOTIFY_SOCKET": str(notify.path), "WATCHDOG_USEC": str(WATCHDOG_USEC)})
    log = (tmp_path / f"{comp}.log").open("wb")
    # sh sets WATCHDOG_PID to its own PID, which exec hands to the daemon: as systemd does.
    proc = subprocess.Popen(
        ["/bin/sh", "-c", 'WATCHDOG_PID=$$; export WATCHDOG_PID; exec "$0"', str(exe)],
        env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        preexec_fn=lambda: os.umask(0o077),  # noqa: PLW1509
    )
    try:
        notify.wait_for("READY=1", start_timeout, proc)
        # systemd kills a service that misses WatchdogSec; two pings inside 3 x WATCHDOG_USEC.
        before = notify.count("WATCHDOG=1")
        notify.pump(lambda: notify.count("WATCHDOG=1") >= before + 2, 3 * WATCHDOG_USEC / 1e6, proc)
        assert notify.count("WATCHDOG=1") >= before + 2, f"watchdog pings: {notify.messages}"
        assert proc.poll() is None, "daemon exited while running"
        proc.send_signal(signal.SIGTERM)
        notify.wait_for("STOPPING=1", stop_timeout, proc)
        try:
            code = proc.wait(timeout=stop_timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{comp} did not exit within TimeoutStopSec={stop_timeout}s after SIGTERM")
        assert code == 0, f"exit code {code}; log: {(tmp_path / f'{comp}.log').read_text()[-3000:]}"
        assert any(line.startswith("STATUS=") for _, text in notify.messages for line in text.splitlines()), \
            f"no STATUS= message: {notify.messages}"
        # NotifyAccess=main: systemd ignores messages from any other PID.
        senders = {pid for pid, _ in notify.messages}
        assert senders == {proc.pid}, f"senders {senders}, main PID {proc.pid}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
