"""The whole pipeline for soak and fault runs: a throwaway PostgreSQL, the Kafka dev cluster,
one consumer and one producer (plus, for a while, a second consumer of the same group: the
"joiner"), from KAFKATRACE_BIN_DIR (or .build/debug), plus the ledger that says whether every
order the producer got acknowledged reached the table exactly once.

Used by scripts/soak, scripts/faults and tests/system/test_faults_fast.py. Everything binds to
127.0.0.1 on ephemeral ports; `Pipeline.close()` stops all it started, also after a failure."""

import json
import os
import pathlib
import re
import signal
import subprocess
import time

from conftest import Daemon, DevCluster, Postgres, metric_value, wait_until

TOPIC = "food-orders"
PARTITIONS = 6
# The consumers' group session timeout in these runs; the broker-pause fault outlasts it.
SESSION_TIMEOUT_MS = 6000
# librdkafka's JoinGroup request waits up to max.poll.interval.ms (+ 3 s). The dev cluster
# (librdkafka 2.0.2's mock) can strand a JoinGroup: when it times a member out while holding its
# join, it drops the pending response and stops reading that connection, so the consumer waited
# the default 300 s with no partitions (found by the soak after a paused cluster). 20 s bounds that
# mock stall; the consumers poll from their own thread, so they never come near it otherwise.
MAX_POLL_INTERVAL_MS = 20000


