"""Fault rounds on a running Pipeline (tests/system/pipeline.py), shared by scripts/faults,
scripts/soak and tests/system/test_faults_fast.py.

One round: a producer runs (generator on), the fault is applied at a random moment and
undone, then the producer is stopped with SIGTERM (it flushes and logs what it delivered) and
the ledger is reconciled: every order in the topic is in the table exactly once, and the topic
holds at least what each producer incarnation reported as delivered. The ledger is cumulative,
so each round re-checks every order since the start.

Each fault is a function `fault_<kind>(p, rng, note)` that applies the fault, undoes it and
returns a list of problems (empty when the pipeline behaved: e.g. a daemon that did not exit 0
on SIGTERM is a problem, a loss is judged by the ledger). A round also fails on any daemon log
line that is not JSON."""

import time

from conftest import metric_value, wait_until
from pipeline import PARTITIONS, SESSION_TIMEOUT_MS, TOPIC

BROKERS = (1, 2, 3)

# Kafka API keys and retriable error codes for the `errors` control command.
API_PRODUCE, API_FETCH, API_OFFSET_COMMIT = 0, 1, 8
NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT = 6, 7
COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR = 15, 16

FAULTS = ("broker-down", "leader-move", "request-errors", "broker-rtt", "broker-pause",
          "postgres-kill", "insert-errors", "consumer-kill9", "producer-kill9", "consumer-join")
# The faults that restart neither daemon (the soak samples the same two processes throughout).
NON_RESTARTING = tuple(f for f in FAULTS if not f.endswith("-kill9"))


def schedule(rounds, faults, rng):
    """`rounds` faults, mixed: each block of len(faults) rounds is a fresh random order of all
    of them, so every kind gets its share (±1) and no two runs with different seeds match."""
    order = []
    while len(order) < rounds:
        block = list(faults)
        rng.shuffle(block)
        order.extend(block)
    return order[:rounds]


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
    return []


def fault_leader_move(p, rng, note):
    moves = []
    for partition in range(PARTITIONS):
        broker = rng.choice(BROKERS)
        p.devcluster.control(f"leader {TOPIC} {partition} {broker}")
        moves.append(f"{partition}->{broker}")
        time.sleep(rng.uniform(0.1, 0.5))
    note("leaders " + " ".join(moves))
    return []


# The fault rounds' producer setting that keeps injected Produce errors honest on the mock (see
# fault_request_errors): one request in flight per broker connection, so a failed Produce request
# is retried before a later one of the same partition can succeed.
SINGLE_REQUEST_IN_FLIGHT = {"KAFKATRACE_KAFKA_max.in.flight.requests.per.connection": "1"}


def fault_request_errors(p, rng, note, produce_errors=True):
    """The next few Produce, Fetch and OffsetCommit requests fail with retriable errors.

    `produce_errors=False` leaves Produce out, for high rates: librdkafka 2.0.2's mock checks no
    sequence numbers for a non-transactional idempotent producer, so when an injected error fails
    one Produce request while a later one of the same partition (in flight at the same time)
    succeeds, librdkafka concludes the failed one was persisted after all (`rd_kafka_dr_implicit_ack`)
    and acknowledges orders the mock never stored. A real broker rejects the later request
    (OUT_OF_ORDER_SEQUENCE_NUMBER). Even at 30 orders/s a partition sometimes has two requests in
    flight (seen: round 10 of a 100-round run acknowledged one order more than the topic held, the
    table equal to the topic), so the fault rounds run their producer with
    `SINGLE_REQUEST_IN_FLIGHT` and keep the Produce errors; the soak needs its throughput and
    leaves them out."""
    commands = [
        f"errors {API_FETCH} {NOT_LEADER_OR_FOLLOWER} {NOT_LEADER_OR_FOLLOWER}",
        f"errors {API_OFFSET_COMMIT} {COORDINATOR_NOT_AVAILABLE} {NOT_COORDINATOR}",
    ]
    if produce_errors:
        commands.insert(0, f"errors {API_PRODUCE} {NOT_LEADER_OR_FOLLOWER} {REQUEST_TIMED_OUT} {NOT_LEADER_OR_FOLLOWER}")
    for command in commands:
        p.devcluster.control(command)
        time.sleep(rng.uniform(0.2, 1.0))
    note("injected: " + "; ".join(commands))
    return []


def fault_broker_rtt(p, rng, note):
    """Slow brokers: one or all of them answer every request 0.2-2 s late for 3-6 s."""
    brokers = list(BROKERS) if rng.random() < 0.5 else [rng.choice(BROKERS)]
    rtt_ms = rng.randrange(200, 2000, 50)
    for broker in brokers:
        p.devcluster.control(f"rtt {broker} {rtt_ms}")
    note(f"broker(s) {brokers} rtt {rtt_ms} ms")
    time.sleep(rng.uniform(3, 6))
    for broker in brokers:
        p.devcluster.control(f"rtt {broker} 0")
    note("rtt back to 0")
    return []


