"""kafkatrace-consumer end to end (issue 4, "Done when"): orders made by kafkatrace-producer
on the dev cluster (librdkafka's mock brokers behind kafkatrace-devcluster), read back with
kcat as the reference, and compared with what the consumer wrote to a throwaway PostgreSQL:
exactly the produced orders, each once, with the right data (count plus a checksum: the sum
of the totals in cents and the md5 of the sorted order ids).

Covered: 50 generated orders row by row; many orders with two consumers in one group;
kill -9 in the middle of processing; PostgreSQL stopped for 20 s under load (circuit
breaker, readiness, resume); poison messages to the DLQ; --migrate-only and a bad config
value; SIGTERM commits exactly what is in the table."""

import hashlib
import json
import os
import signal
import subprocess
import time
from datetime import datetime

import pytest

from conftest import binary, consume_all, metric_value, wait_until

TOPIC = "food-orders"
DLQ = "food-orders.dlq"


# ---------------------------------------------------------------------------- helpers

def consumer_env(devcluster, postgres, **extra):
    env = {
        "KAFKATRACE_KAFKA_BROKERS": devcluster.brokers,
        "KAFKATRACE_POSTGRES_URL": postgres.url,
        "KAFKATRACE_POSTGRES_SSLMODE": "disable",
        "KAFKATRACE_KAFKA_STATISTICS_INTERVAL_MS": "1000",
        "KAFKATRACE_KAFKA_SESSION_TIMEOUT_MS": "6000",
        "KAFKATRACE_SHUTDOWN_TIMEOUT_MS": "20000",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def producer_env(devcluster, **extra):
    env = {
        "KAFKATRACE_KAFKA_BROKERS": devcluster.brokers,
        "KAFKATRACE_ORDER_RATE": "0",
        "KAFKATRACE_HTTP_HOST": "127.0.0.1",
        "KAFKATRACE_HTTP_PORT": "0",
        "KAFKATRACE_SHUTDOWN_TIMEOUT_MS": "20000",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def produce_orders(devcluster, log_dir, count, tag="bench"):
    """`kafkatrace-producer --bench-orders count` as fast as it can; returns the delivered count."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKATRACE_")}
    env.pop("NOTIFY_SOCKET", None)
    env.update(producer_env(devcluster, KAFKATRACE_ORDER_RATE="unlimited"))
    log = log_dir / f"producer-{tag}.log"
    with open(log, "wb") as out:
        code = subprocess.run([binary("kafkatrace-producer"), "--bench-orders", str(count)], env=env,
                              stdout=out, stderr=subprocess.STDOUT, timeout=120).returncode
    text = log.read_text(errors="replace")
    assert code == 0, f"producer --bench-orders exited {code}\n{text[-3000:]}"
    result = next(json.loads(line) for line in text.splitlines() if line.startswith('{"benchmark"'))
    assert result["delivered"] == count and result["failed"] == 0, result
    return count


def cents(value) -> int:
    return round(float(value) * 100)


def summary_of_records(records):
    """(count, distinct ids, total cents, md5 of the sorted ids) of the topic's orders."""
    ids = sorted(r["value"]["order_id"] for r in records)
    total = sum(cents(r["value"]["total_amount"]) for r in records)
    return len(ids), len(set(ids)), total, hashlib.md5(",".join(ids).encode()).hexdigest()


def summary_of_table(pg):
    row = pg.psql("SELECT count(*), count(DISTINCT order_id), coalesce(sum(total_amount * 100), 0)::bigint, "
                  "coalesce(md5(string_agg(order_id, ',' ORDER BY order_id COLLATE \"C\")), "
                  "'d41d8cd98f00b204e9800998ecf8427e') FROM orders")
    count, distinct, total, digest = row.split("|")
    return int(count), int(distinct), int(total), digest


def row_count(pg) -> int:
    return int(pg.psql("SELECT count(*) FROM orders"))


def table_exists(pg) -> bool:
    return pg.psql("SELECT to_regclass('public.orders') IS NOT NULL") == "t"


def wait_sessions_gone(pg):
    """After a consumer died: its PostgreSQL sessions are gone, so a COMMIT it sent is settled."""
    wait_until(lambda: pg.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'kafkatrace' "
                               "AND pid <> pg_backend_pid()") == "0", timeout=30, what="consumer sessions to end")


def wait_rows(pg, expected, timeout=120, consumers=()):
    def done():
        for c in consumers:
            if c.proc.poll() is not None:
                raise AssertionError(f"{c.name} exited with {c.proc.returncode}\n{c.log()[-3000:]}")
        return table_exists(pg) and row_count(pg) >= expected
    wait_until(done, timeout=timeout, interval=0.5,
               what=f"{expected} rows (have {row_count(pg) if table_exists(pg) else 'no table'})")


def assert_table_matches_topic(pg, devcluster, expected):
    records = consume_all(devcluster.brokers, TOPIC, expected, timeout=60)
    want = summary_of_records(records)
    assert want[0] == expected and want[1] == expected, f"topic has {want[0]} records ({want[1]} ids)"
    got = summary_of_table(pg)
    assert got == want, f"table (count, distinct, cents, md5) {got} != topic {want}"
    return records


def metric(daemon, name, labels=None) -> float:
    return metric_value(daemon.metrics(), name, labels)


def ready_checks(daemon):
    status, _, body = daemon.get("/ready?verbose", timeout=5)
    return status, {c["check"]: c for c in json.loads(body)["checks"]}


def kcat_produce(devcluster, key: str, value: bytes, partition=0, headers=()):
    argv = ["kcat", "-P", "-b", devcluster.brokers, "-t", TOPIC, "-p", str(partition), "-k", key]
    for h in headers:
        argv += ["-H", h]
    subprocess.run(argv, input=value, check=True, timeout=30)


def read_json_envelopes(brokers, topic, expected, timeout=60):
    """kcat -J: key, payload (as text) and headers (list k, v, k, v...) of every record."""
    deadline = time.monotonic() + timeout
    records = []
    while time.monotonic() < deadline:
        out = subprocess.run(["kcat", "-C", "-b", brokers, "-t", topic, "-o", "beginning", "-e", "-q", "-J"],
                             capture_output=True, text=True, timeout=timeout)
        records = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
        if len(records) >= expected:
            return records
        time.sleep(0.5)
    return records


def header_map(envelope):
    h = envelope.get("headers") or []
    return dict(zip(h[0::2], h[1::2]))


def valid_order(n: int, customer="CUST-00077"):
    return {"schema_version": 1, "order_id": f"ORD-20261123-{n:05d}-POISONT", "customer_id": customer,
            "items": [{"item_id": "ITEM-01", "name": "Margherita Pizza", "quantity": 2, "unit_price": 12.5}],
            "total_amount": 25.0, "status": "pending", "created_at": "2026-11-23T09:30:00.123Z"}


def epoch_ms(rfc3339: str) -> int:
    return round(datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp() * 1000)


# ---------------------------------------------------------------------------- tests

def test_fifty_generated_orders_become_fifty_rows_with_the_right_data(devcluster, postgres, daemons, log_dir):
    produce_orders(devcluster, log_dir, 50)
    c = daemons("consumer", consumer_env(devcluster, postgres))
    c.wait_ready()
    wait_rows(postgres, 50, consumers=[c])
    time.sleep(1)  # nothing more may arrive
    records = assert_table_matches_topic(postgres, devcluster, 50)
    rows = json.loads(postgres.psql(
        "SELECT json_agg(json_build_object('order_id', order_id, 'customer_id', customer_id, 'items', items, "
        "'total', total_amount::text, 'status', status, "
        "'created_ms', (extract(epoch FROM created_at) * 1000)::bigint, 'topic', kafka_topic, "
        "'partition', kafka_partition, 'offset', kafka_offset, 'processed', processed_at IS NOT NULL)) FROM orders"))
    by_id = {r["order_id"]: r for r in rows}
    assert len(by_id) == 50
    for rec in records:
        v = rec["value"]
        row = by_id[v["order_id"]]
        assert row["customer_id"] == v["customer_id"] == rec["key"]
        assert row["items"] == v["items"]
        assert cents(row["total"]) == cents(v["total_amount"])
        assert row["status"] == v["status"]
        assert row["created_ms"] == epoch_ms(v["created_at"])
        assert (row["topic"], row["partition"], row["offset"]) == (TOPIC, rec["partition"], rec["offset"])
        assert row["processed"]
    m = c.metrics()
    assert metric_value(m, "kafkatrace_consumer_orders_inserted_total") == 50
    assert metric_value(m, "kafkatrace_consumer_messages_consumed_total") == 50
    assert metric_value(m, "kafkatrace_consumer_orders_duplicate_total") == 0
    assert metric_value(m, "kafkatrace_consumer_end_to_end_latency_seconds_count") == 50
    assert c.stop() == 0


def test_two_consumers_in_one_group_split_the_partitions_and_insert_every_order_once(
        devcluster, postgres, daemons, log_dir):
    """100k orders (~40 MB: the mock cluster keeps them all). Both consumers join first, then
    the orders are produced, so both hold partitions while the load runs. The debug build
    inserts ~1.5k orders/s per consumer on a busy 2-core machine, so this takes ~70 s;
    KAFKATRACE_TEST_MANY_ORDERS lowers (or raises) the count."""
    count = int(os.environ.get("KAFKATRACE_TEST_MANY_ORDERS", "100000"))
    env = consumer_env(devcluster, postgres, KAFKATRACE_CONSUMER_BATCH_SIZE=2000)
    a = daemons("consumer", env)
    b = daemons("consumer", env)
    a.wait_ready()
    b.wait_ready()

    def split():
        pa = metric(a, "kafkatrace_consumer_assigned_partitions")
        pb = metric(b, "kafkatrace_consumer_assigned_partitions")
        return pa > 0 and pb > 0 and pa + pb == 6
    wait_until(split, timeout=60, interval=0.5, what="6 partitions split between the two consumers")
    produce_orders(devcluster, log_dir, count)
    wait_rows(postgres, count, timeout=150, consumers=[a, b])
    time.sleep(1)
    assert_table_matches_topic(postgres, devcluster, count)
    inserted = [metric(x, "kafkatrace_consumer_orders_inserted_total") for x in (a, b)]
    assert all(n > 0 for n in inserted), f"inserted per consumer {inserted}: the load was not shared"
    assert sum(inserted) == count, inserted
    assert metric(a, "kafkatrace_consumer_rebalances_total", {"type": "assign"}) >= 1
    assert metric(b, "kafkatrace_consumer_rebalances_total", {"type": "assign"}) >= 1
    assert a.stop() == 0 and b.stop() == 0


def start_interrupted_run(devcluster, postgres, daemons, log_dir, count):
    """`count` orders in the topic and a consumer (batches of 1000) that has inserted at least
    2000 of them, ready to be interrupted; returns its env and the daemon."""
    produce_orders(devcluster, log_dir, count)
    env = consumer_env(devcluster, postgres, KAFKATRACE_CONSUMER_BATCH_SIZE=1000)
    first = daemons("consumer", env)
    wait_until(lambda: table_exists(postgres) and row_count(postgres) >= 2000, timeout=60, interval=0.05,
               what="the first consumer to be under way")
    return env, first


def finish_with_a_second_consumer(devcluster, postgres, daemons, env, count):
    """A second consumer with the same settings inserts the rest; the table then matches the
    topic. Returns the daemon and its metrics text."""
    second = daemons("consumer", env)
    wait_rows(postgres, count, consumers=[second])
    time.sleep(1)
    assert_table_matches_topic(postgres, devcluster, count)
    return second, second.metrics()


def test_kill_9_in_the_middle_of_processing_loses_and_duplicates_nothing(devcluster, postgres, daemons, log_dir):
    count = 12_000
    env, first = start_interrupted_run(devcluster, postgres, daemons, log_dir, count)
    first.kill()  # SIGKILL: no shutdown, the batch in hand and its offsets are lost
    wait_sessions_gone(postgres)
    at_kill = row_count(postgres)
    assert at_kill < count, "the consumer finished before the kill: nothing tested"
    second, m = finish_with_a_second_consumer(devcluster, postgres, daemons, env, count)
    assert metric_value(m, "kafkatrace_consumer_orders_inserted_total") == count - at_kill
    # Whatever the first one had inserted but not committed comes again and is a duplicate.
    consumed = metric_value(m, "kafkatrace_consumer_messages_consumed_total")
    assert consumed == count - at_kill + metric_value(m, "kafkatrace_consumer_orders_duplicate_total")
    assert second.stop() == 0


def test_postgres_down_for_20_seconds_under_load_opens_the_circuit_and_then_the_table_is_complete(
        devcluster, postgres, daemons):
    # A short stall threshold: partitions the open circuit holds must not count as stalled.
    c = daemons("consumer", consumer_env(devcluster, postgres, KAFKATRACE_CONSUMER_BREAKER_FAILURES=3,
                                         KAFKATRACE_CONSUMER_BREAKER_RESET_MS=1000,
                                         KAFKATRACE_CONSUMER_STALL_AFTER_MS=2000))
    c.wait_ready()
    p = daemons("producer", {"KAFKATRACE_KAFKA_BROKERS": devcluster.brokers, "KAFKATRACE_ORDER_RATE": "300",
                             "KAFKATRACE_SHUTDOWN_TIMEOUT_MS": "20000"})
    p.wait_ready()
    wait_until(lambda: row_count(postgres) >= 300, timeout=60, what="orders flowing")

    postgres.stop()
    down_at = time.monotonic()
    saw = {"open": False, "ready_503": False}

    def circuit_open_and_not_ready():
        if metric(c, "kafkatrace_consumer_circuit_state") == 2:
            saw["open"] = True
        status, checks = ready_checks(c)
        if status == 503 and checks["postgres"]["state"] != "passing":
            saw["ready_503"] = True
        return saw["open"] and saw["ready_503"]
    wait_until(circuit_open_and_not_ready, timeout=30, interval=0.2, what=f"circuit open and /ready 503: {saw}")
    status, checks = ready_checks(c)
    assert status == 503 and checks["postgres"]["state"] != "passing", checks
    assert checks["kafka"]["state"] == "passing", checks  # still in the group, partitions paused
    time.sleep(2)
    consumed_when_paused = metric(c, "kafkatrace_consumer_messages_consumed_total")
    while time.monotonic() - down_at < 20:
        assert c.proc.poll() is None, c.log()[-3000:]
        assert c.get("/health", timeout=5)[0] == 200
        assert metric(c, "kafkatrace_postgres_up") == 0
        time.sleep(1)
    consumed_while_down = metric(c, "kafkatrace_consumer_messages_consumed_total")
    # Partitions paused: the consumer polls (stays in the group) but takes in nothing new.
    assert consumed_while_down == consumed_when_paused
    assert metric(p, "kafkatrace_producer_messages_delivered_total") > consumed_while_down + 1000
    postgres.start()

    wait_until(lambda: c.get("/ready", timeout=2)[0] == 200, timeout=60, what="/ready 200 after PostgreSQL is back")
    assert metric(c, "kafkatrace_consumer_circuit_state") == 0
    assert metric(c, "kafkatrace_consumer_db_errors_total") > 0
    assert p.stop() == 0
    delivered = _delivered(p)
    wait_rows(postgres, delivered, consumers=[c])
    time.sleep(1)
    assert_table_matches_topic(postgres, devcluster, delivered)
    assert metric(c, "kafkatrace_consumer_messages_consumed_total") > consumed_while_down
    # 20 s with lag and no progress, explained by the breaker: no stall, no stall line.
    assert metric(c, "kafkatrace_consumer_stalls_total") == 0
    assert "consumer stall" not in c.log()
    assert c.stop() == 0


def _delivered(producer) -> int:
    for line in producer.log().splitlines():
        if "Kafka producer flush" in line:
            event = json.loads(line)
            assert int(event["undelivered"]) == 0 and int(event["failed"]) == 0, event
            return int(event["delivered"])
    raise AssertionError(f"no flush line in the producer log\n{producer.log()[-3000:]}")


def test_poison_messages_go_to_the_dlq_with_reasons_and_the_valid_ones_around_them_are_inserted(
        devcluster, postgres, daemons):
    c = daemons("consumer", consumer_env(devcluster, postgres))
    c.wait_ready()
    wrong_schema = dict(valid_order(90), schema_version=2)
    bad_total = dict(valid_order(91), total_amount=-5.0)
    zero_qty = valid_order(92)
    zero_qty["items"] = [dict(zero_qty["items"][0], quantity=0)]
    poison = [
        ("invalid_json", b'{"order_id": "ORD-20261123-00093-POISONT", not json'),
        ("unknown_schema_version", json.dumps(wrong_schema).encode()),
        ("invalid_total", json.dumps(bad_total).encode()),
        ("invalid_quantity", json.dumps(zero_qty).encode()),
    ]
    sequence = []  # (kind, reason, key, value) in partition-0 order
    n = 1
    for reason, value in poison:
        for _ in range(2):
            sequence.append(("valid", None, "CUST-00077", json.dumps(valid_order(n)).encode()))
            n += 1
        sequence.append(("poison", reason, f"CUST-POISON-{reason}", value))
    sequence.append(("valid", None, "CUST-00077", json.dumps(valid_order(n)).encode()))
    for kind, reason, key, value in sequence:
        kcat_produce(devcluster, key, value, headers=["event_type=order.created", f"test_kind={kind}"])
    valid_ids = {json.loads(v)["order_id"] for k, _, _, v in sequence if k == "valid"}

    wait_rows(postgres, len(valid_ids), consumers=[c])
    wait_until(lambda: metric(c, "kafkatrace_consumer_dlq_sent_total") >= len(poison), timeout=30,
               what="DLQ deliveries")
    time.sleep(1)
    assert set(postgres.psql("SELECT order_id FROM orders").split()) == valid_ids

    source = read_json_envelopes(devcluster.brokers, TOPIC, len(sequence))
    offset_of = {s["payload"]: s["offset"] for s in source}
    letters = read_json_envelopes(devcluster.brokers, DLQ, len(poison))
    assert len(letters) == len(poison), letters
    by_key = {letter["key"]: letter for letter in letters}
    for reason, value in poison:
        letter = by_key[f"CUST-POISON-{reason}"]
        assert letter["payload"] == value.decode()
        h = header_map(letter)
        assert h["dlq_reason"].startswith(reason + ":"), h["dlq_reason"]
        assert h["dlq_source_topic"] == TOPIC
        assert h["dlq_source_partition"] == "0"
        assert int(h["dlq_source_offset"]) == offset_of[value.decode()]
        assert h["dlq_failed_at"].endswith("Z")
        assert h["event_type"] == "order.created" and h["test_kind"] == "poison"  # original headers kept
        assert metric(c, "kafkatrace_consumer_orders_invalid_total", {"reason": reason}) == 1
    m = c.metrics()
    assert metric_value(m, "kafkatrace_consumer_orders_invalid_total") == len(poison)
    assert metric_value(m, "kafkatrace_consumer_dlq_failed_total") == 0
    assert metric_value(m, "kafkatrace_consumer_orders_inserted_total") == len(valid_ids)
    assert c.stop() == 0


def run_consumer(args, env):
    full = {k: v for k, v in os.environ.items() if not k.startswith("KAFKATRACE_")}
    full.pop("NOTIFY_SOCKET", None)
    full.update(env)
    return subprocess.Popen([binary("kafkatrace-consumer")] + args, env=full, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_migrate_only_applies_the_schema_in_parallel_and_a_bad_config_value_exits_2(postgres):
    env = {"KAFKATRACE_POSTGRES_URL": postgres.url, "KAFKATRACE_POSTGRES_SSLMODE": "disable"}
    procs = [run_consumer(["--migrate-only"], env) for _ in range(2)]
    results = [(p.wait(timeout=60), *p.communicate()) for p in procs]
    for code, out, err in results:
        assert code == 0, (code, out, err)
    # The advisory lock serialises them: one applies version 1, the other finds it applied.
    messages = sorted(json.loads(line)["message"] for _, _, err in results
                      for line in err.splitlines() if line.startswith("{"))
    assert messages == ["applied database migrations", "database schema is up to date"], results
    assert table_exists(postgres)
    assert postgres.psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations") == "1"
    columns = postgres.psql("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                            "information_schema.columns WHERE table_name = 'orders'")
    assert columns == ("order_id,customer_id,items,total_amount,status,created_at,processed_at,"
                       "kafka_topic,kafka_partition,kafka_offset")
    again = run_consumer(["--migrate-only"], env)
    assert again.wait(timeout=60) == 0, again.communicate()

    bad = run_consumer(["--migrate-only"], dict(env, KAFKATRACE_CONSUMER_BATCH_SIZE="0"))
    code = bad.wait(timeout=30)
    _, err = bad.communicate()
    assert code == 2, err
    assert "consumer.batch_size" in err and "KAFKATRACE_CONSUMER_BATCH_SIZE" in err, err
    assert "1–50000" in err, err  # says what is allowed
    for line in err.splitlines():  # JSON like every other line on stderr, not a bare text line
        assert json.loads(line)["level"] == "critical", line


def test_migrations_log_only_json_lines(postgres):
    env = {"KAFKATRACE_POSTGRES_URL": postgres.url, "KAFKATRACE_POSTGRES_SSLMODE": "disable"}
    proc = run_consumer(["--migrate-only"], env)
    assert proc.wait(timeout=60) == 0
    out, err = proc.communicate()
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert lines
    for line in lines:
        assert line.startswith("{") and json.loads(line), line


def test_sigterm_exits_zero_and_commits_exactly_what_is_in_the_table(devcluster, postgres, daemons, log_dir):
    count = 12_000
    env, first = start_interrupted_run(devcluster, postgres, daemons, log_dir, count)
    first.signal(signal.SIGTERM)
    assert first.wait(timeout=30) == 0, first.log()[-3000:]
    wait_sessions_gone(postgres)
    at_stop = row_count(postgres)
    assert at_stop < count, "the consumer finished before SIGTERM: nothing tested"
    second, m = finish_with_a_second_consumer(devcluster, postgres, daemons, env, count)
    # Committed offsets = rows at the stop: the second one reads exactly the rest, no duplicates.
    assert metric_value(m, "kafkatrace_consumer_messages_consumed_total") == count - at_stop
    assert metric_value(m, "kafkatrace_consumer_orders_duplicate_total") == 0
    assert metric_value(m, "kafkatrace_consumer_orders_inserted_total") == count - at_stop
    assert second.stop() == 0
