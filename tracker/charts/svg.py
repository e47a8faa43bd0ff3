"""The drawing kit behind tracker.charts: series styles, scales, ticks, text and the <svg> canvas.

Text goes through ElementTree, which escapes it; coordinates print with one decimal at most, so
the same input gives the same bytes.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from flask_babel import gettext as _
from markupsafe import Markup

from tracker.formatting import number, short_number

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
Formatter = Callable[[float], str]
PAD, FONT_SIZE, CHAR_EM = 10, 11, 0.6  # CHAR_EM: a generous average glyph width of DejaVu Sans, in em
INK, MUTED, GRID, AXIS = "#222222", "#555555", "#dddddd", "#444444"


@dataclass(frozen=True)
class Series:
    """One named row of values (a line, or one bar per label); ``None`` is a missing value."""
    name: str
    values: Sequence[float | None]
    dashed: bool = False


@dataclass(frozen=True)
class Style:
    fill: str     # bar fill, pattern background
    line: str     # line colour, pattern strokes, bar outline
    pattern: str  # solid | diag | dots | cross | horiz
    marker: str   # circle | square | triangle | diamond


# Grey levels alternate dark / light and each has its own pattern, so neighbours differ in grey print.
STYLES = (
    Style("#1f4e79", "#102a43", "solid", "circle"),
    Style("#f4b860", "#a04a00", "diag", "square"),
    Style("#cfe1f2", "#1f4e79", "dots", "triangle"),
    Style("#7a7a7a", "#1a1a1a", "cross", "diamond"),
    Style("#b9dba8", "#2e6b1f", "horiz", "circle"),
)
PLAIN = Style("#9dc3e6", "#1f4e79", "solid", "circle")     # the single series of bar_chart
HIGHLIGHT = Style("#17375e", "#8fb4e0", "diag", "square")  # highlighted bars: darker and hatched


def compact_rupiah(value: float | None) -> str:
    """Money as an axis tick: Rp 250 rb, Rp 1,5 jt, Rp 12 M, Rp 1,2 T."""
    if value is None:
        return "–"
    sign = "-" if value < 0 else ""
    for size, unit in ((1e12, "T"), (1e9, "M"), (1e6, "jt"), (1e3, "rb")):
        if abs(value) >= size:
            return f"{sign}Rp {short_number(round(abs(value) / size, 1))} {unit}"
    return f"{sign}Rp {number(abs(value))}"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About ``count`` ticks at multiples of 1, 2, 2.5 or 5 × 10^n, covering [lo, hi]."""
    lo, hi = min(lo, hi), max(lo, hi)
    if hi == lo:
        lo, hi = (-1.0, 1.0) if lo == 0 else (lo - abs(lo) * 0.1, hi + abs(hi) * 0.1)
    raw = (hi - lo) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * 0.999)
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [round(k * step, 10) + 0.0 for k in range(first, last + 1)]


def num(value: float) -> str:
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def text_width(text: str, size: float = FONT_SIZE) -> float:
    return len(text) * size * CHAR_EM


def fit(text: str, room: float, size: float = FONT_SIZE) -> str:
    chars = max(2, int(room / (size * CHAR_EM)))
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def clean(values: Sequence, count: int) -> list[float | None]:
    """``count`` floats (Decimal and int accepted); missing, NaN and infinite values become None."""
    out = [None if v is None else float(v) for v in list(values)[:count]] + [None] * (count - len(values))
    return [v if v is not None and math.isfinite(v) else None for v in out]


