"""Server-side SVG charts: the same chart in a web page and in a WeasyPrint PDF report.

Each function returns ``markupsafe.Markup`` of a standalone SVG 1.1 ``<svg role="img">`` (no
script, no CSS variables, no foreignObject) with a ``<title>``, a ``<desc>`` (the data as text),
a visible title, ``width``/``height`` in user units, a ``viewBox`` and ``class="chart"``.  The
sizing rule is the stylesheet's, not an inline ``style`` (the pages' CSP refuses those): the app's
``svg.chart {max-width: 100%; height: auto}`` shrinks a chart with its column and never grows it
past its own size.  (A PDF stylesheet needs ``width: 100%`` as well: WeasyPrint takes a lone
``height: auto`` for the SVG's own height and draws the chart square.)  Series differ
by colour, grey level *and* pattern (hatching, dots) or dash and marker shape, so a chart printed
in grey still reads.  Numbers go through tracker.formatting, Indonesian with or without a
request: views, CLI commands and background jobs render the same bytes.

API (``value_format`` labels the values; ``tick_format``, default ``value_format``, the axis)::

    Series(name, values: Sequence[float | None], dashed=False)
    line_chart(title, categories, series, *, value_format=short_number, tick_format=None, y_label="",
               y_min=None, y_max=None, width=640, height=320, key=None, desc=None)
    bar_chart(title, labels, values, *, value_format=short_number, tick_format=None, horizontal=True,
              highlight=frozenset(), highlight_label="", width=640, height=None, key=None, desc=None)
    grouped_bar_chart(title, labels, series, *, value_format=short_number, tick_format=None,
                      horizontal=True, width=640, height=None, key=None, desc=None)
    stacked_bar_chart(<as grouped_bar_chart>)   # segment values inside, the total past the end
    compact_rupiah(value) -> "Rp 1,5 M"         # a short tick format for money (rb, jt, M, T)
    nice_ticks(lo, hi, count=5)                 # ticks on 1, 2, 2.5 or 5 × 10^n

``None`` draws no point (a gap in the line) or no bar (its label is "–"); no labels, or only
``None``, gives a small "Belum ada data" chart instead of an error.  Bars grow from the zero axis,
so negative values point the other way.  ``y_min``/``y_max`` widen a line chart's axis (data is
never cut off).  Horizontal bar charts grow in height with their labels (``height`` is then a
minimum); long labels end in "…" and keep the full text as a tooltip.  Element ids derive from
``key`` (default: a hash of the input), so two different charts on one page never share an id;
pass ``key`` to show the same chart twice.

Example (render ``{{ chart }}`` in a page or a PDF template)::

    from functools import partial
    from tracker.charts import Series, line_chart
    from tracker.formatting import percent

    chart = line_chart("Persentase penduduk miskin", ["2022", "2023", "2024"],
                       [Series("Realisasi", [6.59, 6.85, None]),
                        Series("Target RPJMD", [6.5, 6.3, 6.1], dashed=True)],
                       value_format=percent, tick_format=partial(percent, digits=1), y_min=5)
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree as ET

from markupsafe import Markup

from tracker.charts.svg import (
    HIGHLIGHT,
    MUTED,
    PAD,
    PLAIN,
    STYLES,
    Canvas,
    Formatter,
    Series,
    axis_height,
    category_axis,
    clean,
    compact_rupiah,
    describe,
    el,
    marker,
    nice_ticks,
    num,
    scale,
    text_width,
    tip,
    value_axis,
    write_text,
)
from tracker.formatting import short_number

__all__ = ["Series", "bar_chart", "compact_rupiah", "grouped_bar_chart", "line_chart", "nice_ticks", "stacked_bar_chart"]


def line_chart(title: str, categories: Sequence[str], series: Sequence[Series], *,
               value_format: Formatter = short_number, tick_format: Formatter | None = None, y_label: str = "",
               y_min: float | None = None, y_max: float | None = None, width: int = 640, height: int = 320,
               key: str | None = None, desc: str | None = None) -> Markup:
    """Lines over categories (years, quarters), a marker and a value label at each point."""
    categories = [str(c) for c in categories]
    rows = [clean(s.values, len(categories)) for s in series]
    columns = [list(column) for column in zip(*rows)] if rows else []
    payload = (categories, [(s.name, s.dashed) for s in series], rows, y_label, y_min, y_max, width, height)
    names = [s.name for s in series]
    canvas = Canvas("line", title, key, payload, desc or describe(categories, names, columns, value_format), width)
    values = [v for row in rows for v in row if v is not None]
    if not values:
        return canvas.empty()
    styles = [STYLES[i % len(STYLES)] for i in range(len(series))]
    canvas.legend([(s.name, st, "6 4" if s.dashed else "", i % 2 == 0) for i, (s, st) in enumerate(zip(series, styles))])
    tick_format = tick_format or value_format
    ticks = nice_ticks(min(values + ([y_min] if y_min is not None else [])),
                       max(values + ([y_max] if y_max is not None else [])))
    x0 = PAD + max(text_width(tick_format(t), 10) for t in ticks) + 8
    band = (width - PAD - x0) / len(categories)
    top, used = canvas.top + (16 if y_label else 4) + 12, axis_height(categories, band)
    bottom = max(height - used - 8, top + 80)
    pos, root = scale(ticks, bottom, top), canvas.root
    if y_label:
        write_text(root, PAD, top - 14, y_label, room=width - 2 * PAD, size=10, fill=MUTED, class_="axis-label")
    value_axis(root, ticks, pos, tick_format, horizontal=False, span=(x0, width - PAD), label_at=x0 - 5)
    category_axis(root, categories, x0, band, bottom)
    for index, (s, style, row) in enumerate(zip(series, styles, rows)):
        group = el(root, "g", class_="series")
        run: list[str] = []
        for i, v in enumerate([*row, None]):
            if v is None:  # a gap ends the line drawn so far
                if len(run) > 1:
                    el(group, "polyline", points=" ".join(run), fill="none", stroke=style.line, stroke_width=2.2,
                        stroke_dasharray="6 4" if s.dashed else None, stroke_linejoin="round")
                run = []
                continue
            x, y = x0 + (i + 0.5) * band, pos(v)
            run.append(f"{num(x)},{num(y)}")
            # The label of the highest value at this category goes above its point, the others below.
            above = index == max(range(len(series)), key=lambda j: (columns[i][j] is not None, columns[i][j] or 0, -j))
            marker(tip(group, f"{categories[i]} — {s.name}: {value_format(v)}"), style, x, y, filled=index % 2 == 0)
            write_text(group, x, y + (-8 if above else 16), value_format(v), size=10, anchor="middle",
                  font_weight="bold" if index == 0 else None, class_="value")
    return canvas.finish(bottom + used + 8)


def _value_label(root: ET.Element, text: str, value: float, end: float, middle: float, horizontal: bool,
                 thick: float) -> None:
    """A bar's value just past its end; on a vertical bar only when it fits the bar's width."""
    if horizontal:
        write_text(root, end + (4 if value >= 0 else -4), middle + 3.5, text, size=10,
              anchor="start" if value >= 0 else "end", class_="value")
    elif text_width(text, 10) <= thick + 8:  # wider, it would run into the next bar (the tooltip keeps it)
        write_text(root, middle, end + (-4 if value >= 0 else 12), text, size=10, anchor="middle", class_="value")


def _inner_label(root: ET.Element, text: str, box: tuple[float, float, float, float]) -> None:
    """A stacked segment's value on a white patch in its middle, when the segment is big enough."""
    x, y, w, h = box
    room = text_width(text, 9) + 4
    if w >= room + 2 and h >= 13:
        el(root, "rect", x=x + (w - room) / 2, y=y + h / 2 - 6, width=room, height=12, rx=2, fill="#ffffff",
            fill_opacity=0.85)
        write_text(root, x + w / 2, y + h / 2 + 3.2, text, size=9, anchor="middle", class_="value segment")


