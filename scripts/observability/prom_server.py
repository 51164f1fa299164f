"""Runs a throw-away Prometheus server scraping the KafkaTrace daemons.

The configuration is derived from prometheus/prometheus.yml: the static targets of the
kafkatrace-producer / kafkatrace-consumer jobs are replaced by the given URLs, intervals are
shortened to 1 s, and the rule files are copied next to it, so the live check evaluates exactly the
committed rules against exactly the committed scrape jobs.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

import requests
import yaml

import common

PROMETHEUS_BIN = os.environ.get("PROMETHEUS_BIN", "/usr/bin/prometheus")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def target_of(url: str) -> tuple[str, str, str]:
    """http://127.0.0.1:8080[/metrics] -> (scheme, host:port, metrics path)."""
    u = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
    if not u.hostname or not u.port:
        raise SystemExit(f"daemon URL {url!r} needs a host and a port, e.g. http://127.0.0.1:8080")
    host = f"[{u.hostname}]" if ":" in u.hostname else u.hostname
    path = u.path if u.path not in ("", "/") else "/metrics"
    return u.scheme or "http", f"{host}:{u.port}", path


def derive_config(targets: dict[str, str], interval: str = "1s") -> dict:
    """prometheus.yml with the static targets of each job in `targets` (job -> URL) replaced."""
    cfg = yaml.safe_load(open(common.PROM_CONFIG, encoding="utf-8"))
    cfg.setdefault("global", {}).update(
        {"scrape_interval": interval, "scrape_timeout": interval, "evaluation_interval": interval})
    jobs = []
    for job in cfg.get("scrape_configs", []):
        name = job["job_name"]
        if name not in targets:
            continue  # only the jobs we were given URLs for
        scheme, hostport, path = target_of(targets[name])
        labels = {}
        for sc in job.get("static_configs", []):
            labels.update(sc.get("labels", {}))
        job["static_configs"] = [{"targets": [hostport], "labels": labels}]
        job["scheme"], job["metrics_path"] = scheme, path
        jobs.append(job)
    missing = set(targets) - {j["job_name"] for j in jobs}
    if missing:
        raise SystemExit(f"prometheus/prometheus.yml has no job(s) {sorted(missing)}")
    cfg["scrape_configs"] = jobs
    return cfg


class PrometheusServer:
    """`with PrometheusServer(targets) as prom:` starts /usr/bin/prometheus on 127.0.0.1:<free port>
    with a temporary data dir; stops it and deletes everything on exit, also on errors."""

    def __init__(self, targets: dict[str, str], rules_dir: str | None = None, extra_rules: dict | None = None):
        self.targets = targets
        self.rules_dir = rules_dir or os.path.join(common.ROOT, "prometheus", "rules")
        self.extra_rules = extra_rules
        self.tmp = ""
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "PrometheusServer":
        self.tmp = tempfile.mkdtemp(prefix="kafkatrace-prom-")
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        shutil.copytree(self.rules_dir, os.path.join(self.tmp, "rules"))
        if self.extra_rules:
            with open(os.path.join(self.tmp, "rules", "zz-extra.yml"), "w") as f:
                yaml.safe_dump(self.extra_rules, f)
        cfg_path = os.path.join(self.tmp, "prometheus.yml")
        with open(cfg_path, "w") as f:
            yaml.safe_dump(derive_config(self.targets), f, sort_keys=False)
        check = subprocess.run(["promtool", "check", "config", cfg_path], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"derived config does not pass promtool check config:\n{check.stdout}{check.stderr}")
        self.port = free_port()
        self.log = open(os.path.join(self.tmp, "prometheus.log"), "w")
        self.proc = subprocess.Popen(
            [PROMETHEUS_BIN, f"--config.file={cfg_path}", f"--storage.tsdb.path={os.path.join(self.tmp, 'data')}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=2h",
             "--web.enable-lifecycle"],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=self.tmp, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"prometheus not ready on {self.url} after 30 s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "".join(open(os.path.join(self.tmp, "prometheus.log")).readlines()[-lines:])
        except OSError:
            return ""

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)


class PromAPI:
    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def _get(self, path: str, **params) -> dict:
        r = requests.post(f"{self.url}{path}", data=params, timeout=30) if path.endswith("query") \
            else requests.get(f"{self.url}{path}", params=params, timeout=30)
        try:
            body = r.json()
        except ValueError:
            return {"status": "error", "error": f"HTTP {r.status_code}: {r.text[:200]}"}
        return body

    def query(self, expr: str, time_s: float | None = None) -> dict:
        params = {"query": expr}
        if time_s is not None:
            params["time"] = f"{time_s:.3f}"
        return self._get("/api/v1/query", **params)

    def query_range(self, expr: str, start: float, end: float, step: float) -> dict:
        return requests.post(f"{self.url}/api/v1/query_range", timeout=60, data={
            "query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:.3f}"}).json()

    def series(self, match: str, start: float) -> dict:
        return self._get("/api/v1/series", **{"match[]": match, "start": f"{start:.3f}"})

    def metadata(self) -> dict:
        return self._get("/api/v1/metadata")

    def rules(self) -> dict:
        return self._get("/api/v1/rules")

    def targets(self) -> dict:
        return self._get("/api/v1/targets")
