"""API routes of the progress feature (api.md, "Quarterly progress")."""

from __future__ import annotations

from functools import wraps
from typing import Literal

from flask import Response, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker.api.core import bp, given_fields, page_params, parse_body, query_choice, query_int, route
from tracker.api.schemas import In, Out
from tracker.auth.models import User
from tracker.authz import agency_scope, ensure_agency_access, require
from tracker.errors import AppError, BadRequest, Conflict, NotFound
from tracker.extensions import db
from tracker.periods.services import MAX_YEAR, MIN_YEAR
from tracker.plans.models import Activity
from tracker.progress import batch, excel, queries, reminders, services, uploads, workflow
from tracker.progress.models import STATUSES, ProgressEvent, ProgressReport
from tracker.types import to_jakarta_iso

ITEM = "/activities/<int:activity_id>/progress/<int:year>/<int:quarter>"


# ---- shapes -------------------------------------------------------------------------------------------

class ProgressValueIn(In):
    indicator_id: int
    value: float | None = None


class ProgressIn(In):
    budget_realized: int | None = None
    physical_progress: float | None = None
    progress_drop_reason: str | None = None
    beneficiaries_reached: int | None = None
    problems: str | None = None
    follow_up: str | None = None
    indicator_values: list[ProgressValueIn] | None = Field(default=None, max_length=200)
    version: int | None = None


class ProgressCommentIn(In):
    comment: str | None = Field(default=None, max_length=2000)


class ProgressReturnIn(In):
    comment: str = Field(max_length=2000)


class ProgressBulkIn(In):
    action: Literal["submit", "verify", "return"]
    year: int
    quarter: int = Field(ge=1, le=4)
    activity_ids: list[int] = Field(min_length=1, max_length=500)
    comment: str | None = Field(default=None, max_length=2000)


class ProgressValueOut(Out):
    indicator_id: int
    value: float


class ProgressFlagOut(Out):
    code: str
    indicator_id: int | None = None
    message: str


class ProgressAttachmentOut(Out):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: str | None
    download_url: str


class ProgressOut(Out):
    id: int
    activity_id: int
    agency_id: int
    year: int
    quarter: int
    status: Literal["draft", "submitted", "returned", "verified"]
    budget_realized: int | None
    budget_realized_cumulative: int
    effective_budget: int
    physical_progress: float | None
    progress_drop_reason: str
    beneficiaries_reached: int | None
    indicator_values: list[ProgressValueOut]
    problems: str
    follow_up: str
    review_comment: str
    submitted_at: str | None
    verified_at: str | None
    returned_at: str | None
    due_date: str
    late: bool
    complete: bool
    flags: list[ProgressFlagOut]
    attachments: list[ProgressAttachmentOut]
    updated_at: str | None
    version: int


class ProgressEventOut(Out):
    at: str | None
    username: str | None
    action: str
    from_status: str | None
    to_status: str | None
    comment: str


class ProgressBulkOut(Out):
    done: list[int]
    errors: dict[str, str]


class ProgressCompletenessOut(Out):
    agency_id: int
    agency_name: str
    year: int
    quarter: int
    activities: int
    reported: int
    verified: int
    submitted: int
    returned: int
    draft: int
    missing: int
    late: int


class ProgressTaskOut(Out):
    kind: Literal["due", "late", "returned", "review"]
    year: int
    quarter: int
    due_date: str
    count: int
    message: str
    activity_ids: list[int]


class ProgressImportOut(Out):
    created: int
    updated: int
    submitted: int
    unchanged: int


# ---- helpers ------------------------------------------------------------------------------------------

def _out(ctx) -> dict:
    return ProgressOut.model_validate(services.report_dict(ctx)).model_dump(mode="json")


def _current(activity_id: int, year: int, quarter: int) -> dict | None:
    try:
        ctx = services.load_item(activity_id, year, quarter, permission="progress.view", user=current_user)
    except AppError:
        return None
    return _out(ctx) if ctx.report is not None else None