def el(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    node = ET.SubElement(parent, tag, {k.rstrip("_").replace("_", "-"): num(v) if isinstance(v, (int, float))
                                       else str(v) for k, v in attrs.items() if v is not None})
    node.text = text
    return node


def tip(parent: ET.Element, text: str) -> ET.Element:
    """A group whose tooltip is ``text``, to draw an element in.  (A <title> inside a <rect> itself
    makes WeasyPrint drop the rect's pattern fill.)"""
    group = el(parent, "g")
    el(group, "title", text)
    return group


def write_text(parent: ET.Element, x: float, y: float, text: str, *, room: float | None = None, size: float = FONT_SIZE,
          anchor: str = "start", fill: str = INK, **attrs) -> ET.Element:
    """A line of text; cut to ``room`` user units with the full text as a tooltip of its group."""
    shown = text if room is None else fit(text, room, size)
    if shown != text:
        parent = tip(parent, text)
    return el(parent, "text", shown, x=x, y=y, font_size=size, text_anchor=anchor, fill=fill, **attrs)


class Canvas:
    """The <svg> root with its title, description, pattern defs and legend."""

    def __init__(self, kind: str, title: str, key: str | None, payload: object, desc: str, width: float):
        digest = hashlib.sha1(repr((kind, title, payload, desc)).encode()).hexdigest()[:10]
        self.key = "chart-" + (re.sub(r"[^A-Za-z0-9_-]", "-", key) if key else digest)
        self.width = width
        self.root = ET.Element("svg", {"xmlns": SVG_NS, "version": "1.1", "width": num(width), "role": "img",
                                       "aria-labelledby": f"{self.key}-title {self.key}-desc", "font-family": FONT,
                                       "class": "chart"})
        el(self.root, "title", title, id=f"{self.key}-title")
        el(self.root, "desc", desc or title, id=f"{self.key}-desc")
        self.defs = el(self.root, "defs")
        self.background = el(self.root, "rect", x=0, y=0, width=width, fill="#ffffff")
        write_text(self.root, PAD, 22, title, room=width - 2 * PAD, size=15, font_weight="bold", class_="chart-title")
        self.top, self.patterns = 34.0, set()

    def paint(self, style: Style) -> str:
        if style.pattern == "solid":
            return style.fill
        pid = f"{self.key}-{style.pattern}-{style.fill[1:]}"
        if pid not in self.patterns:
            self.patterns.add(pid)
            turn = "rotate(45)" if style.pattern in ("diag", "cross") else None
            pattern = el(self.defs, "pattern", id=pid, width=6, height=6, patternUnits="userSpaceOnUse",
                          patternTransform=turn)
            el(pattern, "rect", width=6, height=6, fill=style.fill)
            if style.pattern == "dots":
                el(pattern, "circle", cx=3, cy=3, r=1.3, fill=style.line)
            if style.pattern in ("diag", "cross"):
                el(pattern, "rect", width=2, height=6, fill=style.line)
            if style.pattern in ("horiz", "cross"):
                el(pattern, "rect", width=6, height=1.5, fill=style.line)
        return f"url(#{pid})"

    def legend(self, items: list[tuple[str, Style, str | None, bool]]) -> None:
        """Swatches under the title, wrapping: (name, style, dash or None for a bar swatch, filled marker)."""
        x, y = PAD, self.top + 8
        for name, style, dash, filled in items:
            span = 30 + min(text_width(name), self.width / 2)
            if x > PAD and x + span > self.width - PAD:
                x, y = PAD, y + 18
            group = el(self.root, "g", class_="legend")
            if dash is None:
                el(group, "rect", x=x, y=y - 9, width=16, height=11, fill=self.paint(style), stroke=style.line,
                    stroke_width=0.8)
            else:
                el(group, "line", x1=x - 2, y1=y - 4, x2=x + 18, y2=y - 4, stroke=style.line, stroke_width=2,
                    stroke_dasharray=dash or None)
                marker(group, style, x + 8, y - 4, filled=filled, kind="swatch")
            write_text(group, x + 22, y, name, room=self.width / 2)
            x += span
        self.top = y + 10

    def finish(self, height: float) -> Markup:
        for node in (self.root, self.background):
            node.set("height", num(height))
        self.root.set("viewBox", f"0 0 {num(self.width)} {num(height)}")
        if not self.patterns:
            self.root.remove(self.defs)
        return Markup(ET.tostring(self.root, encoding="unicode"))

    def empty(self) -> Markup:
        write_text(self.root, PAD, self.top + 30, _("Belum ada data"), size=12, fill=MUTED, class_="empty")
        return self.finish(self.top + 50)


def marker(parent: ET.Element, style: Style, x: float, y: float, *, filled: bool, kind: str = "point") -> ET.Element:
    paint = {"fill": style.line if filled else "#ffffff", "stroke": style.line, "stroke_width": 1.5, "class_": kind}
    if style.marker == "circle":
        return el(parent, "circle", cx=x, cy=y, r=4, **paint)
    if style.marker == "square":
        return el(parent, "rect", x=x - 3.5, y=y - 3.5, width=7, height=7, **paint)
    shape = ((0, -5), (4.5, 3.5), (-4.5, 3.5)) if style.marker == "triangle" else ((0, -5), (5, 0), (0, 5), (-5, 0))
    return el(parent, "polygon", points=" ".join(f"{num(x + dx)},{num(y + dy)}" for dx, dy in shape), **paint)


def describe(labels: Sequence[str], names: Sequence[str], columns: list[list[float | None]], fmt: Formatter) -> str:
    return " ".join(f"{name}: " + "; ".join(f"{label} {'–' if row[j] is None else fmt(row[j])}"
                                            for label, row in zip(labels, columns)) + "." for j, name in enumerate(names))


def scale(ticks: list[float], start: float, end: float) -> Callable[[float], float]:
    lo, hi = ticks[0], ticks[-1]
    return lambda v: start + (v - lo) / (hi - lo) * (end - start)


def axis_height(labels: Sequence[str], band: float) -> float:
    """Room the category labels need: one line, or rotated labels when they do not fit their band."""
    longest = max((text_width(label) for label in labels), default=0)
    return min(longest, 110) * 0.65 + 20 if longest > band - 4 else 22


def category_axis(root: ET.Element, labels: Sequence[str], x0: float, band: float, y: float) -> None:
    rotate = max(text_width(label) for label in labels) > band - 4
    for i, label in enumerate(labels):
        x = x0 + (i + 0.5) * band
        if rotate:
            write_text(root, x, y + 12, label, room=110, anchor="end", class_="label",
                  transform=f"rotate(-40 {num(x)} {num(y + 12)})")
        else:
            write_text(root, x, y + 15, label, anchor="middle", class_="label")


def value_axis(root: ET.Element, ticks: list[float], pos: Callable[[float], float], fmt: Formatter, *,
                horizontal: bool, span: tuple[float, float], label_at: float) -> None:
    """Grid lines and tick labels; the zero line darker."""
    for tick in ticks:
        p, colour = pos(tick), AXIS if tick == 0 else GRID
        if horizontal:
            el(root, "line", x1=p, y1=span[0], x2=p, y2=span[1], stroke=colour, stroke_width=1)
            write_text(root, p, label_at, fmt(tick), size=10, anchor="middle", fill=MUTED, class_="tick")
        else:
            el(root, "line", x1=span[0], y1=p, x2=span[1], y2=p, stroke=colour, stroke_width=1)
            write_text(root, label_at, p + 3.5, fmt(tick), size=10, anchor="end", fill=MUTED, class_="tick")

