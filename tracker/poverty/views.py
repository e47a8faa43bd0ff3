"""The poverty pages everyone with read access sees: "Data Kemiskinan" (the kabupaten trend against
target, the year's headline figures and the change from last year, the kecamatan ranked by poor
households with the poverty pockets, where sources disagree) and "Anggaran vs kemiskinan" (each
kecamatan's share of the poor beside its share of OPD budget and CSR).  Thin views: the figures come
from ``queries`` and ``money``; the data management pages are in ``views_manage`` and
``views_import``."""

from __future__ import annotations

from functools import partial

from flask import render_template, request
from flask_babel import gettext as _

from tracker.authz import permission_required
from tracker.charts import Series, bar_chart, grouped_bar_chart, line_chart
from tracker.formatting import number, percent, rupiah
from tracker.periods.services import MAX_YEAR, MIN_YEAR
from tracker.poverty import bp, queries
from tracker.poverty.money import money_vs_poverty
from tracker.poverty.validation import measure_label, month_label, source_label
from tracker.types import jakarta_now

PCT_MEASURES = {"poor_pct", "extreme_pct"}


@bp.record_once
def register_template_globals(state):
    state.app.jinja_env.globals.update(poverty_source_label=source_label, poverty_month_label=month_label,
                                       poverty_measure_label=measure_label)


def year_arg(default: int) -> int:
    """``?year=`` when it is a sane year, else ``default`` (``abc``, ``99999``: the default)."""
    raw = (request.args.get("year") or "").strip()
    return int(raw) if raw.isdecimal() and len(raw) <= 4 and MIN_YEAR <= int(raw) <= MAX_YEAR else default


def source_arg(allowed) -> str | None:
    raw = (request.args.get("source") or "").strip().upper()
    return raw if raw in allowed else None


def default_year(trend: list[dict], years: list[int]) -> int:
    """The latest year with a kabupaten BPS figure, else the latest year with any data up to this
    year (targets run years ahead), else this year."""
    now = jakarta_now().year
    with_stat = [r["year"] for r in trend if r["stat_id"] is not None]
    if with_stat:
        return max(with_stat)
    past = [y for y in years if y <= now]
    return past[0] if past else (years[-1] if years else now)


def figure_value(measure: str, value) -> str:
    """A figure of ``source_disagreements`` as the page writes it."""
    if measure in PCT_MEASURES:
        return percent(value)
    if measure == "poverty_line":
        return rupiah(value)
    return number(value)


def pct_axis(value) -> str:
    return percent(value, 1)


def trend_charts(trend: list[dict]) -> tuple:
    """Two line charts, oldest year first: P0 against its target, extreme poverty against its target
    (one chart for both would put their labels on top of each other)."""
    if not trend:
        return None, None
    years = [str(r["year"]) for r in trend]
    poor = line_chart(_("Persentase penduduk miskin (P0) dan target"), years,
                      [Series(_("Penduduk miskin (P0)"), [r["poor_pct"] for r in trend]),
                       Series(_("Target P0 (RPJMD/RPKD)"), [r["target_poor_pct"] for r in trend], dashed=True)],
                      value_format=percent, tick_format=pct_axis, y_label=_("% penduduk"), width=760, height=300,
                      key="poverty-trend")
    extreme = line_chart(_("Persentase kemiskinan ekstrem dan target"), years,
                         [Series(_("Kemiskinan ekstrem"), [r["extreme_pct"] for r in trend]),
                          Series(_("Target kemiskinan ekstrem"), [r["target_extreme_pct"] for r in trend],
                                 dashed=True)],
                         value_format=percent, tick_format=pct_axis, y_label=_("% penduduk"), y_min=0, width=760,
                         height=280, key="poverty-extreme")
    return poor, extreme


def ranking_chart(ranking: dict):
    rows = [r for r in ranking["rows"] if r["total_households"] is not None]
    if not rows:
        return None
    return bar_chart(_("Rumah tangga miskin (desil 1–4) per kecamatan, %(y)s", y=ranking["year"]),
                     [r["name"] for r in rows], [r["total_households"] for r in rows],
                     value_format=number, highlight={i for i, r in enumerate(rows) if r["pocket"]},
                     highlight_label=_("Kantong kemiskinan"), width=640, key="poverty-ranking")


@bp.route("/")
@permission_required("poverty.view")
def index():
    kabupaten = queries.kabupaten_region()
    trend = queries.trend(kabupaten.id) if kabupaten is not None else []
    years = queries.years()
    year = year_arg(default_year(trend, years))
    ranking = queries.kecamatan_ranking(year, source_arg(queries.household_sources(year)))
    by_year = {r["year"]: r for r in trend}
    headline = by_year.get(year)
    change = queries.change_since_last_year(year, rows=trend) if kabupaten is not None else None
    pocket_threshold = (ranking["average_share_pct"] * ranking["pocket_factor"]
                        if ranking["average_share_pct"] is not None else None)
    return render_template(
        "poverty/index.html", kabupaten=kabupaten, year=year, years=sorted(set(years) | {year}, reverse=True),
        has_data=bool(years), trend=trend, headline=headline if headline and headline["stat_id"] else None,
        targets=headline, change=change, ranking=ranking, pockets=[r for r in ranking["rows"] if r["pocket"]],
        pocket_threshold=pocket_threshold, disagreements=queries.source_disagreements(year),
        trend_charts=trend_charts(trend), ranking_chart=ranking_chart(ranking), figure_value=figure_value)


# ---- where the money goes ---------------------------------------------------------------------------

def money_chart(data: dict):
    rows = data["rows"]
    if not rows or all(r["poor_share_pct"] is None and r["budget_share_pct"] is None and r["csr_share_pct"] is None
                       for r in rows):
        return None
    series = [Series(_("Bagian rumah tangga miskin"), [r["poor_share_pct"] for r in rows]),
              Series(_("Bagian anggaran OPD"), [r["budget_share_pct"] for r in rows]),
              Series(_("Bagian CSR"), [r["csr_share_pct"] for r in rows])]
    return grouped_bar_chart(_("Bagian kecamatan dari rumah tangga miskin, anggaran OPD dan CSR, %(y)s",
                               y=data["year"]), [r["name"] for r in rows], series,
                             value_format=partial(percent, digits=1), tick_format=pct_axis,
                             width=960, key="poverty-money")


def little_words(row: dict) -> str:
    """"Pulau Hanaut (anggaran OPD, CSR)"."""
    what = ([_("anggaran OPD")] if row["little_budget"] else []) + ([_("CSR")] if row["little_csr"] else [])
    return f"{row['name']} ({', '.join(what)})"


@bp.route("/money")
@permission_required("poverty.view")
def money():
    kabupaten = queries.kabupaten_region()
    trend = queries.trend(kabupaten.id) if kabupaten is not None else []
    years = queries.years()
    year = year_arg(default_year(trend, years))
    data = money_vs_poverty(year, source_arg(queries.household_sources(year)))
    little = [r for r in data["rows"] if r["receives_little"]]
    return render_template(
        "poverty/money.html", year=year, years=sorted(set(years) | {year}, reverse=True), data=data,
        totals=data["totals"], little=little, little_sentence=", ".join(little_words(r) for r in little),
        chart=money_chart(data), has_data=bool(years))
