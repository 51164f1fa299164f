"""The chart's PrometheusRule: rule files in deploy/helm/kafkatrace/rules/ (copied from
prometheus/rules/ by scripts/sync-chart-rules) pass promtool and end up in the rendered object."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CHART, REPO, copy_chart, objects, one, render, require_tool, run

RULES = sorted((CHART / "rules").glob("*.yml"))
SYNC = REPO / "scripts" / "sync-chart-rules"
ON = {"metrics": {"prometheusRule": {"enabled": True}}}


def test_chart_has_rule_files() -> None:
    assert RULES, "deploy/helm/kafkatrace/rules/*.yml missing: run scripts/sync-chart-rules"


@pytest.mark.parametrize("path", RULES, ids=[p.name for p in RULES])
def test_promtool_accepts_chart_rules(path: Path) -> None:
    promtool = require_tool("promtool", "apt-get install prometheus")
    res = run([promtool, "check", "rules", str(path)])
    assert res.returncode == 0, res.stdout + res.stderr
    assert "SUCCESS" in res.stdout


def test_prometheus_rule_carries_every_group(helm_sdk: Any, tmp_path: Path) -> None:
    expected = [g for p in RULES for g in yaml.safe_load(p.read_text())["groups"]]
    rule = one(objects(render(helm_sdk, ON)), "PrometheusRule")
    assert rule["spec"]["groups"] == expected
    # And the rendered groups are still valid Prometheus rules.
    promtool = require_tool("promtool", "apt-get install prometheus")
    out = tmp_path / "rendered.yml"
    out.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    res = run([promtool, "check", "rules", str(out)])
    assert res.returncode == 0, res.stdout + res.stderr


def test_chart_rules_in_sync_with_prometheus_dir() -> None:
    src = REPO / "prometheus" / "rules"
    if not list(src.glob("*.yml")):
        # prometheus/rules is written on another branch; until it lands the chart carries the
        # placeholder only.
        assert [p.name for p in RULES] == ["placeholder.yml"]
        return
    res = run([str(SYNC), "--check"])
    assert res.returncode == 0, f"chart rules differ from prometheus/rules: {res.stdout}{res.stderr}"


def test_sync_script_copies_and_replaces(tmp_path: Path) -> None:
    src = tmp_path / "prometheus" / "rules"
    src.mkdir(parents=True)
    dst = tmp_path / "chart-rules"
    dst.mkdir()
    (dst / "stale.yml").write_text("groups: []\n")
    (src / "alerts.yml").write_text(
        "groups:\n  - name: kafkatrace-test\n    rules:\n      - alert: KafkaTraceDown\n"
        "        expr: kafkatrace_ready == 0\n        for: 5m\n"
        "        annotations:\n          summary: '{{ $labels.service }} is not ready'\n")
    env = {"RULES_SRC": str(src), "RULES_DST": str(dst), "PATH": "/usr/bin:/bin"}
    check = run([str(SYNC), "--check"], env=env)
    assert check.returncode == 1 and "alerts.yml" in check.stdout and "stale.yml" in check.stdout
    res = run([str(SYNC)], env=env)
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in dst.iterdir()) == ["alerts.yml"]
    assert (dst / "alerts.yml").read_text() == (src / "alerts.yml").read_text()
    assert run([str(SYNC), "--check"], env=env).returncode == 0
    empty = run([str(SYNC)], env={**env, "RULES_SRC": str(tmp_path / "none")})
    assert empty.returncode == 2


def test_template_passes_alert_templates_through_verbatim(helm_sdk: Any, tmp_path: Path) -> None:
    """Prometheus' own {{ $labels.x }} must reach the PrometheusRule untouched (Files.Get, no tpl)."""
    chart = copy_chart(tmp_path)
    for p in (chart / "rules").glob("*.yml"):
        p.unlink()
    (chart / "rules" / "alerts.yml").write_text(
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n"
        "        annotations:\n          summary: '{{ $labels.instance }} down'\n")
    rule = one(objects(render(helm_sdk, ON, chart=chart)), "PrometheusRule")
    assert rule["spec"]["groups"][0]["rules"][0]["annotations"]["summary"] == "{{ $labels.instance }} down"


def test_template_rejects_a_non_rules_file(helm_sdk: Any, tmp_path: Path) -> None:
    chart = copy_chart(tmp_path)
    (chart / "rules" / "oops.yml").write_text("rules:\n  - record: x\n    expr: up\n")
    with pytest.raises(helm_sdk.HelmError, match="oops.yml is not a Prometheus rules file"):
        render(helm_sdk, ON, chart=chart)
    shutil.rmtree(chart / "rules")
    with pytest.raises(helm_sdk.HelmError, match="run scripts/sync-chart-rules"):
        render(helm_sdk, ON, chart=chart)
