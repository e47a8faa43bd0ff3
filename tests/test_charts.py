"""SVG charts (tracker.charts): valid standalone SVG, Indonesian numbers, honest geometry, escaping,
empty data, stable ids and bytes, and the same markup printed by WeasyPrint."""

from __future__ import annotations

import io
import math
import os
import subprocess
import sys
from decimal import Decimal
from functools import partial
from itertools import pairwise
from xml.etree import ElementTree as ET

import pytest
from flask import has_app_context, session
from flask_babel import get_locale
from markupsafe import Markup

from tracker.charts import (
    Series,
    bar_chart,
    compact_rupiah,
    grouped_bar_chart,
    line_chart,
    nice_ticks,
    stacked_bar_chart,
)
from tracker.formatting import percent

NS = "{http://www.w3.org/2000/svg}"
YEARS = ["2019", "2020", "2021", "2022", "2023"]
POVERTY = Series("Persentase penduduk miskin", [6.59, 6.25, None, 6.85, 6.53])
TARGET = Series("Target RPJMD", [6.6, 6.4, 6.2, 6.0, 5.8], dashed=True)
KECAMATAN = ["Baamang", "Pulau Hanaut", "Seranau"]


def parse(markup) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == NS + "svg"
    return root


def with_class(root: ET.Element, name: str, tag: str = "*") -> list[ET.Element]:
    return [e for e in root.iter(NS + tag if tag != "*" else tag) if name in (e.get("class") or "").split()]


def texts(root: ET.Element, name: str) -> list[str]:
    return [e.text for e in with_class(root, name, "text")]


def tooltips(root: ET.Element) -> list[str]:
    return [e.text for e in root.iter(NS + "title")]


def line() -> Markup:
    return line_chart("Kemiskinan & target", YEARS, [POVERTY, TARGET], value_format=percent, y_label="Persen")


ALL_KINDS = {
    "line": line,
    "bar": lambda: bar_chart("Rumah tangga miskin", KECAMATAN, [1820, 980, 620], highlight={1},
                             highlight_label="Kantong kemiskinan"),
    "vertical bar": lambda: bar_chart("Perubahan", YEARS, [5, -3, None, 2, 1], horizontal=False),
    "grouped": lambda: grouped_bar_chart("Porsi", KECAMATAN, [Series("Miskin", [40, 35, 25]),
                                                              Series("Anggaran", [50, 30, 20]),
                                                              Series("CSR", [10, 60, 30])]),
    "stacked": lambda: stacked_bar_chart("Kelengkapan", ["Dinas Sosial", "Bappeda"],
                                         [Series("Terverifikasi", [12, 4]), Series("Diajukan", [3, 1]),
                                          Series("Belum", [1, 2])], horizontal=False),
}


@pytest.mark.parametrize("kind", sorted(ALL_KINDS))
def test_every_kind_is_a_standalone_accessible_svg(kind):
    markup = ALL_KINDS[kind]()
    assert isinstance(markup, Markup)
    root = parse(markup)
    title, desc = root.find(NS + "title"), root.find(NS + "desc")
    assert title is not None and title.text and desc is not None and desc.text
    assert root.get("role") == "img"
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    assert set(root.get("aria-labelledby").split()) == {title.get("id"), desc.get("id")} <= ids
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert root.get("class") == "chart" and root.get("style") is None  # sized by the stylesheet (CSP)
    assert title.text in texts(root, "chart-title")  # the title is visible too, not only for screen readers
    for paint in (e.get("fill") for e in root.iter() if (e.get("fill") or "").startswith("url(")):
        assert paint[5:-1] in ids  # every pattern used is defined in this chart


def test_line_chart_shows_indonesian_values_and_a_gap_for_none():
    root = parse(line())
    values = texts(root, "value")
    assert "6,59 %" in values and "6,85 %" in values and "5,80 %" in values
    assert texts(root, "tick") == ["5,75 %", "6,00 %", "6,25 %", "6,50 %", "6,75 %", "7,00 %"]
    assert texts(root, "label") == YEARS
    poverty, target = with_class(root, "series", "g")
    # One marker per known value: 2021 is missing, so no point and no tooltip for it.
    assert len(with_class(poverty, "point")) == 4 and len(with_class(target, "point")) == 5
    assert not [t for t in tooltips(poverty) if t.startswith("2021")]
    # The line breaks at the gap: 2019–2020 and 2022–2023, never a segment across 2021.
    runs = [p.get("points").split() for p in poverty.iter(NS + "polyline")]
    assert [len(run) for run in runs] == [2, 2]
    assert [len(p.get("points").split()) for p in target.iter(NS + "polyline")] == [5]
    assert next(target.iter(NS + "polyline")).get("stroke-dasharray")
    assert next(poverty.iter(NS + "polyline")).get("stroke-dasharray") is None
    # Series differ by marker shape too (circle vs square), not only by colour.
    assert {e.tag for e in with_class(poverty, "point")} != {e.tag for e in with_class(target, "point")}
    assert "Persen" in [e.text for e in root.iter(NS + "text")]