def with_current_on_conflict(view):
    """A 409 on an item carries the server's current version (``error.current``), so a client can show
    both versions; this covers stale versions, wrong states and writes that raced at the database."""

    @wraps(view)
    def wrapped(activity_id: int, year: int, quarter: int, **kwargs):
        try:
            return view(activity_id, year, quarter, **kwargs)
        except (Conflict, StaleDataError, IntegrityError) as err:
            db.session.rollback()
            message = err.message if isinstance(err, AppError) else _(
                "Laporan ini telah diubah oleh pengguna lain pada saat yang sama. Muat ulang lalu ulangi.")
            body: dict = {"error": {"code": "conflict", "message": message}}
            current = _current(activity_id, year, quarter)
            db.session.rollback()
            if current is not None:
                body["error"]["current"] = current
            return jsonify(body), 409

    return wrapped


def _commit_item(ctx, status: int = 200):
    """Serialize the item as flushed, then commit: no second transaction just to read it back."""
    body = _out(ctx)
    db.session.commit()
    return jsonify(body), status


# ---- one item -----------------------------------------------------------------------------------------

@route(ITEM, "GET", summary="Laporan triwulan satu kegiatan (404 sebelum pertama disimpan)", tag="progress",
       response=ProgressOut, permission="progress.view")
def get_progress(activity_id: int, year: int, quarter: int):
    ctx = services.load_item(activity_id, year, quarter, permission="progress.view", user=current_user)
    services.require_report(ctx)
    return jsonify(_out(ctx))


@route(ITEM, "PUT", summary="Simpan laporan triwulan (buat 201 / ubah 200; version wajib saat mengubah)",
       tag="progress", body=ProgressIn, response=ProgressOut, permission="progress.edit")
@with_current_on_conflict
def put_progress(activity_id: int, year: int, quarter: int):
    ctx = services.load_item(activity_id, year, quarter, permission="progress.edit", user=current_user,
                             for_write=True)
    body = parse_body(ProgressIn)
    data = given_fields(body)
    version = data.pop("version", None)
    _report, action = services.save(ctx, data, current_user, version)
    return _commit_item(ctx, 201 if action == "create" else 200)


def _transition(activity_id: int, year: int, quarter: int, action: str, comment: str | None):
    ctx = services.load_item(activity_id, year, quarter, permission=workflow.PERMISSION[action],
                             user=current_user, for_write=True)
    services.require_report(ctx)
    workflow.transition(ctx, action, current_user, comment or "")
    return _commit_item(ctx)


@route(ITEM + "/submit", "POST", summary="Ajukan laporan (OPD pemilik atau koordinator)", tag="progress",
       response=ProgressOut, permission="progress.submit")
@with_current_on_conflict
def submit_progress(activity_id: int, year: int, quarter: int):
    return _transition(activity_id, year, quarter, workflow.SUBMIT, None)


@route(ITEM + "/verify", "POST", summary="Verifikasi laporan (koordinator)", tag="progress",
       body=ProgressCommentIn, response=ProgressOut, permission="progress.review")
@with_current_on_conflict
def verify_progress(activity_id: int, year: int, quarter: int):
    comment = parse_body(ProgressCommentIn).comment if request.get_data() else None
    return _transition(activity_id, year, quarter, workflow.VERIFY, comment)


@route(ITEM + "/return", "POST", summary="Kembalikan laporan dengan komentar (koordinator)", tag="progress",
       body=ProgressReturnIn, response=ProgressOut, permission="progress.review")
@with_current_on_conflict
def return_progress(activity_id: int, year: int, quarter: int):
    return _transition(activity_id, year, quarter, workflow.RETURN, parse_body(ProgressReturnIn).comment)


@route(ITEM + "/events", "GET", summary="Riwayat laporan", tag="progress", response=ProgressEventOut, many=True,
       permission="progress.view")
