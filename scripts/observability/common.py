"""Shared helpers for the KafkaTrace observability checks.

Reads the metric names out of docs/CONTRACT.md, the rules out of prometheus/rules/, the panel
queries out of grafana/dashboards/, and pulls metric names out of PromQL expressions.
Used by check_static.py (offline), live_check.py and render_overview.py (against a Prometheus).
"""

from __future__ import annotations

import glob
import json
import os
import re
from dataclasses import dataclass

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONTRACT = os.path.join(ROOT, "docs", "CONTRACT.md")
PROM_CONFIG = os.path.join(ROOT, "prometheus", "prometheus.yml")
PROM_K8S_CONFIG = os.path.join(ROOT, "prometheus", "prometheus-kubernetes.yml")
RULES_GLOB = os.path.join(ROOT, "prometheus", "rules", "*.yml")
TESTS_GLOB = os.path.join(ROOT, "prometheus", "tests", "*.yml")
DASHBOARDS_GLOB = os.path.join(ROOT, "grafana", "dashboards", "*.json")
RUNBOOKS_DIR = os.path.join(ROOT, "docs", "runbooks")

# Series Prometheus itself attaches to every target; allowed in queries besides the contract.
PROMETHEUS_SERIES = {"up", "scrape_duration_seconds", "scrape_samples_scraped",
                     "scrape_samples_post_metric_relabeling", "scrape_series_added"}

# Contract metrics that only have samples after an event happened (a failure, a DLQ message, a
# labelled value first seen), each with the reason a short healthy run may leave it empty. A query on
# them alone may legitimately be empty; the live check then requires Prometheus to know the metric
# from the daemon's HELP/TYPE lines (target metadata) instead, unless --allow-empty names it.
# (The daemons currently pre-create these series at 0, so the exception is not used today; it stays
# so that a daemon that creates them lazily, as swift-prometheus does for new label values, passes
# only when it still declares them.)
EVENT_ONLY = {
    "kafkatrace_http_connections_rejected_total": "only after http.max_connections was reached",
    "kafkatrace_producer_orders_rejected_total": "reason labels appear on the first rejected order",
    "kafkatrace_producer_messages_failed_total": "error labels appear on the first failed delivery",
    "kafkatrace_producer_queue_full_total": "only when librdkafka's queue was full",
    "kafkatrace_producer_backpressure_rejected_total": "only when the queue stayed full past the bound",
    "kafkatrace_producer_undelivered_at_shutdown": "only set by a draining shutdown",
    "kafkatrace_consumer_orders_duplicate_total": "only after a redelivery of an inserted order",
    "kafkatrace_consumer_orders_invalid_total": "reason labels appear on the first invalid message",
    "kafkatrace_consumer_dlq_sent_total": "only after an invalid message",
    "kafkatrace_consumer_dlq_failed_total": "only when the DLQ topic refused a message",
    "kafkatrace_consumer_commit_failures_total": "only when an offset commit failed",
    "kafkatrace_consumer_db_errors_total": "sqlstate_class labels appear on the first database error",
}

# Daemon bugs the live check has found and that are not fixed yet: metric family -> what is wrong.
# The check reports them as KNOWN-ISSUE (visible in every run, not counted as a failure) and FAILS
# once the metric looks right again, so that the entry is removed with the fix.
KNOWN_ISSUES: dict[str, str] = {}

# Grafana macros and template variables -> values that make a query valid PromQL.
GRAFANA_SUBSTITUTIONS = {
    "$__rate_interval": "1m",
    "$__interval": "15s",
    "$__range": "1h",
    "${datasource}": "prometheus",
    "$instance": ".+",
    "${instance}": ".+",
    "$job": ".+",
    "${job}": ".+",
}

_PROMQL_KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
    "offset", "inf", "nan", "atan2", "start", "end",
}


@dataclass(frozen=True)
class ContractMetric:
    name: str
    kind: str  # counter, gauge, histogram
    labels: frozenset[str] = frozenset()


def contract_metrics(path: str = CONTRACT) -> dict[str, ContractMetric]:
    """Metric families listed in the "Metric names" section of docs/CONTRACT.md."""
    text = open(path, encoding="utf-8").read()
    match = re.search(r"^## Metric names.*?$(.*?)(?=^## )", text, re.S | re.M)
    if not match:
        raise SystemExit(f"{path}: no '## Metric names' section")
    metrics: dict[str, ContractMetric] = {}
    for line in match.group(1).splitlines():
        # Each bullet lists one or more `name{labels}` followed by their type word(s).
        found = re.findall(r"`(kafkatrace_[a-z0-9_]+)(?:\{([^}]*)\})?`", line)
        if not found:
            continue
        names = [n for n, _ in found]
        labels = {n: frozenset(x.strip() for x in lbl.split(",") if x.strip()) for n, lbl in found}
        kinds = re.findall(r"\b(counter|gauge|histogram)s?\b", line)
        for i, name in enumerate(names):
            # "`a` counter; `b` gauge" pairs in order; "`a` / `b` counters" share one type;
            # a name without a type word of its own is a counter when it ends in _total.
            kind = kinds[i] if i < len(kinds) else (kinds[-1] if kinds else "")
            if name.endswith("_total"):
                kind = "counter"
            elif not kind:
                kind = "gauge"
            metrics[name] = ContractMetric(name, kind, labels[name])
    if not metrics:
        raise SystemExit(f"{path}: no metric names found in the 'Metric names' section")
    return metrics


