"""Helm lint (Helm's Go SDK and the real helm CLI) over every ci/*-values.yaml, and proof that
lint and the strict values.schema.json catch a broken template, a typo'd key and a bad enum."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import (
    CHART, COMPONENTS, KUBE_VERSION, NAMESPACE, RELEASE, ci_variants, copy_chart, load_values, render, run,
)

VARIANTS = ci_variants()


def test_ci_variants_cover_the_required_set() -> None:
    assert {"default", "full-features", "producer-only", "consumer-only"} <= set(VARIANTS)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_sdk_lint_strict_is_clean(helm_sdk: Any, variant: str) -> None:
    report = helm_sdk.lint(
        str(CHART), load_values(VARIANTS[variant]), strict=True, namespace=NAMESPACE,
        kube_version=f"v{KUBE_VERSION}",
    )
    assert report["total_charts_linted"] == 1
    assert report["errors"] == []
    serious = [m for m in report["messages"] if m["severity"] >= 2]
    assert serious == [], serious


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_cli_lint_and_template(helm_cli: str, variant: str, tmp_path: Path) -> None:
    values = str(VARIANTS[variant])
    lint = run([helm_cli, "lint", "--strict", str(CHART), "-f", values, "--namespace", NAMESPACE])
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "1 chart(s) linted, 0 chart(s) failed" in lint.stdout
    tpl = run([helm_cli, "template", RELEASE, str(CHART), "-f", values, "--namespace", NAMESPACE,
               "--kube-version", KUBE_VERSION])
    assert tpl.returncode == 0, tpl.stderr
    kinds = {d["kind"] for d in yaml.safe_load_all(tpl.stdout) if d}
    assert "Deployment" in kinds


def test_sdk_and_cli_render_the_same_objects(helm_sdk: Any, helm_cli: str) -> None:
    values = VARIANTS["full-features"]
    tpl = run([helm_cli, "template", RELEASE, str(CHART), "-f", str(values), "--namespace", NAMESPACE])
    assert tpl.returncode == 0, tpl.stderr
    cli = sorted((d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(tpl.stdout) if d)
    from conftest import objects  # noqa: PLC0415
    sdk = sorted((o["kind"], o["metadata"]["name"]) for o in objects(render(helm_sdk, load_values(values))))
    assert cli == sdk


# --- each check catches breakage -------------------------------------------------------------

def test_lint_catches_a_broken_template(helm_sdk: Any, helm_cli: str, tmp_path: Path) -> None:
    chart = copy_chart(tmp_path)
    dep = chart / "templates" / "deployment.yaml"
    # An unclosed action, as a bad edit would leave it.
    dep.write_text(dep.read_text().replace("{{ $c.replicaCount }}", "{{ $c.replicaCount"))
    report = helm_sdk.lint(str(chart), strict=True)
    assert report["errors"] != []
    assert any("deployment.yaml" in e for e in report["errors"]), report["errors"]
    cli = run([helm_cli, "lint", "--strict", str(chart)])
    assert cli.returncode != 0


def test_lint_catches_invalid_yaml_output(helm_sdk: Any, tmp_path: Path) -> None:
    chart = copy_chart(tmp_path)
    svc = chart / "templates" / "service.yaml"
    # Wrong indentation: renders, but is not valid YAML any more.
    svc.write_text(svc.read_text().replace("  selector:\n", "    selector:\n  bad\n", 1))
    report = helm_sdk.lint(str(chart), strict=True)
    assert report["errors"] != [], report


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        ({"producer": {"replicaCont": 3}}, "replicaCont"),          # typo'd key
        ({"kafka": {"securityProtocol": "SASL-SSL"}}, "securityProtocol"),  # bad enum
        ({"log": {"level": "verbose"}}, "level"),
        ({"postgres": {"sslmode": "strict"}}, "sslmode"),
        ({"shutdown": {"timeoutMs": 500}}, "timeoutMs"),            # below the contract's minimum
        ({"networkPolicy": {"kafka": {"portz": [9092]}}}, "portz"),
        ({"consumer": {"autoscaling": {"lag": {"enabld": True}}}}, "enabld"),
        ({"producer": {"order": {"rate": "fast"}}}, "rate"),
    ],
)
def test_schema_rejects_bad_values(helm_sdk: Any, bad: dict[str, Any], needle: str) -> None:
    report = helm_sdk.lint(str(CHART), bad, strict=True)
    assert report["errors"] != [], f"lint accepted {bad}"
    assert any(needle in e for e in report["errors"]), report["errors"]
    with pytest.raises(helm_sdk.HelmError) as err:
        render(helm_sdk, bad)
    assert needle in str(err.value)


def test_template_guards_fail_with_a_clear_message(helm_sdk: Any) -> None:
    with pytest.raises(helm_sdk.HelmError, match="kafka.sasl.existingSecret"):
        render(helm_sdk, {"kafka": {"securityProtocol": "sasl_ssl"}})
    with pytest.raises(helm_sdk.HelmError, match="postgres.existingSecret"):
        render(helm_sdk, {"postgres": {"existingSecret": ""}})
    with pytest.raises(helm_sdk.HelmError, match="enable at least one component"):
        render(helm_sdk, {c: {"enabled": False} for c in COMPONENTS})


# Kubernetes objects passed through verbatim; the rendered manifests are checked against the
# Kubernetes API schemas (test_helm_kubevalidate.py) instead.
FREE_FORM = {"affinity", "topologySpreadConstraints.items"}


def _walk(node: Any, path: str, defs: dict[str, Any], seen: list[str]) -> None:
    if not isinstance(node, dict):
        return
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if f"#{name}" not in seen:
            seen.append(f"#{name}")
            _walk(defs[name], f"{path}", defs, seen)
        return
    if node.get("type") == "object" or "properties" in node:
        ap = node.get("additionalProperties")
        open_object = "properties" not in node and ap is None
        if open_object:
            assert any(path == f or path.endswith("." + f) for f in FREE_FORM), f"{path or '<root>'} accepts any keys; add additionalProperties"
        elif "properties" in node:
            assert ap is False, f"{path or '<root>'}: additionalProperties must be false"
        seen.append(path)
    for key, child in node.get("properties", {}).items():
        _walk(child, f"{path}.{key}".lstrip("."), defs, seen)
    if isinstance(node.get("items"), dict):
        _walk(node["items"], f"{path}.items", defs, seen)
    for alt in node.get("anyOf", []):
        _walk(alt, path, defs, seen)


def test_schema_is_closed_everywhere() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    seen: list[str] = []
    _walk(schema, "", schema.get("definitions", {}), seen)
    assert len(seen) > 40  # the walk really went through the tree


def test_every_value_has_a_comment() -> None:
    """Every leaf value has a comment above it or sits in a block whose key has one."""
    lines = (CHART / "values.yaml").read_text().splitlines()
    missing: list[str] = []
    stack: list[tuple[int, bool]] = []  # (indent, documented) of enclosing keys
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped.startswith("- ") or ":" not in stripped:
            continue
        indent = len(line) - len(line.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        key, _, rest = stripped.partition(":")
        documented = (i > 0 and lines[i - 1].strip().startswith("#")) or any(d for _, d in stack)
        if rest.strip() and not documented:
            missing.append(f"values.yaml:{i + 1}: {key}")
        stack.append((indent, documented))
    assert missing == [], missing
    assert len(lines) > 100
