"""Proves test_units_runtime.py itself: it passes for a stand-in daemon that speaks sd_notify
correctly, and fails when the binaries are missing or a daemon skips READY=1, the watchdog or
STOPPING=1, or exits non-zero. Runs the real test module in a pytest subprocess against
stand-ins written in Python (no Swift build needed)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from conftest import COMPONENTS, run

HERE = Path(__file__).parent

FAKE = r'''#!{python}
import os, signal, socket, sys, time
MODE = {mode!r}
addr = os.environ["NOTIFY_SOCKET"]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
def notify(msg):
    s.sendto(msg.encode(), addr)
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
notify("STATUS=starting")
if MODE != "no-ready":
    notify("READY=1\nSTATUS=serving")
usec = int(os.environ.get("WATCHDOG_USEC", "0"))
enabled = usec > 0 and os.environ.get("WATCHDOG_PID") == str(os.getpid())
while not stop:
    if enabled and MODE != "no-watchdog":
        notify("WATCHDOG=1")
    time.sleep(usec / 2e6 if enabled else 0.2)
if MODE != "no-stopping":
    notify("STOPPING=1\nSTATUS=draining")
sys.exit(3 if MODE == "bad-exit" else 0)
'''


def run_runtime_test(bin_dir: Path, comp: str) -> tuple[int, str]:
    env = {**os.environ, "KAFKATRACE_BIN_DIR": str(bin_dir)}
    res = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
               str(HERE / "test_units_runtime.py"), "-k", comp], env=env, cwd=HERE, timeout=180)
    return res.returncode, res.stdout + res.stderr


def make_fakes(tmp_path: Path, mode: str) -> Path:
    d = tmp_path / mode
    d.mkdir()
    for comp in COMPONENTS:
        f = d / f"kafkatrace-{comp}"
        f.write_text(FAKE.format(python=sys.executable, mode=mode))
        f.chmod(0o755)
    return d


def test_runtime_test_passes_for_a_correct_daemon(tmp_path: Path) -> None:
    rc, out = run_runtime_test(make_fakes(tmp_path, "good"), "producer")
    assert rc == 0, out
    assert "1 passed" in out


@pytest.mark.parametrize(
    ("mode", "needle"),
    [
        ("no-ready", "no READY=1"),
        ("no-watchdog", "watchdog pings"),
        ("no-stopping", "no STOPPING=1"),
        ("bad-exit", "exit code 3"),
    ],
)
def test_runtime_test_fails_for_a_broken_daemon(tmp_path: Path, mode: str, needle: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    if mode == "no-ready":
        # Keep the wait short: the unit's TimeoutStartSec would make this take 90 s.
        monkeypatch.setenv("KAFKATRACE_TEST_START_TIMEOUT_S", "3")
    rc, out = run_runtime_test(make_fakes(tmp_path, mode), "consumer")
    assert rc == 1, out
    assert needle in out, out[-3000:]


def test_runtime_test_fails_without_binaries(tmp_path: Path) -> None:
    rc, out = run_runtime_test(tmp_path / "empty", "producer")
    assert rc == 1
    assert "is missing: build the daemons first" in out