def _bars(kind: str, title: str, labels: Sequence[str], series: Sequence[Series], *, value_format: Formatter,
          tick_format: Formatter | None, horizontal: bool, width: int, height: int | None, key: str | None,
          desc: str | None, highlight: frozenset[int] = frozenset(), highlight_label: str = "") -> Markup:
    labels = [str(label) for label in labels]
    rows = [list(r) for r in zip(*[clean(s.values, len(labels)) for s in series])] if series else []
    payload = (labels, [s.name for s in series], rows, horizontal, width, height, sorted(highlight), highlight_label)
    names = [s.name for s in series]
    canvas = Canvas(kind, title, key, payload, desc or describe(labels, names, rows, value_format), width)
    if all(v is None for row in rows for v in row):
        return canvas.empty()
    stacked, single = kind == "stacked", kind == "bar"
    styles = [PLAIN] if single else [STYLES[i % len(STYLES)] for i in range(len(series))]
    items = [] if single else [(s.name, st, None, True) for s, st in zip(series, styles)]
    if highlight_label and highlight:
        items.append((highlight_label, HIGHLIGHT, None, True))
    if items:
        canvas.legend(items)
    tick_format = tick_format or value_format
    totals = [None if all(v is None for v in row) else sum(v or 0 for v in row) for row in rows]
    ends = ([sum(v for v in row if v and v > 0) for row in rows] + [sum(v for v in row if v and v < 0) for row in rows]
            if stacked else [v for row in rows for v in row if v is not None])
    ticks = nice_ticks(min(0.0, *ends), max(0.0, *ends))
    shown = totals if stacked else [v for row in rows for v in row]
    label_w = max(text_width("–" if v is None else value_format(v), 10) for v in shown) + 6
    negative, root, across = ticks[0] < 0, canvas.root, 1 if stacked else len(series)
    if horizontal:
        band = 22 if across == 1 else across * 13 + 9
        text_room = min(max(text_width(label) for label in labels), width * 0.38)
        x0 = PAD + text_room + 8 + (label_w if negative else 0)
        top, bottom = canvas.top + 6, canvas.top + 6 + band * len(labels)
        pos, total_height = scale(ticks, x0, width - PAD - (label_w if ticks[-1] > 0 else 0)), bottom + 30
        value_axis(root, ticks, pos, tick_format, horizontal=True, span=(top, bottom), label_at=bottom + 16)
    else:
        x0 = PAD + max(text_width(tick_format(t), 10) for t in ticks) + 8
        band = (width - PAD - x0) / len(labels)
        used, below = axis_height(labels, band), 16 if negative else 0
        top = canvas.top + 22
        bottom = max((height or 320) - used - below, top + 80)
        pos, total_height = scale(ticks, bottom, top), bottom + below + used + 4
        value_axis(root, ticks, pos, tick_format, horizontal=False, span=(x0, width - PAD), label_at=x0 - 5)
        category_axis(root, labels, x0, band, bottom + below)
    thick = (band - 8) / across if horizontal else min(band * 0.8 / across, 60)
    for i, (label, row) in enumerate(zip(labels, rows)):
        start = (top if horizontal else x0) + i * band + (band - thick * across) / 2
        if horizontal:
            write_text(root, PAD + text_room, top + i * band + band / 2 + 4, label, room=text_room, anchor="end",
                  class_="label")
        ends = [0.0, 0.0]  # stacked: the running positive and negative ends
        for j, (s, value) in enumerate(zip(series, row)):
            lane = start if stacked else start + j * thick
            if value is None:
                if not stacked:
                    _value_label(root, "–", 0, pos(0), lane + thick / 2, horizontal, thick)
                continue
            base = ends[value < 0] if stacked else 0.0
            ends[value < 0] += value if stacked else 0
            a, b = pos(base), pos(base + value)
            box = (min(a, b), lane, abs(b - a), thick) if horizontal else (lane, min(a, b), thick, abs(b - a))
            style = HIGHLIGHT if i in highlight else styles[j]
            el(tip(root, f"{label} — {s.name}: {value_format(value)}"), "rect",
               **dict(zip(("x", "y", "width", "height"), box)), fill=canvas.paint(style), stroke=style.line,
               stroke_width=0.6, class_="bar highlight" if i in highlight else "bar")
            if stacked:
                _inner_label(root, value_format(value), box)
            else:
                _value_label(root, value_format(value), value, b, lane + thick / 2, horizontal, thick)
        if stacked and totals[i] is not None:  # the total past the positive end (the negative one if none)
            end = ends[0] if ends[0] > 0 or not ends[1] else ends[1]
            _value_label(root, value_format(totals[i]), end, pos(end), start + thick / 2, horizontal, thick)
    return canvas.finish(max(total_height, height or 0) if horizontal else total_height)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float | None], *,
              value_format: Formatter = short_number, tick_format: Formatter | None = None, horizontal: bool = True,
              highlight: frozenset[int] | set[int] = frozenset(), highlight_label: str = "", width: int = 640,
              height: int | None = None, key: str | None = None, desc: str | None = None) -> Markup:
    """One bar per label; bars at the indexes in ``highlight`` are darker and hatched, with
    ``highlight_label`` (e.g. "Kantong kemiskinan") in a legend."""
    return _bars("bar", title, labels, [Series(title, values)], value_format=value_format, tick_format=tick_format,
                 horizontal=horizontal, width=width, height=height, key=key, desc=desc,
                 highlight=frozenset(highlight), highlight_label=highlight_label)


def grouped_bar_chart(title: str, labels: Sequence[str], series: Sequence[Series], *,
                      value_format: Formatter = short_number, tick_format: Formatter | None = None,
                      horizontal: bool = True, width: int = 640, height: int | None = None, key: str | None = None,
                      desc: str | None = None) -> Markup:
    """One bar per series side by side for each label (e.g. share of poor / of budget / of CSR)."""
    return _bars("grouped", title, labels, series, value_format=value_format, tick_format=tick_format,
                 horizontal=horizontal, width=width, height=height, key=key, desc=desc)


def stacked_bar_chart(title: str, labels: Sequence[str], series: Sequence[Series], *,
                      value_format: Formatter = short_number, tick_format: Formatter | None = None,
                      horizontal: bool = True, width: int = 640, height: int | None = None, key: str | None = None,
                      desc: str | None = None) -> Markup:
    """The series stacked in one bar per label (e.g. verified / submitted / missing), the total at its end."""
    return _bars("stacked", title, labels, series, value_format=value_format, tick_format=tick_format,
                 horizontal=horizontal, width=width, height=height, key=key, desc=desc)
