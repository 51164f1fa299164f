"""systemd units: systemd-analyze verify (any diagnostic is a failure: verify exits 0 on unknown
directives), systemd-analyze security --offline (exposure <= 2.0), the directives the project
requires, the example env files and install.sh."""

from __future__ import annotations

import math
import os
import re
import shutil
import stat
from pathlib import Path

import pytest
from conftest import REPO, SYSTEMD_DIR, COMPONENTS, contract_env_names, is_contract_env, require_tool, run

UNITS = {c: SYSTEMD_DIR / f"kafkatrace-{c}.service" for c in COMPONENTS}
ENV_FILES = {c: SYSTEMD_DIR / "env" / f"kafkatrace-{c}.env" for c in COMPONENTS}
MAX_EXPOSURE = 2.0


def parse_unit(text: str) -> dict[str, dict[str, list[str]]]:
    """Sections -> key -> every value (systemd allows repeated keys)."""
    out: dict[str, dict[str, list[str]]] = {}
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            out.setdefault(section, {})
            continue
        key, _, value = line.partition("=")
        out[section].setdefault(key.strip(), []).append(value.strip())
    return out


def make_root(tmp: Path, units: dict[str, str], with_binaries: bool = True) -> Path:
    """A scratch root for --root=: the distribution's unit files, our units, stub binaries."""
    root = tmp / "root"
    (root / "usr" / "lib" / "systemd").mkdir(parents=True)
    shutil.copytree("/usr/lib/systemd/system", root / "usr" / "lib" / "systemd" / "system", symlinks=True)
    (root / "lib").symlink_to("usr/lib")
    (root / "etc" / "systemd" / "system").mkdir(parents=True)
    (root / "usr" / "local" / "bin").mkdir(parents=True)
    for name, text in units.items():
        (root / "etc" / "systemd" / "system" / name).write_text(text)
        if with_binaries:
            stub = root / "usr" / "local" / "bin" / name.removesuffix(".service")
            stub.write_text("#!/bin/sh\nexit 0\n")
            stub.chmod(0o755)
    return root


def verify(root: Path, unit: str) -> tuple[int, str]:
    exe = require_tool("systemd-analyze", "apt-get install systemd")
    res = run([exe, "verify", f"--root={root}", f"/etc/systemd/system/{unit}"])
    return res.returncode, (res.stdout + res.stderr).strip()


def exposure(root: Path, unit: str) -> tuple[float, str, str]:
    exe = require_tool("systemd-analyze", "apt-get install systemd")
    res = run([exe, "security", "--offline=yes", f"--root={root}", "--no-pager", unit])
    assert res.returncode == 0, res.stdout + res.stderr
    m = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\S+)", res.stdout)
    assert m, res.stdout[-2000:]
    return float(m.group(1)), m.group(2), res.stdout


@pytest.mark.parametrize("comp", COMPONENTS)
def test_verify_is_clean(comp: str, tmp_path: Path) -> None:
    unit = UNITS[comp].name
    rc, out = verify(make_root(tmp_path, {unit: UNITS[comp].read_text()}), unit)
    assert rc == 0 and out == "", f"systemd-analyze verify {unit}: rc={rc}\n{out}"


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (("PrivateTmp=yes", "PrivatTmp=yes"), "Unknown key"),              # typo'd directive
        (("Restart=on-failure", "Restart=sometimes"), "restart specifier"),  # bad value
        (("[Service]", "[Servce]"), "Servce"),                              # typo'd section
    ],
)
def test_verify_check_catches_broken_units(edit: tuple[str, str], needle: str, tmp_path: Path) -> None:
    text = UNITS["producer"].read_text()
    assert edit[0] in text
    unit = UNITS["producer"].name
    rc, out = verify(make_root(tmp_path, {unit: text.replace(edit[0], edit[1], 1)}), unit)
    # verify may still exit 0 here: our rule is that any output fails the check.
    assert out != "" and needle in out, out


