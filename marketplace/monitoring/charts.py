"""Server-rendered SVG bar charts: readable without JavaScript, no inline styles (CSP), accessible.

Each chart is an <svg role="img"> with a <title> and <desc>, axis labels, and a <title> on every
bar; the same numbers are always in a table beside it. Colours and fonts come from classes styled
in static/css/monitoring.css.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    #: The value as a person reads it ("Rp 1.250.000"), shown in the bar's tooltip and beside it.
    value_text: str


def nice_ceiling(value: int) -> tuple[int, int]:
    """(axis maximum, tick step): the step is 1, 2 or 5 × 10ⁿ and the axis has at most 5 steps."""
    if value <= 0:
        return 5, 1
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if step * 5 >= value:
                ticks = -(-value // step)  # ceiling division, integers only
                return ticks * step, step
        magnitude *= 10


def _text(x: float, y: float, content: str, css: str, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" class="{css}" text-anchor="{anchor}">{escape(content)}</text>'


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _open(chart_id: str, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def column_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    axis_label: str,
    tick_format: Callable[[int], str],
    empty_text: str,
) -> Markup:
    """Vertical bars over time (months): y axis with ticks, one bar and x label per entry."""
    height, left, right, top, bottom = 300, 72, 12, 30, 44
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    maximum, step = nice_ceiling(max((bar.value for bar in bars), default=0))
    parts = _open(chart_id, height, title, description)
    parts.append('<g class="grid">')
    for tick in range(0, maximum + 1, step):
        y = top + plot_h - plot_h * tick / maximum
        parts.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(_text(left - 6, y + 4, tick_format(tick), "tick", "end"))
    parts.append("</g>")
    parts.append(_text(4, 16, axis_label, "axis-label"))
    slot = plot_w / max(len(bars), 1)
    # Label every bar when there is room, else every n-th so labels never overlap.
    label_every = max(1, -(-len(bars) * 70 // plot_w)) if bars else 1
    parts.append('<g class="bars">')
    for index, bar in enumerate(bars):
        bar_h = plot_h * bar.value / maximum
        x = left + slot * index + slot * 0.15
        y = top + plot_h - bar_h
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{bar_h:.1f}">'
            f"<title>{escape(bar.label)}: {escape(bar.value_text)}</title></rect>"
        )
        if index % label_every == 0:
            parts.append(_text(x + slot * 0.35, height - bottom + 18, bar.label, "tick", "middle"))
    parts.append("</g>")
    parts.append(
        f'<line class="axis" x1="{left}" x2="{WIDTH - right}" y1="{top + plot_h}" y2="{top + plot_h}"/>'
    )
    if not any(bar.value for bar in bars):
        parts.append(_text(left + plot_w / 2, top + plot_h / 2, empty_text, "empty", "middle"))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text part went through escape())


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    axis_label: str,
    empty_text: str,
) -> Markup:
    """Horizontal bars for categories (villages, clusters…): label, bar, value written beside it."""
    row_h, top, bottom, label_w, value_w = 28, 30, 8, 230, 130
    height = top + bottom + row_h * max(len(bars), 1)
    plot_w = WIDTH - label_w - value_w
    maximum, _step = nice_ceiling(max((bar.value for bar in bars), default=0))
    parts = _open(chart_id, height, title, description)
    parts.append(_text(4, 16, axis_label, "axis-label"))
    parts.append('<g class="bars">')
    for index, bar in enumerate(bars):
        y = top + row_h * index
        bar_w = plot_w * bar.value / maximum
        parts.append(_text(label_w - 8, y + row_h * 0.65, _shorten(bar.label, 28), "tick", "end"))
        parts.append(
            f'<rect class="bar" x="{label_w}" y="{y + 4:.1f}" width="{bar_w:.1f}" height="{row_h - 8}">'
            f"<title>{escape(bar.label)}: {escape(bar.value_text)}</title></rect>"
        )
        parts.append(_text(label_w + bar_w + 6, y + row_h * 0.65, bar.value_text, "value"))
    parts.append("</g>")
    parts.append(f'<line class="axis" x1="{label_w}" x2="{label_w}" y1="{top}" y2="{height - bottom}"/>')
    if not bars:
        parts.append(_text(label_w + plot_w / 2, top + row_h * 0.65, empty_text, "empty", "middle"))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text part went through escape())