class Pipeline:
    """PostgreSQL + dev cluster + consumer + producer; daemons restartable by kind."""

    def __init__(self, log_dir, order_rate="50", producer_env=None, consumer_env=None):
        self.log_dir = pathlib.Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.order_rate = str(order_rate)
        self.extra_producer_env = dict(producer_env or {})
        self.extra_consumer_env = dict(consumer_env or {})
        self.pg = None
        self.devcluster = None
        self.consumer = None
        self.producer = None
        self.joiner = None
        self.incarnations = {"producer": 0, "consumer": 0, "joiner": 0}
        # Per producer incarnation, the last delivered count seen on /metrics (a lower bound of
        # what it delivered; the flush line gives the exact count on a clean stop).
        self.producer_delivered = []
        self.log_offsets = {}
        try:
            self.pg = Postgres()
            self.devcluster = DevCluster(self.log_dir)
        except BaseException:
            self.close()
            raise

    # --- daemons -----------------------------------------------------------------------------

    def consumer_env(self):
        env = {
            "KAFKATRACE_KAFKA_BROKERS": self.devcluster.brokers,
            "KAFKATRACE_POSTGRES_URL": self.pg.url,
            "KAFKATRACE_POSTGRES_SSLMODE": "disable",
            "KAFKATRACE_KAFKA_SESSION_TIMEOUT_MS": str(SESSION_TIMEOUT_MS),
            "KAFKATRACE_KAFKA_max.poll.interval.ms": str(MAX_POLL_INTERVAL_MS),
            "KAFKATRACE_CONSUMER_BREAKER_RESET_MS": "500",
            "KAFKATRACE_KAFKA_STATISTICS_INTERVAL_MS": "1000",
            "KAFKATRACE_SHUTDOWN_TIMEOUT_MS": "10000",
            # info: the rebalance events (assign / revoke / lost) are in the log for a post-mortem.
            "KAFKATRACE_LOG_LEVEL": "info",
        }
        env.update(self.extra_consumer_env)
        return env

    def producer_env(self):
        env = {
            "KAFKATRACE_KAFKA_BROKERS": self.devcluster.brokers,
            "KAFKATRACE_ORDER_RATE": self.order_rate,
            "KAFKATRACE_KAFKA_STATISTICS_INTERVAL_MS": "1000",
            "KAFKATRACE_SHUTDOWN_TIMEOUT_MS": "20000",
            "KAFKATRACE_LOG_LEVEL": "notice",
        }
        env.update(self.extra_producer_env)
        return env

    def start_consumer(self, port=None):
        n = self.incarnations["consumer"]
        self.incarnations["consumer"] += 1
        self.consumer = Daemon(f"consumer{n}", "kafkatrace-consumer", self.consumer_env(), self.log_dir, port=port)
        self.consumer.wait_healthy(timeout=60)
        return self.consumer

    def start_joiner(self):
        """A second consumer of the same group (the main one keeps running)."""
        n = self.incarnations["joiner"]
        self.incarnations["joiner"] += 1
        self.joiner = Daemon(f"joiner{n}", "kafkatrace-consumer", self.consumer_env(), self.log_dir)
        self.joiner.wait_healthy(timeout=60)
        return self.joiner

    def stop_joiner(self):
        """SIGTERM: the joiner finishes its batch, commits and leaves the group; its exit code."""
        code = self.joiner.stop(timeout=40)
        self.joiner = None
        return code

    def start_producer(self, port=None):
        n = self.incarnations["producer"]
        self.incarnations["producer"] += 1
        self.producer = Daemon(f"producer{n}", "kafkatrace-producer", self.producer_env(), self.log_dir, port=port)
        self.producer_delivered.append(0)
        self.producer.wait_healthy(timeout=60)
        return self.producer

    def scrape_producer(self):
        """Records the producer's delivered count (lower bound) for the loss check."""
        if self.producer is None or self.producer.proc.poll() is not None:
            return self.producer_delivered[-1] if self.producer_delivered else 0
        try:
            text = self.producer.metrics()
        except OSError:
            return self.producer_delivered[-1]
        value = int(metric_value(text, "kafkatrace_producer_messages_delivered_total"))
        self.producer_delivered[-1] = max(self.producer_delivered[-1], value)
        return value

    def stop_producer(self):
        """SIGTERM: the producer drains; its flush line gives the exact delivered count."""
        if self.producer is None:
            return None
        self.scrape_producer()
        code = self.producer.stop(timeout=40)
        flush = flush_result(self.producer)
        if flush:
            self.producer_delivered[-1] = flush["delivered"]
        self.producer = None
        return code, flush

    def kill9(self, kind):
        daemon = getattr(self, kind)
        if kind == "producer":
            self.scrape_producer()
        daemon.signal(signal.SIGKILL)
        daemon.wait(timeout=10)
        setattr(self, kind, None)

    def metric(self, kind, name, labels=None):
        daemon = getattr(self, kind)
        return metric_value(daemon.metrics(), name, labels)

    def pid(self, kind):
        """The running daemon's pid, or None."""
        daemon = getattr(self, kind)
        if daemon is None or daemon.proc.poll() is not None:
            return None
        return daemon.proc.pid

    def rss_kb(self, kind):
        pid = self.pid(kind)
        if pid is None:
            return None
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return None

    def open_fds(self, kind):
        pid = self.pid(kind)
        return None if pid is None else len(os.listdir(f"/proc/{pid}/fd"))

    def pause_devcluster(self):
        """SIGSTOP: every mock broker, the coordinator and the proxy freeze (sockets stay open)."""
        self.devcluster.signal(signal.SIGSTOP)

    def resume_devcluster(self):
        self.devcluster.signal(signal.SIGCONT)

    def raw_log_lines(self, limit=20):
        """Lines in the daemons' logs (stdout + stderr) that are not JSON, written since the last
        call: every line a daemon prints must be one JSON object, also the C libraries' ones."""
        found = []
        for path in sorted(self.log_dir.glob("*.log")):
            if not path.name.startswith(("producer", "consumer", "joiner")):
                continue
            start = self.log_offsets.get(path.name, 0)
            with open(path, "rb") as f:
                f.seek(start)
                data = f.read()
            complete = data[:data.rfind(b"\n") + 1]
            self.log_offsets[path.name] = start + len(complete)
            for line in complete.splitlines():
                try:
                    json.loads(line)
                except ValueError:
                    found.append(f"{path.name}: {line[:300].decode(errors='replace')}")
        return found[:limit]

    # --- the ledger --------------------------------------------------------------------------

    def topic_records(self):
        """(order_id, partition, offset) of every message in the topic, read with kcat."""
        out = subprocess.run(["kcat", "-C", "-b", self.devcluster.brokers, "-t", TOPIC, "-o", "beginning",
                              "-e", "-q", "-f", "%p %o %s\\n"], capture_output=True, text=True, timeout=120)
        records = []
        for line in out.stdout.splitlines():
            partition, _, rest = line.strip().partition(" ")
            offset, _, value = rest.partition(" ")
            if not value:
                continue
            try:
                order_id = json.loads(value)["order_id"]
            except (ValueError, KeyError, TypeError):
                order_id = f"<unparsable:{value[:40]}>"
            records.append((order_id, int(partition), int(offset)))
        return records

    def high_watermarks(self):
        """Per partition, the high watermark: every message ever appended. The dev cluster drops
        a partition's oldest messages past ~5 MiB (librdkafka's mock); the watermark stays."""
        argv = ["kcat", "-Q", "-b", self.devcluster.brokers]
        for partition in range(PARTITIONS):
            argv += ["-t", f"{TOPIC}:{partition}:-1"]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True).stdout
        marks = {int(p): int(o) for p, o in re.findall(r"\[(\d+)\] offset (\d+)", out)}
        if len(marks) != PARTITIONS:
            raise RuntimeError(f"kcat -Q gave {len(marks)} of {PARTITIONS} watermarks: {out!r}")
        return marks

    def topic_high_watermarks(self):
        """Sum of the partitions' high watermarks."""
        return sum(self.high_watermarks().values())

    def missing_offsets(self, limit=20):
        """Where the table has a hole: (partition, offset) below the high watermark with no row
        (each row keeps the Kafka partition and offset it came from), with when the rows next to
        it were written and, if the dev cluster still has it, the message's order_id. For a loss
        report; meaningful when every message in the topic is a distinct order."""
        found = []
        for partition, high in sorted(self.high_watermarks().items()):
            if high == 0 or len(found) >= limit:
                continue
            holes = self.pg.psql(
                f"SELECT s.o FROM generate_series(0, {high - 1}) AS s(o) LEFT JOIN orders x "
                f"ON x.kafka_partition = {partition} AND x.kafka_offset = s.o "
                f"WHERE x.order_id IS NULL ORDER BY s.o LIMIT {limit - len(found)}")
            for offset in (int(v) for v in holes.split() if v):
                around = self.pg.psql(
                    f"SELECT kafka_offset || ' ' || processed_at FROM orders WHERE kafka_partition = {partition} "
                    f"AND kafka_offset IN ({offset - 1}, {offset + 1}) ORDER BY kafka_offset")
                value = subprocess.run(
                    ["kcat", "-C", "-b", self.devcluster.brokers, "-t", TOPIC, "-p", str(partition), "-o", str(offset),
                     "-c", "1", "-e", "-q", "-f", "%s"], capture_output=True, text=True, timeout=20).stdout
                found.append({"partition": partition, "offset": offset, "neighbours": around.splitlines(),
                              "order_id": (re.findall(r'"order_id":"([^"]+)"', value) or [None])[0]})
        return found

    def topic_order_ids(self):
        """Every order_id in the topic (duplicates kept)."""
        return [r[0] for r in self.topic_records()]

    def table_order_ids(self):
        out = self.pg.psql("SELECT order_id FROM orders")
        return [line for line in out.splitlines() if line]

    def reconcile(self, timeout=120.0):
        """Waits until the table holds exactly the topic's orders (or the timeout), then returns
        the counts: acknowledged (producer delivered, lower bound), topic messages and distinct
        ids, rows and distinct rows, lost (in the topic, not in the table, or acknowledged but
        missing from the topic) and duplicated (extra rows per id, or ids in the table that were
        never in the topic)."""
        deadline = time.monotonic() + timeout
        last_rows, stable_since = -1, time.monotonic()
        while True:
            records = self.topic_records()
            topic = [r[0] for r in records]
            try:
                rows = self.table_order_ids()
            except subprocess.CalledProcessError:
                rows = None
            if rows is not None and set(rows) == set(topic) or time.monotonic() > deadline:
                break
            # No progress for 20 s: the consumer is done with what it will insert.
            if rows is not None and len(rows) != last_rows:
                last_rows, stable_since = len(rows), time.monotonic()
            elif time.monotonic() - stable_since > 20:
                break
            time.sleep(1.0)
        rows = rows or []
        topic_set, row_set = set(topic), set(rows)
        acknowledged = sum(self.producer_delivered)
        missing_in_table = len(topic_set - row_set)
        missing_in_topic = max(0, acknowledged - len(topic_set))
        lost_examples = sorted((p, o, i) for i, p, o in records if i not in row_set)[:20]
        return {
            # > 0 when the dev cluster dropped old messages: then this ledger cannot see them all.
            "topic_truncated": self.topic_high_watermarks() - len(topic),
            "lost_examples": [f"p{p}@{o}:{i}" for p, o, i in lost_examples],
            "acknowledged": acknowledged,
            "topic_messages": len(topic),
            "topic_distinct": len(topic_set),
            "rows": len(rows),
            "distinct_rows": len(row_set),
            "lost": missing_in_table + missing_in_topic,
            "duplicated": (len(rows) - len(row_set)) + len(row_set - topic_set),
            "topic_duplicates": len(topic) - len(topic_set),
        }

    # --- cleanup -----------------------------------------------------------------------------

    def close(self):
        if self.devcluster is not None:
            self.devcluster.signal(signal.SIGCONT)  # a run interrupted during broker-pause
        for kind in ("producer", "joiner", "consumer"):
            daemon = getattr(self, kind, None)
            if daemon is not None:
                try:
                    daemon.stop(timeout=30)
                except Exception:  # noqa: BLE001 - keep cleaning up
                    daemon.kill()
        if self.devcluster is not None:
            try:
                self.devcluster.stop(timeout=15)
            except Exception:  # noqa: BLE001
                self.devcluster.kill()
        if self.pg is not None:
            self.pg.close()


def flush_result(daemon):
    """The producer's drain line (produced / delivered / failed / undelivered), or None."""
    for line in daemon.log().splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("message", "").startswith("Kafka producer flush"):
            return {k: int(event[k]) for k in ("produced", "delivered", "failed", "undelivered")}
    return None


def wait_consuming(pipeline, minimum=1, timeout=60):
    """Until the table has at least `minimum` rows."""
    wait_until(lambda: int(pipeline.pg.psql("SELECT count(*) FROM orders") or 0) >= minimum,
               timeout=timeout, interval=0.5, what=f">= {minimum} rows in orders")


def bin_dir():
    return os.environ.get("KAFKATRACE_BIN_DIR", "")
