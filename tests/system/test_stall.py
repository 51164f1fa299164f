"""The consumer tells when it is stuck (issue 11, "Tells when stuck"): partitions with lag whose
position does not move for consumer.stall_after_ms are logged once (a JSON warning naming them),
exported (kafkatrace_consumer_stalled_partitions, kafkatrace_consumer_stalls_total), and the
recovery is logged once (a notice) with the gauge back at 0.

The stall is real: the dev cluster answers every Fetch with OFFSET_NOT_AVAILABLE (Kafka error 78,
which librdkafka retries after fetch.error.backoff.ms without a log line or an error event) until
`clear-errors 1`. Everything else keeps working: the producer keeps writing, the watermark queries
answer (so the lag grows), the group keeps its members and /ready stays 200, which is how the
stalled fetch of the incident looked. About 45 s."""

import json
import time

from conftest import metric_value, wait_until

API_FETCH = 1
OFFSET_NOT_AVAILABLE = 78
STALL_AFTER_MS = 5000
STALLED = "consumer stalled: partitions with lag have not advanced"
SPREADS = "consumer stall spreads: more partitions with lag have not advanced"
ENDED = "consumer stall ended: no partition is stalled"


def log_events(daemon):
    """Every line of the daemon's output, parsed (each must be JSON)."""
    events = []
    for line in daemon.log().splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"{daemon.name} wrote a non-JSON line: {line!r}") from None
    return events


def messages(daemon, *wanted):
    return [e for e in log_events(daemon) if e.get("message") in wanted]


def test_a_stalled_fetch_with_growing_lag_is_logged_exported_and_its_end_too(devcluster, postgres, daemons):
    env = {
        "KAFKATRACE_KAFKA_BROKERS": devcluster.brokers,
        "KAFKATRACE_POSTGRES_URL": postgres.url,
        "KAFKATRACE_POSTGRES_SSLMODE": "disable",
        "KAFKATRACE_KAFKA_SESSION_TIMEOUT_MS": "6000",
        "KAFKATRACE_SHUTDOWN_TIMEOUT_MS": "10000",
        "KAFKATRACE_CONSUMER_STALL_AFTER_MS": str(STALL_AFTER_MS),
    }
    consumer = daemons("consumer", env)
    consumer.wait_ready()
    producer = daemons("producer", {"KAFKATRACE_KAFKA_BROKERS": devcluster.brokers, "KAFKATRACE_ORDER_RATE": "30",
                                    "KAFKATRACE_SHUTDOWN_TIMEOUT_MS": "10000"})
    producer.wait_ready()

    def inserted():
        return metric_value(consumer.metrics(), "kafkatrace_consumer_orders_inserted_total")
    wait_until(lambda: inserted() >= 100, timeout=60, interval=0.5, what="orders flowing into PostgreSQL")
    # Flowing normally for longer than the threshold: no stall, the families are there at zero.
    wait_until(lambda: inserted() >= 400, timeout=60, interval=0.5, what="orders flowing for a while")
    text = consumer.metrics()
    assert "# TYPE kafkatrace_consumer_stalled_partitions gauge" in text
    assert "# TYPE kafkatrace_consumer_stalls_total counter" in text
    assert metric_value(text, "kafkatrace_consumer_stalled_partitions") == 0
    assert metric_value(text, "kafkatrace_consumer_stalls_total") == 0
    assert not messages(consumer, STALLED, SPREADS, ENDED)

    # Every Fetch now fails quietly; 3000 errors last minutes at two per broker and second.
    devcluster.control(f"errors {API_FETCH} " + " ".join([str(OFFSET_NOT_AVAILABLE)] * 3000))
    try:
        def stalled():
            return metric_value(consumer.metrics(), "kafkatrace_consumer_stalled_partitions") > 0
        wait_until(stalled, timeout=45, interval=0.5, what="kafkatrace_consumer_stalled_partitions > 0")
        # The incident: lag grows, yet the consumer is ready. Now the log says why.
        assert consumer.get("/ready", timeout=5)[0] == 200
        m = consumer.metrics()
        assert metric_value(m, "kafkatrace_consumer_lag_messages") > 0
        assert metric_value(m, "kafkatrace_consumer_stalls_total") >= 1
        warnings = messages(consumer, STALLED)
        assert len(warnings) == 1, warnings
        warning = warnings[0]
        assert warning["level"] == "warning"
        assert warning["stall_after_ms"] == STALL_AFTER_MS
        assert warning["circuit"] == "closed" and warning["paused_for_breaker"] is False
        assert warning["assigned_partitions"] == 6
        assert warning["stalled_partitions"] >= 1
        assert warning["partitions"], warning
        for p in warning["partitions"]:
            assert p["topic"] == "food-orders" and 0 <= p["partition"] < 6, p
            assert p["lag"] > 0 and p["no_progress_seconds"] >= STALL_AFTER_MS // 1000, p

        # Three more measurements of the same stall: no further line for the partitions already reported.
        before = inserted()
        consumed = metric_value(consumer.metrics(), "kafkatrace_consumer_messages_consumed_total")
        wait_until(lambda: metric_value(consumer.metrics(), "kafkatrace_consumer_stalled_partitions") == 6,
                   timeout=30, interval=0.5, what="all six partitions stalled")
        time.sleep(16)
        assert inserted() == before, "orders were inserted during the stall: the fetch did not stop"
        assert metric_value(consumer.metrics(), "kafkatrace_consumer_messages_consumed_total") == consumed
        stall_lines = messages(consumer, STALLED, SPREADS)
        reported = [(p["topic"], p["partition"]) for e in stall_lines for p in e["partitions"]]
        assert len(reported) == len(set(reported)) == 6, stall_lines
        assert len(messages(consumer, STALLED)) == 1
        assert metric_value(consumer.metrics(), "kafkatrace_consumer_stalls_total") == 6
        assert not messages(consumer, ENDED)
    finally:
        devcluster.control(f"clear-errors {API_FETCH}")

    def recovered():
        return (metric_value(consumer.metrics(), "kafkatrace_consumer_stalled_partitions") == 0
                and messages(consumer, ENDED))
    wait_until(recovered, timeout=45, interval=0.5, what="gauge back to 0 and the end notice")
    ended = messages(consumer, ENDED)
    assert len(ended) == 1, ended
    assert ended[0]["level"] == "notice"
    assert ended[0]["stalled_seconds"] >= 16 + STALL_AFTER_MS // 1000, ended[0]
    assert {p["reason"] for p in ended[0]["partitions"]} <= {"progressed", "caught_up"}, ended[0]
    wait_until(lambda: inserted() > before, timeout=30, interval=0.5, what="orders flowing again")
    assert metric_value(consumer.metrics(), "kafkatrace_consumer_stalls_total") == 6
    assert producer.stop() == 0
    assert consumer.stop() == 0
    log_events(consumer)  # every line JSON, also through the stall