def test_line_chart_points_sit_at_their_values():
    root = parse(line_chart("Skala", ["a", "b", "c"], [Series("s", [0, 50, 100])], y_min=0))
    ys = [float(c.get("cy")) for c in with_class(root, "point")]
    assert ys[0] > ys[1] > ys[2]
    assert ys[0] - ys[1] == pytest.approx(ys[1] - ys[2], abs=0.2)


def test_bar_lengths_are_proportional_and_labels_indonesian():
    root = parse(bar_chart("Rumah tangga miskin", KECAMATAN, [1820, 910, 455]))
    widths = [float(r.get("width")) for r in with_class(root, "bar")]
    assert widths[0] / widths[1] == pytest.approx(2, rel=0.01)
    assert widths[0] / widths[2] == pytest.approx(4, rel=0.01)
    assert len({r.get("x") for r in with_class(root, "bar")}) == 1  # all from the same axis
    assert texts(root, "label") == KECAMATAN
    assert texts(root, "value") == ["1.820", "910", "455"]
    assert "Pulau Hanaut — Rumah tangga miskin: 910" in tooltips(root)


def test_vertical_bars_heights_proportional():
    root = parse(bar_chart("Vertikal", ["a", "b"], [30, 10], horizontal=False))
    heights = [float(r.get("height")) for r in with_class(root, "bar")]
    assert heights[0] / heights[1] == pytest.approx(3, rel=0.01)
    assert len({float(r.get("y")) + float(r.get("height")) for r in with_class(root, "bar")}) == 1


def test_negative_bars_extend_from_zero_the_other_way():
    root = parse(bar_chart("Perubahan", ["naik", "turun"], [10, -5], value_format=partial(percent, digits=1)))
    up, down = with_class(root, "bar")
    zero = float(up.get("x"))
    assert float(down.get("x")) + float(down.get("width")) == pytest.approx(zero, abs=0.1)
    assert float(down.get("width")) == pytest.approx(float(up.get("width")) / 2, abs=0.1)
    assert texts(root, "value") == ["10,0 %", "-5,0 %"]
    assert "-5" in " ".join(texts(root, "tick"))


def test_highlight_marks_the_right_bars():
    root = parse(bar_chart("Kantong kemiskinan", ["a", "b", "c", "d"], [4, 3, 2, 1], highlight={0, 2},
                           highlight_label="Kantong kemiskinan"))
    bars = with_class(root, "bar")
    assert ["highlight" in b.get("class") for b in bars] == [True, False, True, False]
    assert bars[0].get("fill") == bars[2].get("fill") != bars[1].get("fill")
    assert bars[0].get("fill").startswith("url(#")  # hatched, so it shows in grey print
    legend = with_class(root, "legend", "g")
    assert [t.text for g in legend for t in g.iter(NS + "text")] == ["Kantong kemiskinan"]
    assert next(legend[0].iter(NS + "rect")).get("fill") == bars[0].get("fill")


def test_grouped_bars_three_per_label_with_distinct_patterns_and_legend():
    root = parse(ALL_KINDS["grouped"]())
    bars = with_class(root, "bar")
    assert len(bars) == 9
    fills = [b.get("fill") for b in bars]
    assert fills[:3] == fills[3:6] == fills[6:] and len(set(fills[:3])) == 3
    assert sum(f.startswith("url(#") for f in fills[:3]) >= 2  # two of three hatched or dotted, not just coloured
    legend = [t.text for g in with_class(root, "legend", "g") for t in g.iter(NS + "text")]
    assert legend == ["Miskin", "Anggaran", "CSR"]
    assert [next(g.iter(NS + "rect")).get("fill") for g in with_class(root, "legend", "g")] == fills[:3]
    widths = [float(b.get("width")) for b in bars]
    assert widths[5] / widths[4] == pytest.approx(2, rel=0.01)  # Pulau Hanaut: 60 CSR vs 30 budget


