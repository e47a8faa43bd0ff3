"""Comparison page: the kabupaten, one OPD or one activity over the quarters of a year, and the chosen
quarter against the same quarter last year (``compare.quarters_of_year`` / ``same_quarter_last_year``).

With ``activity_id`` the activity decides the OPD and the year (activities are planned anew each
year; last year's namesake has the same SIPD code in the same OPD).  Another OPD's activity, or one
that does not exist, is 404 like another OPD.
"""

from __future__ import annotations

from functools import partial

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker.authz import may_see_agency, permission_required
from tracker.charts import Series, line_chart
from tracker.errors import NotFound
from tracker.evaluation import bp, compare
from tracker.evaluation.numbers import percent
from tracker.evaluation.ratings import round_pct
from tracker.evaluation.views_common import MAX_ID, QUARTERS, agency_choices, ignored_message, read_choice, whole_number
from tracker.extensions import db
from tracker.periods.services import quarter_label
from tracker.plans.models import Activity
from tracker.reference.models import Agency


def visible_activity(raw: str, ignored: list[str]) -> Activity | None:
    """The activity asked for; text that is no id is ignored (named on the page), an id that does not
    exist or is another OPD's is 404."""
    if not raw:
        return None
    activity_id = whole_number(raw)
    if activity_id is None:
        ignored.append("activity_id")
        return None
    activity = db.session.get(Activity, activity_id) if activity_id <= MAX_ID else None
    if activity is None or not may_see_agency(activity.agency_id, current_user):
        raise NotFound(_("Kegiatan tidak ditemukan."))
    return activity


def change(now, before):
    return None if now is None or before is None else round_pct(now - before)


def quarter_rows(quarters: list[dict]) -> list[dict]:
    """Each quarter with its change from the quarter before (points)."""
    rows, previous = [], None
    for q in quarters:
        rows.append({**q, "change_realization_pct": change(q["realization_pct"], previous and previous["realization_pct"]),
                     "change_achievement_pct": change(q["achievement_pct"], previous and previous["achievement_pct"])})
        previous = q
    return rows


def trend_chart(year: int, quarters: list[dict]):
    padded = {q["quarter"]: q for q in quarters}
    categories = [_("TW %(q)s", q=quarter_label(k)) for k in QUARTERS]
    series = [Series(_("Realisasi anggaran"), [padded[k]["realization_pct"] if k in padded else None for k in QUARTERS]),
              Series(_("Capaian kinerja"), [padded[k]["achievement_pct"] if k in padded else None for k in QUARTERS],
                     dashed=True)]
    return line_chart(_("Realisasi dan capaian s.d. tiap triwulan %(y)s (%%)", y=year), categories, series,
                      value_format=percent, tick_format=partial(percent, digits=0), y_min=0, y_max=100,
                      key="eval-compare")


def activity_choices(year: int, agency_id: int | None) -> list:
    if agency_id is None:
        return []
    return db.session.execute(select(Activity.id, Activity.code, Activity.name)
                              .where(Activity.agency_id == agency_id, Activity.year == year)
                              .order_by(Activity.code, Activity.id)).all()


@bp.route("/compare", endpoint="compare")
@permission_required("evaluation.view")
def compare_page():
    choice = read_choice()
    activity = visible_activity((request.args.get("activity_id") or "").strip(), choice.ignored)
    if activity is not None:
        choice.year, choice.agency_id = activity.year, activity.agency_id
        choice.agency = db.session.get(Agency, activity.agency_id)
        choice.years = sorted(set(choice.years) | {activity.year}, reverse=True)
        choice.extra = {"activity_id": activity.id}
    scope = {"agency_id": None if activity is not None else choice.agency_id,
             "activity_id": activity.id if activity is not None else None,
             "include_unverified": choice.include_unverified}
    year_data = compare.quarters_of_year(choice.year, up_to=choice.quarter, **scope)
    last_year = compare.same_quarter_last_year(choice.year, choice.quarter, current=year_data, **scope)
    return render_template("evaluation/compare.html", choice=choice, activity=activity, year_data=year_data,
                           quarters=quarter_rows(year_data["quarters"]), last_year=last_year,
                           chart=trend_chart(choice.year, year_data["quarters"]), agencies=agency_choices(choice),
                           activities=activity_choices(choice.year, choice.agency_id),
                           warning=ignored_message(choice.ignored))
