"""Stop timeouts agree. The daemons bound their own graceful stop by `shutdown.timeout_ms` (default
stated once, in the Swift config catalog) and give up at most a few seconds after it; every
supervisor waits that bound plus one stop margin (stated once, in the chart's _helpers.tpl) between
SIGTERM and SIGKILL: systemd's TimeoutStopSec, the pod's terminationGracePeriodSeconds after its
preStop sleep, and the image's `docker run --stop-timeout` / `docker stop -t` in the docs. The
docs' numbers are checked against the same sums. (tests/image runs the producer with Kafka down
and stops it with the documented --stop-timeout.)"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import CHART, COMPONENTS, REPO, SYSTEMD_DIR, load_values, objects, one, render

SOURCES = REPO / "Sources"
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def swift_sources() -> str:
    return "\n".join(p.read_text() for p in sorted(SOURCES.rglob("*.swift")))


def default_shutdown_timeout_ms() -> int:
    found = {int(n.replace("_", "")) for n in re.findall(
        r'"shutdown\.timeout_ms",[^)]*?default(?:Value)?:\s*"?([\d_]+)', swift_sources(), re.S)}
    assert len(found) == 1, f"one default for shutdown.timeout_ms in Sources/, found {found}"
    return found.pop()


def daemon_overshoot_seconds() -> int:
    """How long past shutdown.timeout_ms a daemon's service group waits before cancelling."""
    found = [int(n) for n in re.findall(r"shutdownTimeout\s*\+\s*\.seconds\((\d+)\)", swift_sources())]
    assert found, "no `shutdownTimeout + .seconds(N)` in Sources/: where does the daemon's stop end now?"
    return max(found)


def stop_margin_seconds() -> int:
    helpers = (CHART / "templates" / "_helpers.tpl").read_text()
    m = re.search(r'define "kafkatrace\.stopMarginSeconds" -}}(\d+)', helpers)
    assert m, "_helpers.tpl defines kafkatrace.stopMarginSeconds"
    return int(m.group(1))


def stop_window_seconds(timeout_ms: int | None = None) -> int:
    """SIGTERM -> SIGKILL wait every supervisor gives the daemon."""
    ms = default_shutdown_timeout_ms() if timeout_ms is None else timeout_ms
    return math.ceil(ms / 1000) + stop_margin_seconds()


def unit_value(path: Path, key: str) -> str:
    values = re.findall(rf"^{key}=(.*)$", path.read_text(), re.M)
    assert values, f"{path.name}: no {key}="
    return values[-1].strip()


def test_stop_margin_covers_the_daemons_own_overshoot() -> None:
    # The producer was measured stopping in ~27 s with the 25 s default and Kafka down; 5 s of
    # headroom on top of the daemon's own overshoot for process exit on a loaded machine.
    assert stop_margin_seconds() >= daemon_overshoot_seconds() + 5


@pytest.mark.parametrize("comp", COMPONENTS)
def test_systemd_waits_the_stop_window(comp: str) -> None:
    unit = SYSTEMD_DIR / f"kafkatrace-{comp}.service"
    assert int(unit_value(unit, "TimeoutStopSec")) == stop_window_seconds()
    # The example env file may set its own bound; the unit must still cover it.
    env = SYSTEMD_DIR / "env" / f"kafkatrace-{comp}.env"
    ms = int(unit_value(env, "KAFKATRACE_SHUTDOWN_TIMEOUT_MS"))
    assert stop_window_seconds(ms) <= int(unit_value(unit, "TimeoutStopSec"))


def test_helm_grace_is_prestop_plus_the_stop_window(helm_sdk: Any) -> None:
    values = load_values(CHART / "values.yaml")["shutdown"]
    assert values["timeoutMs"] == default_shutdown_timeout_ms(), "chart default differs from the daemons'"
    objs = objects(render(helm_sdk))
    for comp in COMPONENTS:
        grace = one(objs, "Deployment", comp)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        assert grace == values["preStopSleepSeconds"] + stop_window_seconds()


def test_image_docs_give_the_stop_window() -> None:
    text = (REPO / "docs" / "deployment.md").read_text()
    timeouts = [int(n) for n in re.findall(r"(?:--stop-timeout|stop -t|--time) (\d+)", text)]
    assert "--stop-timeout" in text and "stop -t" in text, "the image docs show docker run --stop-timeout and docker stop -t"
    assert timeouts and set(timeouts) == {stop_window_seconds()}, timeouts


def stated(pattern: str) -> list[tuple[str, int]]:
    out = []
    for doc in [*DOCS, *sorted((SYSTEMD_DIR / "env").glob("*.env")), CHART / "values.yaml"]:
        out += [(doc.name, int(n)) for n in re.findall(pattern, doc.read_text())]
    return out


def test_docs_state_the_same_numbers() -> None:
    window = stop_window_seconds()
    grace = load_values(CHART / "values.yaml")["shutdown"]["preStopSleepSeconds"] + window
    stop_sec = stated(r"TimeoutStopSec=(\d+)")
    grace_sec = stated(r"terminationGracePeriodSeconds\s*(?:=|is|of)\s*(\d+)")
    timeout_ms = stated(r"`shutdown\.timeout_ms` \| (\d+)")
    assert stop_sec and all(n == window for _, n in stop_sec), stop_sec
    assert grace_sec and all(n == grace for _, n in grace_sec), grace_sec
    assert timeout_ms and all(n == default_shutdown_timeout_ms() for _, n in timeout_ms), timeout_ms


def test_docs_check_catches_a_stale_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "stale.md"
    stale.write_text("systemd waits `TimeoutStopSec=30`.\n")
    monkeypatch.setitem(globals(), "DOCS", [stale])
    with pytest.raises(AssertionError):
        test_docs_state_the_same_numbers()
