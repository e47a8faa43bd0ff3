"""API routes over many progress items (api.md, "Quarterly progress"): the list, bulk actions,
submitting every complete item, completeness, tasks and the quarter's Excel round trip."""

from __future__ import annotations

from typing import Literal

from flask import Response, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import Field

from tracker.api.core import paginated, paginated_list, parse_body, route
from tracker.api.params import MAX_ID, AgencyFilter, Query, YearQuery, id_field, quarter_field, year_field
from tracker.api.progress_schemas import (
    ProgressBulkIn,
    ProgressBulkOut,
    ProgressCompletenessOut,
    ProgressImportOut,
    ProgressOut,
    ProgressSubmitCompleteOut,
    ProgressTaskOut,
    progress_out,
)
from tracker.authz import agency_scope, ensure_agency_access, require
from tracker.errors import BadRequest, NotFound
from tracker.extensions import db
from tracker.periods.services import MAX_YEAR, MIN_YEAR
from tracker.progress import batch, context, excel, queries, reminders, uploads, workflow

# ---- lists --------------------------------------------------------------------------------------------

def _check_quarter(year: int, quarter: int) -> None:
    """The API's twin of ``progress.views.check_quarter``: the same bounds, answered with the API's 404."""
    if quarter not in (1, 2, 3, 4) or not MIN_YEAR <= year <= MAX_YEAR:
        raise NotFound()


class ProgressQuery(AgencyFilter):
    year: int | None = year_field()
    quarter: int | None = quarter_field()
    status: Literal["draft", "submitted", "returned", "verified"] | None = None
    activity_id: int | None = id_field()


class CompletenessQuery(YearQuery, AgencyFilter):
    pass


class OneAgency(Query):
    agency_id: int = Field(ge=1, le=MAX_ID, description="OPD yang laporannya diajukan (pengguna OPD: OPD-nya sendiri)")


def _scoped_agency(agency_id: int | None) -> int | None:
    scope = agency_scope(current_user)
    if agency_id is not None:
        ensure_agency_access(agency_id, "progress.view")
        return agency_id
    return scope


@route("/progress", "GET", summary="Daftar laporan triwulan", tag="progress", response=ProgressOut, many=True,
       permission="progress.view",
       query=ProgressQuery)
def list_progress(params: ProgressQuery):
    stmt = queries.report_keys(year=params.year, quarter=params.quarter, agency_id=_scoped_agency(params.agency_id),
                               status=params.status, activity_id=params.activity_id)
    return paginated(stmt, progress_out, load=_contexts_in_order, rows=True)


def _contexts_in_order(keys: list[tuple[int, int, int]]) -> list:
    found = context.build_contexts(keys)
    return [found[k] for k in keys if k in found]


@route("/progress/bulk", "POST", summary="Ajukan, verifikasi atau kembalikan banyak laporan sekaligus",
       tag="progress", body=ProgressBulkIn, response=ProgressBulkOut, permission="progress.view")
def bulk_progress():
    body = parse_body(ProgressBulkIn)
    require(workflow.PERMISSION[body.action])
    done, errors = batch.transition_many(body.action, [(a, body.year, body.quarter) for a in body.activity_ids],
                                            current_user, body.comment or "")
    db.session.commit()
    return jsonify({"done": [k[0] for k in done], "errors": {str(k[0]): v for k, v in errors.items()}})


@route("/progress/<int:year>/<int:quarter>/submit-complete", "POST",
       summary="Ajukan semua laporan lengkap satu OPD pada satu triwulan", tag="progress",
       response=ProgressSubmitCompleteOut, permission="progress.submit", query=OneAgency)
def submit_complete(year: int, quarter: int, params: OneAgency):
    _check_quarter(year, quarter)
    agency_id = _scoped_agency(params.agency_id)
    result = batch.submit_complete(year, quarter, agency_id, current_user)
    db.session.commit()
    return jsonify({"submitted": [k[0] for k in result.done], "incomplete": result.incomplete,
                    "errors": {str(k[0]): v for k, v in result.errors.items()}})


@route("/progress/completeness", "GET", summary="Kelengkapan laporan: OPD × triwulan", tag="progress",
       response=ProgressCompletenessOut, many=True, permission="progress.view",
       query=CompletenessQuery)
def completeness(params: CompletenessQuery):
    cells = queries.completeness(params.year, agency_id=_scoped_agency(params.agency_id))
    return paginated_list([ProgressCompletenessOut.model_validate(c).model_dump() for c in cells])


@route("/progress/tasks", "GET", summary="Tugas pengguna: batas waktu, terlambat, dikembalikan, menunggu verifikasi",
       tag="progress", response=ProgressTaskOut, many=True, permission="progress.view")
def tasks():
    items = [{"kind": t.kind, "year": t.year, "quarter": t.quarter, "due_date": t.due_date.isoformat(),
              "count": t.count, "message": t.text(), "activity_ids": [i[0] for i in t.items]}
             for t in reminders.tasks_for(current_user)]
    return paginated_list(items)


# ---- Excel --------------------------------------------------------------------------------------------

@route("/progress/<int:year>/<int:quarter>/excel", "GET", summary="Unduh triwulan sebagai Excel terisi",
       tag="progress", permission="progress.view", query=AgencyFilter,
       binary=uploads.XLSX)
def excel_download(year: int, quarter: int, params: AgencyFilter):
    _check_quarter(year, quarter)
    agency_id = _scoped_agency(params.agency_id)
    data = excel.export_quarter(year, quarter, agency_id)
    response = Response(data, mimetype=uploads.XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{excel.filename(year, quarter, str(agency_id or ""))}"'
    return response


@route("/progress/<int:year>/<int:quarter>/excel", "POST", summary="Unggah Excel triwulan (multipart, field 'file')",
       tag="progress", response=ProgressImportOut, permission="progress.edit", query=AgencyFilter,
       upload=True)
def excel_upload(year: int, quarter: int, params: AgencyFilter):
    _check_quarter(year, quarter)
    agency_id = _scoped_agency(params.agency_id)
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest(_("Gunakan multipart/form-data dengan field 'file'."), {"file": _("Wajib diisi.")})
    result = excel.import_quarter(upload.read(), year, quarter, agency_id, current_user)
    db.session.commit()
    return jsonify({"created": result.created, "updated": result.updated, "submitted": result.submitted,
                    "unchanged": result.unchanged})
