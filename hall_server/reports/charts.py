"""Report charts as PNG images (matplotlib, Agg renderer, no pyplot state: safe in threads).

    png = arrivals_chart(visits, config, period)           # bytes of a PNG
    Path("arrivals.png").write_bytes(png)

Three charts a supervisor looks at rather than reads:

* ``arrivals_chart``: tickets issued by hour (bars) over a weekday × hour heat map;
* ``waits_chart``: the spread of waits in each field (box plots, worst field on top) against the target;
* ``service_level_chart``: the share called within the target, day by day (month by month for long
  periods), over the number of tickets.

Text is Vietnamese by default (``lang="en"`` for English); DejaVu Sans, bundled with matplotlib,
has every Vietnamese letter.
"""

from __future__ import annotations

import io
import threading
from datetime import datetime

from . import labels
from .figures import Period, Visit, arrivals_matrix, service_level_series, waits_by_field

WIDTH, HEIGHT, DPI = 10.0, 4.6, 100
_LOCK = threading.Lock()  # matplotlib's font and text caches are shared: draw one chart at a time
INK, MUTED, BRAND, GOOD, WARN, RED, LIGHT = "#101418", "#4a5562", "#0b3d91", "#0a6e2d", "#c25e00", "#b0121f", "#c9d1db"


def _figure(height: float = HEIGHT):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH, height), dpi=DPI)
    fig.patch.set_facecolor("white")
    return fig


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
    return buf.getvalue()


def _empty(title: str, lang: str) -> bytes:
    fig = _figure(2.2)
    fig.suptitle(title, fontsize=14, fontweight="bold", color=INK)
    fig.text(0.5, 0.42, labels.word("no_data", lang), ha="center", va="center", fontsize=13, color=MUTED)
    return _png(fig)


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=INK, labelsize=10)


def _hour_span(config, grid) -> tuple[int, int]:
    """Hours to show: the opening hours and any hour with tickets."""
    hours = {h for row in grid for h, n in enumerate(row) if n}
    for spans in getattr(config, "hours", {}).values():
        for span in spans:
            hours.add(span.start.hour)
            hours.add(max(span.start.hour, (span.end.hour - 1) if span.end.minute == 0 else span.end.hour))
    if not hours:
        return 7, 17
    return min(hours), max(hours)


def arrivals_chart(visits: list[Visit], config, period: Period, lang: str = "vi") -> bytes:
    """Tickets issued by hour of day (bars) and by weekday and hour (heat map)."""
    title = labels.word("chart_arrivals", lang)
    grid = arrivals_matrix(visits, config.tz)
    if not any(any(row) for row in grid):
        return _empty(title, lang)
    first, last = _hour_span(config, grid)
    hours = list(range(first, last + 1))
    open_days = {["mon", "tue", "wed", "thu", "fri", "sat", "sun"].index(d) for d in getattr(config, "hours", {})}
    days = [d for d in range(7) if d in open_days or any(grid[d])]
    matrix = [[grid[d][h] for h in hours] for d in days]
    totals = [sum(grid[d][h] for d in range(7)) for h in hours]

    fig = _figure(1.9 + 0.42 * len(days))
    fig.suptitle(f"{title} – {period.label(lang)}", fontsize=14, fontweight="bold", color=INK)
    gs = fig.add_gridspec(2, 2, height_ratios=[1.1, max(1.0, 0.42 * len(days))], width_ratios=[40, 1],
                          hspace=0.08, wspace=0.03, left=0.1, right=0.93, top=0.88, bottom=0.1)
    top = fig.add_subplot(gs[0, 0])
    heat = fig.add_subplot(gs[1, 0], sharex=top)
    bar_ax = fig.add_subplot(gs[1, 1])

    xs = list(range(len(hours)))
    top.bar(xs, totals, color=BRAND, width=0.8)
    for x, n in zip(xs, totals):
        if n:
            top.text(x, n, str(n), ha="center", va="bottom", fontsize=9, color=INK)
    top.set_ylim(0, max(totals) * 1.3 or 1)
    top.set_ylabel(labels.word("axis_tickets", lang), color=MUTED, fontsize=10)
    top.tick_params(labelbottom=False)
    _style(top)
    top.set_yticks([])
    top.spines["left"].set_visible(False)

    peak = max(max(row) for row in matrix) or 1
    image = heat.imshow(matrix, aspect="auto", cmap="YlOrRd", vmin=0, vmax=peak, interpolation="nearest")
    for i, row in enumerate(matrix):
        for j, n in enumerate(row):
            if n:
                heat.text(j, i, str(n), ha="center", va="center", fontsize=9,
                          color="white" if n > 0.6 * peak else INK)
    heat.set_yticks(range(len(days)), [labels.weekday_name(d, lang) for d in days])
    heat.set_xticks(xs, [f"{h}h" for h in hours])
    heat.set_xlabel(labels.word("axis_hour", lang), color=MUTED)
    heat.tick_params(length=0, labelsize=10, colors=INK)
    for spine in heat.spines.values():
        spine.set_visible(False)
    fig.colorbar(image, cax=bar_ax)
    bar_ax.tick_params(labelsize=8)
    return _png(fig)