def test_verify_catches_a_missing_binary(tmp_path: Path) -> None:
    unit = UNITS["consumer"].name
    rc, out = verify(make_root(tmp_path, {unit: UNITS["consumer"].read_text()}, with_binaries=False), unit)
    assert rc != 0 or out
    assert "/usr/local/bin/kafkatrace-consumer" in out


@pytest.mark.parametrize("comp", COMPONENTS)
def test_security_exposure_at_most_2(comp: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unit = UNITS[comp].name
    score, verdict, report = exposure(make_root(tmp_path, {unit: UNITS[comp].read_text()}), unit)
    with capsys.disabled():
        print(f"\n  systemd-analyze security {unit}: exposure {score} {verdict}")
    assert score <= MAX_EXPOSURE, report
    assert verdict == "OK", report


def test_security_check_catches_a_weakened_unit(tmp_path: Path) -> None:
    text = UNITS["producer"].read_text()
    start = text.index("# Hardening")
    end = text.index("[Install]")
    weak = text[:start] + text[end:]
    unit = UNITS["producer"].name
    score, _, _ = exposure(make_root(tmp_path, {unit: weak}), unit)
    assert score > MAX_EXPOSURE


REQUIRED = {
    "Unit": {"Description": None, "Documentation": None, "StartLimitIntervalSec": None, "StartLimitBurst": None},
    "Service": {
        "Type": "notify", "NotifyAccess": "main", "WatchdogSec": "30", "Restart": "on-failure",
        "RestartSec": None, "TimeoutStopSec": "40", "DynamicUser": "yes", "NoNewPrivileges": "yes",
        "CapabilityBoundingSet": "", "AmbientCapabilities": "", "ProtectSystem": "strict",
        "ProtectHome": "yes", "PrivateTmp": "yes", "PrivateDevices": "yes", "PrivateUsers": "yes",
        "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes",
        "ProtectControlGroups": "yes", "ProtectClock": "yes", "ProtectHostname": "yes",
        "RestrictNamespaces": "yes", "LockPersonality": "yes", "MemoryDenyWriteExecute": "yes",
        "RestrictRealtime": "yes", "RestrictSUIDSGID": "yes", "RemoveIPC": "yes", "UMask": "0077",
        "ProcSubset": "pid", "ProtectProc": "invisible", "SystemCallArchitectures": "native",
        "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    },
}


@pytest.mark.parametrize("comp", COMPONENTS)
def test_required_directives(comp: str) -> None:
    unit = parse_unit(UNITS[comp].read_text())
    for section, keys in REQUIRED.items():
        for key, want in keys.items():
            assert key in unit[section], f"[{section}] {key}= missing"
            if want is not None:
                assert unit[section][key][-1] == want, f"[{section}] {key}={unit[section][key]} want {want}"
    svc = unit["Service"]
    assert svc["ExecStart"] == [f"/usr/local/bin/kafkatrace-{comp}"]
    assert svc["EnvironmentFile"] == [f"-/etc/default/kafkatrace-{comp}"]
    assert svc["SystemCallFilter"] == ["@system-service", "~@privileged @resources", "setpriority"]
    assert svc["LimitNICE"] == ["-4"]  # Dispatch's QoS nice values (down to -4) without CAP_SYS_NICE
    assert all(d.startswith(("file:", "https:", "man:")) for d in unit["Unit"]["Documentation"])
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]


def read_env(path: Path, include_commented: bool = False) -> dict[str, str]:
    env: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if include_commented and re.match(r"^#[A-Z_]+=", line):
            line = line[1:]
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not KEY=VALUE: {raw}"
        env[key] = value
    return env


@pytest.mark.parametrize("comp", COMPONENTS)
def test_env_files_use_contract_names(comp: str) -> None:
    known = contract_env_names()
    env = read_env(ENV_FILES[comp], include_commented=True)
    bad = sorted(k for k in env if k != "PGSSLROOTCERT" and not is_contract_env(k, known))
    assert bad == [], f"{ENV_FILES[comp].name}: not in docs/CONTRACT.md: {bad}"
    active = read_env(ENV_FILES[comp])
    assert active["KAFKATRACE_HTTP_PORT"] == {"producer": "8080", "consumer": "8081"}[comp]
    if comp == "consumer":
        assert active["KAFKATRACE_POSTGRES_URL"].startswith("postgresql://")
    else:
        assert "KAFKATRACE_ORDER_RATE" in active
    # The drain bound stays below systemd's stop timeout.
    stop = int(parse_unit(UNITS[comp].read_text())["Service"]["TimeoutStopSec"][-1])
    assert math.ceil(int(active["KAFKATRACE_SHUTDOWN_TIMEOUT_MS"]) / 1000) < stop


def _install(tmp_path: Path, **extra: str) -> tuple[Path, object]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for c in COMPONENTS:
        b = bin_dir / f"kafkatrace-{c}"
        b.write_text("#!/bin/sh\nexit 0\n")
        b.chmod(0o755)
    dest = tmp_path / "dest"
    env = {"PATH": os.environ["PATH"], "BIN_DIR": str(bin_dir), "DESTDIR": str(dest), **extra}
    return dest, run(["sh", str(SYSTEMD_DIR / "install.sh")], env=env)


def test_install_script_installs_to_standard_paths(tmp_path: Path) -> None:
    dest, res = _install(tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    for c in COMPONENTS:
        name = f"kafkatrace-{c}"
        b = dest / "usr/local/bin" / name
        assert b.is_file() and stat.S_IMODE(b.stat().st_mode) == 0o755
        unit = dest / "etc/systemd/system" / f"{name}.service"
        assert unit.read_text() == UNITS[c].read_text()
        env = dest / "etc/default" / name
        assert env.read_text() == ENV_FILES[c].read_text()
        assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert (dest / "usr/local/share/doc/kafkatrace/deployment.md").is_file()

    # A second run keeps the operator's edited env file.
    (dest / "etc/default/kafkatrace-consumer").write_text("KAFKATRACE_POSTGRES_URL=postgresql://edited\n")
    _, again = _install(tmp_path)
    assert again.returncode == 0, again.stderr
    assert "kept existing /etc/default/kafkatrace-consumer" in again.stdout
    assert (dest / "etc/default/kafkatrace-consumer").read_text() == "KAFKATRACE_POSTGRES_URL=postgresql://edited\n"


def test_installed_units_verify_against_installed_binaries(tmp_path: Path) -> None:
    dest, res = _install(tmp_path)
    assert res.returncode == 0, res.stderr
    (dest / "usr" / "lib" / "systemd").mkdir(parents=True)
    shutil.copytree("/usr/lib/systemd/system", dest / "usr/lib/systemd/system", symlinks=True)
    (dest / "lib").symlink_to("usr/lib")
    for c in COMPONENTS:
        rc, out = verify(dest, f"kafkatrace-{c}.service")
        assert rc == 0 and out == "", out


def test_install_script_follows_prefix(tmp_path: Path) -> None:
    dest, res = _install(tmp_path, PREFIX="/opt/kafkatrace")
    assert res.returncode == 0, res.stderr
    text = (dest / "etc/systemd/system/kafkatrace-producer.service").read_text()
    assert "ExecStart=/opt/kafkatrace/bin/kafkatrace-producer" in text
    assert (dest / "opt/kafkatrace/bin/kafkatrace-producer").is_file()


def test_install_script_refuses_missing_binaries(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "BIN_DIR": str(tmp_path / "nothing"), "DESTDIR": str(tmp_path / "d")}
    res = run(["sh", str(SYSTEMD_DIR / "install.sh")], env=env)
    assert res.returncode == 1
    assert "kafkatrace-producer is missing" in res.stderr
    assert not (tmp_path / "d").exists()