# Labels Prometheus or our scrape configs attach to every series.
TARGET_LABELS = {"job", "instance", "deployment", "namespace", "pod", "node", "system", "__name__"}


def allowed_series_names(metrics: dict[str, ContractMetric]) -> dict[str, str]:
    """Series name -> metric family, with _bucket/_sum/_count for histograms."""
    out: dict[str, str] = {}
    for m in metrics.values():
        if m.kind == "histogram":
            for suffix in ("_bucket", "_sum", "_count"):
                out[m.name + suffix] = m.name
        else:
            out[m.name] = m.name
    return out


def metric_names_in(expr: str) -> set[str]:
    """Metric names an expression selects (strings, label matchers, grouping and ranges removed)."""
    s = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    s = re.sub(r"'(?:[^'\\]|\\.)*'", "''", s)
    s = re.sub(r"`[^`]*`", "``", s)
    s = re.sub(r"#[^\n]*", "", s)
    s = re.sub(r"\{[^}]*\}", " ", s)
    s = re.sub(r"\[[^\]]*\]", " ", s)
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)
    names = set()
    for m in re.finditer(r"(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", s):
        word, call = m.group(1), m.group(2)
        if call or word.lower() in _PROMQL_KEYWORDS:
            continue
        names.add(word)
    # A selector written only as {__name__="x"} keeps its name.
    names.update(re.findall(r'__name__\s*=\s*"([^"]+)"', expr))
    return names


_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_SELECTOR = re.compile(r"(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}")
_MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"')


def selector_labels(expr: str) -> list[tuple[str, frozenset[str]]]:
    """(metric name, label names matched) for each `name{...}` selector of an expression."""
    out = []
    for m in _SELECTOR.finditer(expr):
        name = m.group(1)
        if name in _PROMQL_KEYWORDS or name == "__name__":
            continue
        out.append((name, frozenset(x for x in _MATCHER.findall(m.group(2)) if x != "__name__")))
    return out


def grouping_labels(expr: str) -> set[str]:
    """Label names in by/without/on/ignoring/group_left/group_right clauses."""
    return {x.strip() for m in _GROUPING.finditer(expr) for x in m.group(1).split(",") if x.strip()}


def substitute_grafana(expr: str) -> str:
    for key in sorted(GRAFANA_SUBSTITUTIONS, key=len, reverse=True):
        expr = expr.replace(key, GRAFANA_SUBSTITUTIONS[key])
    return expr


@dataclass(frozen=True)
class Rule:
    file: str
    group: str
    kind: str  # "record" or "alert"
    name: str
    expr: str
    labels: dict
    annotations: dict


def load_rules(pattern: str = RULES_GLOB) -> list[Rule]:
    rules = []
    for path in sorted(glob.glob(pattern)):
        doc = yaml.safe_load(open(path, encoding="utf-8")) or {}
        for group in doc.get("groups", []):
            for r in group.get("rules", []):
                kind = "record" if "record" in r else "alert"
                rules.append(Rule(os.path.relpath(path, ROOT), group["name"], kind, r[kind],
                                  str(r["expr"]).strip(), r.get("labels") or {},
                                  r.get("annotations") or {}))
    return rules


@dataclass(frozen=True)
class PanelQuery:
    dashboard: str  # file name
    panel: str  # panel title
    ref: str  # refId or "var:<name>"
    expr: str  # as written in the dashboard
    legend: str = ""

    @property
    def promql(self) -> str:
        return substitute_grafana(self.expr)


def load_dashboards(pattern: str = DASHBOARDS_GLOB) -> dict[str, dict]:
    return {os.path.basename(p): json.load(open(p, encoding="utf-8")) for p in sorted(glob.glob(pattern))}


def iter_panels(panels: list) -> list:
    out = []
    for p in panels:
        out.append(p)
        out.extend(iter_panels(p.get("panels", [])))  # collapsed rows hold their panels
    return out


def panel_queries(dashboards: dict[str, dict]) -> list[PanelQuery]:
    out = []
    for name, dash in dashboards.items():
        for panel in iter_panels(dash.get("panels", [])):
            for t in panel.get("targets", []) or []:
                if "expr" in t:
                    out.append(PanelQuery(name, panel.get("title", "?"), t.get("refId", "?"), t["expr"],
                                          t.get("legendFormat", "")))
    return out


def variable_queries(dashboards: dict[str, dict]) -> list[PanelQuery]:
    """label_values(<selector>, <label>) template variables, as (selector, label) in expr/legend."""
    out = []
    for name, dash in dashboards.items():
        for var in dash.get("templating", {}).get("list", []):
            if var.get("type") != "query":
                continue
            q = var.get("query")
            q = q.get("query", "") if isinstance(q, dict) else (q or "")
            m = re.fullmatch(r"\s*label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)\s*", q)
            if not m:
                raise SystemExit(f"{name}: variable {var.get('name')}: only label_values(selector, label) "
                                 f"queries are supported, got {q!r}")
            out.append(PanelQuery(name, f"variable {var['name']}", f"var:{var['name']}", m.group(1), m.group(2)))
    return out