def test_stacked_segments_touch_and_total_is_shown():
    root = parse(stacked_bar_chart("Kelengkapan", ["Dinas Sosial", "Bappeda"],
                                   [Series("Terverifikasi", [12, 4]), Series("Diajukan", [3, 1]),
                                    Series("Belum", [1, 2])]))
    first = with_class(root, "bar")[:3]
    for left, right in pairwise(first):
        assert float(left.get("x")) + float(left.get("width")) == pytest.approx(float(right.get("x")), abs=0.15)
    assert float(first[0].get("width")) / float(first[1].get("width")) == pytest.approx(4, rel=0.02)
    values = texts(root, "value")
    assert "16" in values and "7" in values and "12" in values  # totals, and a segment big enough to label


def test_text_is_escaped():
    nasty = "<script>alert(1)</script> & Co"
    markup = str(bar_chart(f"Judul {nasty}", [nasty, "b"], [1, 2], key="x"))
    assert "<script>" not in markup and "&amp; Co" in markup
    root = parse(markup)
    assert nasty in texts(root, "label") and root.find(NS + "title").text == f"Judul {nasty}"
    markup = str(line_chart("t", [nasty], [Series(nasty, [1.5])]))
    assert "<script>" not in markup
    assert nasty in [t.text for t in parse(markup).iter(NS + "text")]


def test_long_labels_are_cut_with_full_text_in_a_tooltip():
    long = "Kecamatan Mentaya Hulu Telaga Antang Kalang Raya Sekali"
    root = parse(bar_chart("Panjang", [long, "Baamang"], [1, 2], width=400))
    shown = texts(root, "label")[0]
    assert shown.endswith("…") and len(shown) < len(long) and long.startswith(shown[:-1])
    holder = next(g for g in root.iter(NS + "g") if shown in [t.text for t in g.iter(NS + "text")])
    assert holder.find(NS + "title").text == long


def test_many_vertical_labels_are_rotated_not_overlapping():
    labels = [f"Dinas Nomor {i}" for i in range(12)]
    root = parse(bar_chart("Banyak", labels, list(range(12)), horizontal=False))
    assert all("rotate(" in (e.get("transform") or "") for e in with_class(root, "label", "text"))


def test_horizontal_bars_grow_with_labels():
    few = parse(bar_chart("x", ["a", "b"], [1, 2]))
    many = parse(bar_chart("x", [f"Kecamatan {i}" for i in range(17)], list(range(1, 18))))
    assert float(many.get("height")) > float(few.get("height")) + 15 * 20
    assert len(with_class(many, "bar")) == 17 and len(texts(many, "label")) == 17


@pytest.mark.parametrize("chart", [
    lambda: line_chart("Kosong", [], []),
    lambda: line_chart("Kosong", YEARS, [Series("s", [None] * 5)]),
    lambda: bar_chart("Kosong", [], []),
    lambda: bar_chart("Kosong", ["a", "b"], [None, None]),
    lambda: grouped_bar_chart("Kosong", ["a"], []),
    lambda: stacked_bar_chart("Kosong", [], [Series("s", [])]),
])
def test_empty_data_gives_a_small_chart_saying_so(chart):
    root = parse(chart())
    assert texts(root, "empty") == ["Belum ada data"]
    assert root.find(NS + "title").text == "Kosong"
    assert not with_class(root, "bar") and not with_class(root, "point")
    assert float(root.get("height")) < 120


def test_missing_bar_value_is_a_dash_not_a_zero_bar():
    root = parse(bar_chart("Sebagian", ["a", "b", "c"], [3, None, 1]))
    assert len(with_class(root, "bar")) == 2
    assert texts(root, "value") == ["3", "–", "1"]


def test_decimal_nan_and_short_series_are_accepted():
    root = parse(grouped_bar_chart("Campur", ["a", "b", "c"],
                                   [Series("x", [Decimal("6.59"), float("nan")]), Series("y", [1, 2, 3, 4])],
                                   value_format=percent))
    assert "6,59 %" in texts(root, "value")
    assert len(with_class(root, "bar")) == 4  # NaN and the missing third x draw nothing, y's 4th has no label
    assert texts(root, "value").count("–") == 2


