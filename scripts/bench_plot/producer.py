"""Producer panels for scripts/bench-plot, from run/bench/producer.json (scripts/bench part 1)."""
import json


def panels(data_dir):
    path = data_dir / "producer.json"
    if not path.exists():
        return []
    d = json.loads(path.read_text())
    result = []
    if "generated" in d:
        result.append((_throughput_title(d), lambda ax: _throughput(ax, d)))
    if "ingest_single" in d or "ingest_batch" in d:
        result.append(("HTTP ingestion latency (wrk, 1 thread, 50 connections)", lambda ax: _ingest_latency(ax, d)))
    if "rate" in d:
        r = d["rate"]
        title = (f"Producer VmRSS, generator at {r['configured']}/s: achieved {r['achieved']}/s, "
                 f"shortfall {r['shortfall']}")
        result.append((title, lambda ax: _rss(ax, r)))
    return result


def _throughput_title(d):
    g = d["generated"]
    median = f", per-round median {g['median_round_ratio']:.2f}" if "median_round_ratio" in g else ""
    return f"Producer throughput, same run (ratio best/best {g['ratio']:.2f}{median})"


def _throughput(ax, d):
    g = d["generated"]
    labels, ours, base = [], [], []
    for i, (o, c) in enumerate(zip(g["ours"], g["c"]), 1):
        labels.append(f"gen.\n{i}")
        ours.append(o)
        base.append(c)
    for key, name in (("ingest_single", "POST\none"), ("ingest_batch", "POST\n:batch")):
        if key in d:
            labels.append(name)
            ours.append(d[key]["orders_per_second"])
            base.append(d[key]["c_best"])
    x = range(len(labels))
    width = 0.38
    ax.bar([i - width / 2 for i in x], ours, width, label="kafkatrace-producer", color="#1f77b4")
    ax.bar([i + width / 2 for i in x], base, width, label="librdkafka C producer (HTTP bars: its best round)", color="#bbbbbb")
    for i, (o, c) in enumerate(zip(ours, base)):
        ax.annotate(f"{o / c:.2f}x", (i, max(o, c)), ha="center", va="bottom", fontsize=7)
    ax.set_xticks(list(x))
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_xlabel("gen. N: generated orders, round N (ours first in odd rounds); POST: one order or 100 a request",
                  fontsize=8)
    ax.set_ylabel("orders (messages) / s")
    # Head room above the tallest bar for its ratio label and the legend.
    ax.set_ylim(0, max(ours + base) * 1.35)
    ax.legend(fontsize=8, loc="upper right")


def _ingest_latency(ax, d):
    rows = [(k, d[k]) for k in ("ingest_single", "ingest_batch") if k in d]
    quantiles = ("p50", "p90", "p99")
    width = 0.8 / len(rows)
    for j, (key, v) in enumerate(rows):
        name = "POST /v1/orders" if v["batch"] == 1 else f"POST :batch ({v['batch']} orders)"
        values = [v["latency_us"][q] / 1000 for q in quantiles]
        ax.bar([i + (j - (len(rows) - 1) / 2) * width for i in range(len(quantiles))], values, width,
               label=f"{name}: {v['requests_per_second']} req/s")
    ax.set_xticks(range(len(quantiles)))
    ax.set_xticklabels(quantiles)
    ax.set_ylabel("request latency (ms)")
    ax.legend(fontsize=8)


def _rss(ax, r):
    ax.plot(r["rss_t"], [kb / 1024 for kb in r["rss_kb"]], color="#1f77b4", label="VmRSS")
    ax.axhline(30, color="#d62728", linestyle="--", linewidth=1, label="limit 30 MB")
    ax.set_ylim(0, max(35, max(r["rss_kb"]) / 1024 + 3))
    ax.set_xlabel("seconds (steady part)")
    ax.set_ylabel("MB")
    ax.legend(fontsize=8, loc="lower right")
