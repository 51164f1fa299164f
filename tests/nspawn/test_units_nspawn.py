"""The systemd units under a real systemd (issue 11): a Debian 12 container booted with
systemd-nspawn (tests/nspawn/nspawn.py), the units, binaries and example environment files
installed with deploy/systemd/install.sh inside it, the Kafka dev cluster and PostgreSQL on the
host's loopback. The tests run in file order on one container and share its state:

start -> READY (Type=notify), the endpoints, the hardening in effect, `systemd-analyze security`
inside, a watchdog restart after SIGSTOP, a stop with STOPPING=1 and status 0, a restart,
enable-at-boot across a reboot of the container, `journalctl -p warning` finding warnings (Kafka
taken down) with the stored lines still JSON, the stops with Kafka down, and at the end: not one
non-JSON line from our units in the journal of both boots.

Binaries: $KAFKATRACE_BIN_DIR (default .build/debug). Needs root, systemd-container, mmdebstrap,
overlayfs; the rootfs is built once per machine (scripts/nspawn-rootfs)."""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import re
import time
import urllib.request

import pytest

from nspawn import ROOT, Container

UNITS = ("kafkatrace-consumer", "kafkatrace-producer")
MAX_EXPOSURE = 2.0
DYNAMIC_UIDS = range(61184, 65520)  # systemd's DynamicUser= range
CAP_SYS_RESOURCE = 24
# Dispatch when setpriority is refused: errno=1 (EPERM) by the seccomp filter, errno=13 (EACCES)
# by the kernel for a negative nice value without CAP_SYS_NICE or a raised RLIMIT_NICE.
DISPATCH_NICE = re.compile(r"^Failed to set thread priority for worker thread: pqc=0x[0-9a-f]+ errno=(\d+)$")
WATCHDOG_TEST_SEC = 3
BIN_DIR = pathlib.Path(os.environ.get("KAFKATRACE_BIN_DIR", ROOT / ".build" / "debug"))

_spec = importlib.util.spec_from_file_location("system_stack", ROOT / "tests" / "system" / "conftest.py")
stack = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stack)


# ------------------------------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def log_dir():
    d = ROOT / "run" / "test-logs" / "nspawn"
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(scope="module")
def postgres():
    pg = stack.Postgres()
    try:
        yield pg
    finally:
        pg.close()


@pytest.fixture(scope="module")
def devcluster(log_dir):
    dc = stack.DevCluster(log_dir)
    try:
        yield dc
    finally:
        dc.stop(timeout=15)


@pytest.fixture(scope="module")
def ports():
    return {"kafkatrace-consumer": stack.free_port(), "kafkatrace-producer": stack.free_port()}


@pytest.fixture(scope="module")
def box(log_dir, devcluster, postgres, ports):
    for unit in UNITS:
        if not (BIN_DIR / unit).exists():
            pytest.fail(f"{BIN_DIR / unit} is missing: build first (swift build) or set KAFKATRACE_BIN_DIR")
    started = time.monotonic()
    container = Container(BIN_DIR, log_dir)
    try:
        print(f"\n  container booted in {time.monotonic() - started:.1f} s (rootfs cached or built, overlay, boot)")
        out = container.run(["env", "BIN_DIR=/kt/bin", "sh", "/kt/src/deploy/systemd/install.sh"]).stdout
        assert "installed example /etc/default/kafkatrace-consumer" in out, out
        # This machine's backends and free ports: appended, so they win over the example values.
        overrides = {
            "kafkatrace-consumer": [f"KAFKATRACE_KAFKA_BROKERS={devcluster.brokers}",
                                    f"KAFKATRACE_POSTGRES_URL={postgres.url}", "KAFKATRACE_POSTGRES_SSLMODE=disable"],
            # No generator: with Kafka down, undelivered orders make the producer exit 1 by design
            # (README, "Guarantees"); the stop test wants to see exit 0 within TimeoutStopSec.
            "kafkatrace-producer": [f"KAFKATRACE_KAFKA_BROKERS={devcluster.brokers}", "KAFKATRACE_ORDER_RATE=0"],
        }
        for unit in UNITS:
            lines = overrides[unit] + ["KAFKATRACE_HTTP_HOST=127.0.0.1", f"KAFKATRACE_HTTP_PORT={ports[unit]}"]
            container.sh(f"printf '%s\\n' {' '.join(repr(line) for line in lines)} >> /etc/default/{unit}")
        yield container
    finally:
        for unit in UNITS:
            journal = container.run(["journalctl", "-u", unit, "--no-pager", "-o", "short-precise"],
                                    check=False).stdout if container.leader else ""
            (log_dir / f"{unit}.journal").write_text(journal)
        container.close()


