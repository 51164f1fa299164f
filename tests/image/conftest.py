"""The container image, built and run for real with podman (no registry, no Docker engine here).

Base images are made on this machine by scripts/image-bases (mmdebstrap Debian 12 imported as
`debian:12-slim`; the same rootfs + /opt/swift as `swift:6.3-bookworm`); the real Dockerfile is
built on them unchanged (`--pull=never`), then both daemons run from the image against the Kafka
dev cluster and a real PostgreSQL, all on a private loopback (a network namespace of this test
process, so the daemons keep their default ports 8080/8081 without meeting anything else).

podman runs through scripts/kt-podman (storage under /var/cache/kafkatrace/podman, which keeps
the base images, build layers and the SwiftPM build cache between runs). The whole session holds
that storage's lock; every container is removed and the libpod_parent cgroups with it, also when a
test fails.

Run: python3 -m pytest tests/image -q   (root; packages: scripts/deps/apt-image.txt; the dev
cluster binary from `swift build`, KAFKATRACE_BIN_DIR, default .build/debug)
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import importlib.util
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def _system_fixtures() -> Any:
    """tests/system/conftest.py (PostgreSQL, the dev cluster, HTTP helpers) under its own name."""
    spec = importlib.util.spec_from_file_location("kafkatrace_system_conftest", REPO / "tests/system/conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_system = _system_fixtures()
DevCluster, Postgres, http, wait_until = _system.DevCluster, _system.Postgres, _system.http, _system.wait_until

KT_PODMAN = REPO / "scripts" / "kt-podman"
CACHE = Path(os.environ.get("KAFKATRACE_CACHE_DIR", "/var/cache/kafkatrace"))
IMAGE = "localhost/kafkatrace:image-test"
BASE = "docker.io/library/debian:12-slim"
SWIFT_MIRROR = os.environ.get("KAFKATRACE_SWIFT_MIRROR", "/opt/swift-packages")
LOG_DIR = REPO / "run" / "test-logs" / "image"
# runc here refuses podman's default rlimits ("error setting rlimit type 7").
ULIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
# How the deployment guide runs the image: read-only root, no capabilities.
SECURE = ["--read-only", "--cap-drop=ALL"]
# Timings and sizes the tests measured, printed at the end of the run (pytest_terminal_summary).
FIGURES: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.write_sep("-", "image test figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


def podman(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    res = subprocess.run([str(KT_PODMAN), *args], capture_output=True, text=True, timeout=timeout)
    if check and res.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} exited {res.returncode}:\n{res.stderr[-3000:]}")
    return res


def documented_stop_timeout() -> int:
    """The `docker run --stop-timeout N` of docs/deployment.md (tests/deploy checks it agrees)."""
    found = set(re.findall(r"--stop-timeout (\d+)", (REPO / "docs" / "deployment.md").read_text()))
    assert len(found) == 1, f"docs/deployment.md should name one --stop-timeout, found {found}"
    return int(found.pop())


# ---------------------------------------------------------------------------------------------
# Session: the lock, the bases, the build, and the cleanup
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def podman_session() -> Iterator[None]:
    """Holds the kt-podman storage lock for the session; removes every container and the
    libpod_parent cgroups at the end (and any left by an earlier, killed run at the start)."""
    if os.geteuid() != 0:
        pytest.fail("the image test runs rootful podman: run it as root")
    CACHE.mkdir(parents=True, exist_ok=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "podman.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        os.environ["KAFKATRACE_PODMAN_LOCKED"] = str(CACHE)
        try:
            subprocess.run([str(KT_PODMAN), "--cleanup"], check=True, timeout=120)
            yield
        finally:
            cleanup = subprocess.run([str(KT_PODMAN), "--cleanup"], capture_output=True, text=True, timeout=120)
            os.environ.pop("KAFKATRACE_PODMAN_LOCKED", None)
            assert cleanup.returncode == 0, cleanup.stderr


@pytest.fixture(scope="session")
def bases(podman_session: None) -> dict[str, float]:
    start = time.monotonic()
    subprocess.run([str(REPO / "scripts" / "image-bases")], check=True, timeout=1800)
    return {"seconds": time.monotonic() - start}


@pytest.fixture(scope="session")
def built_image(bases: dict[str, float]) -> dict[str, Any]:
    """`podman build` of the repository's Dockerfile as it is. Docker image format: the OCI format
    has no HEALTHCHECK. The host network only for the build's `apt-get`; the local Swift package
    mirror mounted read-only where the builder's git looks for it (no internet here)."""
    start = time.monotonic()
    started_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    log = LOG_DIR / "build.log"
    with open(log, "w") as out:
        res = subprocess.run(
            [str(KT_PODMAN), "build", "--pull=never", "--format", "docker", "--network=host", *ULIMITS,
             "--volume", f"{SWIFT_MIRROR}:{SWIFT_MIRROR}:ro", "--build-arg", "VERSION=0.0.0-image-test",
             "--tag", IMAGE, "--file", str(REPO / "Dockerfile"), str(REPO)],
            stdout=out, stderr=subprocess.STDOUT, timeout=3600)
    seconds = time.monotonic() - start
    FIGURES.append(f"scripts/image-bases {bases['seconds']:.0f} s, podman build {seconds:.0f} s (log {log})")
    if res.returncode != 0:
        pytest.fail(f"podman build exited {res.returncode}:\n{log.read_text()[-4000:]}")
    # Images of earlier builds that no tag and no layer of this one uses any more (this build's
    # own untagged build stage stays: it is the layer cache of the next build).
    podman("image", "prune", "--force", "--filter", f"until={started_at}")
    return {"seconds": seconds}


