"""Tables and PNG plots of simulated days.

Text tables (:func:`summary_table`, :func:`comparison_table`) go to the
terminal and into docs; plots are drawn with matplotlib's Agg canvas (no
display, no global pyplot state) and saved as PNG.

>>> import random
>>> from datetime import date
>>> from hall_server.config import load_hall
>>> from hall_server.queueing.profile import SMALL_HALL
>>> from hall_server.sim.arrivals import profile_day
>>> from hall_server.sim.simulator import simulate_day
>>> from hall_server.sim.summary import summarise
>>> config = load_hall("config/sim_small.toml")
>>> day = date(2025, 3, 5)
>>> s = summarise([simulate_day(config, profile_day(SMALL_HALL.for_fields(config.fields), day, random.Random(1)), day)])
>>> print(summary_table(s, config).splitlines()[0])
Lĩnh vực / field                             n   chờ TB  chờ p90  chờ max  ≤15 min
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .results import DayResult
from .summary import Summary, WaitStats

__all__ = ["summary_table", "comparison_table", "plot_waits", "plot_utilisation", "plot_by_slot",
           "plot_comparison", "write_plots", "slot_profile"]

_NAME_WIDTH = 40


def _fmt(x: float | None, spec: str = "6.1f") -> str:
    return " " * (len(format(0.0, spec)) - 1) + "–" if x is None or (isinstance(x, float) and math.isnan(x)) \
        else format(x, spec)


def _row(label: str, w: WaitStats) -> str:
    return (f"{label[:_NAME_WIDTH]:<{_NAME_WIDTH}} {w.count:>5} {_fmt(w.mean_wait, '8.1f')} {_fmt(w.p90_wait, '8.1f')}"
            f" {_fmt(w.max_wait, '8.1f')} {_fmt(w.service_level * 100 if w.count else None, '7.1f')}%")


def summary_table(s: Summary, config=None) -> str:
    """Waits per field (minutes), service level, counters and officer-hours."""
    target = f"≤{s.target_minutes:g} min"
    lines = [f"{'Lĩnh vực / field':<{_NAME_WIDTH}} {'n':>5} {'chờ TB':>8} {'chờ p90':>8} {'chờ max':>8} {target:>8}"]
    for code, w in s.fields.items():
        name = config.fields[code].name if config is not None and code in config.fields else code
        lines.append(_row(f"{code} {name}", w))
    lines.append("-" * len(lines[0]))
    lines.append(_row("Tất cả / all", s.overall))
    lines.append(_row("Ưu tiên / priority", s.priority))
    lines.append(_row("Không ưu tiên / others", s.others))
    unserved = s.overall.unserved
    if unserved:
        lines.append(f"!! {unserved} công dân không được gọi (no counter served their field) / citizens never called")
    lines.append("")
    lines.append(f"{'Quầy / counter':<16} {'mở (giờ)':>9} {'bận (giờ)':>10} {'sử dụng':>8} {'phục vụ':>8}")
    for n, c in s.counters.items():
        util = c.utilisation
        lines.append(f"{n:<16} {c.open_hours:>9.1f} {c.busy_hours:>10.1f} "
                     f"{_fmt(util * 100 if util is not None else None, '7.1f')}% {c.served:>8}")
    lines.append(f"{s.days} ngày/days; cán bộ·giờ mỗi ngày / officer-hours per day: {s.officer_hours_per_day:.1f}; "
                 f"sử dụng chung / overall utilisation: {_fmt((s.utilisation or 0) * 100, '.1f')}%; "
                 f"ngày đạt ≥80% / days meeting 80%: {s.share_of_days_meeting(0.8) * 100:.0f}%")
    return "\n".join(lines)


def comparison_table(summaries: Mapping[str, Summary], reference: str | None = None) -> str:
    """One line per variant: mean wait (and its ratio to ``reference``),
    service level, worst field, priority against others."""
    ref = summaries[reference].mean_wait if reference else None
    head = (f"{'variant':<24} {'mean wait':>9} {'× ref':>6} {'SL':>6} {'worst field':>16} {'× mean':>7} "
            f"{'prio/other':>10} {'util':>6}")
    lines = [head]
    for name, s in summaries.items():
        code, w = s.worst_field
        ratio = s.mean_wait / ref if ref else math.nan
        prio = s.priority.mean_wait / s.others.mean_wait if s.others.mean_wait else math.nan
        lines.append(f"{name[:24]:<24} {s.mean_wait:>9.2f} {_fmt(ratio, '6.2f')} {s.service_level * 100:>5.1f}% "
                     f"{code + f' {w.mean_wait:.1f}':>16} {w.mean_wait / s.mean_wait:>7.2f} {_fmt(prio, '10.2f')} "
                     f"{(s.utilisation or 0) * 100:>5.1f}%")
    return "\n".join(lines)


def slot_profile(results: Sequence[DayResult], slot_minutes: int = 30) -> list[tuple[float, int, float, float]]:
    """Per issue slot: (start minute, citizens, mean wait, service level)."""
    slots: dict[int, list] = {}
    target = results[0].target_minutes if results else 15.0
    for r in results:
        for t in r.measured:
            slots.setdefault(int(t.issued // slot_minutes) * slot_minutes, []).append(t.wait)
    out = []
    for start, waits in sorted(slots.items()):
        served = [w for w in waits if w is not None]
        mean = sum(served) / len(served) if served else math.nan
        out.append((float(start), len(waits), mean, sum(1 for w in served if w <= target + 1e-9) / len(waits)))
    return out


def _figure(width: float = 8.0, height: float = 4.5) -> Figure:
    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path


def plot_waits(s: Summary, path: Path, title: str = "") -> Path:
    """Mean and 90th-percentile wait per field, with the target line."""
    fig = _figure()
    ax = fig.add_subplot()
    codes = list(s.fields)
    means = [s.fields[c].mean_wait for c in codes]
    p90 = [s.fields[c].p90_wait for c in codes]
    x = range(len(codes))
    ax.bar(x, means, color="#2b6cb0", label="chờ trung bình / mean wait")
    ax.scatter(x, p90, color="#c53030", marker="_", s=300, label="phân vị 90 / 90th percentile", zorder=3)
    ax.axhline(s.target_minutes, color="#555", linestyle="--", linewidth=1,
               label=f"mục tiêu / target {s.target_minutes:g} min")
    ax.set_xticks(list(x), codes)
    ax.set_ylabel("phút / minutes")
    ax.set_title(title or "Thời gian chờ theo lĩnh vực / wait per field")
    ax.legend(loc="upper right", fontsize=8)
    return _save(fig, path)


def plot_utilisation(s: Summary, path: Path, title: str = "") -> Path:
    """Busy share of each counter's open time, and its open hours."""
    fig = _figure()
    ax = fig.add_subplot()
    numbers = list(s.counters)
    util = [(s.counters[n].utilisation or 0) * 100 for n in numbers]
    ax.bar(range(len(numbers)), util, color="#2f855a")
    ax.set_xticks(range(len(numbers)), [str(n) for n in numbers])
    ax.set_ylim(0, 100)
    ax.set_xlabel("quầy / counter")
    ax.set_ylabel("% thời gian mở có khách / % of open time busy")
    for i, n in enumerate(numbers):
        ax.annotate(f"{s.counters[n].open_hours / max(s.days, 1):.1f} h", (i, util[i]), ha="center",
                    va="bottom", fontsize=7)
    ax.set_title(title or "Mức sử dụng quầy (giờ mở mỗi ngày) / counter utilisation (open hours per day)")
    return _save(fig, path)