# ------------------------------------------------------------------------------------------ helpers

def get(port: int, path: str) -> tuple[int, str]:
    status, _, body = stack.http("GET", f"http://127.0.0.1:{port}{path}", timeout=5)
    return status, body.decode()


def main_pid(box, unit) -> int:
    return int(box.show(unit, "MainPID")["MainPID"])


def proc_status(box, pid: int) -> dict[str, str]:
    return dict(line.split(":\t", 1) for line in box.sh(f"cat /proc/{pid}/status").splitlines() if ":\t" in line)


def journal_json(box, *args: str) -> list[dict]:
    """Journal entries (every boot unless args say `-b`) as JSON objects."""
    out = box.run(["journalctl", "--no-pager", "-o", "json", *args]).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def assert_exited_0(box, unit, pid):
    last = [json.loads(e["MESSAGE"]) for e in journal_json(box, "-b", f"_PID={pid}")
            if str(e.get("MESSAGE", "")).startswith("{")]
    stopped = [r for r in last if r.get("message") == f"{unit} stopped"]
    assert stopped and stopped[-1].get("exit_code") == "0", f"{unit} pid {pid}: {last[-3:]}"


def wait_active(box, unit, timeout=60.0):
    return stack.wait_until(lambda: box.show(unit, "ActiveState")["ActiveState"] == "active", timeout=timeout,
                            what=f"{unit} active")


# ------------------------------------------------------------------------------------------ tests

def test_install_sh_put_units_binaries_and_example_env_in_place(box):
    for unit in UNITS:
        assert box.sh(f"test -x /usr/local/bin/{unit} && stat -c %a /etc/default/{unit}").strip() == "600"
        cat = box.run(["systemctl", "cat", f"{unit}.service"]).stdout
        assert "Type=notify" in cat and "DynamicUser=yes" in cat
        assert box.show(unit, "LoadState")["LoadState"] == "loaded"


def test_start_waits_for_ready_and_both_daemons_run(box):
    for unit in UNITS:
        began = time.monotonic()
        box.run(["systemctl", "start", unit], timeout=120)  # Type=notify: returns after READY=1
        props = box.show(unit, "ActiveState", "SubState", "StatusText", "NRestarts", "Type")
        assert props == {"ActiveState": "active", "SubState": "running", "StatusText": "ready", "NRestarts": "0",
                         "Type": "notify"}, props
        print(f"\n  {unit}: start to READY=1 in {time.monotonic() - began:.2f} s")


def test_endpoints_answer_from_the_host(box, ports):
    for unit in UNITS:
        assert get(ports[unit], "/health")[0] == 200
        assert get(ports[unit], "/ready")[0] == 200
        status, body = get(ports[unit], "/metrics")
        assert status == 200 and "kafkatrace_build_info" in body


def test_hardening_is_in_effect_in_the_running_processes(box):
    for unit in UNITS:
        pid = main_pid(box, unit)
        status = proc_status(box, pid)
        uid = int(status["Uid"].split()[0])
        assert uid in DYNAMIC_UIDS, f"{unit} runs as uid {uid}, not a DynamicUser uid"
        for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
            assert int(status[cap], 16) == 0, f"{unit}: {cap}={status[cap]}"
        assert status["NoNewPrivs"] == "1" and status["Seccomp"] == "2", status
        mounts = {}
        for line in box.sh(f"cat /proc/{pid}/mountinfo").splitlines():
            fields = line.split()
            mounts[fields[4]] = fields[5].split(",")
        for path in ("/", "/usr", "/etc", "/var"):  # ProtectSystem=strict
            covering = max((m for m in mounts if path == m or path.startswith(m.rstrip("/") + "/")), key=len)
            assert "ro" in mounts[covering], f"{unit}: {path} ({covering}) is {mounts[covering]} for the service"
        limits = box.sh(f"cat /proc/{pid}/limits")
        if can_raise_limits(box):
            assert re.search(r"Max nice priority\s+24\s+24", limits), limits  # LimitNICE=-4
        else:  # this VM: nobody may raise a hard limit, so LimitNICE= cannot take effect
            assert re.search(r"Max nice priority\s+0\s+0", limits), limits
            print(f"\n  {unit}: LimitNICE=-4 not applicable here (no CAP_SYS_RESOURCE on this machine)")