def waits_chart(visits: list[Visit], config, period: Period, lang: str = "vi") -> bytes:
    """Box plots of minutes waited per field, the worst (highest 90th percentile) on top."""
    from .figures import percentile

    title = labels.word("chart_waits", lang)
    data = waits_by_field(visits, config)
    if not data:
        return _empty(title, lang)
    target = config.centre.wait_target_minutes
    order = sorted(data, key=lambda code: percentile(data[code], 90))  # bottom to top
    names = []
    for code in order:
        f = config.fields.get(code)
        name = (f.name_en or f.name if lang == "en" else f.name) if f else code
        names.append(f"{name} ({len(data[code])})")

    fig = _figure(1.5 + 0.45 * len(order))
    fig.suptitle(f"{title} – {period.label(lang)}", fontsize=14, fontweight="bold", color=INK)
    ax = fig.add_subplot()
    height = 1.5 + 0.45 * len(order)
    fig.subplots_adjust(left=0.3, right=0.97, top=1 - 0.75 / height, bottom=0.55 / height)
    parts = ax.boxplot([data[c] for c in order], orientation="horizontal", whis=(5, 95), showfliers=False,
                       widths=0.6, patch_artist=True, medianprops={"color": INK, "linewidth": 2})
    for code, box in zip(order, parts["boxes"]):
        p90 = percentile(data[code], 90)
        box.set_facecolor("#f3d4d6" if p90 > target else "#d4f0dc")
        box.set_edgecolor(RED if p90 > target else GOOD)
    ax.axvline(target, color=RED, linestyle="--", linewidth=1.5,
               label=labels.word("legend_target", lang, target=target))
    ax.set_yticks(range(1, len(order) + 1), names)
    ax.set_xlabel(labels.word("axis_wait", lang), color=MUTED)
    ax.set_xlim(left=0)
    ax.grid(axis="x", color=LIGHT, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.legend(loc="lower right", fontsize=9, frameon=False)
    _style(ax)
    return _png(fig)


def service_level_chart(visits: list[Visit], config, period: Period, *, as_of: datetime, lang: str = "vi") -> bytes:
    """The service level of each day (or month) as a line over the tickets of that day (bars)."""
    target = config.centre.wait_target_minutes
    title = labels.word("chart_service_level", lang, target=target)
    series = [(p, r) for p, r in service_level_series(visits, config, period, as_of=as_of)
              if r.service_level is not None]
    if not series:
        return _empty(title, lang)
    fig = _figure()
    fig.suptitle(f"{title} – {period.label(lang)}", fontsize=14, fontweight="bold", color=INK)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.08, right=0.92, top=0.86, bottom=0.2)
    xs = list(range(len(series)))
    monthly = series[0][0].kind in ("month", "range") and (series[0][0].last - series[0][0].first).days > 0
    ticks = [p.first.strftime("%m/%Y") if monthly else p.first.strftime("%d/%m") for p, _ in series]
    counts = ax.twinx()
    counts.bar(xs, [r.issued or 0 for _, r in series], color=LIGHT, width=0.7,
               label=labels.word("legend_tickets", lang))
    counts.set_ylabel(labels.word("axis_tickets", lang), color=MUTED)
    counts.set_ylim(0, max(r.issued or 0 for _, r in series) * 1.6 or 1)
    ax.set_zorder(counts.get_zorder() + 1)
    ax.patch.set_visible(False)
    shares = [r.service_level * 100 for _, r in series]
    colours = [GOOD if s >= 80 else WARN if s >= 60 else RED for s in shares]
    ax.plot(xs, shares, color=BRAND, linewidth=2.2, zorder=3)
    ax.scatter(xs, shares, c=colours, s=46, zorder=4, edgecolors="white", linewidths=1)
    if len(xs) <= 31:
        for x, s in zip(xs, shares):
            ax.annotate(f"{s:.0f}%", (x, s), textcoords="offset points", xytext=(0, 8), ha="center", fontsize=9,
                        color=INK)
    ax.set_ylim(0, 109)
    ax.set_yticks([0, 20, 40, 60, 80, 100], ["0%", "20%", "40%", "60%", "80%", "100%"])
    ax.set_ylabel(labels.word("axis_share", lang), color=MUTED)
    step = max(1, len(xs) // 16)
    ax.set_xticks(xs[::step], ticks[::step], rotation=0 if len(xs) <= 16 else 45)
    ax.grid(axis="y", color=LIGHT, linewidth=0.8)
    _style(ax)
    counts.spines["top"].set_visible(False)
    counts.tick_params(colors=MUTED, labelsize=9)
    return _png(fig)


CHARTS = {
    "arrivals": lambda visits, config, period, as_of, lang: arrivals_chart(visits, config, period, lang),
    "waits": lambda visits, config, period, as_of, lang: waits_chart(visits, config, period, lang),
    "service-level": lambda visits, config, period, as_of, lang: service_level_chart(
        visits, config, period, as_of=as_of, lang=lang),
}


def render(name: str, visits: list[Visit], config, period: Period, *, as_of: datetime, lang: str = "vi") -> bytes:
    """Render the chart called ``name`` (one of :data:`CHARTS`)."""
    try:
        chart = CHARTS[name]
    except KeyError:
        raise ValueError(f"chart must be one of {', '.join(CHARTS)}, not {name!r}") from None
    with _LOCK:
        return chart(visits, config, period, as_of, lang)
