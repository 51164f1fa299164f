"""The image, built from the Dockerfile and run: bases, size, no toolchain, both daemons serving
from it (endpoints, uid 10001, no capabilities, read-only root, HEALTHCHECK with and without
--init, orders reaching PostgreSQL), a clean `podman stop`, and the producer's stop with Kafka down
within the documented stop timeout. Fixtures: tests/image/conftest.py."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    BASE,
    FIGURES,
    IMAGE,
    LOG_DIR,
    Container,
    documented_stop_timeout,
    get,
    podman,
    wait_status,
    wait_until,
)

# The two stripped static binaries (~18 MB each) and the C libraries: ~52 MB. A daemon that links
# Foundation again (its ICU data and code, +44 MB each) fails this.
MAX_MB_OVER_BASE = 75
DAEMONS = ("kafkatrace-producer", "kafkatrace-consumer")
PORTS = {"kafkatrace-producer": 8080, "kafkatrace-consumer": 8081}  # docs/CONTRACT.md defaults


def image_size(ref: str) -> int:
    return int(podman("image", "inspect", "--format", "{{.Size}}", ref).stdout.strip())


def test_bases_are_the_ones_made_here(bases: dict[str, float]) -> None:
    for ref in (BASE, "docker.io/library/swift:6.3-bookworm"):
        labels = json.loads(podman("image", "inspect", "--format", "{{json .Labels}}", ref).stdout)
        assert labels.get("org.kafkatrace.base-key"), f"{ref} was not made by scripts/image-bases"
    res = podman("run", "--rm", "--network=none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                 BASE, "cat", "/etc/debian_version")
    assert res.stdout.startswith("12."), res.stdout


def test_image_size_and_stripped_binaries(built_image: dict[str, Any], tmp_path: Path) -> None:
    size, base = image_size(IMAGE), image_size(BASE)
    over_mb = (size - base) / 1e6
    binaries: dict[str, int] = {}
    cid = podman("create", IMAGE).stdout.strip()
    try:
        for name in DAEMONS:
            podman("cp", f"{cid}:/usr/local/bin/{name}", str(tmp_path / name))
            binaries[name] = (tmp_path / name).stat().st_size
    finally:
        podman("rm", cid, check=False)
    FIGURES.append(f"image {size / 1e6:.1f} MB = {BASE} {base / 1e6:.1f} MB + {over_mb:.1f} MB; "
                   + ", ".join(f"{n} {s / 1e6:.1f} MB" for n, s in binaries.items()))
    objdump = shutil.which("llvm-objdump") or "/opt/swift/usr/bin/llvm-objdump"
    for name in DAEMONS:
        sections = subprocess.run([objdump, "--section-headers", str(tmp_path / name)],
                                  capture_output=True, text=True, check=True).stdout
        unstripped = sorted(set(re.findall(r"\.debug_\w+|\.symtab\b", sections)))
        assert not unstripped, f"{name} is not stripped: {unstripped}"
    assert over_mb <= MAX_MB_OVER_BASE, f"image is {over_mb:.1f} MB over {BASE} (target <= {MAX_MB_OVER_BASE})"


def test_runtime_image_has_no_toolchain(built_image: dict[str, Any]) -> None:
    script = ("for c in swift swiftc swift-frontend clang gcc cc ld ld.gold pkg-config; do command -v $c; done; "
              "ls -d /opt/swift /usr/lib/swift /usr/include/librdkafka /usr/include/postgresql 2>/dev/null; "
              "dpkg-query -W -f '${db:Status-Abbrev} ${Package}\\n' | awk '$1 == \"ii\" && $2 ~ /-dev(:|$)/ {print $2}'; "
              "find / -xdev -name 'libswiftCore*' 2>/dev/null; true")
    res = podman("run", "--rm", "--network=none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                 "--entrypoint", "bash", IMAGE, "-c", script)
    found = [line for line in res.stdout.splitlines() if line.strip()]
    assert found == [], f"build tools in the runtime image: {found}"
    # The same probe finds the toolchain in the builder image: it can fail.
    res = podman("run", "--rm", "--network=none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                 "--entrypoint", "bash", "docker.io/library/swift:6.3-bookworm", "-c", script)
    assert "/opt/swift/usr/bin/swift" in res.stdout.splitlines(), res.stdout


def daemon_env(stack: dict[str, Any]) -> dict[str, dict[str, str]]:
    common = {"KAFKATRACE_KAFKA_BROKERS": stack["brokers"], "KAFKATRACE_KAFKA_SESSION_TIMEOUT_MS": "6000",
              "KAFKATRACE_LOG_LEVEL": "notice"}
    return {
        "kafkatrace-producer": {**common, "KAFKATRACE_ORDER_RATE": "20"},
        "kafkatrace-consumer": {**common, "KAFKATRACE_POSTGRES_URL": stack["pg"].url,
                                "KAFKATRACE_POSTGRES_SSLMODE": "disable"},
    }


@pytest.mark.parametrize("with_init", DAEMONS, ids=["init-producer", "init-consumer"])
def test_daemons_serve_from_the_image(stack: dict[str, Any], containers: Any, with_init: str) -> None:
    """Both daemons from the image on their default ports, one of them under --init (the
    consumer's case is the one a PID-1 healthcheck got wrong), read-only and without capabilities."""
    envs = daemon_env(stack)
    started: dict[str, Container] = {}
    for name in ("kafkatrace-consumer", "kafkatrace-producer"):
        init = name == with_init
        started[name] = containers(f"kt-{name.removeprefix('kafkatrace-')}-{'init' if init else 'plain'}",
                                   f"/usr/local/bin/{name}", envs[name], ["--init"] if init else [])
    rows_before = int(stack["pg"].psql("SELECT count(*) FROM orders") or 0) if table_exists(stack) else 0

    for name, c in started.items():
        port = PORTS[name]
        wait_status(port, "/health", 200, c)
        wait_status(port, "/ready", 200, c)
        status, metrics = get(port, "/metrics")
        service = name.removeprefix("kafkatrace-")
        assert status == 200 and re.search(rf'^kafkatrace_build_info\{{[^}}]*service="{service}"', metrics, re.M), \
            metrics[:1000]
        assert c.status("Uid").split() == ["10001"] * 4 and c.status("Gid").split() == ["10001"] * 4
        assert int(c.status("CapBnd"), 16) == 0 and int(c.status("CapEff"), 16) == 0
        assert c.inspect()["HostConfig"]["ReadonlyRootfs"] is True
        touch = c.exec("touch", "/probe")
        assert touch.returncode != 0 and "Read-only file system" in touch.stderr, touch.stderr
        # --init: podman's catatonit, bind-mounted as /run/podman-init, is PID 1.
        assert c.pid1_comm() == ("podman-init" if name == with_init else name[:15]), c.pid1_comm()
        hc = c.healthcheck()
        assert hc.returncode == 0, f"{c.name}: HEALTHCHECK {hc.returncode}: {hc.stdout}{hc.stderr}"

    # The pipeline through the image: generated orders reach PostgreSQL.
    wait_until(lambda: table_exists(stack) and int(stack["pg"].psql("SELECT count(*) FROM orders")) > rows_before,
               timeout=90, interval=0.5, what="orders in PostgreSQL")

    # Stop the producer first (its flush needs Kafka), then the consumer; both must exit 0.
    for name in ("kafkatrace-producer", "kafkatrace-consumer"):
        c = started[name]
        rc, seconds = c.stop(timeout=documented_stop_timeout())
        FIGURES.append(f"{c.name}: podman stop {seconds:.1f} s, exit code {c.exit_code()}")
        assert rc == 0, f"podman stop {c.name} exited {rc}"
        assert c.exit_code() == 0, f"{c.name} exited {c.exit_code()}:\n{c.logs()[-3000:]}"


def table_exists(stack: dict[str, Any]) -> bool:
    return stack["pg"].psql("SELECT to_regclass('public.orders') IS NOT NULL") == "t"


def test_healthcheck_reports_a_dead_port(stack: dict[str, Any], containers: Any) -> None:
    """The healthcheck reports unhealthy when nothing answers /health where it probes (pointed at
    8089 while the consumer serves on 8081), so the healthy results above are not vacuous."""
    env = daemon_env(stack)["kafkatrace-consumer"]
    c = containers("kt-consumer-wrongport", "/usr/local/bin/kafkatrace-consumer", env,
                   ["--init", "--health-cmd", "KAFKATRACE_HTTP_PORT=8089 /usr/local/bin/kafkatrace-healthcheck"])
    wait_status(8081, "/health", 200, c)
    hc = c.healthcheck()
    assert hc.returncode != 0, f"healthcheck passed against a port nothing listens on: {hc.stdout}"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_producer_stops_within_the_documented_timeout_with_kafka_down(stack: dict[str, Any], containers: Any) -> None:
    """With no broker, the producer's shutdown waits out its bounded flush (shutdown.timeout_ms,
    25 s by default): longer than `docker stop`'s default 10 s, within the documented
    `--stop-timeout`. It must exit by itself (not SIGKILL, 137)."""
    stop_timeout = documented_stop_timeout()
    env = {"KAFKATRACE_KAFKA_BROKERS": f"127.0.0.1:{closed_port()}", "KAFKATRACE_ORDER_RATE": "50",
           "KAFKATRACE_LOG_LEVEL": "notice"}
    c = containers("kt-producer-nokafka", "/usr/local/bin/kafkatrace-producer", env,
                   ["--stop-timeout", str(stop_timeout)])
    wait_status(8080, "/health", 200, c)
    assert get(8080, "/ready")[0] == 503  # no broker
    time.sleep(2)  # the generator has queued orders librdkafka cannot deliver
    rc, seconds = c.stop()  # the container's own --stop-timeout
    code = c.exit_code()
    FIGURES.append(f"{c.name}: podman stop with Kafka down {seconds:.1f} s (stop timeout {stop_timeout} s), "
                   f"exit code {code}")
    assert rc == 0
    assert code != 137, f"SIGKILLed after {stop_timeout} s: the stop timeout is too short\n{c.logs()[-3000:]}"
    assert seconds < stop_timeout
