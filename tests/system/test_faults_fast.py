"""The fast part of scripts/faults: the whole pipeline (PostgreSQL, dev cluster, consumer,
producer) through four fault rounds: a consumer kill -9, a PostgreSQL immediate stop and
restart, a paused dev cluster (SIGSTOP for longer than the group session timeout, so the group
rebalances with its partitions lost) and a second consumer joining the group and leaving it;
after each round every order in the topic is in the table exactly once, the topic holds
everything the producer reported delivered, every daemon stopped with SIGTERM exited 0 and
every daemon log line is JSON. About 70 s.

A loss here once turned out to be the test server's `synchronous_commit = off`: an immediate
stop dropped commits the consumer had already seen (and committed offsets after). The servers
the tests start keep `synchronous_commit = on` (fsync may stay off: the OS survives the stop).
The broker-pause round also saw librdkafka's own log lines printed raw on stderr (`%4|...|SESSTMOUT|`);
they are JSON records (component=librdkafka) since issue 11, and every round fails on a raw line."""

import random

import pytest

from fault_rounds import run_round
from pipeline import Pipeline


@pytest.fixture
def pipeline(log_dir):
    p = Pipeline(log_dir, order_rate="50")
    try:
        yield p
    finally:
        p.close()


def test_no_loss_no_duplicates_across_fault_rounds(pipeline):
    rng = random.Random(7)
    pipeline.start_consumer()
    pipeline.consumer.wait_ready(timeout=60)
    previous = 0
    for number, fault in enumerate(("consumer-kill9", "postgres-kill", "broker-pause", "consumer-join"), start=1):
        result = run_round(pipeline, number, fault, rng, run_seconds=(1.0, 2.5), reconcile_timeout=45)
        ledger = result["ledger"]
        where = f"round {number} ({fault}): {ledger}"
        assert result["producer_exit"] == 0, where
        assert result["problems"] == [], where
        assert ledger["new_orders"] > 0, f"produced nothing: {where}"
        assert ledger["duplicated"] == 0, where
        assert ledger["rows"] == ledger["distinct_rows"], where
        assert ledger["topic_distinct"] >= ledger["acknowledged"] > previous, where
        assert ledger["lost"] == 0, where
        assert ledger["rows"] == ledger["topic_distinct"], where
        previous = ledger["acknowledged"]
    assert pipeline.incarnations["consumer"] == 2
    assert pipeline.incarnations["joiner"] == 1
    # The pause outlasted the session: the consumer's group session timed out (and said so in JSON).
    assert '"facility":"SESSTMOUT"' in pipeline.consumer.log()