def progress_events(activity_id: int, year: int, quarter: int):
    ctx = services.load_item(activity_id, year, quarter, permission="progress.view", user=current_user)
    report = services.require_report(ctx)
    rows = db.session.execute(
        select(ProgressEvent, User.username).outerjoin(User, User.id == ProgressEvent.user_id)
        .where(ProgressEvent.report_id == report.id).order_by(ProgressEvent.at, ProgressEvent.id)).all()
    items = [{"at": to_jakarta_iso(e.at), "username": name, "action": e.action, "from_status": e.from_status,
              "to_status": e.to_status, "comment": e.comment} for e, name in rows]
    return jsonify({"items": items, "total": len(items), "page": 1, "per_page": len(items)})


# ---- evidence files -----------------------------------------------------------------------------------

@route(ITEM + "/attachments", "POST", summary="Unggah berkas bukti (multipart, field 'file')", tag="progress",
       response=ProgressAttachmentOut, status=201, permission="progress.edit")
def upload_attachment(activity_id: int, year: int, quarter: int):
    ctx = services.load_item(activity_id, year, quarter, permission="progress.edit", user=current_user,
                             for_write=True)
    if not request.mimetype.startswith("multipart/"):
        raise BadRequest(_("Gunakan multipart/form-data dengan field 'file'."))
    attachment = uploads.add_attachment(ctx, request.files.get("file"), current_user)
    body, stored = services.attachment_dict(attachment), attachment.stored_name
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        uploads.remove_file(stored)
        raise
    return jsonify(body), 201


@route("/attachments/<int:attachment_id>", "GET", summary="Unduh berkas bukti", tag="progress",
       permission="progress.view", binary="application/octet-stream")
def download_attachment(attachment_id: int):
    attachment, _report, _agency = uploads.load_attachment(attachment_id, "progress.view", current_user)
    return uploads.send_attachment(attachment)


@route("/attachments/<int:attachment_id>", "DELETE", summary="Hapus berkas bukti", tag="progress",
       status=204, permission="progress.edit")
def delete_attachment(attachment_id: int):
    stored = uploads.delete_attachment(attachment_id, current_user)
    db.session.commit()
    uploads.remove_file(stored)
    return Response(status=204)


# ---- lists --------------------------------------------------------------------------------------------

def _scoped_agency(agency_id: int | None) -> int | None:
    scope = agency_scope(current_user)
    if agency_id is not None:
        ensure_agency_access(agency_id, "progress.view")
        return agency_id
    return scope


@route("/progress", "GET", summary="Daftar laporan triwulan", tag="progress", response=ProgressOut, many=True,
       permission="progress.view",
       query={"year": "integer", "quarter": "1-4", "agency_id": "integer", "status": "|".join(STATUSES),
              "activity_id": "integer"})
def list_progress():
    year = query_int("year", minimum=MIN_YEAR, maximum=MAX_YEAR)
    quarter = query_int("quarter", minimum=1, maximum=4)
    agency_id = _scoped_agency(query_int("agency_id", minimum=1))
    status = query_choice("status", STATUSES)
    activity_id = query_int("activity_id", minimum=1)
    R = ProgressReport
    stmt = select(R.activity_id, R.year, R.quarter).join(Activity, Activity.id == R.activity_id)
    for cond, value in ((R.year == year, year), (R.quarter == quarter, quarter), (Activity.agency_id == agency_id, agency_id),
                        (R.status == status, status), (R.activity_id == activity_id, activity_id)):
        if value is not None:
            stmt = stmt.where(cond)
    page, per_page = page_params()
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    keys = [tuple(r) for r in db.session.execute(
        stmt.order_by(R.year, R.quarter, Activity.agency_id, Activity.code, R.id)
        .limit(per_page).offset((page - 1) * per_page))]
    contexts = services.build_contexts(keys)
    items = [_out(contexts[k]) for k in keys if k in contexts]
    return jsonify({"items": items, "total": total, "page": page, "per_page": per_page})


