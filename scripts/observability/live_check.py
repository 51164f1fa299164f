#!/usr/bin/env python3
"""Live observability check against running KafkaTrace daemons.

Starts a real Prometheus (Debian `prometheus`, /usr/bin/prometheus) on 127.0.0.1:<free port> with a
temporary data dir and a config derived from prometheus/prometheus.yml (targets = the given daemon
URLs, scrape/evaluation interval 1 s, the committed rules), waits for scrapes, then through the HTTP
API evaluates every recording rule expression, every alert expression, every dashboard panel query
and template variable, and checks that every metric the rules and dashboards name is exposed.

A query passes when Prometheus evaluates it without error; a panel query must also return data.
A panel query may be empty only if every metric it reads is an event-only metric (failures, DLQ,
labels that appear on first use: see common.EVENT_ONLY) that the daemon declares in its HELP/TYPE
lines (Prometheus target metadata), or is named with --allow-empty; it must not be only NaN. Every
label a query matches on or groups by must exist on the series it reads (a renamed label hides behind
"or 0 * x" fallbacks otherwise). Every histogram must have observations that are not all 0 (daemon
bugs still open are listed in common.KNOWN_ISSUES and reported as KNOWN-ISSUE). Rule groups must
evaluate without errors (/api/v1/rules health).

    scripts/live-observability-check [--producer-url URL] [--consumer-url URL] [--expect-broken]
                                     [--render-png docs/img/overview.png]
URLs default to $PRODUCER_URL / $CONSUMER_URL, then http://127.0.0.1:8080 / :8081.
--expect-broken adds deliberately broken panels (a metric name the daemons do not expose, a label
they do not have) and broken rules (a syntax error, one that records nothing); the run then passes
only if each is reported as a failure and everything real passes.
Prints a table and "live-observability: N passed, N failed"; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402
from prom_server import PromAPI, PrometheusServer  # noqa: E402

BROKEN_METRIC = "kafkatrace_producer_messages_produced_totl"  # a typo of a contract name
BROKEN_RULE_EXPR = "sum(rate(kafkatrace_producer_messages_produced_total[5m])"  # unclosed paren


class Result:
    def __init__(self, kind: str, source: str, status: str, series: int | str, detail: str, injected=False):
        self.kind, self.source, self.status, self.series, self.detail = kind, source, status, series, detail
        self.injected = injected

    @property
    def ok(self) -> bool:
        return self.status in ("PASS", "EMPTY-DECLARED", "EMPTY-ALLOWED", "KNOWN-ISSUE")


def wait_for_scrapes(api: PromAPI, jobs: list[str], min_scrapes: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        ready = True
        for job in jobs:
            r = api.query(f'min(count_over_time(up{{job="{job}"}}[10m])) >= {min_scrapes} '
                          f'and min(up{{job="{job}"}}) == 1')
            if r.get("status") != "success" or not r["data"]["result"]:
                ready = False
        if ready:
            time.sleep(3)  # a few rule evaluations on top of the scraped data
            return
        t = api.targets()
        last = "; ".join(f"{x['labels'].get('job')} {x['scrapeUrl']} health={x['health']} {x.get('lastError', '')}"
                         for x in t.get("data", {}).get("activeTargets", []))
        time.sleep(1)
    raise RuntimeError(f"targets not scraped {min_scrapes} times within {timeout:.0f} s: {last}")


def evaluate(api: PromAPI, expr: str) -> tuple[str | None, int]:
    err, n, _ = evaluate_values(api, expr)
    return err, n


def evaluate_values(api: PromAPI, expr: str) -> tuple[str | None, int, int]:
    """(error, series returned, series with a number that is not NaN)."""
    r = api.query(expr)
    if r.get("status") != "success":
        return f"{r.get('errorType', 'error')}: {r.get('error', r)}", 0, 0
    data = r["data"]
    if data["resultType"] == "vector":
        values = [x["value"][1] for x in data["result"]]
    elif data["resultType"] == "matrix":
        values = [x["values"][-1][1] for x in data["result"] if x["values"]]
    else:
        values = [data["result"][1]]
    return None, len(values), sum(v.lower() != "nan" for v in values)


def first_value(api: PromAPI, expr: str) -> tuple[str | None, float | None]:
    r = api.query(expr)
    if r.get("status") != "success":
        return r.get("error", "error"), None
    res = r["data"]["result"]
    return None, (float(res[0]["value"][1]) if res else None)


def label_problems(expr: str, labels_of, recorded: set[str]) -> tuple[list[str], list[str]]:
    """Label names an expression matches or groups by that no series of its metrics carries.
    Returns (problems, labels checked). labels_of(name) -> set of label names, or None if unknown."""
    problems, checked = [], []
    union: set[str] = set()
    for name in common.metric_names_in(expr):
        known = labels_of(name)
        if known is not None:
            union |= known
    for name, labels in common.selector_labels(expr):
        known = labels_of(name)
        for label in sorted(labels):
            checked.append(f"{name}{{{label}}}")
            if known is not None and label not in known:
                problems.append(f"{name} has no label {label!r} (has: {', '.join(sorted(known - {'__name__'}))})")
    if "label_replace" not in expr and "label_join" not in expr and union:
        for label in sorted(common.grouping_labels(expr)):
            checked.append(f"by {label}")
            if label not in union:
                problems.append(f"grouping label {label!r} is on none of {sorted(common.metric_names_in(expr))}")
    return problems, checked


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--producer-url", default=os.environ.get("PRODUCER_URL", "http://127.0.0.1:8080"))
    ap.add_argument("--consumer-url", default=os.environ.get("CONSUMER_URL", "http://127.0.0.1:8081"))
    ap.add_argument("--min-scrapes", type=int, default=15, help="scrapes per target before querying (1 s apart)")
    ap.add_argument("--timeout", type=float, default=120, help="seconds to wait for the scrapes")
    ap.add_argument("--allow-empty", action="append", default=[], metavar="METRIC",
                    help="metric whose panels may be empty even if the daemon does not declare it")
    ap.add_argument("--expect-broken", action="store_true",
                    help="inject a broken panel query and rule; pass only if both are caught")
    ap.add_argument("--render-png", metavar="PATH", help="also render the overview PNG from this Prometheus")
    ap.add_argument("--json", metavar="PATH", help="write the results as JSON")
    args = ap.parse_args()

    metrics = common.contract_metrics()
    series_names = common.allowed_series_names(metrics)
    rules = common.load_rules()
    dashboards = common.load_dashboards()
    queries = common.panel_queries(dashboards)
    variables = common.variable_queries(dashboards)
    extra_rules = None
    if args.expect_broken:
        broken = copy.deepcopy(dashboards["kafkatrace-overview.json"])
        broken["panels"] = [{"type": "timeseries", "title": "INJECTED renamed metric", "targets": [
            {"refId": "A", "expr": f"sum(rate({BROKEN_METRIC}[$__rate_interval]))"}]}]
        # a renamed label hidden by the usual "or 0 * ..." fallback: the panel still returns data
        # (0), so only the label check can see that `code` is not a label of the metric
        broken["panels"].append({"type": "timeseries", "title": "INJECTED renamed label", "targets": [
            {"refId": "A", "expr": 'sum(rate(kafkatrace_http_requests_total{code=~"5.."}[$__rate_interval])) '
                                   'or 0 * sum(rate(kafkatrace_http_requests_total[$__rate_interval]))'}]})
        queries += [common.PanelQuery("INJECTED-broken.json", q.panel, q.ref, q.expr)
                    for q in common.panel_queries({"x": broken})]
        rules.append(common.Rule("INJECTED", "injected", "record", "kafkatrace:injected_broken:rate5m",
                                 BROKEN_RULE_EXPR, {}, {}))
        # also load a valid-but-wrong rule into the server, to prove rule health is checked:
        # it reads the misspelled metric, so it evaluates fine but records nothing
        extra_rules = {"groups": [{"name": "injected", "rules": [
            {"record": "kafkatrace:injected_empty:rate5m", "expr": f"sum(rate({BROKEN_METRIC}[5m]))"}]}]}

    targets = {"kafkatrace-producer": args.producer_url, "kafkatrace-consumer": args.consumer_url}
    results: list[Result] = []
    with PrometheusServer(targets, extra_rules=extra_rules) as prom:
        api = PromAPI(prom.url)
        started = time.time()
        print(f"prometheus {prom.url} scraping producer={args.producer_url} consumer={args.consumer_url}", flush=True)
        wait_for_scrapes(api, list(targets), args.min_scrapes, args.timeout)

        start = time.time() - 600
        declared = set(api.metadata().get("data", {}).keys())

        def exposed(name: str) -> bool:
            r = api.series(name, start)
            return r.get("status") == "success" and bool(r["data"])

        # 1. metrics named by rules and dashboards are exposed
        referenced: set[str] = set()
        for q in queries + variables:
            referenced |= common.metric_names_in(q.promql)
        for r in rules:
            if not r.file.startswith("INJECTED"):
                referenced |= common.metric_names_in(r.expr)
        recorded = {r.name for r in rules if r.kind == "record"}
        for name in sorted(referenced - recorded):
            family = series_names.get(name, name)
            injected = name == BROKEN_METRIC
            if exposed(name):
                results.append(Result("metric", name, "PASS", "", "exposed", injected))
            elif family in common.EVENT_ONLY and family in declared:
                results.append(Result("metric", name, "EMPTY-DECLARED", 0, "event-only, declared (HELP/TYPE), no samples yet"))
            elif family in args.allow_empty or name in args.allow_empty:
                results.append(Result("metric", name, "EMPTY-ALLOWED", 0, "--allow-empty"))
            else:
                why = "event-only but not declared by the daemon" if family in common.EVENT_ONLY else "not exposed by the daemons"
                results.append(Result("metric", name, "FAIL", 0, why, injected))

        # 1b. every label a query matches on or groups by exists on the metric it reads (a renamed
        # label empties a selector silently, and "or 0 * x" fallbacks even keep the panel "with data")
        label_cache: dict[str, set[str] | None] = {}
        contract_labels = {n: set(m.labels) | common.TARGET_LABELS | ({"le"} if m.kind == "histogram" else set())
                           for n, m in metrics.items()}

        def labels_of(name: str) -> set[str] | None:
            if name not in label_cache:
                r = api.series(name, start)
                found = {k for s in r.get("data", []) or [] for k in s} if r.get("status") == "success" else set()
                family = series_names.get(name)
                if not found and family:
                    found = contract_labels.get(family, set())  # declared-only: trust the contract
                    if name.endswith("_bucket"):
                        found = found | {"le"}
                label_cache[name] = found or None
            return label_cache[name]

        label_sources = [(f"{q.dashboard} / {q.panel} / {q.ref}", q.promql, q.dashboard.startswith("INJECTED"))
                         for q in queries + variables]
        label_sources += [(f"{r.kind} {r.name}", r.expr, r.file == "INJECTED") for r in rules
                          if r.file != "INJECTED"]
        for src, expr, injected in label_sources:
            problems, checked = label_problems(expr, labels_of, recorded)
            if checked:
                results.append(Result("labels", src, "FAIL" if problems else "PASS", len(checked),
                                      "; ".join(problems) or ", ".join(checked)[:90], injected))

        # 1c. histograms observe real values: observations counted but a _sum that stays 0 means the
        # daemon records a constant 0 (a broken timer), which histogram_quantile hides as "first bucket"
        for family in sorted(n for n, m in metrics.items() if m.kind == "histogram"):
            _, count = first_value(api, f"sum({family}_count)")
            _, total = first_value(api, f"sum({family}_sum)")
            if count is None:
                status, detail = "FAIL", "no series"
            elif count == 0:
                status, detail = "FAIL", "no observations during the run"
            elif total == 0:
                status, detail = "FAIL", f"{count:.0f} observations, all exactly 0 (_sum = 0)"
            else:
                status, detail = "PASS", f"{count:.0f} observations, mean {total / count:.3g}"
            if family in common.KNOWN_ISSUES:
                if status == "FAIL":
                    status, detail = "KNOWN-ISSUE", f"{detail}: {common.KNOWN_ISSUES[family]}"
                else:
                    status, detail = "FAIL", f"{detail}; fixed? remove it from common.KNOWN_ISSUES"
            results.append(Result("histogram", family, status, "", detail))

        # 2. recording rules and alert expressions parse and evaluate
        for r in rules:
            err, n = evaluate(api, r.expr)
            injected = r.file == "INJECTED"
            results.append(Result(r.kind, r.name, "FAIL" if err else "PASS", n, err or f"{r.file}", injected))

        # 3. rule groups evaluate without errors inside the server
        time.sleep(2)
        for g in api.rules().get("data", {}).get("groups", []):
            for rr in g.get("rules", []):
                name = rr.get("name")
                injected = g["name"] == "injected"
                if rr.get("health") not in ("ok", "unknown") or rr.get("lastError"):
                    results.append(Result("rule-health", name, "FAIL", "", rr.get("lastError", rr.get("health")), injected))
                elif injected and rr.get("type") == "recording":
                    err, n = evaluate(api, name)
                    results.append(Result("rule-output", name, "PASS" if n else "FAIL", n,
                                          "records series" if n else "records nothing", injected))

        # 4. dashboard panel queries return data
        for q in queries:
            err, n, numeric = evaluate_values(api, q.promql)
            src = f"{q.dashboard} / {q.panel} / {q.ref}"
            injected = q.dashboard.startswith("INJECTED")
            if err:
                results.append(Result("panel", src, "FAIL", 0, err, injected))
            elif n and not numeric:
                results.append(Result("panel", src, "FAIL", n, f"only NaN (0/0, or a histogram without "
                                      f"observations): {q.promql[:70]}", injected))
            elif n:
                results.append(Result("panel", src, "PASS", n, q.promql[:70], injected))
            else:
                names = {series_names.get(x, x) for x in common.metric_names_in(q.promql)}
                raw = {x for x in names if x not in recorded}
                if raw and all(x in common.EVENT_ONLY and x in declared for x in raw):
                    results.append(Result("panel", src, "EMPTY-DECLARED", 0, "only event-only metrics, declared"))
                elif raw and all(x in args.allow_empty for x in raw):
                    results.append(Result("panel", src, "EMPTY-ALLOWED", 0, "--allow-empty"))
                else:
                    results.append(Result("panel", src, "FAIL", 0, f"no data: {q.promql[:90]}", injected))

        # 5. template variables have values
        for v in variables:
            r = api.series(v.promql, start)
            values = {s.get(v.legend) for s in r.get("data", []) or [] if s.get(v.legend)}
            ok = r.get("status") == "success" and values
            results.append(Result("variable", f"{v.dashboard} / {v.panel}", "PASS" if ok else "FAIL", len(values),
                                  f"label_values({v.promql}, {v.legend})"))

        if args.render_png:
            import render_overview
            ran = time.time() - started
            # 5-minute rules need 5 minutes of data; a shorter run renders them inlined over a
            # window the run has filled (render_overview --window), and says so in the title
            window_s = 0 if ran > 360 else max(10, min(60, int(ran / 3)))
            window = f"{window_s}s" if window_s else None
            try:
                # the picture starts once the first window is full (the first scrape comes ~5 s after start),
                # not with rates ramping up from 0
                render_overview.render(prom.url, args.render_png, minutes=(ran - window_s - 5) / 60, window=window)
                results.append(Result("png", args.render_png, "PASS", "", f"key panels rendered (window {window or '5m'})"))
            except SystemExit as e:
                results.append(Result("png", args.render_png, "FAIL", "", str(e)))

    width = max(len(r.source) for r in results)
    print(f"\n{'KIND':<12} {'SOURCE':<{min(width, 90)}} {'STATUS':<15} {'SERIES':>6}  DETAIL")
    for r in results:
        mark = " (injected)" if r.injected else ""
        print(f"{r.kind:<12} {r.source[:90]:<{min(width, 90)}} {r.status:<15} {str(r.series):>6}  {r.detail}{mark}")

    real = [r for r in results if not r.injected]
    injected = [r for r in results if r.injected]
    passed = sum(r.ok for r in real)
    failed = len(real) - passed
    if args.expect_broken:
        caught = [r for r in injected if not r.ok]
        kinds = {r.kind for r in caught}
        needed = {"panel", "record", "rule-output", "metric", "labels"}
        if needed <= kinds:
            print(f"\nexpect-broken: the injected broken queries were caught ({', '.join(sorted(kinds))})")
            passed += 1
        else:
            print(f"\nexpect-broken: NOT caught: {sorted(needed - kinds)} — the live check would miss a broken expression")
            failed += 1
    if args.json:
        with open(args.json, "w") as f:
            json.dump([r.__dict__ for r in results], f, indent=1)
    print(f"live-observability: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    import signal
    # SIGTERM/SIGHUP unwind like Ctrl-C, so the Prometheus child and its temp dir are removed
    def interrupted(signum, _frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupted)
    try:
        sys.exit(main())
    except KeyboardInterrupt as e:
        print(f"live-observability: interrupted ({e or 'SIGINT'}); Prometheus stopped, temp dir removed",
              file=sys.stderr)
        sys.exit(130)
    except RuntimeError as e:
        print(f"live-observability: FAILED: {e}", file=sys.stderr)
        print("live-observability: 0 passed, 1 failed")
        sys.exit(1)
