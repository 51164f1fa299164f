"""Fault rounds on a running Pipeline (tests/system/pipeline.py), shared by scripts/faults and
tests/system/test_faults_fast.py.

One round: a producer runs (generator on), the fault is applied at a random moment and
undone, then the producer is stopped with SIGTERM (it flushes and logs what it delivered) and
the ledger is reconciled: every order in the topic is in the table exactly once, and the topic
holds at least what each producer incarnation reported as delivered. The ledger is cumulative,
so each round re-checks every order since the start."""

import random
import time

from conftest import wait_until

TOPIC = "food-orders"
PARTITIONS = 6
BROKERS = (1, 2, 3)

# Kafka API keys and retriable error codes for the `errors` control command.
API_PRODUCE, API_FETCH, API_OFFSET_COMMIT = 0, 1, 8
NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT = 6, 7
COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR = 15, 16

FAULTS = ("broker-down", "leader-move", "request-errors", "postgres-kill", "insert-errors",
          "consumer-kill9", "producer-kill9")


def ensure_running(p):
    if p.consumer is None:
        p.start_consumer()
    if p.producer is None:
        p.start_producer()


def fault_broker_down(p, rng, note):
    broker = rng.choice(BROKERS)
    p.devcluster.control(f"broker-down {broker}")
    note(f"broker {broker} down")
    time.sleep(rng.uniform(3, 6))
    p.devcluster.control(f"broker-up {broker}")
    note(f"broker {broker} up")


def fault_leader_move(p, rng, note):
    moves = []
    for partition in range(PARTITIONS):
        broker = rng.choice(BROKERS)
        p.devcluster.control(f"leader {TOPIC} {partition} {broker}")
        moves.append(f"{partition}->{broker}")
        time.sleep(rng.uniform(0.1, 0.5))
    note("leaders " + " ".join(moves))


def fault_request_errors(p, rng, note):
    commands = [
        f"errors {API_PRODUCE} {NOT_LEADER_OR_FOLLOWER} {REQUEST_TIMED_OUT} {NOT_LEADER_OR_FOLLOWER}",
        f"errors {API_FETCH} {NOT_LEADER_OR_FOLLOWER} {NOT_LEADER_OR_FOLLOWER}",
        f"errors {API_OFFSET_COMMIT} {COORDINATOR_NOT_AVAILABLE} {NOT_COORDINATOR}",
    ]
    for command in commands:
        p.devcluster.control(command)
        time.sleep(rng.uniform(0.2, 1.0))
    note("injected: " + "; ".join(commands))


def fault_postgres_kill(p, rng, note):
    p.pg.stop(mode="immediate")
    note("postgres stopped -m immediate")
    time.sleep(rng.uniform(3, 6))
    p.pg.start()
    note("postgres restarted")


def fault_insert_errors(p, rng, note):
    """Disk-full-like: a trigger makes every insert fail with SQLSTATE 53100 for a while."""
    p.pg.psql("CREATE OR REPLACE FUNCTION kt_fault_disk_full() RETURNS trigger LANGUAGE plpgsql AS "
              "$$BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' "
              "USING ERRCODE = 'disk_full'; END$$", db="kafkatrace", user="postgres")
    p.pg.psql("CREATE TRIGGER kt_fault_disk_full BEFORE INSERT ON orders "
              "FOR EACH ROW EXECUTE FUNCTION kt_fault_disk_full()", db="kafkatrace", user="postgres")
    note("inserts fail with 53100 disk_full")
    time.sleep(rng.uniform(3, 6))
    p.pg.psql("DROP TRIGGER kt_fault_disk_full ON orders", db="kafkatrace", user="postgres")
    note("insert trigger dropped")


def fault_consumer_kill9(p, rng, note):
    p.kill9("consumer")
    note("consumer kill -9")
    time.sleep(rng.uniform(0.2, 2))
    p.start_consumer()
    note("consumer restarted")


def fault_producer_kill9(p, rng, note):
    p.kill9("producer")
    note("producer kill -9")
    time.sleep(rng.uniform(0.2, 2))
    p.start_producer()
    note("producer restarted")


def run_round(p, number, fault, rng, run_seconds=(1.0, 4.0), reconcile_timeout=120.0, log=print):
    """Runs one round; returns a dict with the fault, notes and the (cumulative) ledger."""
    events = []

    def note(text):
        events.append(text)
        log(f"  round {number}: {text}")

    ensure_running(p)
    before = len(set(p.topic_order_ids()))
    time.sleep(rng.uniform(*run_seconds))
    globals()["fault_" + fault.replace("-", "_")](p, rng, note)
    time.sleep(rng.uniform(*run_seconds))
    ensure_running(p)
    code, flush = p.stop_producer()
    note(f"producer SIGTERM exit {code}, flush {flush}")
    ledger = p.reconcile(timeout=reconcile_timeout)
    ledger["new_orders"] = ledger["topic_distinct"] - before
    wait_until(lambda: p.consumer.get("/health", timeout=2)[0] == 200, timeout=30, what="consumer /health")
    return {"round": number, "fault": fault, "events": events, "producer_exit": code, "ledger": ledger}