def fault_broker_pause(p, rng, note):
    """SIGSTOP of the whole dev cluster (brokers, coordinator, proxy) for longer than the
    consumer's session timeout, then SIGCONT: every connection stalls, and on resume the
    group's members have timed out on both sides, so the group rebalances (partitions lost)."""
    seconds = SESSION_TIMEOUT_MS / 1000 + rng.uniform(1, 4)
    p.pause_devcluster()
    note(f"dev cluster SIGSTOP for {seconds:.1f} s (session timeout {SESSION_TIMEOUT_MS} ms)")
    try:
        time.sleep(seconds)
    finally:
        p.resume_devcluster()
    note("dev cluster SIGCONT")
    return []


def fault_postgres_kill(p, rng, note):
    p.pg.stop(mode="immediate")
    note("postgres stopped -m immediate")
    time.sleep(rng.uniform(3, 6))
    p.pg.start()
    note("postgres restarted")
    return []


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
    return []


def fault_consumer_kill9(p, rng, note):
    p.kill9("consumer")
    note("consumer kill -9")
    time.sleep(rng.uniform(0.2, 2))
    p.start_consumer()
    note("consumer restarted")
    return []


def fault_producer_kill9(p, rng, note):
    p.kill9("producer")
    note("producer kill -9")
    time.sleep(rng.uniform(0.2, 2))
    p.start_producer()
    note("producer restarted")
    return []


def fault_consumer_join(p, rng, note):
    """A second consumer joins the group mid-stream (the group rebalances and splits the six
    partitions), works for 2-6 s, then leaves with SIGTERM (it commits what it wrote, leaves,
    and the group rebalances back)."""
    joiner = p.start_joiner()
    note(f"{joiner.name} joining the group")
    problems = []
    try:
        wait_until(lambda: metric_value(joiner.metrics(), "kafkatrace_consumer_assigned_partitions") > 0,
                   timeout=SESSION_TIMEOUT_MS / 1000 + 30, interval=0.2, what=f"{joiner.name} assigned partitions")
        note(f"{joiner.name} got partitions")
    except AssertionError as exc:
        problems.append(f"{joiner.name} got no partitions: {exc}")
    time.sleep(rng.uniform(2, 6))
    inserted = int(metric_value(joiner.metrics(), "kafkatrace_consumer_orders_inserted_total"))
    name = joiner.name
    code = p.stop_joiner()
    note(f"{name} left (SIGTERM exit {code}) after inserting {inserted} orders")
    if code != 0:
        problems.append(f"{name} exited {code} on SIGTERM (log {joiner.log_path})")
    return problems


def apply_fault(p, fault, rng, note, produce_errors=True):
    """Runs `fault_<fault>`; returns its problems. `produce_errors`: see `fault_request_errors`."""
    if fault == "request-errors":
        return fault_request_errors(p, rng, note, produce_errors=produce_errors)
    return globals()["fault_" + fault.replace("-", "_")](p, rng, note)


def run_round(p, number, fault, rng, run_seconds=(1.0, 4.0), reconcile_timeout=120.0, log=print):
    """Runs one round; returns a dict with the fault, notes, problems and the (cumulative) ledger."""
    events = []

    def note(text):
        events.append(text)
        log(f"  round {number}: {text}")

    ensure_running(p)
    before = len(set(p.topic_order_ids()))
    time.sleep(rng.uniform(*run_seconds))
    problems = list(apply_fault(p, fault, rng, note))
    time.sleep(rng.uniform(*run_seconds))
    ensure_running(p)
    code, flush = p.stop_producer()
    note(f"producer SIGTERM exit {code}, flush {flush}")
    if code != 0:
        problems.append(f"producer exited {code} on SIGTERM, flush {flush}")
    ledger = p.reconcile(timeout=reconcile_timeout)
    ledger["new_orders"] = ledger["topic_distinct"] - before
    try:
        wait_until(lambda: p.consumer.get("/health", timeout=2)[0] == 200, timeout=30, what="consumer /health")
    except AssertionError as exc:
        problems.append(str(exc))
    problems += [f"not a JSON log line: {line}" for line in p.raw_log_lines()]
    if ledger["topic_truncated"] > 0:
        problems.append(f"the dev cluster dropped {ledger['topic_truncated']} old messages (its ~5 MiB per "
                        "partition): the ledger cannot check them; use a lower --rate or fewer rounds")
    return {"round": number, "fault": fault, "events": events, "producer_exit": code, "problems": problems,
            "ledger": ledger}