def plot_by_slot(results: Sequence[DayResult], path: Path, title: str = "") -> Path:
    """Mean wait and service level by half-hour of issue."""
    rows = slot_profile(results)
    fig = _figure()
    ax = fig.add_subplot()
    labels = [f"{int(m) // 60:02d}:{int(m) % 60:02d}" for m, *_ in rows]
    x = range(len(rows))
    ax.bar(x, [r[2] for r in rows], color="#2b6cb0", label="chờ TB / mean wait (min)")
    ax.set_ylabel("phút / minutes")
    ax.set_xticks(list(x), labels, rotation=45, fontsize=8)
    ax2 = ax.twinx()
    ax2.plot(list(x), [r[3] * 100 for r in rows], color="#c53030", marker="o", label="% ≤ mục tiêu / within target")
    ax2.set_ylim(0, 105)
    ax2.set_ylabel("% trong mục tiêu / % within target")
    ax.set_title(title or "Theo giờ lấy số / by time of issue")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="lower left", fontsize=8, framealpha=0.9)
    return _save(fig, path)


def plot_comparison(summaries: Mapping[str, Summary], path: Path, title: str = "") -> Path:
    """Mean wait of each variant, per field (grouped bars)."""
    fig = _figure(10, 4.5)
    ax = fig.add_subplot()
    names = list(summaries)
    codes = list(next(iter(summaries.values())).fields)
    width = 0.8 / len(names)
    for k, name in enumerate(names):
        s = summaries[name]
        waits = [s.fields[c].mean_wait if c in s.fields else 0 for c in codes]
        ax.bar([i + k * width for i in range(len(codes))], waits, width, label=f"{name} ({s.mean_wait:.1f})")
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(codes))], codes)
    ax.set_ylabel("chờ TB / mean wait (min)")
    ax.set_title(title or "So sánh / comparison")
    ax.legend(fontsize=8)
    return _save(fig, path)


def write_plots(s: Summary, results: Sequence[DayResult], out: Path, prefix: str = "sim") -> list[Path]:
    """The three standard plots of a run, as ``{prefix}-waits.png`` etc. in ``out``."""
    out = Path(out)
    return [
        plot_waits(s, out / f"{prefix}-waits.png"),
        plot_utilisation(s, out / f"{prefix}-utilisation.png"),
        plot_by_slot(results, out / f"{prefix}-by-slot.png"),
    ]