def test_output_is_deterministic_even_across_processes():
    assert line() == line()
    code = ("from functools import partial; from tracker.charts import *; from tracker.formatting import percent; "
            "import sys; sys.stdout.write(bar_chart('Miskin', ['Baamang', 'Pulau Hanaut'], [1820, 980], "
            "highlight={1, 0}, highlight_label='Kantong'))")
    env = dict(os.environ, PYTHONHASHSEED="123")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env,
                           cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))).stdout
    assert other == str(bar_chart("Miskin", ["Baamang", "Pulau Hanaut"], [1820, 980], highlight={0, 1},
                                  highlight_label="Kantong"))


def test_two_charts_on_a_page_share_no_id():
    def ids(markup):
        return {e.get("id") for e in parse(markup).iter() if e.get("id")}

    a, b = ids(ALL_KINDS["grouped"]()), ids(ALL_KINDS["stacked"]())
    assert a and b and not a & b
    same_data = [ids(bar_chart("x", ["a"], [1], highlight={0}, highlight_label="h", key=k)) for k in ("p", "q")]
    assert not same_data[0] & same_data[1]
    assert all(i.startswith("chart-p-") for i in same_data[0])
    assert ids(bar_chart("x", ["a"], [1])) != ids(bar_chart("x", ["a"], [2]))  # different data, different ids


def test_nice_ticks():
    assert nice_ticks(0, 1820) == [0, 500, 1000, 1500, 2000]
    assert nice_ticks(0, 11) == [0, 2.5, 5, 7.5, 10, 12.5]
    assert nice_ticks(5.8, 6.85) == [5.75, 6.0, 6.25, 6.5, 6.75, 7.0]
    assert nice_ticks(-3, 5) == [-4, -2, 0, 2, 4, 6]
    assert nice_ticks(7, 7) == [6.0, 6.5, 7.0, 7.5, 8.0]
    assert nice_ticks(0, 0) == [-1, -0.5, 0, 0.5, 1]
    for lo, hi in [(0, 1820), (0.013, 0.9), (-2.5e9, 7e9), (3, 4), (0, 123_456_789_012)]:
        ticks = nice_ticks(lo, hi)
        step = ticks[1] - ticks[0]
        assert ticks[0] <= lo and ticks[-1] >= hi and 4 <= len(ticks) <= 11
        assert round(step / 10 ** math.floor(math.log10(step)), 6) in (1, 2, 2.5, 5)
        assert all(b - a == pytest.approx(step) for a, b in pairwise(ticks))


def test_compact_rupiah():
    assert compact_rupiah(1_500_000_000) == "Rp 1,5 M"
    assert compact_rupiah(250_000) == "Rp 250 rb"
    assert compact_rupiah(12_000_000) == "Rp 12 jt"
    assert compact_rupiah(-700_000_000) == "-Rp 700 jt"
    assert compact_rupiah(2_300_000_000_000) == "Rp 2,3 T"
    assert compact_rupiah(999) == "Rp 999"
    assert compact_rupiah(0) == "Rp 0"


def test_numbers_stay_indonesian_in_an_english_request(app):
    """The UI language may be English; figures in charts (as in the documents) stay Indonesian."""
    with app.test_request_context("/"):
        session["lang"] = "en"
        assert str(get_locale()) == "en"
        root = parse(bar_chart("Miskin", ["Baamang"], [1820.5], value_format=partial(percent, digits=1)))
    assert texts(root, "value") == ["1.820,5 %"]


def test_charts_render_outside_any_app_context():
    """A background job or CLI command may draw a chart before any app or request exists."""
    assert not has_app_context()
    root = parse(bar_chart("Tanpa konteks", [], []))
    assert texts(root, "empty") == ["Belum ada data"]
    assert texts(parse(bar_chart("x", ["a"], [1234567])), "value") == ["1.234.567"]


def test_chart_prints_in_a_weasyprint_pdf():
    weasyprint = pytest.importorskip("weasyprint")
    pypdf = pytest.importorskip("pypdf")
    html = ("<html><head><style>svg.chart { width: 100%; height: auto }</style></head>"
            f"<body><h1>Laporan</h1>{line()}{ALL_KINDS['grouped']()}</body></html>")
    pdf = weasyprint.HTML(string=html).write_pdf()
    # SVG text is placed glyph by glyph: pypdf reads it without the spaces.
    text = "".join("".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Kemiskinan&target" in text and "6,59%" in text and "PulauHanaut" in text and "TargetRPJMD" in text
    assert "Belumadadata" not in text
