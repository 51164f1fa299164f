"""kafkatrace-producer against the dev cluster (librdkafka's mock brokers behind
kafkatrace-devcluster), read back with kcat: every order exactly once with key, headers and
JSON intact; generator rate; a broker outage; SIGTERM under load; the HTTP surface."""

import json
import signal
import subprocess
import time

import pytest

from conftest import binary, consume_all, http, metric_value, rss_kb, wait_until

TOPIC = "food-orders"
CALLER_TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def producer_env(devcluster, **extra):
    env = {
        "KAFKATRACE_KAFKA_BROKERS": devcluster.brokers,
        "KAFKATRACE_ORDER_RATE": "0",
        "KAFKATRACE_KAFKA_STATISTICS_INTERVAL_MS": "1000",
        "KAFKATRACE_SHUTDOWN_TIMEOUT_MS": "20000",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def order(customer="CUST-00042", quantity=2, price="12.50", total="25.00", order_id=None):
    o = {"customer_id": customer,
         "items": [{"item_id": "ITEM-03", "name": "Margherita Pizza", "quantity": quantity,
                    "unit_price": json.loads(price)}],
         "total_amount": json.loads(total)}
    if order_id:
        o["order_id"] = order_id
    return o


def post(daemon, path, body, content_type="application/json", headers=None):
    h = {"Content-Type": content_type}
    h.update(headers or {})
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, resp_headers, raw = http("POST", daemon.url + path, data, h)
    return status, resp_headers, json.loads(raw) if raw else None


def log_events(daemon):
    events = []
    for line in daemon.log().splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            continue
    return events


def flush_result(daemon):
    """The drain's final log line: produced / delivered / failed / undelivered."""
    for event in log_events(daemon):
        if event.get("message", "").startswith("Kafka producer flush"):
            return {k: int(event[k]) for k in ("produced", "delivered", "failed", "undelivered")}
    raise AssertionError(f"no flush line in the producer log\n{daemon.log()[-3000:]}")


def backlog(daemon) -> float:
    """Messages produced but not yet delivered (one scrape of /metrics)."""
    m = daemon.metrics()
    return (metric_value(m, "kafkatrace_producer_messages_produced_total")
            - metric_value(m, "kafkatrace_producer_messages_delivered_total"))


def stop_clean(daemon, timeout=30):
    code = daemon.stop(timeout=timeout)
    assert code == 0, f"producer exited {code}\n{daemon.log()[-3000:]}"
    result = flush_result(daemon)
    assert result["undelivered"] == 0 and result["failed"] == 0, result
    assert result["delivered"] == result["produced"], result
    return result


def parse_headers(text):
    out = {}
    for part in text.split(","):
        if "=" in part:
            k, v = part.split("=", 1)
            out.setdefault(k, v)
    return out


def check_records(records, expected_count):
    """Exactly once, key = customer_id, contract headers, JSON intact; returns {order_id: record}."""
    assert len(records) == expected_count, f"read {len(records)} records, {expected_count} delivered"
    by_id = {}
    for r in records:
        value = r["value"]
        oid = value["order_id"]
        assert oid not in by_id, f"duplicate {oid}"
        by_id[oid] = r
        assert r["key"] == value["customer_id"]
        assert value["schema_version"] == 1 and value["status"] == "pending"
        cents = sum(round(i["unit_price"] * 100) * i["quantity"] for i in value["items"])
        assert round(value["total_amount"] * 100) == cents
        h = parse_headers(r["headers"])
        assert h.get("event_type") == "order.created"
        assert h.get("schema_version") == "1"
        assert h.get("content_type") == "application/json"
        assert len(h.get("traceparent", "")) == 55
    return by_id


def test_generated_and_posted_orders_arrive_exactly_once(devcluster, daemons):
    p = daemons("producer", producer_env(devcluster, KAFKATRACE_ORDER_RATE=40))
    p.wait_ready()
    posted = {}
    status, _, body = post(p, "/v1/orders", order("CUST-00007"), headers={"traceparent": CALLER_TRACE})
    assert status == 202 and body["status"] == "enqueued"
    posted[body["order_ids"][0]] = ("CUST-00007", CALLER_TRACE)
    status, _, body = post(p, "/v1/orders?wait=delivery", order("CUST-00008", order_id="ORD-20261123-00042-CALLER1"))
    assert status == 201 and body["order_ids"] == ["ORD-20261123-00042-CALLER1"]
    assert body["deliveries"][0]["offset"] >= 0
    posted["ORD-20261123-00042-CALLER1"] = ("CUST-00008", None)
    batch = [order(f"CUST-000{20 + i}") for i in range(5)]
    status, _, body = post(p, "/v1/orders:batch", batch, headers={"traceparent": CALLER_TRACE})
    assert status == 202 and len(body["order_ids"]) == 5
    for i, oid in enumerate(body["order_ids"]):
        posted[oid] = (f"CUST-000{20 + i}", CALLER_TRACE)
    ndjson = "\n".join(json.dumps(order(f"CUST-000{30 + i}")) for i in range(3)).encode()
    status, _, body = post(p, "/v1/orders:batch", ndjson, content_type="application/x-ndjson")
    assert status == 202 and len(body["order_ids"]) == 3
    for i, oid in enumerate(body["order_ids"]):
        posted[oid] = (f"CUST-000{30 + i}", None)
    # Bad input never reaches Kafka.
    assert post(p, "/v1/orders", order(total="99.00"))[0] == 400
    assert post(p, "/v1/orders", b"{not json")[0] == 400
    assert post(p, "/v1/orders:batch", [order(), order(quantity=0, total="0.00")])[0] == 400
    time.sleep(2)
    result = stop_clean(p)
    assert result["produced"] > len(posted)  # the generator ran too

    records = consume_all(devcluster.brokers, TOPIC, result["delivered"])
    by_id = check_records(records, result["delivered"])
    for oid, (customer, trace) in posted.items():
        assert oid in by_id, f"posted {oid} missing"
        assert by_id[oid]["key"] == customer
        if trace:
            assert parse_headers(by_id[oid]["headers"])["traceparent"] == trace
    generated = [r for oid, r in by_id.items() if oid not in posted]
    assert len({parse_headers(r["headers"])["traceparent"] for r in generated}) == len(generated)


def test_generator_keeps_its_rate_within_5_percent_over_10_seconds(devcluster, daemons):
    rate = 20
    p = daemons("producer", producer_env(devcluster, KAFKATRACE_ORDER_RATE=rate))
    p.wait_ready()
    time.sleep(1)
    t0 = time.monotonic()
    d0 = metric_value(p.metrics(), "kafkatrace_producer_messages_delivered_total")
    time.sleep(10)
    t1 = time.monotonic()
    d1 = metric_value(p.metrics(), "kafkatrace_producer_messages_delivered_total")
    measured = (d1 - d0) / (t1 - t0)
    assert abs(measured - rate) <= 0.05 * rate, f"delivered {d1 - d0} in {t1 - t0:.2f}s = {measured:.2f}/s"
    stop_clean(p)


def test_broker_outage_delays_delivery_but_loses_nothing(devcluster, daemons):
    p = daemons("producer", producer_env(devcluster, KAFKATRACE_ORDER_RATE=50))
    p.wait_ready()
    time.sleep(1)
    devcluster.control("broker-down 1")
    devcluster.control("broker-down 2")
    max_backlog = 0
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        max_backlog = max(max_backlog, backlog(p))
        time.sleep(0.2)
    devcluster.control("broker-up 1")
    devcluster.control("broker-up 2")
    assert max_backlog >= 10, f"the outage should hold messages back (max backlog {max_backlog})"

    wait_until(lambda: backlog(p) <= 5, timeout=60, what="delivery to catch up after the outage")
    result = stop_clean(p)
    check_records(consume_all(devcluster.brokers, TOPIC, result["delivered"]), result["delivered"])


def rss_mb(daemon) -> float:
    return rss_kb(daemon) / 1024


def test_memory_of_an_outage_backlog_is_returned_once_it_is_delivered(devcluster, daemons):
    """Kafka unreachable for a while: the producer queues a backlog (tens of MB). Once it is
    delivered the memory goes back to the system (MallocTuning.releaseFreeMemory every second);
    without that, glibc kept it and the RSS stayed at the backlog's high-water mark (27 → 62 MB)."""
    p = daemons("producer", producer_env(devcluster, KAFKATRACE_ORDER_RATE=4000))
    p.wait_ready()
    time.sleep(3)
    before = rss_mb(p)
    for broker in (1, 2, 3):
        devcluster.control(f"broker-down {broker}")
    peak = before
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        peak = max(peak, rss_mb(p))
        time.sleep(0.2)
    for broker in (1, 2, 3):
        devcluster.control(f"broker-up {broker}")
    assert peak - before >= 15, f"the outage should build a backlog: RSS {before:.1f} → {peak:.1f} MB"

    wait_until(lambda: backlog(p) <= 100, timeout=60, what="delivery to catch up after the outage")
    time.sleep(3)
    after = rss_mb(p)
    assert after - before <= (peak - before) / 3, \
        f"RSS before {before:.1f} MB, backlog peak {peak:.1f} MB, delivered and 3 s later {after:.1f} MB"
    stop_clean(p)


def test_sigterm_under_load_exits_zero_with_nothing_undelivered(devcluster, daemons):
    p = daemons("producer", producer_env(devcluster, KAFKATRACE_ORDER_RATE=3000, KAFKATRACE_ORDER_BURST=10))
    p.wait_ready()
    batch = [order(f"CUST-000{10 + i % 90}") for i in range(200)]
    for _ in range(5):
        assert post(p, "/v1/orders:batch", batch)[0] == 202
    time.sleep(2)
    m = p.metrics()
    assert metric_value(m, "kafkatrace_producer_messages_produced_total") > 2000
    result = stop_clean(p)
    check_records(consume_all(devcluster.brokers, TOPIC, result["delivered"]), result["delivered"])


def test_http_surface_and_exit_within_5_seconds_of_sigterm(devcluster, daemons):
    p = daemons("producer", producer_env(devcluster, KAFKATRACE_ORDER_RATE=10))
    p.wait_ready()
    status, _, body = p.get("/health")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, _, body = p.get("/ready?verbose")
    checks = {c["check"]: c["state"] for c in json.loads(body)["checks"]}
    assert status == 200 and checks == {"kafka": "passing", "topic": "passing"}
    status, headers, body = p.get("/metrics")
    text = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    for name in ("kafkatrace_build_info", "kafkatrace_ready", "kafkatrace_producer_messages_produced_total",
                 "kafkatrace_producer_delivery_latency_seconds_bucket", "kafkatrace_http_requests_total"):
        assert name in text, name
    wait_until(lambda: "kafkatrace_kafka_broker_rtt_seconds" in p.metrics(), timeout=15,
               what="librdkafka statistics in /metrics")
    status, headers, body = http("HEAD", p.url + "/health")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0
    assert p.get("/nope")[0] == 404
    status, headers, _ = p.get("/v1/orders")
    assert status == 405 and "POST" in headers["Allow"]
    assert post(p, "/v1/orders", order(), content_type="text/plain")[0] == 415

    start = time.monotonic()
    p.signal(signal.SIGTERM)
    try:
        code = p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pytest.fail(f"producer still running 5 s after SIGTERM\n{p.log()[-3000:]}")
    assert code == 0, p.log()[-3000:]
    assert flush_result(p)["undelivered"] == 0
    assert time.monotonic() - start <= 5


def test_auth_token_is_required_when_configured(devcluster, daemons):
    p = daemons("producer", producer_env(devcluster, KAFKATRACE_PRODUCER_AUTH_TOKEN="s3cret"))
    p.wait_ready()
    status, headers, body = post(p, "/v1/orders", order())
    assert status == 401 and body["error"] == "unauthorized"
    assert post(p, "/v1/orders", order(), headers={"Authorization": "Bearer wrong"})[0] == 401
    assert post(p, "/v1/orders", order(), headers={"Authorization": "Bearer s3cret"})[0] == 202
    assert metric_value(p.metrics(), "kafkatrace_producer_orders_rejected_total", {"reason": "unauthorized"}) == 2
    stop_clean(p)


def test_fatal_idempotence_error_fails_readiness_and_exits_non_zero(devcluster, daemons):
    p = daemons("producer", producer_env(devcluster, KAFKATRACE_ORDER_RATE=20))
    p.wait_ready()
    # OUT_OF_ORDER_SEQUENCE_NUMBER on Produce: the idempotent producer cannot continue.
    devcluster.control("errors 0 45 45 45")
    code = p.wait(timeout=30)
    assert code == 1
    events = log_events(p)
    fatal = [e for e in events if e.get("level") == "critical" and "fatal Kafka producer error" in e.get("message", "")]
    assert fatal and fatal[0]["code"] == "OUT_OF_ORDER_SEQUENCE_NUMBER"


@pytest.mark.parametrize("args, env, names", [
    (["--bench-orders", "x"], {}, "--bench-orders"),
    ([], {"KAFKATRACE_ORDER_RATE": "fast"}, "KAFKATRACE_ORDER_RATE"),
])
def test_bad_flags_or_configuration_exit_2_with_one_json_line(args, env, names):
    full = {"PATH": "/usr/bin:/bin", **env}
    done = subprocess.run([binary("kafkatrace-producer"), *args], env=full, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2, done
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    event = json.loads(lines[0])  # JSON like every other line on stderr
    assert event["level"] == "critical" and names in event["error"], event
