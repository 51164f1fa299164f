"""Security properties of both daemons, end to end: secrets never reach logs or `--check-config`
output, the bearer token guards `POST /v1/orders`, the HTTP server listens only on the configured
address, TLS/SASL settings reach librdkafka (bad ones stop the daemon with librdkafka's own error
naming the property), and libpq `sslmode` is honoured."""

import json
import socket
import subprocess
import time

import pytest

from conftest import ROOT, binary, free_port, http, wait_until

SASL_PASSWORD = "s3cr3t-sasl-Pa55word-7f1c"
PG_PASSWORD = "s3cr3t-pg-Pa55word-2b9e"
AUTH_TOKEN = "s3cr3t-bearer-T0ken-91d4"
SECRETS = (SASL_PASSWORD, PG_PASSWORD, AUTH_TOKEN)


def base_env(devcluster, **extra):
    env = {
        "KAFKATRACE_KAFKA_BROKERS": devcluster.brokers,
        "KAFKATRACE_ORDER_RATE": "0",
        "KAFKATRACE_SHUTDOWN_TIMEOUT_MS": "5000",
        "KAFKATRACE_KAFKA_STATISTICS_INTERVAL_MS": "500",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_tool(name, args, env, timeout=30):
    """Runs a daemon binary to completion (`--check-config` and friends): (exit code, output)."""
    full = {k: v for k, v in __import__("os").environ.items() if not k.startswith("KAFKATRACE_")}
    full.pop("NOTIFY_SOCKET", None)
    full.update(env)
    out = subprocess.run([binary(name)] + args, env=full, cwd=str(ROOT), capture_output=True, text=True,
                         timeout=timeout)
    return out.returncode, out.stdout + out.stderr


def assert_no_secrets(text, where):
    for secret in SECRETS:
        assert secret not in text, f"a secret ({secret[:9]}…) appears in {where}"


def order():
    return {"customer_id": "CUST-00042",
            "items": [{"item_id": "ITEM-03", "name": "Margherita Pizza", "quantity": 2, "unit_price": 12.5}],
            "total_amount": 25.0}


def post_order(daemon, headers=None):
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    return http("POST", daemon.url + "/v1/orders", json.dumps(order()).encode(), h)[0]


# --- secrets -------------------------------------------------------------------------------

def test_check_config_redacts_every_secret(devcluster, postgres):
    url = postgres.url.replace("kafkatrace@", f"kafkatrace:{PG_PASSWORD}@")
    common = {
        "KAFKATRACE_KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
        "KAFKATRACE_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKATRACE_KAFKA_SASL_USERNAME": "orders-svc",
        "KAFKATRACE_KAFKA_SASL_PASSWORD": SASL_PASSWORD,
        "KAFKATRACE_KAFKA_ssl.ca.location": "/etc/ssl/certs/ca-certificates.crt",
        "KAFKATRACE_KAFKA_ssl.key.password": SASL_PASSWORD,
    }
    code, out = run_tool("kafkatrace-producer", ["--check-config"],
                         base_env(devcluster, KAFKATRACE_PRODUCER_AUTH_TOKEN=AUTH_TOKEN, **common))
    assert code == 0, out
    assert_no_secrets(out, "producer --check-config")
    assert out.count("<redacted>") >= 3, out  # password, token, ssl.key.password
    assert "sasl_ssl" in out and "SCRAM-SHA-512" in out and "ssl.ca.location" in out, out

    code, out = run_tool("kafkatrace-consumer", ["--check-config"],
                         base_env(devcluster, KAFKATRACE_POSTGRES_URL=url, **common))
    assert code == 0, out
    assert_no_secrets(out, "consumer --check-config")
    assert f"kafkatrace:<redacted>@127.0.0.1:{postgres.port}" in out, out


def test_secrets_in_errors_are_redacted(devcluster):
    # An invalid companion value makes the configuration fail: the error must not echo secrets.
    code, out = run_tool("kafkatrace-producer", [], base_env(
        devcluster, KAFKATRACE_KAFKA_SASL_PASSWORD=SASL_PASSWORD, KAFKATRACE_KAFKA_SASL_MECHANISM="NOPE",
        KAFKATRACE_PRODUCER_AUTH_TOKEN=AUTH_TOKEN))
    assert code == 2, out
    assert "kafka.sasl_mechanism" in out or "KAFKATRACE_KAFKA_SASL_MECHANISM" in out, out
    assert_no_secrets(out, "the configuration error")


def test_running_daemons_never_log_secrets(devcluster, postgres, daemons):
    """Both daemons at debug level with secrets set (the producer's SASL setting makes every
    broker connection fail authentication, which librdkafka logs); the logs never hold them."""
    p = daemons("producer", base_env(
        devcluster, KAFKATRACE_LOG_LEVEL="debug", KAFKATRACE_PRODUCER_AUTH_TOKEN=AUTH_TOKEN))
    p.wait_ready()
    assert post_order(p, {"Authorization": f"Bearer {AUTH_TOKEN}"}) == 202
    assert post_order(p, {"Authorization": f"Bearer {AUTH_TOKEN}x"}) == 401

    sasl = daemons("producer", base_env(
        devcluster, KAFKATRACE_LOG_LEVEL="debug",
        KAFKATRACE_KAFKA_SECURITY_PROTOCOL="sasl_plaintext", KAFKATRACE_KAFKA_SASL_MECHANISM="PLAIN",
        KAFKATRACE_KAFKA_SASL_USERNAME="orders-svc", KAFKATRACE_KAFKA_SASL_PASSWORD=SASL_PASSWORD,
        **{"KAFKATRACE_KAFKA_debug": "security,broker,conf"}))
    sasl.wait_healthy()

    url = postgres.url.replace("kafkatrace@", f"kafkatrace:{PG_PASSWORD}@")
    c = daemons("consumer", base_env(devcluster, KAFKATRACE_LOG_LEVEL="debug", KAFKATRACE_POSTGRES_URL=url,
                                     KAFKATRACE_POSTGRES_SSLMODE="disable"))
    c.wait_ready()
    time.sleep(3)  # let statistics, reconnects and SASL failures get logged
    logs = {d.name: d.log() for d in (p, sasl, c)}
    assert all(len(text) > 200 for text in logs.values()), {k: len(v) for k, v in logs.items()}
    for d in (p, sasl, c):
        assert d.stop(timeout=20) == 0, d.log()[-2000:]
        assert_no_secrets(d.log(), f"the {d.name} log")


# --- bearer token --------------------------------------------------------------------------

def test_bearer_token_guards_order_submission(devcluster, daemons):
    p = daemons("producer", base_env(devcluster, KAFKATRACE_PRODUCER_AUTH_TOKEN=AUTH_TOKEN))
    p.wait_ready()
    assert post_order(p) == 401
    assert post_order(p, {"Authorization": "Bearer wrong"}) == 401
    assert post_order(p, {"Authorization": f"Bearer {AUTH_TOKEN[:-1]}"}) == 401  # a prefix
    assert post_order(p, {"Authorization": f"Bearer {AUTH_TOKEN}{AUTH_TOKEN}"}) == 401
    assert post_order(p, {"Authorization": f"Basic {AUTH_TOKEN}"}) == 401
    assert post_order(p, {"Authorization": f"Bearer {AUTH_TOKEN}"}) == 202
    # Probes and metrics stay open.
    assert p.get("/health")[0] == 200 and p.get("/metrics")[0] == 200
    assert p.stop(timeout=20) == 0


# --- bind address --------------------------------------------------------------------------

def refused(host, port) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.settimeout(2)
        return s.connect_ex((host, port)) != 0


def test_http_binds_only_to_the_configured_address(devcluster, daemons):
    """All of 127.0.0.0/8 is local on Linux: a server bound to 127.0.0.1 must refuse 127.0.0.2
    on the same port, and one bound to 127.0.0.2 must refuse 127.0.0.1."""
    p = daemons("producer", base_env(devcluster, KAFKATRACE_HTTP_HOST="127.0.0.1"))
    p.wait_healthy()
    assert refused("127.0.0.2", p.port)
    port = free_port()
    q = daemons("producer", base_env(devcluster, KAFKATRACE_HTTP_HOST="127.0.0.2"), port=port)
    wait_until(lambda: http("GET", f"http://127.0.0.2:{port}/health", timeout=2)[0] == 200, timeout=30,
               what="producer on 127.0.0.2")
    assert refused("127.0.0.1", port)
    assert p.stop(timeout=20) == 0 and q.stop(timeout=20) == 0


# --- TLS / SASL pass-through to librdkafka -------------------------------------------------

def test_kafka_security_settings_reach_librdkafka(devcluster, daemons):
    # A pass-through property with a value librdkafka refuses: the daemon stops with
    # librdkafka's error naming the property.
    code, out = run_tool("kafkatrace-producer", [], base_env(
        devcluster, **{"KAFKATRACE_KAFKA_ssl.endpoint.identification.algorithm": "bogus"}))
    assert code != 0 and "ssl.endpoint.identification.algorithm" in out, out
    code, out = run_tool("kafkatrace-producer", [], base_env(
        devcluster, **{"KAFKATRACE_KAFKA_no.such.property": "1"}))
    assert code != 0 and "no.such.property" in out, out
    # TLS with a CA file that does not exist: librdkafka refuses at client creation.
    code, out = run_tool("kafkatrace-producer", [], base_env(
        devcluster, KAFKATRACE_KAFKA_SECURITY_PROTOCOL="ssl",
        **{"KAFKATRACE_KAFKA_ssl.ca.location": "/nonexistent/ca.pem"}))
    assert code != 0 and "ssl.ca.location" in out, out
    # Typed keys own security.protocol: the pass-through spelling is refused, naming the key.
    code, out = run_tool("kafkatrace-producer", ["--check-config"], base_env(
        devcluster, **{"KAFKATRACE_KAFKA_security.protocol": "SASL_SSL"}))
    assert code == 2 and "kafka.security_protocol" in out, out
    code, out = run_tool("kafkatrace-producer", [], base_env(
        devcluster, KAFKATRACE_KAFKA_SECURITY_PROTOCOL="bogus"))
    assert code == 2 and "sasl_ssl" in out, out
    # SASL/SCRAM settings are accepted and shown (secret redacted) by --check-config.
    for mechanism in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"):
        code, out = run_tool("kafkatrace-producer", ["--check-config"], base_env(
            devcluster, KAFKATRACE_KAFKA_SECURITY_PROTOCOL="sasl_ssl", KAFKATRACE_KAFKA_SASL_MECHANISM=mechanism,
            KAFKATRACE_KAFKA_SASL_USERNAME="u", KAFKATRACE_KAFKA_SASL_PASSWORD=SASL_PASSWORD))
        assert code == 0 and mechanism in out and SASL_PASSWORD not in out, out
    # A SASL producer against the (plaintext) mock cluster starts, serves /health, and is not
    # ready: the setting really reached the Kafka client.
    p = daemons("producer", base_env(
        devcluster, KAFKATRACE_KAFKA_SECURITY_PROTOCOL="sasl_plaintext", KAFKATRACE_KAFKA_SASL_MECHANISM="PLAIN",
        KAFKATRACE_KAFKA_SASL_USERNAME="u", KAFKATRACE_KAFKA_SASL_PASSWORD=SASL_PASSWORD))
    p.wait_healthy()
    time.sleep(2)
    assert p.get("/ready")[0] == 503
    assert p.stop(timeout=20) == 0


# --- libpq sslmode -------------------------------------------------------------------------

def test_postgres_sslmode_is_honoured(devcluster, postgres, daemons):
    """The test PostgreSQL has no TLS: sslmode=require cannot connect and says why; disable works."""
    c = daemons("consumer", base_env(devcluster, KAFKATRACE_POSTGRES_URL=postgres.url,
                                     KAFKATRACE_POSTGRES_SSLMODE="require"))
    c.wait_healthy()
    time.sleep(2)
    status, _, body = c.get("/ready?verbose")
    assert status == 503, body[:500]
    reasons = (body.decode(errors="replace") + c.log()).lower()
    assert "ssl" in reasons, body[:500]
    assert c.stop(timeout=20) == 0

    ok = daemons("consumer", base_env(devcluster, KAFKATRACE_POSTGRES_URL=postgres.url,
                                      KAFKATRACE_POSTGRES_SSLMODE="disable"))
    ok.wait_ready()
    assert ok.stop(timeout=20) == 0
