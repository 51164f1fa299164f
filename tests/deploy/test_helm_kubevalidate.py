"""Rendered manifests of every ci variant against the Kubernetes 1.32 API schemas
(kubernetes-validate --strict, offline), plus structural checks of the prometheus-operator
objects it has no schema for, and a checkov scan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import KUBE_VERSION, REPO, ci_variants, load_values, objects, one, render, require_tool, run

VARIANTS = ci_variants()
CRD_KINDS = {"ServiceMonitor", "PrometheusRule"}


def write_manifests(objs: list[dict[str, Any]], path: Path) -> Path:
    path.write_text(yaml.safe_dump_all(objs, sort_keys=False))
    return path


def kubernetes_validate(path: Path) -> Any:
    exe = require_tool("kubernetes-validate", "pip install kubernetes-validate")
    return run([exe, "--strict", "-k", KUBE_VERSION, "--no-warn", str(path)])


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_render_validates_against_kubernetes_schemas(helm_sdk: Any, variant: str, tmp_path: Path) -> None:
    objs = [o for o in objects(render(helm_sdk, load_values(VARIANTS[variant]))) if o["kind"] not in CRD_KINDS]
    res = kubernetes_validate(write_manifests(objs, tmp_path / f"{variant}.yaml"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count(" passed for resource ") == len(objs), res.stdout


def test_kubernetes_validate_catches_a_broken_manifest(helm_sdk: Any, tmp_path: Path) -> None:
    objs = objects(render(helm_sdk))
    dep = one(objs, "Deployment", "producer")
    container = dep["spec"]["template"]["spec"]["containers"][0]
    container["readinessProbe"]["httpGet"]["paht"] = "/ready"       # unknown field
    container["securityContext"]["runAsUser"] = "10001"              # wrong type
    res = kubernetes_validate(write_manifests(objs, tmp_path / "broken.yaml"))
    assert res.returncode != 0
    assert "paht" in res.stdout + res.stderr


def test_prometheus_operator_objects_are_well_formed(helm_sdk: Any) -> None:
    objs = objects(render(helm_sdk, load_values(VARIANTS["full-features"])))
    for o in objs:
        if o["kind"] not in CRD_KINDS:
            continue
        assert o["apiVersion"] == "monitoring.coreos.com/v1"
        assert set(o) == {"apiVersion", "kind", "metadata", "spec"}
        assert o["metadata"]["labels"]["release"] == "kube-prometheus-stack"
        if o["kind"] == "ServiceMonitor":
            assert set(o["spec"]) == {"namespaceSelector", "selector", "endpoints"}
            ep = o["spec"]["endpoints"][0]
            assert set(ep) == {"port", "path", "interval", "scrapeTimeout"}
        else:
            for g in o["spec"]["groups"]:
                assert set(g) <= {"name", "interval", "rules", "limit", "partial_response_strategy"}
                for r in g["rules"]:
                    assert ("alert" in r) != ("record" in r) and "expr" in r


# Deliberate deviations from checkov's defaults, each with its reason:
CHECKOV_SKIPS = {
    "CKV_K8S_11": "no CPU limit on purpose: CFS throttling hurts latency; requests + HPA size it",
    "CKV_K8S_43": "image.digest is supported; the default is the chart's appVersion tag",
    "CKV_K8S_35": "the daemons read secrets from env (docs/CONTRACT.md), injected by secretKeyRef",
    "CKV_K8S_15": "IfNotPresent with immutable version tags or digests",
}


def checkov(paths: list[Path], tmp_path: Path) -> dict[str, Any]:
    exe = require_tool("checkov", "pip install checkov")
    cmd = [exe, "--skip-download", "--quiet", "--compact", "-o", "json",
           "--framework", "kubernetes", "dockerfile", "--skip-check", ",".join(CHECKOV_SKIPS)]
    for p in paths:
        cmd += ["-f", str(p)]
    res = run(cmd, timeout=300, env={"PATH": "/usr/bin:/bin:" + str(Path(exe).parent),
                                      "HOME": str(tmp_path), "BC_SKIP_MAPPING": "TRUE",
                                      "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"})
    try:
        data = json.loads(res.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov gave no JSON (rc {res.returncode}): {res.stdout[-2000:]}{res.stderr[-2000:]}")
    reports = data if isinstance(data, list) else [data]
    failed = [(c["check_id"], c["resource"]) for r in reports for c in r.get("results", {}).get("failed_checks", [])]
    passed = sum(r["summary"]["passed"] for r in reports)
    return {"failed": failed, "passed": passed}


def test_checkov_scan_of_render_and_dockerfile(helm_sdk: Any, tmp_path: Path) -> None:
    objs = objects(render(helm_sdk, load_values(VARIANTS["full-features"])))
    good = write_manifests(objs, tmp_path / "full.yaml")
    result = checkov([good, REPO / "Dockerfile"], tmp_path)
    assert result["failed"] == [], result["failed"]
    assert result["passed"] > 100

    # The same scan catches a weakened pod.
    dep = one(objs, "Deployment", "consumer")
    sc = dep["spec"]["template"]["spec"]["containers"][0]["securityContext"]
    sc["allowPrivilegeEscalation"] = True
    sc["capabilities"] = {"add": ["NET_ADMIN"]}
    bad = write_manifests(objs, tmp_path / "weak.yaml")
    weak = checkov([bad], tmp_path)
    ids = {cid for cid, _ in weak["failed"]}
    assert "CKV_K8S_20" in ids  # allowPrivilegeEscalation
