#!/usr/bin/env python3
"""Offline checks of prometheus/, grafana/ and docs/runbooks/ (no Prometheus server needed).

- every dashboard JSON parses, declares the `datasource` variable (type datasource, prometheus)
  and uses it everywhere (no data source is named);
- every panel query, variable selector and runbook ```promql line parses as PromQL: promtool has no "parse this
  expression" command, so the expressions are wrapped as recording rules in a temporary rule file
  and given to `promtool check rules`, which parses PromQL offline;
- rules, panels and variables use only metric names from docs/CONTRACT.md (histograms with
  _bucket/_sum/_count), series Prometheus adds (`up`), or recording rules defined here; label
  names in selectors and by/on clauses exist in the contract or are target labels;
- alerts carry severity/service labels and summary/description/runbook_url annotations, and the
  runbook file exists; every runbook belongs to an alert;
- every alert has a unit test where it fires and one where it does not;
- prometheus-kubernetes.yml passes `promtool check config` once its kubernetes_sd_configs block
  (which Debian's promtool lacks) is swapped for a static target;
- the committed dashboards equal gen_dashboards.py's output.
Prints one line per failure and exits 1 if there is any.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402
import gen_dashboards  # noqa: E402

failures: list[str] = []


def fail(msg: str) -> None:
    failures.append(msg)
    print(f"FAIL {msg}")


def promtool_parses(exprs: dict[str, str]) -> dict[str, str]:
    """name -> promtool error for each expression that does not parse (empty dict: all parse)."""
    def run(items: dict[str, str]) -> tuple[bool, str]:
        doc = {"groups": [{"name": "parse-check", "rules": [
            {"record": f"parse_check:q{i}", "expr": e} for i, e in enumerate(items.values())]}]}
        with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
            yaml.safe_dump(doc, f)
            path = f.name
        try:
            p = subprocess.run(["promtool", "check", "rules", path], capture_output=True, text=True)
            return p.returncode == 0, (p.stdout + p.stderr).strip()
        finally:
            os.unlink(path)

    ok, _ = run(exprs)
    if ok:
        return {}
    errors = {}
    for name, expr in exprs.items():  # locate the culprits one by one
        ok, out = run({name: expr})
        if not ok:
            errors[name] = out.splitlines()[-1] if out else "promtool check rules failed"
    return errors


def check_dashboards(dashboards: dict[str, dict]) -> None:
    for name, dash in dashboards.items():
        variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
        ds = variables.get("datasource")
        if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
            fail(f"{name}: no template variable 'datasource' of type datasource with query prometheus")

        def walk(node, where):
            if isinstance(node, dict):
                for k, v in node.items():
                    if k == "datasource" and where != "templating":
                        uid = v.get("uid") if isinstance(v, dict) else v
                        kind = v.get("type") if isinstance(v, dict) else None
                        if uid != "${datasource}" or kind not in (None, "prometheus"):
                            fail(f"{name}: hard-coded data source {json.dumps(v)} (use ${{datasource}})")
                    else:
                        walk(v, "templating" if k == "templating" and where == "" else where)
            elif isinstance(node, list):
                for v in node:
                    walk(v, where)
        walk({k: v for k, v in dash.items() if k != "templating"}, "")
        for var in variables.values():
            if var.get("type") == "query" and (var.get("datasource") or {}).get("uid") != "${datasource}":
                fail(f"{name}: variable {var.get('name')} does not query ${{datasource}}")
        for panel in common.iter_panels(dash.get("panels", [])):
            if panel.get("type") == "row":
                continue
            if not panel.get("targets"):
                fail(f"{name}: panel '{panel.get('title')}' has no queries")


def check_names(where: str, expr: str, series: dict[str, str], recorded: set[str],
                metrics: dict[str, common.ContractMetric], all_labels: set[str]) -> None:
    for n in sorted(common.metric_names_in(expr)):
        if n in series or n in recorded or n in common.PROMETHEUS_SERIES:
            continue
        if where.startswith("docs/runbooks/") and n.startswith("prometheus_"):
            continue  # runbooks may look at Prometheus' own metrics
        fail(f"{where}: metric {n} is not in docs/CONTRACT.md (nor a recording rule)")
    # label names in `metric{...}` selectors must belong to that metric (or be target labels)
    for m in re.finditer(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}", expr):
        family = series.get(m.group(1))
        if not family:
            continue
        allowed = set(metrics[family].labels) | common.TARGET_LABELS
        if m.group(1).endswith("_bucket"):
            allowed.add("le")
        for label in re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", m.group(2)):
            if label not in allowed:
                fail(f"{where}: label {label} is not a label of {family} in docs/CONTRACT.md")
    # labels in by/without/on/ignoring/group_x clauses must exist somewhere
    for m in re.finditer(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", expr):
        for label in [x.strip() for x in m.group(1).split(",") if x.strip()]:
            if label not in all_labels:
                fail(f"{where}: label {label} in '{m.group(0)}' is not a contract or target label")


def check_rules(rules: list[common.Rule]) -> None:
    alerts = {r.name for r in rules if r.kind == "alert"}
    for r in rules:
        where = f"{r.file} {r.kind} {r.name}"
        if r.kind == "record":
            if not r.name.startswith("kafkatrace:"):
                fail(f"{where}: recording rule names start with 'kafkatrace:'")
            continue
        if not r.name.startswith("KafkaTrace"):
            fail(f"{where}: alert names start with 'KafkaTrace'")
        if r.labels.get("severity") not in ("critical", "warning"):
            fail(f"{where}: label severity must be critical or warning, got {r.labels.get('severity')!r}")
        if not r.labels.get("service"):
            fail(f"{where}: label service missing")
        for key in ("summary", "description", "runbook_url"):
            if not str(r.annotations.get(key, "")).strip():
                fail(f"{where}: annotation {key} missing")
        url = r.annotations.get("runbook_url", "")
        if url != f"docs/runbooks/{r.name}.md":
            fail(f"{where}: runbook_url must be docs/runbooks/{r.name}.md, got {url!r}")
        elif not os.path.isfile(os.path.join(common.ROOT, url)):
            fail(f"{where}: runbook {url} does not exist")
    for path in sorted(os.listdir(common.RUNBOOKS_DIR)) if os.path.isdir(common.RUNBOOKS_DIR) else []:
        if path.endswith(".md") and path[:-3] not in alerts and path != "README.md":
            fail(f"docs/runbooks/{path}: no alert of that name")


def check_alert_tests(rules: list[common.Rule]) -> None:
    fires: set[str] = set()
    silent: set[str] = set()
    import glob
    for path in sorted(glob.glob(common.TESTS_GLOB)):
        doc = yaml.safe_load(open(path, encoding="utf-8")) or {}
        for test in doc.get("tests", []):
            for case in test.get("alert_rule_test", []) or []:
                (fires if case.get("exp_alerts") else silent).add(case["alertname"])
    for r in rules:
        if r.kind != "alert":
            continue
        if r.name not in fires:
            fail(f"prometheus/tests: no unit test where {r.name} fires")
        if r.name not in silent:
            fail(f"prometheus/tests: no unit test where {r.name} does not fire")


def check_kubernetes_config() -> None:
    doc = yaml.safe_load(open(common.PROM_K8S_CONFIG, encoding="utf-8"))
    vm = yaml.safe_load(open(common.PROM_CONFIG, encoding="utf-8"))
    if doc.get("rule_files") != vm.get("rule_files"):
        fail("prometheus-kubernetes.yml: rule_files differ from prometheus.yml")
    patched = copy.deepcopy(doc)
    found = False
    for job in patched.get("scrape_configs", []):
        sd = job.pop("kubernetes_sd_configs", None)
        if sd is not None:
            found = True
            if sd != [{"role": "pod"}]:
                fail(f"prometheus-kubernetes.yml job {job['job_name']}: expected kubernetes_sd_configs [{{role: pod}}]")
            job["static_configs"] = [{"targets": ["127.0.0.1:1"]}]
    if not found:
        fail("prometheus-kubernetes.yml: no kubernetes_sd_configs job")
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(os.path.join(common.ROOT, "prometheus", "rules"), os.path.join(tmp, "rules"))
        path = os.path.join(tmp, "prometheus.yml")
        with open(path, "w") as f:
            yaml.safe_dump(patched, f)
        p = subprocess.run(["promtool", "check", "config", path], capture_output=True, text=True)
        if p.returncode != 0:
            fail(f"prometheus-kubernetes.yml (kubernetes SD swapped for static): {p.stdout}{p.stderr}")


def main() -> int:
    metrics = common.contract_metrics()
    series = common.allowed_series_names(metrics)
    all_labels = set(common.TARGET_LABELS) | {"le"} | {lbl for m in metrics.values() for lbl in m.labels}
    rules = common.load_rules()
    recorded = {r.name for r in rules if r.kind == "record"}
    all_labels |= {"alertname", "severity"}

    dashboards = {}
    for path in sorted(__import__("glob").glob(common.DASHBOARDS_GLOB)):
        try:
            dashboards[os.path.basename(path)] = json.load(open(path, encoding="utf-8"))
        except json.JSONDecodeError as e:
            fail(f"{os.path.relpath(path, common.ROOT)}: invalid JSON: {e}")
    if len(dashboards) < 3:
        fail("grafana/dashboards: expected an overview and one dashboard per service")
    check_dashboards(dashboards)

    queries = common.panel_queries(dashboards)
    variables = common.variable_queries(dashboards)
    exprs = {}
    for q in queries:
        where = f"{q.dashboard} '{q.panel}' {q.ref}"
        exprs[where] = q.promql
        check_names(where, q.promql, series, recorded, metrics, all_labels)
    for v in variables:
        where = f"{v.dashboard} {v.panel}"
        exprs[where] = v.promql
        check_names(where, v.promql, series, recorded, metrics, all_labels)
        if v.legend not in all_labels:
            fail(f"{where}: label_values label {v.legend} is not a contract or target label")
    for r in rules:
        check_names(f"{r.file} {r.name}", r.expr, series, recorded, metrics, all_labels)
    # the diagnosis queries in the runbooks' ```promql blocks, one expression per line
    for name in sorted(os.listdir(common.RUNBOOKS_DIR)):
        text = open(os.path.join(common.RUNBOOKS_DIR, name), encoding="utf-8").read()
        for block in re.findall(r"```promql\n(.*?)```", text, re.S):
            for i, line in enumerate(x for x in block.splitlines() if x.strip()):
                where = f"docs/runbooks/{name} query {i + 1}"
                exprs[where] = line
                check_names(where, line, series, recorded, metrics, all_labels)
    for where, err in promtool_parses(exprs).items():
        fail(f"{where}: does not parse: {err}")

    check_rules(rules)
    check_alert_tests(rules)
    check_kubernetes_config()

    stale = [n for n, text in gen_dashboards.render().items()
             if not os.path.exists(os.path.join(common.ROOT, "grafana", "dashboards", n))
             or open(os.path.join(common.ROOT, "grafana", "dashboards", n), encoding="utf-8").read() != text]
    if stale:
        fail(f"grafana/dashboards differ from gen_dashboards.py output: {', '.join(stale)}")

    for path in ("grafana/provisioning/datasources/kafkatrace.yml", "grafana/provisioning/dashboards/kafkatrace.yml"):
        try:
            yaml.safe_load(open(os.path.join(common.ROOT, path), encoding="utf-8"))
        except (OSError, yaml.YAMLError) as e:
            fail(f"{path}: {e}")

    n_alerts = sum(r.kind == "alert" for r in rules)
    print(f"static: {len(dashboards)} dashboards, {len(queries)} panel queries, {len(variables)} variables, "
          f"{len(recorded)} recording rules, {n_alerts} alerts, {len(metrics)} contract metrics")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
