"""Nothing but JSON on stderr, under faults too (issue 11): both daemons run while every broker of
the dev cluster goes down for a while and comes back; every line either daemon wrote must parse
as a JSON object. librdkafka used to print its own `%3|…|FAIL|…` lines into the same stream when
a broker was slow or gone; they must now be JSON records with `component=librdkafka`, their
syslog level mapped, and `facility` and `client` set. About 40 s."""

import json
import time

from conftest import metric_value, wait_until

BROKERS = (1, 2, 3)
DOWN_SECONDS = 8


def json_lines(daemon):
    """Every line of the daemon's output, parsed; fails on the first one that is not JSON."""
    records = []
    for number, line in enumerate(daemon.log().splitlines(), start=1):
        try:
            record = json.loads(line)
        except ValueError:
            raise AssertionError(f"{daemon.name} line {number} is not JSON: {line[:300]!r}") from None
        assert isinstance(record, dict), f"{daemon.name} line {number}: {line[:300]!r}"
        records.append(record)
    return records


def test_every_line_stays_json_while_the_brokers_go_away_and_come_back(devcluster, postgres, daemons):
    consumer = daemons("consumer", {
        "KAFKATRACE_KAFKA_BROKERS": devcluster.brokers, "KAFKATRACE_POSTGRES_URL": postgres.url,
        "KAFKATRACE_POSTGRES_SSLMODE": "disable", "KAFKATRACE_KAFKA_SESSION_TIMEOUT_MS": "6000",
        "KAFKATRACE_SHUTDOWN_TIMEOUT_MS": "10000"})
    producer = daemons("producer", {
        "KAFKATRACE_KAFKA_BROKERS": devcluster.brokers, "KAFKATRACE_ORDER_RATE": "20",
        "KAFKATRACE_SHUTDOWN_TIMEOUT_MS": "10000"})
    consumer.wait_ready()
    producer.wait_ready()

    def delivered():
        return metric_value(producer.metrics(), "kafkatrace_producer_messages_delivered_total")

    wait_until(lambda: delivered() > 0, timeout=60, what="first deliveries")
    for broker in BROKERS:
        devcluster.control(f"broker-down {broker}")
    time.sleep(DOWN_SECONDS)
    before_up = delivered()
    for broker in BROKERS:
        devcluster.control(f"broker-up {broker}")
    wait_until(lambda: delivered() > before_up + 20, timeout=90, what="deliveries after the brokers came back")
    inserted = metric_value(consumer.metrics(), "kafkatrace_consumer_orders_inserted_total")
    wait_until(lambda: metric_value(consumer.metrics(), "kafkatrace_consumer_orders_inserted_total") > inserted,
               timeout=90, what="inserts after the brokers came back")

    assert consumer.stop(timeout=40) == 0
    # The generator keeps producing until the stop: what is in flight is flushed within the bound.
    assert producer.stop(timeout=40) == 0, producer.log()[-3000:]

    for daemon in (consumer, producer):
        records = json_lines(daemon)
        from_librdkafka = [r for r in records if r.get("component") == "librdkafka"]
        assert from_librdkafka, f"{daemon.name}: no librdkafka record while the brokers were down"
        for record in from_librdkafka:
            assert record["level"] in ("debug", "info", "notice", "warning", "error", "critical"), record
            assert record.get("facility") and record.get("client", "").startswith("kafkatrace-"), record
        facilities = sorted({r["facility"] for r in from_librdkafka})
        print(f"\n  {daemon.name}: {len(records)} lines, all JSON; librdkafka records: {len(from_librdkafka)} "
              f"(facilities {facilities})")
