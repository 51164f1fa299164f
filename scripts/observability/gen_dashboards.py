#!/usr/bin/env python3
"""Generates grafana/dashboards/*.json (the committed files are this script's output).

    python3 scripts/observability/gen_dashboards.py          # rewrite the JSON files
    python3 scripts/observability/gen_dashboards.py --check  # exit 1 if they are out of date

Every query goes through the `${datasource}` template variable (type prometheus); nothing names a
data source. Rate windows use `$__rate_interval`; service dashboards filter on `$instance`.
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import ROOT  # noqa: E402

DS = {"type": "prometheus", "uid": "${datasource}"}
RI = "$__rate_interval"


class Board:
    """Lays panels out on Grafana's 24-column grid, row by row."""

    def __init__(self, uid: str, title: str, description: str, tags: list[str]):
        self.uid, self.title, self.description, self.tags = uid, title, description, tags
        self.panels: list[dict] = []
        self.variables: list[dict] = [{
            "name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
            "current": {}, "hide": 0, "refresh": 1, "regex": "", "options": [],
        }]
        self.x = self.y = 0
        self.row_h = 0
        self.next_id = 1

    def instance_variable(self, job: str) -> None:
        q = f'label_values(kafkatrace_build_info{{job="{job}"}}, instance)'
        self.variables.append({
            "name": "instance", "label": "Instance", "type": "query", "datasource": DS,
            "query": {"query": q, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
            "definition": q, "includeAll": True, "multi": True, "allValue": ".+",
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
            "refresh": 2, "sort": 1, "hide": 0, "options": [], "regex": "",
        })

    def row(self, title: str) -> None:
        if self.x:
            self.y += self.row_h
        self.x, self.row_h = 0, 0
        self.panels.append({"id": self._id(), "type": "row", "title": title, "collapsed": False,
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.y += 1

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def _place(self, w: int, h: int) -> dict:
        if self.x + w > 24:
            self.y += self.row_h
            self.x, self.row_h = 0, 0
        pos = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.x += w
        self.row_h = max(self.row_h, h)
        return pos

    @staticmethod
    def _targets(queries: list[tuple[str, str]], instant: bool = False) -> list[dict]:
        out = []
        for i, (expr, legend) in enumerate(queries):
            t = {"datasource": DS, "refId": chr(ord("A") + i), "expr": expr, "legendFormat": legend,
                 "range": not instant, "instant": instant}
            out.append(t)
        return out

    def timeseries(self, title: str, queries: list[tuple[str, str]], unit: str = "short",
                   description: str = "", w: int = 12, h: int = 8, stack: bool = False,
                   thresholds: list[tuple[float, str]] | None = None, mappings: list | None = None,
                   min0: bool = True) -> None:
        defaults: dict = {"unit": unit, "custom": {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10,
                                                    "showPoints": "never", "spanNulls": False,
                                                    "stacking": {"mode": "normal" if stack else "none"}}}
        if min0:
            defaults["min"] = 0
        if thresholds:
            defaults["thresholds"] = _thresholds(thresholds)
            defaults["custom"]["thresholdsStyle"] = {"mode": "line"}
        if mappings:
            defaults["mappings"] = mappings
        self.panels.append({
            "id": self._id(), "type": "timeseries", "title": title, "description": description,
            "datasource": DS, "gridPos": self._place(w, h), "targets": self._targets(queries),
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                        "tooltip": {"mode": "multi", "sort": "desc"}},
        })

    def stat(self, title: str, expr: str, unit: str = "short", description: str = "", w: int = 4, h: int = 4,
             thresholds: list[tuple[float, str]] | None = None, mappings: list | None = None,
             legend: str = "") -> None:
        defaults: dict = {"unit": unit, "thresholds": _thresholds(thresholds or [(0, "green")])}
        if mappings:
            defaults["mappings"] = mappings
        self.panels.append({
            "id": self._id(), "type": "stat", "title": title, "description": description,
            "datasource": DS, "gridPos": self._place(w, h), "targets": self._targets([(expr, legend)]),
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "colorMode": "background", "graphMode": "area", "textMode": "auto",
                        "justifyMode": "auto", "orientation": "auto"},
        })

    def table(self, title: str, expr: str, description: str = "", w: int = 12, h: int = 6) -> None:
        self.panels.append({
            "id": self._id(), "type": "table", "title": title, "description": description,
            "datasource": DS, "gridPos": self._place(w, h),
            "targets": [{"datasource": DS, "refId": "A", "expr": expr, "format": "table",
                         "instant": True, "range": False, "legendFormat": ""}],
            "fieldConfig": {"defaults": {}, "overrides": []},
            "transformations": [{"id": "organize", "options": {"excludeByName": {"Time": True, "Value": True}}}],
            "options": {"showHeader": True},
        })

    def to_json(self, links: list[dict]) -> dict:
        return {
            "uid": self.uid, "title": self.title, "description": self.description, "tags": self.tags,
            "editable": True, "graphTooltip": 1, "schemaVersion": 39, "version": 1, "refresh": "30s",
            "time": {"from": "now-1h", "to": "now"}, "timezone": "browser", "fiscalYearStartMonth": 0,
            "liveNow": False, "annotations": {"list": []}, "links": links,
            "templating": {"list": self.variables}, "panels": self.panels,
            "__inputs": [], "__requires": [
                {"type": "grafana", "id": "grafana", "name": "Grafana", "version": "10.0.0"},
                {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"}],
        }


def _thresholds(steps: list[tuple[float, str]]) -> dict:
    return {"mode": "absolute", "steps": [{"color": c, "value": None if i == 0 else v}
                                          for i, (v, c) in enumerate(steps)]}


CIRCUIT_MAPPINGS = [{"type": "value", "options": {
    "0": {"text": "closed", "color": "green", "index": 0},
    "1": {"text": "half-open", "color": "orange", "index": 1},
    "2": {"text": "open", "color": "red", "index": 2}}}]
UP_MAPPINGS = [{"type": "value", "options": {
    "0": {"text": "down", "color": "red", "index": 0},
    "1": {"text": "up", "color": "green", "index": 1}}}]
READY_MAPPINGS = [{"type": "value", "options": {
    "0": {"text": "not ready", "color": "red", "index": 0},
    "1": {"text": "ready", "color": "green", "index": 1}}}]


def links(current: str) -> list[dict]:
    return [{"title": t, "type": "link", "url": f"/d/{uid}", "icon": "dashboard", "targetBlank": False}
            for uid, t in (("kafkatrace-overview", "Overview"), ("kafkatrace-producer", "Producer"),
                           ("kafkatrace-consumer", "Consumer")) if uid != current]


def overview() -> Board:
    b = Board("kafkatrace-overview", "KafkaTrace / Overview",
              "Order pipeline at a glance: producer -> Kafka -> consumer -> PostgreSQL. "
              "RED per service, pipeline flow, saturation (USE).", ["kafkatrace"])
    b.row("Pipeline")
    b.stat("Orders received /s", "sum(kafkatrace:producer_orders_received:rate5m)", "reqps",
           "HTTP + generator orders accepted by the producer (5m rate).")
    b.stat("Orders inserted /s", "kafkatrace:consumer_orders_inserted:rate5m", "reqps",
           "Orders committed to PostgreSQL (5m rate).")
    b.stat("E2E latency p99", "kafkatrace:consumer_end_to_end_latency_seconds:p99_5m", "s",
           "created_at -> insert commit, objective 1 s.", thresholds=[(0, "green"), (0.5, "orange"), (1, "red")])
    b.stat("Consumer lag", "sum(kafkatrace:consumer_lag_messages:sum)", "short",
           "Messages not yet consumed, all partitions.",
           thresholds=[(0, "green"), (1000, "orange"), (10000, "red")])
    b.stat("Error budget burn (1h)", "kafkatrace:slo_orders_errors:ratio_rate1h / 0.001", "x",
           "Bad-order ratio over 1h divided by the 0.1% budget; 14.4 pages.",
           thresholds=[(0, "green"), (1, "orange"), (14.4, "red")])
    b.stat("Circuit breaker", "max(kafkatrace_consumer_circuit_state)", "none",
           "Consumer PostgreSQL circuit breaker (worst instance).", mappings=CIRCUIT_MAPPINGS,
           thresholds=[(0, "green"), (1, "orange"), (2, "red")])
    b.timeseries("Pipeline throughput: produced -> delivered -> consumed -> inserted", [
        ("kafkatrace:producer_messages_produced:rate5m", "produced"),
        ("kafkatrace:producer_messages_delivered:rate5m", "delivered"),
        ("kafkatrace:consumer_messages_consumed:rate5m", "consumed"),
        ("kafkatrace:consumer_orders_inserted:rate5m", "inserted"),
    ], "reqps", "Messages/s at each hop; the lines lie on top of each other when nothing is lost.")
    b.timeseries("Losses: failed deliveries, rejects, invalid, DLQ, duplicates", [
        ("kafkatrace:producer_messages_failed:rate5m", "delivery failed"),
        ("kafkatrace:producer_orders_rejected:rate5m", "rejected (HTTP validation)"),
        ("kafkatrace:consumer_orders_invalid:rate5m", "invalid (consumer)"),
        ("kafkatrace:consumer_dlq_sent:rate5m", "sent to DLQ"),
        ("kafkatrace:consumer_orders_duplicate:rate5m", "duplicates (idempotent skip)"),
    ], "reqps", "Everything that did not become a new row, per second.")
    b.timeseries("Consumer lag (messages)", [("kafkatrace:consumer_lag_messages:sum", "{{topic}}")], "short",
                 "Sum over partitions.", w=8)
    b.timeseries("Consumer lag (seconds)", [("kafkatrace:consumer_lag_seconds:max", "{{topic}}")], "s",
                 "Oldest unconsumed message, worst partition; alert at 60 s.", w=8,
                 thresholds=[(0, "green"), (60, "red")])
    b.timeseries("End-to-end latency", [
        ("kafkatrace:consumer_end_to_end_latency_seconds:p50_5m", "p50"),
        ("kafkatrace:consumer_end_to_end_latency_seconds:p95_5m", "p95"),
        ("kafkatrace:consumer_end_to_end_latency_seconds:p99_5m", "p99"),
    ], "s", "created_at -> insert commit; objective p99 < 1 s.", w=8, thresholds=[(0, "green"), (1, "red")])
    b.timeseries("SLO: bad-order ratio (budget 0.1%)", [
        ("kafkatrace:slo_orders_errors:ratio_rate5m", "5m"),
        ("kafkatrace:slo_orders_errors:ratio_rate1h", "1h"),
        ("kafkatrace:slo_orders_errors:ratio_rate6h", "6h"),
    ], "percentunit", "(failed deliveries + DLQ) / (delivered + failed).", w=24, h=6,
        thresholds=[(0, "green"), (0.001, "orange"), (0.0144, "red")])

    b.row("RED per service")
    b.timeseries("Rate: HTTP requests /s", [("sum by (job) (kafkatrace:http_requests:rate5m)", "{{job}}")],
                 "reqps", w=8)
    b.timeseries("Errors: HTTP 5xx ratio", [("kafkatrace:http_requests_errors:ratio_rate5m", "{{job}}")],
                 "percentunit", w=8, thresholds=[(0, "green"), (0.05, "red")])
    b.timeseries("Duration: HTTP p50 / p99", [
        ("kafkatrace:http_request_duration_seconds:p50_5m", "{{job}} p50"),
        ("kafkatrace:http_request_duration_seconds:p99_5m", "{{job}} p99"),
    ], "s", w=8)
    b.timeseries("Producer: delivery failure ratio", [
        ("kafkatrace:producer_delivery_failure:ratio_rate5m", "failed / (delivered + failed)")],
        "percentunit", w=8, thresholds=[(0, "green"), (0.01, "red")])
    b.timeseries("Producer: delivery latency", [
        ("kafkatrace:producer_delivery_latency_seconds:p50_5m", "p50"),
        ("kafkatrace:producer_delivery_latency_seconds:p99_5m", "p99"),
    ], "s", "Enqueue -> delivery report.", w=8)
    b.timeseries("Consumer: insert error ratio / batch p99", [
        ("kafkatrace:consumer_db_errors:ratio_rate5m", "DB error ratio (batches)"),
        ("kafkatrace:consumer_insert_duration_seconds:p99_5m", "insert batch p99 (s)"),
    ], "short", w=8)

    b.row("Saturation (USE)")
    b.timeseries("Producer queue depth / in flight", [
        ("sum(kafkatrace_producer_queue_depth)", "queue depth (outq)"),
        ("sum(kafkatrace_producer_in_flight)", "in flight"),
    ], "short", w=8)
    b.timeseries("PostgreSQL connections", [
        ("sum by (state) (kafkatrace_postgres_connections)", "{{state}}")], "short", w=8, stack=True)
    b.timeseries("Consumer circuit breaker", [
        ("max by (instance) (kafkatrace_consumer_circuit_state)", "{{instance}}")], "none",
        "0 closed, 1 half-open, 2 open.", w=8, mappings=CIRCUIT_MAPPINGS)
    b.timeseries("Targets up / ready", [
        ('up{job=~"kafkatrace-(producer|consumer)"}', "up {{job}} {{instance}}"),
        ("kafkatrace_ready", "ready {{job}} {{instance}}"),
    ], "none", w=12, mappings=UP_MAPPINGS)
    b.timeseries("HTTP connections active", [
        ("sum by (job) (kafkatrace_http_connections_active)", "{{job}}")], "short", w=12)
    return b


def common_service_rows(b: Board, job: str) -> None:
    sel = f'job="{job}", instance=~"$instance"'
    b.row("Health")
    b.stat("Up", f'min(up{{{sel}}})', "none", mappings=UP_MAPPINGS,
           thresholds=[(0, "red"), (1, "green")])
    b.stat("Ready", f"min(kafkatrace_ready{{{sel}}})", "none", mappings=READY_MAPPINGS,
           thresholds=[(0, "red"), (1, "green")])
    b.table("Build info", f"kafkatrace_build_info{{{sel}}}", w=16, h=4)
    b.timeseries("Readiness checks", [(f"kafkatrace_readiness_check{{{sel}}}", "{{instance}} {{check}}")],
                 "none", "1 = check passes.", mappings=READY_MAPPINGS)
    b.timeseries("HTTP connections", [
        (f"sum(kafkatrace_http_connections_active{{{sel}}})", "active"),
        (f"sum(rate(kafkatrace_http_connections_rejected_total{{{sel}}}[{RI}]))", "rejected /s"),
    ], "short")
    b.row("HTTP (RED)")
    b.timeseries("Requests /s by route and status", [
        (f"sum by (route, status) (rate(kafkatrace_http_requests_total{{{sel}}}[{RI}]))", "{{route}} {{status}}")],
        "reqps", w=8)
    b.timeseries("5xx ratio", [(
        f'(sum(rate(kafkatrace_http_requests_total{{{sel}, status=~"5.."}}[{RI}])) '
        f"or 0 * sum(rate(kafkatrace_http_requests_total{{{sel}}}[{RI}]))) "
        f"/ sum(rate(kafkatrace_http_requests_total{{{sel}}}[{RI}]))", "5xx / all")],
        "percentunit", w=8, thresholds=[(0, "green"), (0.05, "red")])
    b.timeseries("Request duration p99 by route", [(
        f"histogram_quantile(0.99, sum by (route, le) "
        f"(rate(kafkatrace_http_request_duration_seconds_bucket{{{sel}}}[{RI}])))", "{{route}}")], "s", w=8)


def kafka_client_rows(b: Board, job: str) -> None:
    sel = f'job="{job}", instance=~"$instance"'
    b.row("Kafka client (librdkafka statistics)")
    b.timeseries("Broker RTT (avg)", [(f"max by (broker) (kafkatrace_kafka_broker_rtt_seconds{{{sel}}})",
                                      "broker {{broker}}")], "s", w=6)
    b.timeseries("Bytes /s", [
        (f"sum(rate(kafkatrace_kafka_tx_bytes_total{{{sel}}}[{RI}]))", "tx"),
        (f"sum(rate(kafkatrace_kafka_rx_bytes_total{{{sel}}}[{RI}]))", "rx"),
    ], "Bps", w=6)
    b.timeseries("Retries /s", [(f"sum(rate(kafkatrace_kafka_retries_total{{{sel}}}[{RI}]))", "retries")],
                 "short", w=6)
    b.timeseries("Client queue (messages)", [(f"sum(kafkatrace_kafka_client_queue_messages{{{sel}}})", "msg_cnt")],
                 "short", w=6)


def producer() -> Board:
    job = "kafkatrace-producer"
    sel = f'job="{job}", instance=~"$instance"'
    b = Board(job, "KafkaTrace / Producer", "kafkatrace-producer: HTTP intake, order generator, "
              "Kafka delivery, queue saturation.", ["kafkatrace", "producer"])
    b.instance_variable(job)
    common_service_rows(b, job)
    b.row("Orders")
    b.timeseries("Orders received /s by source", [
        (f"sum by (source) (rate(kafkatrace_producer_orders_received_total{{{sel}}}[{RI}]))", "{{source}}"),
        (f"sum(rate(kafkatrace_producer_orders_generated_total{{{sel}}}[{RI}]))", "generated"),
        (f"sum(rate(kafkatrace_producer_generator_shortfall_total{{{sel}}}[{RI}]))", "generator shortfall"),
    ], "reqps", "Generator shortfall: orders order.rate called for that the generator could not make "
       "within its 1 s catch-up window (dropped, not made late).", w=12)
    b.timeseries("Orders rejected /s by reason", [
        (f"sum by (reason) (rate(kafkatrace_producer_orders_rejected_total{{{sel}}}[{RI}]))", "{{reason}}")],
        "reqps", "HTTP validation failures (400), by validation code.", w=12)
    b.row("Kafka delivery")
    b.timeseries("Produced / delivered /s", [
        (f"sum(rate(kafkatrace_producer_messages_produced_total{{{sel}}}[{RI}]))", "produced"),
        (f"sum(rate(kafkatrace_producer_messages_delivered_total{{{sel}}}[{RI}]))", "delivered"),
    ], "reqps", w=8)
    b.timeseries("Delivery failures /s by error", [
        (f"sum by (error) (rate(kafkatrace_producer_messages_failed_total{{{sel}}}[{RI}]))", "{{error}}")],
        "reqps", "librdkafka error names of failed delivery reports.", w=8)
    b.timeseries("Delivery latency", [
        (f"histogram_quantile({q}, sum by (le) (rate(kafkatrace_producer_delivery_latency_seconds_bucket"
         f"{{{sel}}}[{RI}])))", f"p{int(q * 100)}") for q in (0.5, 0.95, 0.99)
    ], "s", "Enqueue -> delivery report.", w=8)
    b.row("Saturation")
    b.timeseries("Queue depth / in flight", [
        (f"sum(kafkatrace_producer_queue_depth{{{sel}}})", "queue depth (outq)"),
        (f"sum(kafkatrace_producer_in_flight{{{sel}}})", "in flight"),
    ], "short", w=8)
    b.timeseries("Backpressure /s", [
        (f"sum(rate(kafkatrace_producer_queue_full_total{{{sel}}}[{RI}]))", "QUEUE_FULL seen"),
        (f"sum(rate(kafkatrace_producer_backpressure_rejected_total{{{sel}}}[{RI}]))", "gave up (rejected)"),
    ], "short", w=8)
    b.timeseries("Undelivered at shutdown", [
        (f"max by (instance) (kafkatrace_producer_undelivered_at_shutdown{{{sel}}})", "{{instance}}")],
        "short", "Messages still in the queue when the last shutdown flush timed out.", w=8)
    kafka_client_rows(b, job)
    return b


def consumer() -> Board:
    job = "kafkatrace-consumer"
    sel = f'job="{job}", instance=~"$instance"'
    b = Board(job, "KafkaTrace / Consumer", "kafkatrace-consumer: consumption, validation, DLQ, "
              "PostgreSQL batches, lag, circuit breaker.", ["kafkatrace", "consumer"])
    b.instance_variable(job)
    common_service_rows(b, job)
    b.row("Messages")
    b.timeseries("Consumed / inserted /s", [
        (f"sum(rate(kafkatrace_consumer_messages_consumed_total{{{sel}}}[{RI}]))", "consumed"),
        (f"sum(rate(kafkatrace_consumer_orders_inserted_total{{{sel}}}[{RI}]))", "inserted"),
        (f"sum(rate(kafkatrace_consumer_orders_duplicate_total{{{sel}}}[{RI}]))", "duplicate"),
    ], "reqps", w=8)
    b.timeseries("Invalid /s by reason", [
        (f"sum by (reason) (rate(kafkatrace_consumer_orders_invalid_total{{{sel}}}[{RI}]))", "{{reason}}")],
        "reqps", w=8)
    b.timeseries("DLQ /s", [
        (f"sum(rate(kafkatrace_consumer_dlq_sent_total{{{sel}}}[{RI}]))", "sent"),
        (f"sum(rate(kafkatrace_consumer_dlq_failed_total{{{sel}}}[{RI}]))", "failed"),
    ], "reqps", w=8)
    b.row("Lag and latency")
    b.timeseries("Lag (messages) by partition", [
        (f"sum by (topic, partition) (kafkatrace_consumer_lag_messages{{{sel}}})", "{{topic}}/{{partition}}")],
        "short", w=8)
    b.timeseries("Lag (seconds) by partition", [
        (f"max by (topic, partition) (kafkatrace_consumer_lag_seconds{{{sel}}})", "{{topic}}/{{partition}}")],
        "s", w=8, thresholds=[(0, "green"), (60, "red")])
    b.timeseries("End-to-end latency", [
        (f"histogram_quantile({q}, sum by (le) (rate(kafkatrace_consumer_end_to_end_latency_seconds_bucket"
         f"{{{sel}}}[{RI}])))", f"p{int(q * 100)}") for q in (0.5, 0.95, 0.99)
    ], "s", "created_at -> insert commit; objective p99 < 1 s.", w=8, thresholds=[(0, "green"), (1, "red")])
    b.row("PostgreSQL")
    b.timeseries("Insert batch duration", [
        (f"histogram_quantile({q}, sum by (le) (rate(kafkatrace_consumer_insert_duration_seconds_bucket"
         f"{{{sel}}}[{RI}])))", f"p{int(q * 100)}") for q in (0.5, 0.99)
    ], "s", "One batch transaction.", w=8)
    b.timeseries("Batch size", [
        (f"sum(rate(kafkatrace_consumer_batch_size_sum{{{sel}}}[{RI}])) "
         f"/ sum(rate(kafkatrace_consumer_batch_size_count{{{sel}}}[{RI}]))", "avg"),
        (f"histogram_quantile(0.99, sum by (le) (rate(kafkatrace_consumer_batch_size_bucket{{{sel}}}[{RI}])))",
         "p99"),
    ], "short", "Orders per batch.", w=8)
    b.timeseries("DB errors /s by SQLSTATE class", [
        (f"sum by (sqlstate_class) (rate(kafkatrace_consumer_db_errors_total{{{sel}}}[{RI}]))",
         "{{sqlstate_class}}")], "short", w=8)
    b.timeseries("Connections by state", [
        (f"sum by (state) (kafkatrace_postgres_connections{{{sel}}})", "{{state}}")], "short", w=8, stack=True)
    b.timeseries("PostgreSQL up / circuit breaker", [
        (f"min(kafkatrace_postgres_up{{{sel}}})", "postgres up"),
        (f"max(kafkatrace_consumer_circuit_state{{{sel}}})", "circuit (0 closed, 1 half-open, 2 open)"),
    ], "none", w=8)
    b.timeseries("Commit failures /s", [
        (f"sum(rate(kafkatrace_consumer_commit_failures_total{{{sel}}}[{RI}]))", "offset commit failures")],
        "short", w=8)
    b.row("Group membership")
    b.timeseries("Assigned partitions", [
        (f"sum by (instance) (kafkatrace_consumer_assigned_partitions{{{sel}}})", "{{instance}}")],
        "short", w=8)
    b.timeseries("Stalled partitions", [
        (f"sum by (instance) (kafkatrace_consumer_stalled_partitions{{{sel}}})", "{{instance}}")],
        "short", "Assigned partitions with lag whose position has not moved for consumer.stall_after_ms "
        "(not those paused by the open circuit breaker); alert KafkaTraceConsumerStalled.", w=8,
        thresholds=[(0, "green"), (1, "red")])
    b.timeseries("Rebalances by type", [
        (f"sum by (type) (increase(kafkatrace_consumer_rebalances_total{{{sel}}}[{RI}]))", "{{type}}")],
        "short", w=8)
    b.timeseries("Fetch restarts and buffer pauses", [
        (f"sum by (instance) (increase(kafkatrace_consumer_fetch_restarts_total{{{sel}}}[{RI}]))",
         "fetch restarts {{instance}}"),
        (f"sum by (instance) (increase(kafkatrace_consumer_buffer_pauses_total{{{sel}}}[{RI}]))",
         "buffer pauses {{instance}}"),
    ], "short", "Fetch restarts: the consumer restarted a fetch librdkafka 2.0.2 stopped at a full pre-fetch "
        "queue (normal while catching up). Buffer pauses: the pipeline took nothing for a second and every "
        "partition was paused; see PostgreSQL and the circuit breaker.", w=8)
    kafka_client_rows(b, job)
    return b


def render() -> dict[str, str]:
    out = {}
    for name, board in (("kafkatrace-overview.json", overview()), ("kafkatrace-producer.json", producer()),
                        ("kafkatrace-consumer.json", consumer())):
        out[name] = json.dumps(board.to_json(links(board.uid)), indent=2, sort_keys=False) + "\n"
    return out


def main() -> int:
    check = "--check" in sys.argv[1:]
    folder = os.path.join(ROOT, "grafana", "dashboards")
    stale = []
    for name, text in render().items():
        path = os.path.join(folder, name)
        current = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if current != text:
            stale.append(name)
            if not check:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
    if check and stale:
        print(f"grafana/dashboards out of date with gen_dashboards.py: {', '.join(stale)}; "
              f"run python3 scripts/observability/gen_dashboards.py", file=sys.stderr)
        return 1
    if not check:
        print(f"wrote {len(stale)} dashboard(s)" if stale else "dashboards up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
