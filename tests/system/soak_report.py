"""The soak's figures from its own samples (scripts/soak): flatness of RSS and open file
descriptors after warm-up, and the PNG plot. No daemon or network access here: plain data in,
figures out, so the rules can be read (and changed) in one place."""

import pathlib

DAEMONS = ("producer", "consumer")
MEASURES = {"rss_mb": "RSS (MB)", "fds": "open file descriptors"}


def flatness(samples, warmup_s, tolerance):
    """Per daemon and measure, over the samples taken after `warmup_s` while no fault was active
    (a fault's own dip, e.g. the sockets of a broker that is down, is not a trend): first, min,
    max, last and the spread (max - min) / min. Flat means spread <= tolerance (0.10 = 10 %)."""
    after = [s for s in samples if s["t_s"] >= warmup_s and not s.get("fault")]
    result = {}
    for daemon in DAEMONS:
        for measure in MEASURES:
            key = f"{daemon}_{measure}"
            values = [s[key] for s in after if s.get(key) is not None]
            if not values:
                result[key] = {"samples": 0, "flat": False}
                continue
            low, high = min(values), max(values)
            spread = (high - low) / low if low else float("inf")
            result[key] = {"samples": len(values), "first": values[0], "min": low, "max": high,
                           "last": values[-1], "spread": round(spread, 4), "flat": spread <= tolerance}
    return result


def plot(samples, faults, warmup_s, title, path):
    """RSS, open fds and orders/s over time, the warm-up shaded, each fault as a band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = [s["t_s"] / 60 for s in samples]
    fig, axes = plt.subplots(3, 1, figsize=(11, 9), sharex=True)
    for ax, measure in zip(axes, MEASURES):
        for daemon in DAEMONS:
            ax.plot(t, [s[f"{daemon}_{measure}"] for s in samples], marker=".", label=daemon)
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
    axes[0].set_title(title + "\n(grey: warm-up; red bands: faults)", fontsize=10)
    fig.tight_layout()
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
