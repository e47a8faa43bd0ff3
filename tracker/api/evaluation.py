"""Evaluation endpoints (api.md "Evaluation and reports"): the evaluation of a quarter and its
comparison over the year and with the same quarter last year.

Scoping exactly as the pages (``tracker.evaluation.views_common``): an OPD user is always shown their
own OPD; naming another OPD, or one that does not exist, is 404.  Beside one OPD the answer carries
the kabupaten's totals (``kabupaten``), never another OPD's rows.

``activities`` and ``indicators`` hold every row unless ``page``/``per_page`` is given (an addition:
then one page of the activity list, up to 500, with those activities' indicators, and ``detail_page``
says which; the roll-ups and the summary always cover the whole scope).
"""

from __future__ import annotations

from flask import Response
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import Field

from tracker import memo
from tracker.api.core import json_response, route
from tracker.api.evaluation_schemas import CompareOut, EvaluationOut
from tracker.api.params import AgencyFilter, id_field
from tracker.authz import agency_scope, may_see_agency
from tracker.errors import NotFound
from tracker.evaluation import compare, figures, summary
from tracker.extensions import db
from tracker.periods.services import today as jakarta_today
from tracker.plans.models import Activity
from tracker.reference.models import Agency
from tracker.types import to_jakarta_iso

TAG = "evaluation"
VIEW = "evaluation.view"
BASE = "/evaluation/<int:year>/<int:quarter>"
DEFAULT_PER_PAGE = 50
TOTAL_FIELDS = ("activities", "budget", "budget_original", "realized_quarter", "realized_cumulative", "realization_pct",
                "previous_realization_pct", "achievement_pct", "rating", "indicator_count", "rated_indicator_count")


class EvaluationFilter(AgencyFilter):
    include_unverified: bool = Field(default=False, description="true/1: hitung juga laporan yang diajukan tetapi "
                                                                "belum diverifikasi (ditandai dalam jawaban)")


class EvaluationQuery(EvaluationFilter):
    page: int | None = Field(default=None, ge=1, le=1_000_000,
                             description="Halaman daftar kegiatan (dan indikatornya); tanpa page/per_page: semua")
    per_page: int | None = Field(default=None, ge=1, le=500, description="Kegiatan per halaman (bawaan 50, maks. 500)")

    def window(self) -> tuple[int, int] | None:
        """(offset, limit) of the asked page of activities, or ``None`` for every row."""
        if self.page is None and self.per_page is None:
            return None
        per_page = self.per_page or DEFAULT_PER_PAGE
        return ((self.page or 1) - 1) * per_page, per_page


class CompareQuery(EvaluationFilter):
    activity_id: int | None = id_field(description="Satu kegiatan tahun ini (menentukan OPD-nya)")


def scoped_agency(agency_id: int | None) -> int | None:
    """The OPD to evaluate: an OPD user's own when none is named; another (or unknown) OPD is 404."""
    if agency_id is None:
        return agency_scope(current_user)
    if not may_see_agency(agency_id, current_user) or db.session.get(Agency, agency_id) is None:
        raise NotFound(_("OPD tidak ditemukan."))
    return agency_id


def evaluation_payload(year: int, quarter: int, agency_id: int | None, include_unverified: bool,
                       window: tuple[int, int] | None = None) -> dict:
    e = figures.evaluation(year, quarter, agency_id=agency_id, include_unverified=include_unverified, window=window)
    written = summary.ringkasan(year, quarter, agency_id=agency_id, include_unverified=include_unverified,
                                today=e["today"], figures=e)
    kabupaten = None
    if agency_id is not None:
        totals = figures.totals(year, quarter, include_unverified=include_unverified)
        kabupaten = {k: totals[k] for k in TOTAL_FIELDS}
    activities = [{**a, "first_submitted_at": to_jakarta_iso(a["first_submitted_at"])} for a in e["activities"]]
    detail_page = None
    if window is not None:
        offset, per_page = window
        detail_page = {"page": offset // per_page + 1, "per_page": per_page, "total": e["activity_count"],
                       "pages": max(1, -(-e["activity_count"] // per_page))}
    return {**e, "activities": activities, "summary": written, "kabupaten": kabupaten, "detail_page": detail_page}


@route(BASE, "GET", summary="Evaluasi satu triwulan: anggaran, kinerja per indikator dan predikat Permendagri "
       "86/2017, per OPD dan strategi, kelengkapan, CSR, ringkasan tertulis", tag=TAG, response=EvaluationOut,
       permission=VIEW, query=EvaluationQuery)
def evaluation_quarter(year: int, quarter: int, params: EvaluationQuery):
    agency_id, window = scoped_agency(params.agency_id), params.window()

    def body() -> bytes:
        data = evaluation_payload(year, quarter, agency_id, params.include_unverified, window)
        # Serialised by pydantic in one pass (thousands of rows: several times faster than a dict then jsonify).
        return EvaluationOut.model_validate(data).model_dump_json().encode("utf-8")

    # The whole year of the kabupaten is megabytes of JSON computed in half a second: remembered while
    # the data is unchanged (tracker.memo), like the page.
    key = (year, quarter, agency_id, params.include_unverified, window, jakarta_today(), str(get_locale()))
    return Response(memo.remembered("api.evaluation", key, body), mimetype="application/json")


def visible_activity(activity_id: int, year: int) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None or not may_see_agency(activity.agency_id, current_user) or activity.year != year:
        raise NotFound(_("Kegiatan tidak ditemukan pada tahun %(y)d.", y=year))
    return activity


@route(BASE + "/compare", "GET", summary="Perbandingan: triwulan demi triwulan tahun ini dan triwulan yang sama tahun "
       "lalu (kabupaten, satu OPD atau satu kegiatan)", tag=TAG, response=CompareOut, permission=VIEW,
       query=CompareQuery)
def evaluation_compare(year: int, quarter: int, params: CompareQuery):
    agency_id = scoped_agency(params.agency_id)
    activity_id = None
    if params.activity_id is not None:
        activity = visible_activity(params.activity_id, year)
        agency_id, activity_id = activity.agency_id, activity.id
    scope = {"agency_id": None if activity_id is not None else agency_id, "activity_id": activity_id,
             "include_unverified": params.include_unverified}
    year_data = compare.quarters_of_year(year, up_to=quarter, **scope)
    last_year = compare.same_quarter_last_year(year, quarter, current=year_data, **scope)
    data = {**year_data, "quarter": quarter, "agency_id": agency_id, "same_quarter_last_year": last_year}
    return json_response(CompareOut.model_validate(data).model_dump(mode="json"))
