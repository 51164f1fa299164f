"""Consumer panels for scripts/bench-plot, from run/bench/consumer.json (part 2, catching up) and
run/bench/end_to_end.json (part 4, latency at steady rates), written by scripts/bench.d/consumer.bash.
Each panel sets its own title (the driver keeps it when the title it is given is None)."""
import json

OURS = "#1f77b4"
BASELINE = "#7f7f7f"
LIMIT = "#d62728"


def read_lines(path):
    """JSON objects, one per line; [] when the file is missing."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def read_pairs(path):
    """Whitespace-separated number pairs of a sample file."""
    if not path.exists():
        return []
    pairs = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2:
            pairs.append((float(parts[0]), float(parts[1])))
    return pairs


# ---- consumer (part 2) ------------------------------------------------------------------------
def consumer_throughput(ax, data):
    rounds = read_lines(data / "consumer.json")
    if not rounds:
        return False
    xs = range(len(rounds))
    width = 0.38
    ours = [r["orders_per_second"] for r in rounds]
    copy = [r["copy_rows_per_second"] for r in rounds]
    ax.bar([x - width / 2 for x in xs], ours, width, color=OURS, label="kafkatrace-consumer (orders/s)")
    ax.bar([x + width / 2 for x in xs], copy, width, color=BASELINE, label="one COPY, same rows (rows/s)")
    for x, r in zip(xs, rounds):
        ax.annotate(f'{r["ratio"]:.2f}×', (x - width / 2, r["orders_per_second"]), ha="center", va="bottom", fontsize=9)
    ax.set_xticks(list(xs), [f'round {r["round"]}' for r in rounds])
    ax.set_ylabel("rows per second")
    ax.set_title(f'Kafka → PostgreSQL, {rounds[0]["orders"]:,} orders (ratio = ours / COPY)')
    ax.legend(fontsize=8, loc="lower right")
    return True


def consumer_progress(ax, data):
    rounds = read_lines(data / "consumer.json")
    if not rounds:
        return False
    for r in rounds:
        batches = read_pairs(data / r["batches"])
        if not batches:
            continue
        start = batches[0][0]
        total, xs, ys = 0, [], []
        for t, n in batches:
            total += n
            xs.append(t - start)
            ys.append(total)
        ax.plot(xs, ys, label=f'round {r["round"]}: {r["orders_per_second"]:,.0f}/s, {r["transactions"]} transactions')
    ax.set_xlabel("seconds since the first batch")
    ax.set_ylabel("orders committed")
    ax.set_title("Catching up: rows committed over time (from processed_at)")
    ax.legend(fontsize=8)
    return True


def rss_panel(ax, series, target_mb, xlabel, title):
    """RSS curves from sample files ((label, path) pairs, "<epoch s> <kB>" lines, each drawn from
    its first sample) with the goal as a dashed line; False when no file has samples."""
    drawn = False
    for label, path in series:
        samples = read_pairs(path)
        if not samples:
            continue
        start = samples[0][0]
        ax.plot([t - start for t, _ in samples], [kb / 1024 for _, kb in samples], label=label)
        drawn = True
    if not drawn:
        return False
    ax.axhline(target_mb, color=LIMIT, linestyle="--", linewidth=1, label=f"target {target_mb} MB")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("RSS (MB)")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return True


def consumer_rss(ax, data):
    series = [(f'round {r["round"]}', data / r["rss_samples"]) for r in read_lines(data / "consumer.json")]
    return rss_panel(ax, series, 40, "seconds since the consumer started", "Consumer resident set while catching up")


# ---- end to end (part 4) ----------------------------------------------------------------------
def latency_cdf(rate):
    def panel(ax, data):
        rows = [r for r in read_lines(data / "end_to_end.json") if r["rate"] == rate]
        if not rows:
            return False
        for r in rows:
            bounds = [b for b in r["bucket_bounds_seconds"] if b != "+Inf"]
            n = len(bounds)
            sides = (("ours", OURS, "kafkatrace-consumer, created → DB commit"),
                     ("baseline", BASELINE, "plain C consumer, produce → receive"))
            for side, color, name in sides:
                counts = r[side]["cumulative"][:n]
                total = r[side]["cumulative"][-1] or 1
                style = "-" if r["round"] == 1 else ":"
                ax.step([b * 1000 for b in bounds], [c / total for c in counts], where="post", color=color,
                        linestyle=style, label=f'{name}, round {r["round"]}: p99 {r[side]["p99_ms"]} ms')
        worst = max(r["p99_difference_ms"] for r in rows)
        ax.axhline(0.99, color=LIMIT, linestyle="--", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("latency (ms, log scale; the daemon's histogram buckets)")
        ax.set_ylabel("fraction of orders")
        ax.set_title(f"End to end at {rate:g}/s: p99 difference ≤ {worst:+.1f} ms "
                     f"(fetch.wait.max.ms={rows[0]['fetch_wait_max_ms']} for both)")
        ax.legend(fontsize=7, loc="lower right")
        return True

    return panel


def steady_rss(ax, data):
    series = [(f'{r["rate"]:g}/s, round {r["round"]}', data / r["ours"]["rss_samples"])
              for r in read_lines(data / "end_to_end.json")]
    return rss_panel(ax, series, 30, "seconds into the measured window", "Consumer resident set at a steady rate")


PANELS = {
    "consumer.json": [consumer_throughput, consumer_progress, consumer_rss],
    "end_to_end.json": [latency_cdf(50), latency_cdf(2000), steady_rss],
}


def panels(data_dir):
    result = []
    for name, draws in PANELS.items():
        if not (data_dir / name).exists():
            continue
        for draw in draws:
            result.append((None, lambda ax, draw=draw: draw(ax, data_dir) or _no_data(ax)))
    return result


def _no_data(ax):
    """A panel whose files are missing from this run says so instead of staying blank."""
    ax.text(0.5, 0.5, "no data in this run", ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