def can_raise_limits(box) -> bool:
    """Whether the container's systemd may raise a hard rlimit (LimitNICE=): CAP_SYS_RESOURCE."""
    return bool(int(proc_status(box, 1)["CapEff"], 16) >> CAP_SYS_RESOURCE & 1)


def tolerated_dispatch_line(box, message) -> bool:
    """The one non-JSON line allowed, and only where the machine cannot apply LimitNICE=: Dispatch
    failing (EACCES) to give a worker thread a negative nice value."""
    match = DISPATCH_NICE.match(str(message))
    return bool(match) and match.group(1) == "13" and not can_raise_limits(box)


def test_no_thread_priority_failures_from_dispatch(box):
    """Dispatch renices its worker threads (QoS): the seccomp filter allows setpriority, and
    LimitNICE=-4 lets it reach -4 without CAP_SYS_NICE (where the host's systemd can set it)."""
    for unit in UNITS:
        messages = [e["MESSAGE"] for e in journal_json(box, f"_SYSTEMD_UNIT={unit}.service")]
        assert messages, f"no journal lines from {unit}"
        refused = [m for m in messages if DISPATCH_NICE.match(str(m))]
        assert not [m for m in refused if not tolerated_dispatch_line(box, m)], f"{unit}: {refused[:3]}"
        if refused:
            print(f"\n  {unit}: {len(refused)} Dispatch EACCES line(s): LimitNICE= cannot apply on this machine")


def test_security_exposure_inside_is_at_most_2(box):
    for unit in UNITS:
        out = box.run(["systemd-analyze", "security", "--no-pager", f"{unit}.service"]).stdout
        match = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\S+)", out)
        assert match, out[-2000:]
        print(f"\n  inside the container: systemd-analyze security {unit}: {match.group(1)} {match.group(2)}")
        assert float(match.group(1)) <= MAX_EXPOSURE, out


def test_watchdog_restarts_a_daemon_stopped_with_sigstop(box, ports):
    unit = "kafkatrace-producer"
    dropin = f"/run/systemd/system/{unit}.service.d"
    box.sh(f"mkdir -p {dropin} && printf '[Service]\\nWatchdogSec={WATCHDOG_TEST_SEC}\\nRestartSec=1\\n'"
           f" > {dropin}/watchdog-test.conf && systemctl daemon-reload && systemctl restart {unit}")
    try:
        pid = main_pid(box, unit)
        restarts = int(box.show(unit, "NRestarts")["NRestarts"])
        box.sh(f"kill -STOP {pid}")
        stack.wait_until(lambda: int(box.show(unit, "NRestarts")["NRestarts"]) == restarts + 1
                         and box.show(unit, "ActiveState")["ActiveState"] == "active",
                         timeout=WATCHDOG_TEST_SEC * 5 + 10, what=f"{unit} restarted by the watchdog")
        assert main_pid(box, unit) != pid
        said = box.run(["journalctl", "-b", "-u", unit, "--no-pager", "-o", "cat"]).stdout
        assert "Watchdog timeout" in said and "Failed with result 'watchdog'" in said, said[-2000:]
        assert get(ports[unit], "/health")[0] == 200
    finally:
        box.sh(f"rm -rf {dropin} && systemctl daemon-reload")
    box.run(["systemctl", "restart", unit], timeout=120)


def test_stop_sends_stopping_and_exits_0(box):
    box.run(["systemd-analyze", "log-level", "debug"])  # PID 1 then logs each notify message
    try:
        for unit in UNITS:
            pid = main_pid(box, unit)
            began = time.monotonic()
            box.run(["systemctl", "stop", unit], timeout=120)
            took = time.monotonic() - began
            props = box.show(unit, "ActiveState", "Result", "ExecMainStatus")
            assert props == {"ActiveState": "inactive", "Result": "success", "ExecMainStatus": "0"}, props
            # Result=success alone would also cover a death by SIGTERM: the daemon's last line says 0.
            assert_exited_0(box, unit, pid)
            notes = box.run(["journalctl", "-b", "_PID=1", "--no-pager", "-o", "cat", "-g", f"PID {pid}"]).stdout
            assert f"Got notification message from PID {pid} (STOPPING=1" in notes, notes[-2000:]
            print(f"\n  {unit}: stopped in {took:.2f} s, STOPPING=1 seen, exit 0")
    finally:
        box.run(["systemd-analyze", "log-level", "info"])


