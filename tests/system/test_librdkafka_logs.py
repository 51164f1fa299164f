"""librdkafka's own log lines (configuration warnings, connection failures, session timeouts)
come out of both daemons as JSON lines like every other, never as librdkafka's raw
`%4|<time>|CONFWARN|...` text. Found by the broker-pause fault round: a consumer whose group
session timed out printed `%4|...|SESSTMOUT|...` on stderr."""

import json

import pytest

from conftest import wait_until

# A deprecated property (valid for producers and consumers) makes librdkafka log a CONFWARN at
# rd_kafka_new; an unreachable broker makes it log FAIL lines.
DEPRECATED = ("socket.blocking.max.ms", "100", "is deprecated")


@pytest.mark.parametrize("kind", ["consumer", "producer"])
def test_librdkafka_log_lines_are_json(kind, daemons):
    prop, value, warning = DEPRECATED
    env = {"KAFKATRACE_KAFKA_BROKERS": "127.0.0.1:1", f"KAFKATRACE_KAFKA_{prop}": value}
    if kind == "consumer":
        env["KAFKATRACE_POSTGRES_URL"] = "postgresql://kafkatrace@127.0.0.1:1/kafkatrace"
    else:
        env["KAFKATRACE_ORDER_RATE"] = "0"
    daemon = daemons(kind, env)
    daemon.wait_healthy()
    wait_until(lambda: warning in daemon.log() and "Connection refused" in daemon.log(), timeout=20,
               what=f"{kind}: librdkafka's CONFWARN and connection failure")
    daemon.stop()
    events = []
    for line in daemon.log().splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            pytest.fail(f"{kind} printed a line that is not JSON: {line!r}")
    confwarn = [e for e in events if e.get("rdkafka_facility") == "CONFWARN"]
    assert confwarn, events
    assert confwarn[0]["level"] == "warning" and confwarn[0]["logger"] == "kafkatrace.librdkafka"
    assert prop in confwarn[0]["rdkafka_message"] and warning in confwarn[0]["rdkafka_message"]
    assert confwarn[0]["client"].startswith(f"kafkatrace-{kind}")
    refused = [e for e in events if e.get("rdkafka_facility") == "FAIL"]
    assert refused and refused[0]["level"] == "error", events
    assert "Connection refused" in refused[0]["rdkafka_message"]
