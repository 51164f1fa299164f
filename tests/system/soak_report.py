"""The soak's figures from its own samples (scripts/soak): flatness of RSS and open file
descriptors after warm-up, and the PNG plot. No daemon or network access here: plain data in,
figures out, so the rules can be read (and changed) in one place."""

import pathlib

DAEMONS = ("producer", "consumer")
MEASURES = {"rss_mb": "RSS (MB)", "fds": "open file descriptors"}


def flatness(samples, warmup_s, tolerance):
    """Per daemon and measure, over the samples taken after `warmup_s` while no fault was active
    (a fault's own dip, e.g. the sockets of a broker that is down, is not a trend). Flat means
    both: every sample within `tolerance` (0.10 = 10 %) of their median (a backlog's buffers
    may lift RSS for a while), and no growth: the median of the last quarter of the samples at
    most `tolerance` above the median of the first quarter (a leak shows up there)."""
    after = [s for s in samples if s["t_s"] >= warmup_s and not s.get("fault")]
    result = {}
    for daemon in DAEMONS:
        for measure in MEASURES:
            key = f"{daemon}_{measure}"
            values = [s[key] for s in after if s.get(key) is not None]
            if len(values) < 4:
                result[key] = {"samples": len(values), "flat": False, "why": "fewer than 4 samples after warm-up"}
                continue
            mid = median(values)
            quarter = max(1, len(values) // 4)
            first, last = median(values[:quarter]), median(values[-quarter:])
            deviation = max(abs(v - mid) for v in values) / mid
            growth = (last - first) / first
            result[key] = {"samples": len(values), "min": min(values), "median": mid, "max": max(values),
                           "first_quarter_median": first, "last_quarter_median": last,
                           "max_deviation": round(deviation, 4), "growth": round(growth, 4),
                           "flat": deviation <= tolerance and growth <= tolerance}
    return result


def median(values):
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def stalls(samples, min_seconds=60):
    """Stretches of at least `min_seconds` in which the consumer inserted nothing while it had a
    lag: a stuck consumer (the ledger would only show it as rows missing at the end)."""
    found, start = [], None
    for prev, cur in zip(samples, samples[1:]):
        stuck = cur.get("inserted") == prev.get("inserted") and (cur.get("lag") or 0) > 0
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
    (from `flat`, the result of `flatness`) each series' median ± tolerance after warm-up."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = [s["t_s"] / 60 for s in samples]
    fig, axes = plt.subplots(3, 1, figsize=(11, 9), sharex=True)
    for ax, measure in zip(axes, MEASURES):
        for daemon in DAEMONS:
            line, = ax.plot(t, [s[f"{daemon}_{measure}"] for s in samples], marker=".", label=daemon)
            mid = (flat or {}).get(f"{daemon}_{measure}", {}).get("median")
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
    axes[0].set_title(title + f"\n(grey: warm-up; red: faults; shaded: median ± {tolerance:.0%} after warm-up)",
                      fontsize=10)
    fig.tight_layout()
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