def test_restart_starts_a_new_ready_process(box, ports):
    for unit in UNITS:
        box.run(["systemctl", "start", unit], timeout=120)
        pid = main_pid(box, unit)
        box.run(["systemctl", "restart", unit], timeout=120)
        assert main_pid(box, unit) not in (0, pid)
        assert box.show(unit, "StatusText")["StatusText"] == "ready"
        assert get(ports[unit], "/ready")[0] == 200


def test_enabled_units_start_at_boot_after_a_reboot(box, ports):
    box.run(["systemctl", "enable", *UNITS])
    for unit in UNITS:
        link = f"/etc/systemd/system/multi-user.target.wants/{unit}.service"
        assert box.sh(f"readlink {link}").strip() == f"/etc/systemd/system/{unit}.service"
    took = box.reboot()
    print(f"\n  reboot to running: {took:.2f} s")
    for unit in UNITS:
        wait_active(box, unit)
        assert box.show(unit, "StatusText", "UnitFileState") == {"StatusText": "ready", "UnitFileState": "enabled"}
        stack.wait_until(lambda: get(ports[unit], "/ready")[0] == 200, timeout=60, what=f"{unit} /ready")


def test_warnings_reach_the_journal_with_their_priority_and_stay_json(box, devcluster):
    """Kafka down: librdkafka's connection failures (error) and the consumer's client-error
    warnings must be found by `journalctl -p warning`, with the line itself still JSON."""
    devcluster.stop(timeout=15)

    def warnings():
        entries = journal_json(box, "-b", "-p", "warning", "-u", "kafkatrace-consumer")
        return [e for e in entries if e.get("_PID") != "1"]  # -u also lists systemd's own lines

    entries = stack.wait_until(warnings, timeout=60, what="a warning of kafkatrace-consumer in the journal")
    for entry in entries:
        record = json.loads(entry["MESSAGE"])  # the stored line: journald stripped the <N> prefix
        assert record["level"] in ("warning", "error", "critical"), entry["MESSAGE"]
    lines = entries
    levels = {"debug": 7, "info": 6, "notice": 5, "warning": 4, "error": 3, "critical": 2}
    # The daemon's stderr stream (the JSON log); other transports are checked in the last test.
    entries = journal_json(box, "-b", "_SYSTEMD_UNIT=kafkatrace-consumer.service", "_TRANSPORT=stdout")
    checked = 0
    for entry in entries:
        record = json.loads(entry["MESSAGE"])
        assert int(entry["PRIORITY"]) == levels[record["level"]], entry
        checked += 1
    assert {json.loads(e["MESSAGE"])["level"] for e in entries} >= {"info", "notice", "warning"}
    print(f"\n  journal: {len(lines)} consumer lines at warning or worse; {checked} priorities match levels")


def test_stop_with_kafka_down_exits_0_within_the_stop_timeout(box):
    for unit in UNITS:
        pid = main_pid(box, unit)
        timeout = box.show(unit, "TimeoutStopUSec")["TimeoutStopUSec"]
        match = re.fullmatch(r"(\d+)s", timeout)
        assert match, f"TimeoutStopUSec={timeout}"
        budget = int(match.group(1))
        began = time.monotonic()
        box.run(["systemctl", "stop", unit], timeout=budget + 30)
        took = time.monotonic() - began
        props = box.show(unit, "Result", "ExecMainStatus")
        assert props == {"Result": "success", "ExecMainStatus": "0"}, props
        assert_exited_0(box, unit, pid)
        assert took < budget, f"{unit} took {took:.1f} s to stop with Kafka down (TimeoutStopSec={budget})"
        print(f"\n  {unit}: stopped with Kafka down in {took:.2f} s (TimeoutStopSec={budget})")


def test_every_journal_line_of_our_units_is_json(box):
    for unit in UNITS:
        entries = journal_json(box, f"_SYSTEMD_UNIT={unit}.service")
        assert entries, unit
        bad = []
        for entry in entries:
            message = entry.get("MESSAGE")
            try:
                ok = isinstance(message, str) and isinstance(json.loads(message), dict)
            except ValueError:
                ok = False
            if not ok and not tolerated_dispatch_line(box, message):
                bad.append(message)
        assert not bad, f"{unit}: {len(bad)} of {len(entries)} lines are not JSON, e.g. {bad[:5]}"
        print(f"\n  {unit}: {len(entries)} journal lines over 2 boots, all JSON")