# ---------------------------------------------------------------------------------------------
# A private loopback with PostgreSQL and the Kafka dev cluster on it
# ---------------------------------------------------------------------------------------------

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


@contextlib.contextmanager
def private_loopback() -> Iterator[None]:
    """Moves this thread (pytest's only one) into a new network namespace with only `lo` up, and
    back at the end. Every process started meanwhile, podman's containers with --network=host
    included, shares it; nothing can reach any other address."""
    host_ns = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        if _libc.unshare(CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"unshare(CLONE_NEWNET): {os.strerror(err)}")
        try:
            subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
            yield
        finally:
            if _libc.setns(host_ns, CLONE_NEWNET) != 0:
                err = ctypes.get_errno()
                raise OSError(err, f"setns back to the host network: {os.strerror(err)}")
    finally:
        os.close(host_ns)


@pytest.fixture(scope="module")
def stack(built_image: dict[str, Any]) -> Iterator[dict[str, Any]]:
    with private_loopback():
        pg = Postgres()
        dc = None
        try:
            dc = DevCluster(str(LOG_DIR))
            yield {"pg": pg, "devcluster": dc, "brokers": dc.brokers}
        finally:
            # Containers first: they hold the namespace's ports and talk to both.
            subprocess.run([str(KT_PODMAN), "rm", "--all", "--force", "--time", "0"], capture_output=True)
            if dc is not None:
                dc.stop(timeout=15)
            pg.close()


# ---------------------------------------------------------------------------------------------
# Containers
# ---------------------------------------------------------------------------------------------

class Container:
    """One `podman run -d` of the image; its log is saved to run/test-logs/image/ on removal."""

    def __init__(self, name: str, command: str, env: dict[str, str], extra: list[str] | None = None):
        self.name = name
        env_args = [a for k, v in env.items() for a in ("--env", f"{k}={v}")]
        podman("run", "--detach", "--name", name, "--network=host", *SECURE, *ULIMITS, *(extra or []),
               *env_args, IMAGE, command)

    def inspect(self) -> dict[str, Any]:
        return json.loads(podman("container", "inspect", self.name).stdout)[0]

    def daemon_pid(self) -> int:
        """Host PID of the daemon: the container's PID 1, or under --init that init's child."""
        pid = int(self.inspect()["State"]["Pid"])
        if Path(f"/proc/{pid}/comm").read_text().strip().startswith("kafkatrace-"):
            return pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        assert len(children) == 1, f"{self.name}: PID 1 ({pid}) has children {children}"
        return int(children[0])

    def pid1_comm(self) -> str:
        return Path(f"/proc/{self.inspect()['State']['Pid']}/comm").read_text().strip()

    def status(self, key: str) -> str:
        """A field of the daemon's /proc/PID/status (Uid, Gid, CapBnd, ...)."""
        for line in Path(f"/proc/{self.daemon_pid()}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return line.split(":", 1)[1].strip()
        raise AssertionError(f"no {key} in /proc/PID/status")

    def exec(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return podman("exec", self.name, *argv, check=False)

    def healthcheck(self) -> subprocess.CompletedProcess[str]:
        return podman("healthcheck", "run", self.name, check=False, timeout=30)

    def logs(self) -> str:
        """What the daemon wrote (podman logs replays its stdout and stderr on its own two)."""
        res = podman("logs", self.name, check=False)
        return res.stdout + res.stderr

    def stop(self, timeout: int | None = None) -> tuple[int, float]:
        """`podman stop` (with -t when given); returns (podman's exit status, seconds)."""
        start = time.monotonic()
        res = podman("stop", *(["--time", str(timeout)] if timeout is not None else []), self.name,
                     check=False, timeout=(timeout or 60) + 60)
        return res.returncode, time.monotonic() - start

    def exit_code(self) -> int:
        return int(self.inspect()["State"]["ExitCode"])

    def remove(self) -> None:
        (LOG_DIR / f"{self.name}.log").write_text(self.logs())
        podman("rm", "--force", "--time", "0", self.name, check=False)


@pytest.fixture
def containers(stack: dict[str, Any]) -> Iterator[Any]:
    """Factory: containers(name, command, env, extra_args) -> Container; all removed at the end."""
    made: list[Container] = []

    def start(name: str, command: str, env: dict[str, str], extra: list[str] | None = None) -> Container:
        c = Container(name, command, env, extra)
        made.append(c)
        return c

    try:
        yield start
    finally:
        for c in made:
            c.remove()


def get(port: int, path: str) -> tuple[int, str]:
    status, _, body = http("GET", f"http://127.0.0.1:{port}{path}", timeout=5)
    return status, body.decode(errors="replace")


def wait_status(port: int, path: str, want: int, container: Container, timeout: float = 90) -> None:
    def ok() -> bool:
        state = container.inspect()["State"]
        if not state["Running"]:
            raise AssertionError(f"{container.name} exited {state['ExitCode']}:\n{container.logs()[-3000:]}")
        return get(port, path)[0] == want
    wait_until(ok, timeout=timeout, interval=0.3, what=f"{container.name} {path} -> {want}")
