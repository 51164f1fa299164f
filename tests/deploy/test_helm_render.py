"""Assertions on the objects the chart renders (Helm's Go SDK, offline)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from conftest import (
    COMPONENTS, ci_variants, contract_env_names, deep_merge, find, is_contract_env, load_values, objects, one,
    render,
)

VARIANTS = ci_variants()
DEFAULT_PORTS = {"producer": 8080, "consumer": 8081}


@pytest.fixture(scope="module")
def rendered(helm_sdk: Any) -> dict[str, list[dict[str, Any]]]:
    return {name: objects(render(helm_sdk, load_values(path))) for name, path in VARIANTS.items()}


def container(dep: dict[str, Any]) -> dict[str, Any]:
    containers = dep["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def enabled_components(variant: str) -> list[str]:
    vals = load_values(VARIANTS[variant])
    return [c for c in COMPONENTS if vals.get(c, {}).get("enabled", True)]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_deployment_probes_ports_and_command(rendered: Any, variant: str) -> None:
    objs = rendered[variant]
    for comp in enabled_components(variant):
        c = container(one(objs, "Deployment", comp))
        assert c["command"] == [f"/usr/local/bin/kafkatrace-{comp}"]
        assert c["ports"] == [{"name": "http", "containerPort": DEFAULT_PORTS[comp], "protocol": "TCP"}]
        assert c["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
        assert c["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
        assert c["startupProbe"]["httpGet"] == {"path": "/health", "port": "http"}
        cm = one(objs, "ConfigMap", comp)
        assert cm["data"]["KAFKATRACE_HTTP_PORT"] == str(DEFAULT_PORTS[comp])
        assert c["envFrom"] == [{"configMapRef": {"name": cm["metadata"]["name"]}}]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_security_context_is_locked_down(rendered: Any, variant: str) -> None:
    for comp in enabled_components(variant):
        dep = one(rendered[variant], "Deployment", comp)
        pod = dep["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == 10001
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        sc = container(dep)["securityContext"]
        assert sc["runAsNonRoot"] is True
        assert sc["runAsUser"] == 10001
        assert sc["readOnlyRootFilesystem"] is True
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["privileged"] is False
        assert sc["capabilities"] == {"drop": ["ALL"]}
        assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
        res = container(dep)["resources"]
        assert res["requests"]["cpu"] and res["requests"]["memory"] and res["limits"]["memory"]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_selectors_match_pod_labels(rendered: Any, variant: str) -> None:
    objs = rendered[variant]
    for comp in enabled_components(variant):
        dep = one(objs, "Deployment", comp)
        pod_labels = dep["spec"]["template"]["metadata"]["labels"]
        selectors = {"Deployment": dep["spec"]["selector"]["matchLabels"],
                     "Service": one(objs, "Service", comp)["spec"]["selector"]}
        for kind in ("PodDisruptionBudget", "NetworkPolicy"):
            for o in find(objs, kind, comp):
                key = "selector" if kind == "PodDisruptionBudget" else "podSelector"
                selectors[kind] = o["spec"][key]["matchLabels"]
        for kind, sel in selectors.items():
            assert sel, f"{kind} of {comp} has an empty selector"
            assert sel.items() <= pod_labels.items(), f"{kind} selector {sel} misses pod labels {pod_labels}"
        # The two components never select each other's pods.
        other = [c for c in COMPONENTS if c != comp]
        assert selectors["Service"]["app.kubernetes.io/component"] == comp != other[0]
        svc = one(objs, "Service", comp)
        assert svc["spec"]["ports"][0]["targetPort"] == "http"
        for sm in find(objs, "ServiceMonitor", comp):
            assert sm["spec"]["selector"]["matchLabels"].items() <= svc["metadata"]["labels"].items()
            assert sm["spec"]["endpoints"][0]["port"] == "http"
            assert sm["spec"]["endpoints"][0]["path"] == "/metrics"
        for hpa in find(objs, "HorizontalPodAutoscaler", comp):
            assert hpa["spec"]["scaleTargetRef"]["name"] == dep["metadata"]["name"]
            assert "replicas" not in dep["spec"], "HPA on: the Deployment must not pin replicas"
        assert dep["spec"]["template"]["spec"]["serviceAccountName"] == one(objs, "ServiceAccount")["metadata"]["name"]


OPTIONAL = {
    "HorizontalPodAutoscaler": lambda c: {c: {"autoscaling": {"enabled": True}}},
    "PodDisruptionBudget": lambda c: {c: {"podDisruptionBudget": {"enabled": True}}},
    "NetworkPolicy": lambda c: {"networkPolicy": {"enabled": True}},
    "ServiceMonitor": lambda c: {"metrics": {"serviceMonitor": {"enabled": True}}},
}


@pytest.mark.parametrize("kind", sorted(OPTIONAL))
@pytest.mark.parametrize("comp", COMPONENTS)
def test_optional_objects_present_only_when_enabled(helm_sdk: Any, kind: str, comp: str) -> None:
    assert find(objects(render(helm_sdk)), kind) == [], f"{kind} rendered by default"
    on = objects(render(helm_sdk, OPTIONAL[kind](comp)))
    assert len(find(on, kind, comp)) == 1
    off = objects(render(helm_sdk, deep_merge(OPTIONAL[kind](comp), {comp: {"enabled": False}})))
    assert find(off, kind, comp) == []
    assert find(off, "Deployment", comp) == [] and find(off, "Service", comp) == []


def test_prometheus_rule_only_when_enabled(helm_sdk: Any) -> None:
    assert find(objects(render(helm_sdk)), "PrometheusRule") == []
    rule = one(objects(render(helm_sdk, {"metrics": {"prometheusRule": {"enabled": True}}})), "PrometheusRule")
    assert rule["spec"]["groups"], "PrometheusRule has no groups"


def test_component_toggles(rendered: Any) -> None:
    assert {o["metadata"]["labels"]["app.kubernetes.io/component"]
            for o in find(rendered["producer-only"], "Deployment")} == {"producer"}
    assert {o["metadata"]["labels"]["app.kubernetes.io/component"]
            for o in find(rendered["consumer-only"], "Deployment")} == {"consumer"}
    assert len(find(rendered["default"], "Deployment")) == 2


# grace = preStop + ceil(timeoutMs / 1000) + the 15 s stop margin (test_stop_timeouts.py).
@pytest.mark.parametrize(("timeout_ms", "pre_stop", "grace"), [(25000, 5, 45), (40000, 5, 60), (25500, 0, 41)])
def test_grace_period_matches_shutdown_timeout(helm_sdk: Any, timeout_ms: int, pre_stop: int, grace: int) -> None:
    objs = objects(render(helm_sdk, {"shutdown": {"timeoutMs": timeout_ms, "preStopSleepSeconds": pre_stop}}))
    assert grace == pre_stop + math.ceil(timeout_ms / 1000) + 15
    for comp in COMPONENTS:
        dep = one(objs, "Deployment", comp)
        assert dep["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == grace
        c = container(dep)
        assert c["lifecycle"]["preStop"]["exec"]["command"] == ["/bin/sleep", str(pre_stop)]
        assert one(objs, "ConfigMap", comp)["data"]["KAFKATRACE_SHUTDOWN_TIMEOUT_MS"] == str(timeout_ms)


def test_default_grace_period_is_45s(rendered: Any) -> None:
    for comp in COMPONENTS:
        assert one(rendered["default"], "Deployment", comp)["spec"]["template"]["spec"][
            "terminationGracePeriodSeconds"] == 45


def _checksum(objs: list[dict[str, Any]], comp: str) -> str:
    return one(objs, "Deployment", comp)["spec"]["template"]["metadata"]["annotations"]["checksum/config"]


def test_checksum_annotation_follows_config(helm_sdk: Any) -> None:
    base = objects(render(helm_sdk))
    again = objects(render(helm_sdk))
    assert _checksum(base, "producer") == _checksum(again, "producer")
    changed = objects(render(helm_sdk, {"producer": {"order": {"rate": "50"}}}))
    assert _checksum(changed, "producer") != _checksum(base, "producer")
    assert _checksum(changed, "consumer") == _checksum(base, "consumer")  # only the changed one rolls
    shared = objects(render(helm_sdk, {"kafka": {"brokers": "other:9092"}}))
    for comp in COMPONENTS:
        assert _checksum(shared, comp) != _checksum(base, comp)


def test_env_names_follow_the_contract(rendered: Any) -> None:
    known = contract_env_names()
    libpq = {"PGSSLROOTCERT", "PGSSLCERT", "PGSSLKEY"}
    for variant, objs in rendered.items():
        for comp in enabled_components(variant):
            names = set(one(objs, "ConfigMap", comp)["data"])
            names |= {e["name"] for e in container(one(objs, "Deployment", comp)).get("env", [])}
            bad = sorted(n for n in names if n not in libpq and not is_contract_env(n, known))
            assert bad == [], f"{variant}/{comp}: not in docs/configuration.md: {bad}"


def test_secrets_come_from_existing_secrets(rendered: Any) -> None:
    objs = rendered["full-features"]
    assert find(objs, "Secret") == [], "the chart must reference existing Secrets, never create them"
    env = {e["name"]: e for e in container(one(objs, "Deployment", "consumer"))["env"]}
    assert env["KAFKATRACE_POSTGRES_URL"]["valueFrom"]["secretKeyRef"] == {"name": "kafkatrace-postgres", "key": "url"}
    for comp in COMPONENTS:
        c = container(one(objs, "Deployment", comp))
        env = {e["name"]: e for e in c["env"]}
        assert env["KAFKATRACE_KAFKA_SASL_USERNAME"]["valueFrom"]["secretKeyRef"] == {
            "name": "kafkatrace-kafka-sasl", "key": "username"}
        assert env["KAFKATRACE_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
            "name": "kafkatrace-kafka-sasl", "key": "password"}
        data = one(objs, "ConfigMap", comp)["data"]
        assert data["KAFKATRACE_KAFKA_SECURITY_PROTOCOL"] == "sasl_ssl"
        assert data["KAFKATRACE_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
        assert data["KAFKATRACE_KAFKA_ssl.ca.location"] == "/etc/kafkatrace/kafka-tls/ca.crt"
        mounts = {m["name"]: m for m in c["volumeMounts"]}
        assert mounts["kafka-tls"] == {"name": "kafka-tls", "mountPath": "/etc/kafkatrace/kafka-tls", "readOnly": True}
        vols = {v["name"]: v for v in one(objs, "Deployment", comp)["spec"]["template"]["spec"]["volumes"]}
        assert vols["kafka-tls"]["secret"]["secretName"] == "kafka-cluster-ca-cert"
        assert not any("PASSWORD" in k or "URL" in k for k in data if k != "KAFKATRACE_KAFKA_ssl.ca.location")
    pc = one(objs, "ConfigMap", "consumer")["data"]
    assert pc["PGSSLROOTCERT"] == "/etc/kafkatrace/postgres-tls/ca.crt"
    penv = {e["name"]: e for e in container(one(objs, "Deployment", "producer"))["env"]}
    assert penv["KAFKATRACE_PRODUCER_AUTH_TOKEN"]["valueFrom"]["secretKeyRef"]["name"] == "kafkatrace-producer-token"
    assert "KAFKATRACE_POSTGRES_URL" not in penv


def test_plaintext_has_no_sasl_or_tls(rendered: Any) -> None:
    for comp in COMPONENTS:
        data = one(rendered["default"], "ConfigMap", comp)["data"]
        assert data["KAFKATRACE_KAFKA_SECURITY_PROTOCOL"] == "plaintext"
        assert not any(k.startswith(("KAFKATRACE_KAFKA_SASL", "KAFKATRACE_KAFKA_ssl")) for k in data)
    assert "env" not in container(one(rendered["default"], "Deployment", "producer"))


def test_hpa_cpu_and_lag_metric(rendered: Any) -> None:
    objs = rendered["full-features"]
    metrics = one(objs, "HorizontalPodAutoscaler", "consumer")["spec"]["metrics"]
    assert metrics[0] == {"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 70}}}
    assert metrics[1]["type"] == "Pods"
    assert metrics[1]["pods"]["metric"]["name"] == "kafkatrace_consumer_lag_messages"
    assert metrics[1]["pods"]["target"] == {"type": "AverageValue", "averageValue": "5000"}
    assert [m["type"] for m in one(objs, "HorizontalPodAutoscaler", "producer")["spec"]["metrics"]] == ["Resource"]


def _ports(rule: dict[str, Any]) -> set[tuple[str, Any]]:
    return {(p["protocol"], p["port"]) for p in rule["ports"]}


def test_network_policy_ingress_and_egress(rendered: Any) -> None:
    objs = rendered["full-features"]
    for comp in COMPONENTS:
        spec = one(objs, "NetworkPolicy", comp)["spec"]
        assert spec["policyTypes"] == ["Ingress", "Egress"]
        # Ingress: one rule, HTTP port only, from monitoring (+ allowed clients for the producer).
        assert len(spec["ingress"]) == 1
        ing = spec["ingress"][0]
        assert _ports(ing) == {("TCP", "http")}
        namespaces = [p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for p in ing["from"]]
        assert namespaces == (["monitoring", "shop"] if comp == "producer" else ["monitoring"])
        # Egress: DNS, Kafka and (consumer) PostgreSQL; nothing else, never an empty "to".
        egress = spec["egress"]
        assert all(r.get("to") for r in egress), "an egress rule without 'to' allows every destination"
        ports = [_ports(r) for r in egress]
        assert ports[0] == {("UDP", 53), ("TCP", 53)}
        assert ports[1] == {("TCP", 9093)}
        assert {"ipBlock": {"cidr": "10.20.0.0/16"}} in egress[1]["to"]
        if comp == "consumer":
            assert len(egress) == 3
            assert ports[2] == {("TCP", 5432)}
            assert egress[2]["to"] == [{"ipBlock": {"cidr": "10.30.0.10/32"}}]
        else:
            assert len(egress) == 2


def test_network_policy_defaults_use_selectors(rendered: Any) -> None:
    spec = one(rendered["producer-only"], "NetworkPolicy", "producer")["spec"]
    kafka = spec["egress"][1]
    assert kafka["to"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kafka"}},
                            "podSelector": {"matchLabels": {"strimzi.io/kind": "Kafka"}}}]
    assert _ports(kafka) == {("TCP", 9092), ("TCP", 9093)}
    assert len(spec["ingress"][0]["from"]) == 1


def test_pdb(rendered: Any) -> None:
    for comp in COMPONENTS:
        pdb = one(rendered["full-features"], "PodDisruptionBudget", comp)
        assert pdb["spec"]["minAvailable"] == 1


def test_image_tag_and_digest(helm_sdk: Any) -> None:
    dep = one(objects(render(helm_sdk)), "Deployment", "producer")
    assert container(dep)["image"] == "ghcr.io/kafkatrace/kafkatrace:0.1.0"
    digest = "sha256:" + "a" * 64
    dep = one(objects(render(helm_sdk, {"image": {"digest": digest}})), "Deployment", "producer")
    assert container(dep)["image"] == f"ghcr.io/kafkatrace/kafkatrace@{digest}"


def test_notes_render(helm_sdk: Any) -> None:
    notes = render(helm_sdk)["kafkatrace/templates/NOTES.txt"]
    assert "kt-kafkatrace-producer" in notes and "kt-kafkatrace-consumer" in notes
    assert "docs/deployment.md" in notes


def test_network_policy_refuses_an_open_egress_rule(helm_sdk: Any) -> None:
    with pytest.raises(helm_sdk.HelmError, match="networkPolicy.postgres: set cidrs or selectors"):
        render(helm_sdk, {"networkPolicy": {"enabled": True, "postgres": {"cidrs": [], "selectors": []}}})
    # Producer-only needs no PostgreSQL peers.
    objs = objects(render(helm_sdk, {"consumer": {"enabled": False}, "networkPolicy": {
        "enabled": True, "postgres": {"cidrs": [], "selectors": []}}}))
    assert len(one(objs, "NetworkPolicy", "producer")["spec"]["egress"]) == 2
