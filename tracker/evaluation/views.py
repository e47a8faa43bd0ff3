"""The page "Evaluasi Triwulan": the written summary, headline figures, the OPD / strategy / CSR
roll-ups, charts and the activities of the chosen year and quarter (product.md §4).

Thin: the figures are ``figures.evaluation`` (SQL), the sentences ``summary.ringkasan``; this module
only reads the choice (``views_common``), pages the activity list and builds the charts.  Only the
page's activities are read (``figures.evaluation(window=...)``): the roll-ups cover the whole scope,
the rows of the list are one page, whatever the size of the year.  The
Permendagri 86/2017 table is ``views_table``, the comparisons ``views_compare``.
"""

from __future__ import annotations

from functools import partial

from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker import memo
from tracker.authz import permission_required
from tracker.charts import Series, bar_chart, grouped_bar_chart
from tracker.evaluation import bp, figures, summary
from tracker.evaluation.numbers import number, percent
from tracker.evaluation.ratings import RATING_LABELS, RATINGS, pct, round_pct
from tracker.evaluation.views_common import agency_choices, ignored_message, int_arg, read_choice
from tracker.extensions import db
from tracker.plans.models import Activity

PER_PAGE = 50
CHART_ACTIVITIES = 40  # an OPD's activities in its chart (of the page shown); the table lists them all


def realisation_chart(e: dict, by_activity: bool):
    """Per OPD (the kabupaten) or per activity (one OPD): realisation % beside achievement %."""
    if by_activity:
        rows = e["activities"][:CHART_ACTIVITIES]
        labels = [r["name"] for r in rows]
        title = _("Realisasi anggaran dan capaian kinerja per kegiatan (%)")
    else:
        rows = e["agencies"]
        labels = [r["agency_name"] for r in rows]
        title = _("Realisasi anggaran dan capaian kinerja per OPD (%)")
    series = [Series(_("Realisasi anggaran"), [r["realization_pct"] for r in rows]),
              Series(_("Capaian kinerja"), [r["achievement_pct"] for r in rows])]
    return grouped_bar_chart(title, labels, series, value_format=percent, tick_format=partial(percent, digits=0),
                             width=720, key="eval-realisation")


def rating_chart(e: dict):
    counts = e["rating_counts"]
    labels = [str(RATING_LABELS[code]) for code in RATINGS] + [_("Belum ada capaian")]
    values = [counts[code] for code in RATINGS] + [counts["none"]]
    return bar_chart(_("Sebaran predikat indikator (jumlah indikator)"), labels, values, value_format=number,
                     width=560, key="eval-ratings")


def chosen_page(choice) -> int:
    """``?page=`` within the pages the activity list has (a page past the end shows the last one)."""
    stmt = select(func.count(Activity.id)).where(Activity.year == choice.year)
    if choice.agency_id is not None:
        stmt = stmt.where(Activity.agency_id == choice.agency_id)
    pages = max(1, -(-(db.session.scalar(stmt) or 0) // PER_PAGE))
    return min(int_arg("page", 1, 100_000, []) or 1, pages)


def page_links(page: int, pages: int, edge: int = 2, around: int = 2) -> list[int | None]:
    """The page numbers the pager shows: the first and last ``edge``, ``around`` either side of the
    current one, ``None`` for each gap (sixty links for the large year were most of the page)."""
    links, last = [], 0
    for number in range(1, pages + 1):
        if number <= edge or number > pages - edge or abs(number - page) <= around:
            if last + 1 != number:
                links.append(None)
            links.append(number)
            last = number
    return links


def activity_page(e: dict, page: int) -> dict:
    """The page of the activity list the figures were computed for (``window``)."""
    total, rows = e["activity_count"], e["activities"]
    start, pages = (page - 1) * PER_PAGE, max(1, -(-total // PER_PAGE))
    return {"rows": rows, "page": page, "pages": pages, "total": total, "links": page_links(page, pages),
            "first": start + 1 if rows else 0, "last": start + len(rows)}


def derived(e: dict) -> dict:
    """The two figures the page shows that the evaluation does not name: the change in realisation
    since last quarter (points) and the share of the CSR commitments contributed (verified)."""
    now, before = e["realization_pct"], e["previous_realization_pct"]
    return {"change_realization_pct": None if now is None or before is None else round_pct(now - before),
            "csr_share_pct": pct(e["csr"]["contributed_verified"], e["csr"]["committed"])}


def page_figures(choice, page: int) -> dict:
    """What the page shows of the data: the same for everyone who may see this scope."""
    e = figures.evaluation(choice.year, choice.quarter, agency_id=choice.agency_id,
                           include_unverified=choice.include_unverified, today=choice.today,
                           window=((page - 1) * PER_PAGE, PER_PAGE))
    written = summary.ringkasan(choice.year, choice.quarter, agency_id=choice.agency_id,
                                include_unverified=choice.include_unverified, today=choice.today, figures=e)
    # Beside one OPD: the kabupaten's totals only (never another OPD's rows).
    kabupaten = (figures.totals(choice.year, choice.quarter, include_unverified=choice.include_unverified)
                 if choice.agency_id is not None else None)
    return {"e": e, "d": derived(e), "written": written, "kabupaten": kabupaten,
            "activities": activity_page(e, page),
            "realisation_chart": realisation_chart(e, by_activity=choice.agency_id is not None),
            "rating_chart": rating_chart(e)}


@bp.route("/")
@permission_required("evaluation.view")
def index():
    choice = read_choice()
    page = chosen_page(choice)
    # The figures of a scope change only when data is written: remembered until then (tracker.memo),
    # they cost one query instead of the roll-ups, the summary and the charts (bench/pages.py).
    key = (choice.year, choice.quarter, choice.agency_id, choice.include_unverified, choice.today, page,
           str(get_locale()))
    shown = memo.remembered("evaluation.index", key, lambda: page_figures(choice, page))
    return render_template("evaluation/index.html", choice=choice, agencies=agency_choices(choice),
                           warning=ignored_message(choice.ignored), **shown)