@route("/progress/bulk", "POST", summary="Ajukan, verifikasi atau kembalikan banyak laporan sekaligus",
       tag="progress", body=ProgressBulkIn, response=ProgressBulkOut, permission="progress.view")
def bulk_progress():
    body = parse_body(ProgressBulkIn)
    require(workflow.PERMISSION[body.action])
    done, errors = batch.transition_many(body.action, [(a, body.year, body.quarter) for a in body.activity_ids],
                                            current_user, body.comment or "")
    db.session.commit()
    return jsonify({"done": [k[0] for k in done], "errors": {str(k[0]): v for k, v in errors.items()}})


@route("/progress/completeness", "GET", summary="Kelengkapan laporan: OPD × triwulan", tag="progress",
       response=ProgressCompletenessOut, many=True, permission="progress.view",
       query={"year": "integer (wajib)", "agency_id": "integer"})
def completeness():
    year = query_int("year", minimum=MIN_YEAR, maximum=MAX_YEAR)
    if year is None:
        raise BadRequest(_("Parameter year wajib diisi."), {"year": _("Wajib diisi.")})
    cells = queries.completeness(year, agency_id=_scoped_agency(query_int("agency_id", minimum=1)))
    items = [ProgressCompletenessOut.model_validate(c).model_dump() for c in cells]
    return jsonify({"items": items, "total": len(items), "page": 1, "per_page": len(items)})


@route("/progress/tasks", "GET", summary="Tugas pengguna: batas waktu, terlambat, dikembalikan, menunggu verifikasi",
       tag="progress", response=ProgressTaskOut, many=True, permission="progress.view")
def tasks():
    items = [{"kind": t.kind, "year": t.year, "quarter": t.quarter, "due_date": t.due_date.isoformat(),
              "count": t.count, "message": t.text(), "activity_ids": [i[0] for i in t.items]}
             for t in reminders.tasks_for(current_user)]
    return jsonify({"items": items, "total": len(items), "page": 1, "per_page": len(items)})


# ---- Excel --------------------------------------------------------------------------------------------

def _check_quarter(year: int, quarter: int) -> None:
    """The API's twin of ``progress.views.check_quarter``: the same bounds, answered with the API's 404."""
    if quarter not in (1, 2, 3, 4) or not MIN_YEAR <= year <= MAX_YEAR:
        raise NotFound()


@route("/progress/<int:year>/<int:quarter>/excel", "GET", summary="Unduh triwulan sebagai Excel terisi",
       tag="progress", permission="progress.view", query={"agency_id": "integer"},
       binary=uploads.XLSX)
def excel_download(year: int, quarter: int):
    _check_quarter(year, quarter)
    agency_id = _scoped_agency(query_int("agency_id", minimum=1))
    data = excel.export_quarter(year, quarter, agency_id)
    response = Response(data, mimetype=uploads.XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{excel.filename(year, quarter, str(agency_id or ""))}"'
    return response


@route("/progress/<int:year>/<int:quarter>/excel", "POST", summary="Unggah Excel triwulan (multipart, field 'file')",
       tag="progress", response=ProgressImportOut, permission="progress.edit", query={"agency_id": "integer"})
def excel_upload(year: int, quarter: int):
    _check_quarter(year, quarter)
    agency_id = _scoped_agency(query_int("agency_id", minimum=1))
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest(_("Gunakan multipart/form-data dengan field 'file'."), {"file": _("Wajib diisi.")})
    result = excel.import_quarter(upload.read(), year, quarter, agency_id, current_user)
    db.session.commit()
    return jsonify({"created": result.created, "updated": result.updated, "submitted": result.submitted,
                    "unchanged": result.unchanged})


__all__ = ["bp"]
