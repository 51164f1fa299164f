"""A Debian 12 container booted with `systemd-nspawn --boot` (real systemd 252 as its PID 1), for
testing the units in deploy/systemd the way a user runs them.

- Root filesystem: scripts/nspawn-rootfs (mmdebstrap, cached under /var/cache/kafkatrace by a hash
  of its package list) as the read-only lower layer of an overlay mount; the container writes
  only to a temporary upper layer, which survives a reboot of the container (same overlay).
- Network: the host's (no private network), so the daemons reach the dev cluster and PostgreSQL
  on the host's 127.0.0.1, and the test reaches their HTTP ports.
- Bind mounts (read-only): the repository at /kt/src (deploy/systemd/install.sh, docs), the
  built binaries at /kt/bin, and the Swift runtime libraries at their host path (the debug
  binaries link them dynamically; a release build with --static-swift-stdlib needs none).
- cgroups: the host has no systemd, so nspawn (--keep-unit --register=no) makes `payload` and
  `supervisor` groups under its own cgroup. It is started inside a fresh group per container
  (kt-nspawn-<pid> in each hierarchy), so two containers never share those names, and
  `close()` removes the whole subtree, also after a failure.
- --capability=CAP_SYS_RESOURCE: systemd as a host's PID 1 has it and needs it for the units'
  LimitNICE= (raising the hard limit); nspawn drops it by default. The services still get no
  capability at all (CapabilityBoundingSet=).

Commands run inside with `nsenter -t <container PID 1> -a`.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import signal
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
SWIFT_LIBS = pathlib.Path("/opt/swift/usr/lib/swift/linux")
CGROUP_ROOT = pathlib.Path("/sys/fs/cgroup")


def rootfs() -> pathlib.Path:
    """The cached rootfs tree (built on first use)."""
    out = subprocess.run([str(ROOT / "scripts" / "nspawn-rootfs")], check=True, stdout=subprocess.PIPE,
                         text=True, timeout=1800)
    return pathlib.Path(out.stdout.strip().splitlines()[-1])


def cgroup_hierarchies() -> list[pathlib.Path]:
    """Where nspawn will create its groups: the unified hierarchy and the named systemd one
    (hybrid hosts), or the root of a pure cgroup v2 host."""
    if (CGROUP_ROOT / "cgroup.controllers").exists():
        return [CGROUP_ROOT]
    return [CGROUP_ROOT / h for h in ("unified", "systemd") if (CGROUP_ROOT / h / "cgroup.procs").exists()]


def remove_cgroup_tree(path: pathlib.Path, timeout: float = 10.0) -> None:
    """rmdir the tree bottom-up; a group stays busy until its last process is reaped."""
    deadline = time.monotonic() + timeout
    while path.exists():
        for directory in sorted((p for p in path.rglob("*") if p.is_dir()), key=lambda p: len(p.parts),
                                reverse=True) + [path]:
            try:
                directory.rmdir()
            except OSError:
                pass
        if not path.exists() or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if path.exists():
        raise AssertionError(f"cgroup {path} could not be removed: {sorted(p.name for p in path.rglob('*'))[:20]}")


class Container:
    """One booted container; `close()` powers it off and removes everything it made."""

    def __init__(self, binaries: pathlib.Path, log_dir: pathlib.Path):
        self.binaries = binaries
        self.log_dir = log_dir
        self.name = f"kt-nspawn-{os.getpid()}"
        self.lower = rootfs()
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="kt-nspawn-", dir="/var/tmp"))
        self.upper, self.work, self.merged = (self.dir / d for d in ("upper", "work", "merged"))
        for d in (self.upper, self.work, self.merged):
            d.mkdir()
        self.cgroups = [h / self.name for h in cgroup_hierarchies()]
        self.proc: subprocess.Popen | None = None
        self.leader = 0
        self.boots = 0
        self.mounted = False
        try:
            subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                            f"lowerdir={self.lower},upperdir={self.upper},workdir={self.work}", str(self.merged)],
                           check=True, timeout=30)
            self.mounted = True
            # A persistent journal, so `journalctl -b all` spans the reboot test.
            (self.merged / "var" / "log" / "journal").mkdir(parents=True, exist_ok=True)
            for cgroup in self.cgroups:
                cgroup.mkdir(exist_ok=True)
            self.boot()
        except BaseException:
            self.close()
            raise

    # --- lifecycle -------------------------------------------------------------------------------

    def boot(self, timeout: float = 60.0) -> float:
        """Starts the container and waits until systemd reports it running; returns seconds."""
        started = time.monotonic()
        self.boots += 1
        log = open(self.log_dir / f"nspawn-boot{self.boots}.log", "wb")
        join = "; ".join(f"echo $$ > {c}/cgroup.procs" for c in self.cgroups)
        argv = ["systemd-nspawn", "--quiet", "--boot", "--keep-unit", "--register=no", f"--machine={self.name}",
                f"--directory={self.merged}", "--console=passive", "--capability=CAP_SYS_RESOURCE",
                f"--bind-ro={ROOT}:/kt/src", f"--bind-ro={self.binaries}:/kt/bin", f"--bind-ro={SWIFT_LIBS}"]
        self.proc = subprocess.Popen(["sh", "-c", f'{join}; exec "$@"', "sh", *argv], stdout=log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        self.leader = 0
        own_pid_ns = os.readlink("/proc/self/ns/pid")
        while not self.leader:  # the container's PID 1: nspawn's child in a new PID namespace, systemd
            if self.proc.poll() is not None:
                raise AssertionError(f"systemd-nspawn exited with {self.proc.returncode}: "
                                     f"{(self.log_dir / f'nspawn-boot{self.boots}.log').read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise AssertionError("the container's PID 1 did not appear")
            try:
                for pid in pathlib.Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split():
                    if (os.readlink(f"/proc/{pid}/ns/pid") != own_pid_ns
                            and pathlib.Path(f"/proc/{pid}/comm").read_text().strip() == "systemd"):
                        self.leader = int(pid)
            except OSError:
                pass
            if not self.leader:
                time.sleep(0.02)
        # "offline" until PID 1 has created /run/systemd/system, nothing (cannot connect) until its
        # private bus socket exists; then --wait waits for the boot to finish.
        state = ""
        while state in ("", "offline") and time.monotonic() < deadline:
            state = self.run(["systemctl", "is-system-running", "--wait"], check=False,
                             timeout=max(1.0, deadline - time.monotonic())).stdout.strip()
            if state in ("", "offline"):
                time.sleep(0.05)
        if state == "degraded":
            failed = self.run(["systemctl", "--failed", "--no-legend", "--plain"], check=False).stdout
            raise AssertionError(f"container booted degraded: {failed}")
        if state != "running":
            raise AssertionError(f"container system state {state!r}")
        return time.monotonic() - started

    def reboot(self, timeout: float = 60.0) -> float:
        """`systemctl reboot` inside; nspawn then exits (133) and is started again on the same
        overlay, as systemd-nspawn@.service would. Returns the seconds from reboot to running."""
        started = time.monotonic()
        self.run(["systemctl", "reboot"], check=False)
        code = self.proc.wait(timeout=timeout)
        if code != 133:
            raise AssertionError(f"systemd-nspawn exited with {code} on reboot, expected 133")
        self.boot(timeout=timeout)
        return time.monotonic() - started

    def close(self) -> None:
        """Powers the container off (or kills it), unmounts, removes the cgroups and the state."""
        errors = []
        if self.proc is not None and self.proc.poll() is None:
            if self.leader:
                subprocess.run(["nsenter", "-t", str(self.leader), "-a", "systemctl", "poweroff"],
                               capture_output=True, timeout=30)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                errors.append("container did not power off within 60 s: killed")
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait(timeout=30)
        for cgroup in self.cgroups:  # whatever is left in our groups (a killed container)
            groups = [cgroup, *(p for p in cgroup.rglob("*") if p.is_dir())] if cgroup.exists() else []
            for group in groups:
                procs = group / "cgroup.procs"
                for pid in procs.read_text().split() if procs.exists() else []:
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.merged)], check=False, timeout=30)
            self.mounted = False
        for cgroup in self.cgroups:
            try:
                remove_cgroup_tree(cgroup)
            except AssertionError as exc:
                errors.append(str(exc))
        shutil.rmtree(f"/run/systemd/nspawn/propagate/{self.name}", ignore_errors=True)
        shutil.rmtree(self.dir, ignore_errors=True)
        if errors:
            raise AssertionError("; ".join(errors))

    # --- inside ----------------------------------------------------------------------------------

    def run(self, argv, check=True, timeout=60.0, input=None) -> subprocess.CompletedProcess:
        """Runs argv inside the container (all its namespaces); output as text."""
        res = subprocess.run(["nsenter", "-t", str(self.leader), "-a", *argv], capture_output=True, text=True,
                             timeout=timeout, input=input)
        if check and res.returncode != 0:
            raise AssertionError(f"{' '.join(argv)}: exit {res.returncode}\n{res.stdout[-2000:]}{res.stderr[-2000:]}")
        return res

    def sh(self, script: str, check=True, timeout=60.0) -> str:
        return self.run(["sh", "-c", script], check=check, timeout=timeout).stdout

    def show(self, unit: str, *props: str) -> dict[str, str]:
        out = self.run(["systemctl", "show", unit, *(f"--property={p}" for p in props)]).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
