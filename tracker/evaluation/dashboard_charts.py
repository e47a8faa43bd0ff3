"""The home page dashboards' charts, drawn by tracker.charts from the evaluation's figures.

Plain functions of plain values (no request, no query): each returns ``Markup`` of an SVG
``class="chart"``, or ``None`` when there is nothing to draw (the page then says so in words; a
new install never shows a chart of zeros).

The rating distribution is the one chart tracker.charts cannot draw as asked: its bars take one
colour per series, and the Permendagri bands have their own (``ratings.RATING_COLOURS``).  It is
drawn here with the module's own canvas, axes and text, so it looks like its neighbours.
"""

from __future__ import annotations

from functools import partial

from flask_babel import gettext as _
from markupsafe import Markup

from tracker.charts import Series, bar_chart, compact_rupiah, grouped_bar_chart, line_chart, stacked_bar_chart
from tracker.charts.svg import PAD, Canvas, el, nice_ticks, scale, text_width, tip, value_axis, write_text
from tracker.evaluation.numbers import number, percent
from tracker.evaluation.ratings import RATING_COLOURS, RATINGS, rating_label

NO_RATING_COLOUR = "#bbbbbb"  # indicators with nothing to rate yet
pct_axis = partial(percent, digits=0)


def realisation_chart(rows: list[dict], lowest: set[int]) -> Markup | None:
    """Realisation % per OPD, highest first; the OPDs in ``lowest`` (agency ids) highlighted."""
    if not rows or all(r["realization_pct"] is None for r in rows):
        return None
    ordered = sorted(rows, key=lambda r: (r["realization_pct"] is None, -(r["realization_pct"] or 0),
                                          r["agency_name"]))
    return bar_chart(_("Realisasi anggaran per OPD (kumulatif)"), [r["agency_name"] for r in ordered],
                     [r["realization_pct"] for r in ordered], value_format=percent, tick_format=pct_axis,
                     highlight={i for i, r in enumerate(ordered) if r["agency_id"] in lowest},
                     highlight_label=_("Realisasi terendah"), width=640, key="dash-realisation")


def rating_chart(counts: dict[str, int], title: str | None = None) -> Markup | None:
    """How many indicators fall in each Permendagri 86/2017 band (and how many have no achievement
    yet), one bar per band in the band's colour; ``None`` when there are no indicators."""
    codes = [*RATINGS, "none"]
    if not sum(counts.get(code, 0) for code in codes):
        return None
    labels = [rating_label(code) if code != "none" else _("Belum ada capaian") for code in codes]
    values = [int(counts.get(code, 0)) for code in codes]
    title = title or _("Sebaran predikat capaian indikator")
    desc = "; ".join(f"{label} {number(v)}" for label, v in zip(labels, values)) + "."
    width, band = 500, 24
    canvas = Canvas("ratings", title, "dash-ratings", (labels, values), desc, width)
    root = canvas.root
    total = sum(values)
    texts = [f"{number(v)} ({percent(v * 100 / total, 0)})" for v in values]
    label_room = max(text_width(label) for label in labels)
    x0 = PAD + label_room + 8
    ticks = nice_ticks(0.0, float(max(values)))
    top = canvas.top + 6
    bottom = top + band * len(labels)
    pos = scale(ticks, x0, width - PAD - max(text_width(t, 10) for t in texts) - 6)
    value_axis(root, ticks, pos, number, horizontal=True, span=(top, bottom), label_at=bottom + 16)
    for i, (code, label, value, text) in enumerate(zip(codes, labels, values, texts)):
        y = top + i * band
        write_text(root, PAD + label_room, y + band / 2 + 4, label, anchor="end", class_="label")
        colour = RATING_COLOURS.get(code, NO_RATING_COLOUR)
        end = pos(value)
        el(tip(root, f"{label}: {text}"), "rect", x=pos(0), y=y + 4, width=max(end - pos(0), 0), height=band - 8,
           fill=colour, stroke="#333333", stroke_width=0.6, class_=f"bar rating-{code}")
        write_text(root, end + 4, y + band / 2 + 3.5, text, size=10, class_="value")
    return canvas.finish(bottom + 30)


def incomplete_agencies(rows: list[dict], limit: int = 10) -> list[dict]:
    """The OPDs whose reports of the quarter are not all verified yet, the most outstanding first."""
    open_rows = [r for r in rows if r["activities"] > r["verified"]]
    return sorted(open_rows, key=lambda r: (-(r["activities"] - r["verified"]), -r["missing"],
                                            r["agency_name"]))[:limit]


def completeness_chart(rows: list[dict], limit: int = 10) -> Markup | None:
    """Reports of the quarter of the OPDs still incomplete (``incomplete_agencies``): verified /
    submitted / returned / not reported (drafts count as not reported: Bappeda cannot see them)."""
    rows = incomplete_agencies(rows, limit)
    if not rows:
        return None
    series = [Series(_("Terverifikasi"), [r["verified"] for r in rows]),
              Series(_("Diajukan"), [r["submitted"] for r in rows]),
              Series(_("Dikembalikan"), [r["returned"] for r in rows]),
              Series(_("Belum dilaporkan"), [r["missing"] for r in rows])]
    return stacked_bar_chart(_("OPD yang laporannya belum lengkap (kegiatan)"), [r["agency_name"] for r in rows],
                             series, value_format=number, width=640, key="dash-completeness")


def csr_chart(csr: dict) -> Markup | None:
    """The year's CSR commitments against the contributions up to the quarter's end."""
    if not csr["commitments"]:
        return None
    return bar_chart(_("CSR: komitmen dan kontribusi"),
                     [_("Komitmen tahun ini"), _("Kontribusi terverifikasi"), _("Kontribusi diajukan")],
                     [csr["committed"], csr["contributed_verified"], csr["contributed_submitted"]],
                     value_format=compact_rupiah, width=500, key="dash-csr")


def poverty_chart(trend: list[dict]) -> Markup | None:
    """P0 against its target over the years (only when a P0 figure exists)."""
    if not any(r["poor_pct"] is not None for r in trend):
        return None
    return line_chart(_("Persentase penduduk miskin (P0) dan target"), [str(r["year"]) for r in trend],
                      [Series(_("Penduduk miskin (P0)"), [r["poor_pct"] for r in trend]),
                       Series(_("Target P0"), [r["target_poor_pct"] for r in trend], dashed=True)],
                      value_format=percent, tick_format=partial(percent, digits=1), y_label=_("% penduduk"),
                      width=640, height=280, key="dash-poverty")


def comparison_chart(agency_name: str, own: dict, kabupaten: dict) -> Markup | None:
    """An OPD's realisation and achievement % beside the kabupaten's."""
    fields = ("realization_pct", "achievement_pct")
    if all(own[f] is None and kabupaten[f] is None for f in fields):
        return None
    return grouped_bar_chart(_("%(opd)s dibanding kabupaten", opd=agency_name),
                             [_("Realisasi anggaran"), _("Capaian indikator")],
                             [Series(agency_name, [own[f] for f in fields]),
                              Series(_("Kabupaten"), [kabupaten[f] for f in fields])],
                             value_format=percent, tick_format=pct_axis, width=560, key="dash-compare")
