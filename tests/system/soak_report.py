"""The soak's figures from its own samples (scripts/soak): flatness of RSS and open file
descriptors after warm-up, and the PNG plot. No daemon or network access here: plain data in,
figures out, so the rules can be read (and changed) in one place."""

import pathlib

DAEMONS = ("producer", "consumer")
MEASURES = {"rss_mb": "RSS (MB)", "fds": "open file descriptors"}


def flatness(samples, warmup_s, tolerance):
    """Per daemon and measure, over the samples taken after `warmup_s` while no fault was active:
    flat means no growth: the median of each later quarter of those samples (in time order) is
    at most `tolerance` (0.10 = 10 %) above the first quarter's median. A leak shows up as
    growth; memory handed back to the system (a lower later quarter) is reported in `drift`, not
    a failure. Single samples in a fault's recovery (the producer queuing a paused cluster's
    backlog, the consumer catching up) may sit higher for a while and fall back:
    `max_sample_deviation` reports them (against the median of all those samples), the plot
    shows them, they are not asserted."""
    after = [s for s in samples if s["t_s"] >= warmup_s and not s.get("fault")]
    result = {}
    for daemon in DAEMONS:
        for measure in MEASURES:
            key = f"{daemon}_{measure}"
            values = [s[key] for s in after if s.get(key) is not None]
            if len(values) < 8:
                result[key] = {"samples": len(values), "flat": False,
                               "why": "fewer than 8 samples after warm-up (2 per quarter): run longer"}
                continue
            mid = median(values)
            bounds = [round(i * len(values) / 4) for i in range(5)]
            quarters = [round(median(values[a:b]), 2) for a, b in zip(bounds, bounds[1:])]
            growth = max(quarters[1:]) / quarters[0] - 1
            drift = max(abs(q - quarters[0]) for q in quarters) / quarters[0]
            result[key] = {"samples": len(values), "min": min(values), "median": mid, "max": max(values),
                           "quarter_medians": quarters, "growth": round(growth, 4), "drift": round(drift, 4),
                           "max_sample_deviation": round(max(abs(v - mid) for v in values) / mid, 4),
                           "flat": growth <= tolerance}
    return result


def median(values):
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def stalls(samples, min_seconds=60):
    """Stretches of at least `min_seconds` in which the consumer inserted nothing while the
    producer delivered more: a stuck consumer (its lag may read 0 then: it has no partitions)."""
    found, start = [], None
    for prev, cur in zip(samples, samples[1:]):
        stuck = cur.get("inserted") == prev.get("inserted") and (cur.get("delivered") or 0) > (prev.get("delivered") or 0)
        if stuck and start is None:
            start = prev["t_s"]
        if (not stuck or cur is samples[-1]) and start is not None:
            end = cur["t_s"] if stuck else prev["t_s"]
            if end - start >= min_seconds:
                found.append({"from_s": start, "to_s": end, "lag_at_end": (cur if stuck else prev).get("lag")})
            start = None
    return found


def plot(samples, faults, warmup_s, title, path, flat=None, tolerance=0.10):
    """RSS, open fds and orders/s over time, the warm-up shaded, each fault as a band, and
    (from `flat`, the result of `flatness`) each series' first-quarter median ± tolerance after
    warm-up: the band the later quarters' medians must stay in."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = [s["t_s"] / 60 for s in samples]
    fig, axes = plt.subplots(3, 1, figsize=(11, 9), sharex=True)
    for ax, measure in zip(axes, MEASURES):
        for daemon in DAEMONS:
            line, = ax.plot(t, [s[f"{daemon}_{measure}"] for s in samples], marker=".", label=daemon)
            mid = ((flat or {}).get(f"{daemon}_{measure}", {}).get("quarter_medians") or [None])[0]
            if mid:
                ax.fill_between([warmup_s / 60, t[-1]], mid * (1 - tolerance), mid * (1 + tolerance),
                                color=line.get_color(), alpha=0.12, zorder=0)
        ax.set_ylabel(MEASURES[measure])
        values = [s[f"{d}_{measure}"] for s in samples for d in DAEMONS if s.get(f"{d}_{measure}") is not None]
        ax.set_ylim(0, 1.2 * max(values, default=1))
    rates = axes[2]
    for key, label in (("delivered", "delivered by the producer"), ("inserted", "inserted by the consumer (not the joiner)")):
        series = [None] + [(b[key] - a[key]) / max(1, b["t_s"] - a["t_s"]) for a, b in zip(samples, samples[1:])]
        rates.plot(t, series, marker=".", label=label)
    rates.set_ylabel("orders/s (10 s windows)")
    rates.set_xlabel("minutes")
    for ax in axes:
        ax.axvspan(0, warmup_s / 60, color="0.85", zorder=0)
        for fault in faults:
            ax.axvspan(fault["start_s"] / 60, fault["end_s"] / 60, color="tab:red", alpha=0.12, zorder=0)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    top = axes[0]
    for fault in faults:
        top.text(fault["start_s"] / 60, 1.0, fault["kind"], transform=top.get_xaxis_transform(), rotation=90,
                 fontsize=6, va="top", ha="right", color="tab:red")
    axes[0].set_title(title + f"\n(grey: warm-up; red: faults; shaded: first-quarter median ± {tolerance:.0%} after warm-up)",
                      fontsize=10)
    fig.tight_layout()
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
