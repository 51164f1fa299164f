#!/usr/bin/env python3
"""Renders the overview dashboard's key panels to a PNG with matplotlib.

    scripts/render-dashboard-png --prometheus-url http://127.0.0.1:9090 [--out docs/img/overview.png]
                                 [--minutes 15] [--window 30s]

Queries are taken from grafana/dashboards/kafkatrace-overview.json (same expressions, legends and
units as in Grafana) and run as range queries against the given Prometheus, typically the one
scripts/live-observability-check starts (`--render-png`). Exits 1 if a key panel has no data.

The overview reads 5-minute recording rules. A Prometheus that has run for less than 5 minutes
has not filled that window, and rate() over a half-empty window under-reports (it ramps up from 0).
--window 30s (which the live check passes for short runs) therefore inlines every recording rule the
panels read, with its `[5m]` ranges shortened to the given window; the title says so. The longer SLO
windows (30m, 1h, 6h) are ratios and are left as they are.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402
from prom_server import PromAPI  # noqa: E402

KEY_PANELS = [
    "Pipeline throughput: produced -> delivered -> consumed -> inserted",
    "Losses: failed deliveries, rejects, invalid, DLQ, duplicates",
    "End-to-end latency",
    "Consumer lag (messages)",
    "Consumer lag (seconds)",
    "Rate: HTTP requests /s",
    "Errors: HTTP 5xx ratio",
    "Duration: HTTP p50 / p99",
    "Producer queue depth / in flight",
    "PostgreSQL connections",
    "Consumer circuit breaker",
    "Producer: delivery latency",
]
UNITS = {"reqps": "/s", "s": "s", "percentunit": "ratio", "short": "", "none": "", "x": "x"}


def legend(fmt: str, labels: dict) -> str:
    if not fmt:
        return ", ".join(f"{k}={v}" for k, v in labels.items() if k != "__name__") or "value"
    return re.sub(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}", lambda m: labels.get(m.group(1), ""), fmt).strip()


_RECORDED = re.compile(r"(?<![\w:.])(kafkatrace:[a-zA-Z0-9_:]+)(?![\w:])")


def inline_recorded(expr: str, rules: dict[str, str], window: str, depth: int = 0) -> str:
    """Replaces each recording rule name in expr by its expression, `[5m]` ranges -> `[window]`."""
    if depth > 5:
        raise SystemExit(f"recording rules nest too deeply at {expr!r}")

    def expand(m: re.Match) -> str:
        name = m.group(1)
        if name not in rules:
            return name
        rest = expr[m.end():].lstrip()
        if rest.startswith(("{", "[")):
            raise SystemExit(f"cannot inline {name} followed by a selector or range in {expr!r}")
        body = rules[name].replace("[5m]", f"[{window}]")
        return "(" + inline_recorded(body, rules, window, depth + 1) + ")"

    return _RECORDED.sub(expand, expr)


def known_issue(expr: str) -> str:
    names = common.metric_names_in(expr)
    for family, why in common.KNOWN_ISSUES.items():
        if any(n == family or n.startswith(family + "_") for n in names):
            return f"known daemon bug: {family} {why.split(':')[0]}"
    return ""


def render(prometheus_url: str, out: str, minutes: float = 15, window: str | None = None) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    api = PromAPI(prometheus_url)
    dash = common.load_dashboards()["kafkatrace-overview.json"]
    panels = {p.get("title"): p for p in common.iter_panels(dash["panels"])}
    missing = [t for t in KEY_PANELS if t not in panels]
    if missing:
        raise SystemExit(f"overview dashboard lacks key panels {missing}")
    rules = {r.name: r.expr for r in common.load_rules() if r.kind == "record"}

    def promql(expr: str) -> str:
        expr = common.substitute_grafana(expr)
        return inline_recorded(expr, rules, window) if window else expr

    end = time.time()
    start = end - minutes * 60
    step = max(1.0, (end - start) / 300)

    stats = []
    for p in common.iter_panels(dash["panels"]):
        if p.get("type") == "stat":
            r = api.query(promql(p["targets"][0]["expr"]))
            res = r.get("data", {}).get("result", []) if r.get("status") == "success" else []
            val = float(res[0]["value"][1]) if res else float("nan")
            unit = p["fieldConfig"]["defaults"].get("unit", "")
            stats.append(f"{p['title']}: {val:.3g}{' ' + UNITS.get(unit, unit) if UNITS.get(unit, unit) else ''}")

    cols = 3
    rows = (len(KEY_PANELS) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(18, 3.4 * rows + 1.2), squeeze=False)
    empty = []
    for ax, title in zip(axes.flat, KEY_PANELS):
        p = panels[title]
        unit = p["fieldConfig"]["defaults"].get("unit", "")
        n = 0
        issue = ""
        for t in p["targets"]:
            expr = promql(t["expr"])
            issue = issue or known_issue(expr)
            r = api.query_range(expr, start, end, step)
            if r.get("status") != "success":
                raise SystemExit(f"{title}: {r.get('error')}")
            for s in r["data"]["result"]:
                xs = [dt.datetime.fromtimestamp(float(v[0])) for v in s["values"]]
                ys = [float(v[1]) for v in s["values"]]
                ax.plot(xs, ys, label=legend(t.get("legendFormat", ""), s["metric"]), linewidth=1.3)
                n += 1
        if not n:
            empty.append(title)
            ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes, color="red")
        if issue:
            ax.text(0.99, 0.04, issue, ha="right", va="bottom", transform=ax.transAxes, color="red", fontsize=7,
                    wrap=True)
        ax.set_title(title, fontsize=10, loc="left")
        ax.set_ylabel(UNITS.get(unit, unit), fontsize=8)
        ax.grid(True, alpha=0.3)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S"))
        for th in p["fieldConfig"]["defaults"].get("thresholds", {}).get("steps", [])[1:]:
            if th.get("color") == "red" and th.get("value") is not None:
                ax.axhline(th["value"], color="red", linestyle="--", linewidth=0.8, alpha=0.6)
        if n:
            ax.legend(fontsize=7, loc="upper left")
            if p["fieldConfig"]["defaults"].get("min") == 0:
                ax.set_ylim(bottom=0)
    for ax in list(axes.flat)[len(KEY_PANELS):]:
        ax.axis("off")
    note = f", recording rules inlined with [{window}] ranges" if window else ""
    fig.suptitle(f"{dash['title']} — {dt.datetime.fromtimestamp(end):%Y-%m-%d %H:%M} (last {minutes:.1f} min{note})\n"
                 + "   ·   ".join(stats), fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    if empty:
        raise SystemExit(f"key panels without data: {empty} (PNG written to {out} anyway)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prometheus-url", default=os.environ.get("PROMETHEUS_URL"), required="PROMETHEUS_URL" not in os.environ)
    ap.add_argument("--out", default=os.path.join(common.ROOT, "docs", "img", "overview.png"))
    ap.add_argument("--minutes", type=float, default=15)
    ap.add_argument("--window", help="inline the recording rules with this range instead of 5m, e.g. 30s")
    args = ap.parse_args()
    render(args.prometheus_url, args.out, args.minutes, args.window)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
