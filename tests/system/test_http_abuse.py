"""HTTP abuse against a running kafkatrace-producer (with the dev cluster behind it): slowloris,
idle connections far beyond the cap, oversized heads and bodies, invalid methods, request
smuggling, binary garbage, half-closed sockets and pipelined floods. Throughout, a well-behaved
client keeps getting `/health` 200, the daemon never dies, its RSS stays under a bound and does
not keep growing over repeated rounds, and it exits 0 on SIGTERM at the end.

Only 127.0.0.1; every loop is bounded. Short server timeouts (1 s request, 2 s idle) keep the
whole file around a minute."""

import random
import resource
import select
import socket
import threading
import time

import pytest

from conftest import http, metric_value, rss_kb, wait_until

RSS_LIMIT_KB = 200 * 1024
MAX_CONNECTIONS = 64
REQUEST_TIMEOUT_MS = 1000
IDLE_TIMEOUT_MS = 2000
MAX_BODY_BYTES = 65536


def producer_env(devcluster, **extra):
    env = {
        "KAFKATRACE_KAFKA_BROKERS": devcluster.brokers,
        "KAFKATRACE_ORDER_RATE": "0",
        "KAFKATRACE_LOG_LEVEL": "warning",
        "KAFKATRACE_HTTP_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
        "KAFKATRACE_HTTP_REQUEST_TIMEOUT_MS": str(REQUEST_TIMEOUT_MS),
        "KAFKATRACE_HTTP_IDLE_TIMEOUT_MS": str(IDLE_TIMEOUT_MS),
        "KAFKATRACE_HTTP_MAX_BODY_BYTES": str(MAX_BODY_BYTES),
        "KAFKATRACE_SHUTDOWN_TIMEOUT_MS": "5000",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.fixture
def producer(devcluster, daemons):
    """A producer with small HTTP limits; at the end: still alive, then exit 0 on SIGTERM."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    p = daemons("producer", producer_env(devcluster))
    p.wait_healthy()
    yield p
    assert p.proc.poll() is None, f"producer died during the attack\n{p.log()[-3000:]}"
    assert rss_kb(p) < RSS_LIMIT_KB
    code = p.stop(timeout=20)
    assert code == 0, f"producer exited {code} after SIGTERM\n{p.log()[-3000:]}"


# --- helpers -------------------------------------------------------------------------------

def connect(daemon, timeout=5.0) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", daemon.port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_until_closed(s: socket.socket, timeout=5.0, limit=16 << 20) -> tuple[bytes, bool]:
    """Everything the server sends until it closes (True) or `timeout` passes (False)."""
    data = bytearray()
    deadline = time.monotonic() + timeout
    while len(data) < limit:
        left = deadline - time.monotonic()
        if left <= 0:
            return bytes(data), False
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return bytes(data), False
        except (ConnectionResetError, BrokenPipeError):
            return bytes(data), True
        if not chunk:
            return bytes(data), True
        data += chunk
    return bytes(data), False


def statuses(data: bytes) -> list[int]:
    """Status codes of the HTTP/1.1 responses in a byte stream, walked head by head: each head
    ends at CRLFCRLF and its body is Content-Length bytes (a body is not followed by CRLF, so
    the next status line starts right after it, not on a line of its own)."""
    out = []
    pos = 0
    while data.startswith(b"HTTP/1.1 ", pos):
        end = data.find(b"\r\n\r\n", pos)
        if end < 0 or not data[pos + 9:pos + 12].isdigit():
            break
        out.append(int(data[pos + 9:pos + 12]))
        length = 0
        for line in data[pos:end].split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        pos = end + 4 + length
    return out


def exchange(daemon, payload: bytes, timeout=5.0, shut_wr=False) -> tuple[list[int], bool]:
    """Sends raw bytes; returns the response statuses and whether the server closed."""
    with connect(daemon) as s:
        try:
            s.sendall(payload)
            if shut_wr:
                s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data, closed = read_until_closed(s, timeout)
    return statuses(data), closed


def health_ok(daemon) -> bool:
    try:
        return http("GET", daemon.url + "/health", timeout=3)[0] == 200
    except OSError:
        return False


class Prober:
    """A well-behaved client: GET /health on a fresh connection every 100 ms, in a thread."""

    def __init__(self, daemon):
        self.daemon = daemon
        self.results = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.results.append(http("GET", self.daemon.url + "/health", timeout=3)[0])
            except OSError as exc:
                self.results.append(repr(exc))
            self._stop.wait(0.1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        # An attack that finished quickly still gets its three probes (bounded wait).
        deadline = time.monotonic() + 10
        while len(self.results) < 3 and time.monotonic() < deadline and self._thread.is_alive():
            time.sleep(0.05)
        self._stop.set()
        self._thread.join(timeout=10)

    def assert_all_ok(self, what):
        assert len(self.results) >= 3, f"{what}: only {len(self.results)} probes ran"
        bad = [r for r in self.results if r != 200]
        assert not bad, f"{what}: /health failed {len(bad)}/{len(self.results)} times: {bad[:5]}"


HEALTH = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


# --- attacks -------------------------------------------------------------------------------

def test_slowloris_heads_and_bodies_are_timed_out(producer):
    """40 clients dribble a request head (or a body) a byte every 200 ms: each gets 408 and is
    closed long before it could finish; /health keeps answering meanwhile."""
    head = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: " + b"s" * 60 + b"\r\n\r\n"
    body_head = b"POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
    socks = []
    for i in range(40):
        s = connect(producer)
        if i % 2:
            s.sendall(body_head)  # complete head, the body trickles
        socks.append(s)
    closed_by_server = set()
    answers = {}
    with Prober(producer) as prober:
        # 40 steps × 200 ms = 8 s of dribbling, far beyond the 1 s request timeout.
        for step in range(40):
            for i, s in enumerate(socks):
                if i in closed_by_server:
                    continue
                try:
                    s.sendall(head[step:step + 1] if i % 2 == 0 else b"{")
                except (BrokenPipeError, ConnectionResetError):
                    closed_by_server.add(i)
                    continue
                r, _, _ = select.select([s], [], [], 0)
                if r:
                    data, closed = read_until_closed(s, timeout=0.5)
                    answers[i] = statuses(data)
                    if closed or not data:
                        closed_by_server.add(i)
            if len(closed_by_server) == len(socks):
                break
            time.sleep(0.2)
        prober_after = len(prober.results)
    for s in socks:
        s.close()
    assert len(closed_by_server) == len(socks), f"{len(socks) - len(closed_by_server)} slow clients still open"
    timed_out = [i for i, codes in answers.items() if codes == [408]]
    assert len(timed_out) >= len(socks) - 2, f"expected 408 answers, got {answers}"
    assert prober_after >= 5
    prober.assert_all_ok("during slowloris")
    assert rss_kb(producer) < RSS_LIMIT_KB


def test_a_thousand_idle_connections_beyond_the_cap(producer):
    """1000 connections against a cap of 64: the excess is answered 503 and closed at once, the
    64 held ones are reaped by the idle timeout, and a well-behaved client (one that retries a
    503 as the body says) gets through while the flood is still open."""
    rejected_before = metric_value(producer.metrics(), "kafkatrace_http_connections_rejected_total")
    socks = []
    for _ in range(1000):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", producer.port))
        socks.append(s)
    try:
        # Rejected ones read a 503 and EOF; held ones stay silent.
        deadline = time.monotonic() + 5
        answered_503 = set()
        while time.monotonic() < deadline and len(answered_503) < 1000 - MAX_CONNECTIONS:
            readable, _, _ = select.select([s for s in socks if s.fileno() not in answered_503][:1000], [], [], 0.2)
            for s in readable:
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if b"503" in data[:16] or not data:
                    answered_503.add(s.fileno())
        assert len(answered_503) >= 1000 - MAX_CONNECTIONS - 8, f"only {len(answered_503)} turned away"
        assert producer.proc.poll() is None

        # The held connections are idle: after the idle timeout the well-behaved client is served.
        wait_until(lambda: health_ok(producer), timeout=IDLE_TIMEOUT_MS / 1000 + 10, interval=0.2,
                   what="/health while 1000 idle connections are open")
        # While the flood's sockets are still open on our side, the server lets go of them: the
        # backlog refills freed slots during the 5 s above, so wait one more idle timeout.
        wait_until(lambda: metric_value(producer.metrics(), "kafkatrace_http_connections_active") <= 2,
                   timeout=IDLE_TIMEOUT_MS / 1000 * 2 + 10, interval=0.2, what="held connections reaped")
        text = producer.metrics()
        rejected = metric_value(text, "kafkatrace_http_connections_rejected_total") - rejected_before
        assert rejected >= 1000 - MAX_CONNECTIONS - 8
    finally:
        for s in socks:
            s.close()
    assert rss_kb(producer) < RSS_LIMIT_KB
    with Prober(producer) as prober:
        time.sleep(1)
    prober.assert_all_ok("after the idle flood")


def test_oversized_heads_and_bodies_are_refused(producer):
    cases = {
        "header of 20 KB": (b"GET /health HTTP/1.1\r\nHost: x\r\nCookie: " + b"c" * 20000 + b"\r\n\r\n", 431),
        "200 header fields": (b"GET /health HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(200))
                              + b"\r\n", 431),
        "request line of 10 KB": (b"GET /" + b"a" * 10000 + b" HTTP/1.1\r\n\r\n", 414),
        "Content-Length over the limit": (b"POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                          b"Content-Length: %d\r\n\r\n" % (MAX_BODY_BYTES + 1), 413),
        "huge Content-Length": (b"POST /v1/orders HTTP/1.1\r\nContent-Length: 999999999999999999\r\n\r\n", 413),
        "header without end (1 MB)": (b"GET / HTTP/1.1\r\nX: " + b"y" * (1 << 20), 431),
    }
    with Prober(producer) as prober:
        for name, (payload, expected) in cases.items():
            codes, closed = exchange(producer, payload)
            assert codes == [expected] and closed, f"{name}: {codes}, closed={closed}"
        # A body actually sent beyond the limit: answered 413 before it is read, connection closed.
        with connect(producer) as s:
            s.sendall(b"POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 4194304\r\n\r\n")
            try:
                for _ in range(64):
                    s.sendall(b"{" * 65536)
            except (BrokenPipeError, ConnectionResetError):
                pass
            data, _ = read_until_closed(s, timeout=5)
            assert statuses(data)[:1] in ([413], []), data[:200]
    prober.assert_all_ok("during oversized requests")


def test_invalid_methods_and_binary_garbage(producer):
    rng = random.Random(7)
    bad = [
        b"G@T /health HTTP/1.1\r\n\r\n",
        b"GET\x00 /health HTTP/1.1\r\n\r\n",
        b" GET /health HTTP/1.1\r\n\r\n",
        b"GET /health HTTP/9.9\r\n\r\n",
        b"GET /health\r\n\r\n",
        b"GET health HTTP/1.1\r\n\r\n",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(rng.randrange(256) for _ in range(160)),
        b"GET /health HTTP/1.1\nHost: x\n\n",
        b"GET /health HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        b"GET /health HTTP/1.1\r\nBad Header: x\r\n\r\n",
    ]
    bad += [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2048))) + b"\r\n\r\n" for _ in range(60)]
    with Prober(producer) as prober:
        for payload in bad:
            codes, closed = exchange(producer, payload, timeout=4)
            assert closed, f"not closed after {payload[:40]!r}"
            assert all(400 <= c < 600 for c in codes) and len(codes) <= 1, f"{payload[:40]!r}: {codes}"
        # Well-formed but unknown methods are answered, not crashed on.
        for method in (b"BREW", b"PROPFIND", b"DELETE", b"TRACE", b"CONNECT", b"X" * 100):
            codes, _ = exchange(producer, method + b" /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert len(codes) == 1 and codes[0] in (400, 404, 405, 501), f"{method[:10]!r}: {codes}"
        codes, _ = exchange(producer, b"POST /health HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        assert codes == [405]
    prober.assert_all_ok("during garbage")


def test_request_smuggling_is_refused_and_closed(producer):
    """Every ambiguous framing is 400 (Transfer-Encoding alone 501) and the connection is closed,
    so the smuggled request behind it is never answered."""
    smuggled = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
    attempts = {
        "CL.TE": b"POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "TE.CL": b"POST /v1/orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\n",
        "duplicate CL, same value": b"POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
        "conflicting CL": b"POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}",
        "CL list": b"POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 40\r\n\r\n{}",
        "CL with sign": b"POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Length: +2\r\n\r\n{}",
        "CL hex": b"POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 0x2\r\n\r\n{}",
        "space before colon": b"POST /v1/orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\nContent-Length: 2\r\n\r\n{}",
        "obs-fold TE": b"POST /v1/orders HTTP/1.1\r\nHost: x\r\nX: y\r\n Transfer-Encoding: chunked\r\n\r\n",
        "duplicate Host": b"GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "bare LF in header": b"GET /health HTTP/1.1\r\nHost: a\nX: y\r\n\r\n",
    }
    with Prober(producer) as prober:
        for name, payload in attempts.items():
            codes, closed = exchange(producer, payload + smuggled)
            assert codes == [400] and closed, f"{name}: {codes}, closed={closed}"
        codes, closed = exchange(producer, b"POST /v1/orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 b"0\r\n\r\n" + smuggled)
        assert codes == [501] and closed, f"TE alone: {codes}, closed={closed}"
    prober.assert_all_ok("during smuggling attempts")


def test_half_closed_sockets_still_get_their_responses(producer):
    for n in (1, 3, 20):
        codes, closed = exchange(producer, HEALTH * n, shut_wr=True)
        assert codes == [200] * n and closed, f"{n} requests then SHUT_WR: {codes}, closed={closed}"
    # Half-closed in the middle of a request: nothing to answer, the server closes cleanly.
    codes, closed = exchange(producer, b"GET /health HTTP/1.1\r\nHo", shut_wr=True)
    assert closed and all(c in (400, 408) for c in codes)
    assert health_ok(producer)


def test_pipelined_floods(producer):
    """Deep pipelines on a few connections are answered in full; a client that floods without
    reading is throttled (the server stops reading while its output is full), not buffered."""
    with Prober(producer) as prober:
        threads, counts = [], []

        def pipeline(n):
            with connect(producer, timeout=30) as s:
                sender = threading.Thread(target=lambda: s.sendall(HEALTH * n))
                sender.start()
                data = bytearray()
                s.settimeout(20)
                while data.count(b"HTTP/1.1 200") < n:
                    chunk = s.recv(1 << 20)
                    if not chunk:
                        break
                    data += chunk
                sender.join()
                counts.append(data.count(b"HTTP/1.1 200"))

        for _ in range(4):
            t = threading.Thread(target=pipeline, args=(5000,))
            t.start()
            threads.append(t)
        for t in threads:
            t.join(timeout=60)
        assert counts == [5000] * 4, counts

        # Flood without reading for a bounded amount: 64 MB of requests offered.
        with connect(producer) as s:
            s.setblocking(False)
            offered = 0
            deadline = time.monotonic() + 5
            chunk = HEALTH * 2000
            while offered < (64 << 20) and time.monotonic() < deadline:
                try:
                    offered += s.send(chunk)
                except BlockingIOError:
                    time.sleep(0.01)
                except (BrokenPipeError, ConnectionResetError):
                    break
            assert rss_kb(producer) < RSS_LIMIT_KB
        assert producer.proc.poll() is None
    prober.assert_all_ok("during pipelined floods")


def test_memory_stays_bounded_over_repeated_rounds(producer):
    """Six rounds of mixed abuse; RSS after each round stays under the bound and the last rounds
    do not keep growing past the second (allocator warm-up) by more than 16 MB."""
    rng = random.Random(11)
    samples = []
    for _ in range(6):
        socks = []
        for i in range(300):
            try:
                s = connect(producer, timeout=2)
            except OSError:
                continue
            kind = i % 5
            try:
                if kind == 0:
                    s.sendall(b"GET /health HTTP/1.1\r\nX: " + b"z" * 30000)
                elif kind == 1:
                    s.sendall(bytes(rng.randrange(256) for _ in range(512)))
                elif kind == 2:
                    s.sendall(b"POST /v1/orders HTTP/1.1\r\nContent-Length: 60000\r\nContent-Type: application/json\r\n\r\n"
                              + b"[" * 30000)
                elif kind == 3:
                    s.sendall(HEALTH * 50)
                else:
                    s.sendall(b"GET /heal")
            except OSError:
                pass
            socks.append(s)
            if len(socks) >= MAX_CONNECTIONS - 8:
                for old in socks:
                    old.close()
                socks = []
        for s in socks:
            s.close()
        wait_until(lambda: health_ok(producer), timeout=15, what="/health after a round")
        samples.append(rss_kb(producer))
    assert max(samples) < RSS_LIMIT_KB, samples
    assert samples[-1] <= samples[1] + 16 * 1024, f"RSS keeps growing: {samples} kB"
    assert producer.proc.poll() is None
