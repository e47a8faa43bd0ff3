"""API routes of one progress item (api.md, "Quarterly progress"): read, save, submit / verify /
return, history and evidence files.  The lists, bulk actions and Excel are in ``progress_lists``."""

from __future__ import annotations

from functools import wraps

from flask import Response, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker import files
from tracker.api.core import given_fields, paginated_list, parse_body, route
from tracker.api.progress_schemas import (
    ProgressAttachmentOut,
    ProgressCommentIn,
    ProgressEventOut,
    ProgressIn,
    ProgressOut,
    ProgressReturnIn,
    attachment_dict,
    progress_out,
)
from tracker.errors import AppError, BadRequest, Conflict
from tracker.extensions import db
from tracker.progress import context, queries, services, uploads, workflow
from tracker.types import to_jakarta_iso

ITEM = "/activities/<int:activity_id>/progress/<int:year>/<int:quarter>"


# ---- helpers ------------------------------------------------------------------------------------------

def _current(activity_id: int, year: int, quarter: int) -> dict | None:
    try:
        ctx = context.load_item(activity_id, year, quarter, permission="progress.view", user=current_user)
    except AppError:
        return None
    return progress_out(ctx) if ctx.report is not None else None


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
    body = progress_out(ctx)
    db.session.commit()
    return jsonify(body), status


# ---- one item -----------------------------------------------------------------------------------------

@route(ITEM, "GET", summary="Laporan triwulan satu kegiatan (404 sebelum pertama disimpan)", tag="progress",
       response=ProgressOut, permission="progress.view")
def get_progress(activity_id: int, year: int, quarter: int):
    ctx = context.load_item(activity_id, year, quarter, permission="progress.view", user=current_user)
    context.require_report(ctx)
    return jsonify(progress_out(ctx))


@route(ITEM, "PUT", summary="Simpan laporan triwulan (buat 201 / ubah 200; version wajib saat mengubah)",
       tag="progress", body=ProgressIn, response=ProgressOut, permission="progress.edit")
@with_current_on_conflict
def put_progress(activity_id: int, year: int, quarter: int):
    ctx = context.load_item(activity_id, year, quarter, permission="progress.edit", user=current_user,
                             for_write=True)
    body = parse_body(ProgressIn)
    data = given_fields(body)
    version = data.pop("version", None)
    _report, action = services.save(ctx, data, current_user, version)
    return _commit_item(ctx, 201 if action == "create" else 200)


def _transition(activity_id: int, year: int, quarter: int, action: str, comment: str | None):
    ctx = context.load_item(activity_id, year, quarter, permission=workflow.PERMISSION[action],
                             user=current_user, for_write=True)
    context.require_report(ctx)
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
    ctx = context.load_item(activity_id, year, quarter, permission="progress.view", user=current_user)
    report = context.require_report(ctx)
    items = [{"at": to_jakarta_iso(e.at), "username": username, "action": e.action, "from_status": e.from_status,
              "to_status": e.to_status, "comment": e.comment} for e, username, _name in queries.report_events(report.id)]
    return paginated_list(items)


# ---- evidence files -----------------------------------------------------------------------------------

@route(ITEM + "/attachments", "POST", summary="Unggah berkas bukti (multipart, field 'file')", tag="progress",
       response=ProgressAttachmentOut, status=201, permission="progress.edit", upload=True)
def upload_attachment(activity_id: int, year: int, quarter: int):
    ctx = context.load_item(activity_id, year, quarter, permission="progress.edit", user=current_user,
                             for_write=True)
    if not request.mimetype.startswith("multipart/"):
        raise BadRequest(_("Gunakan multipart/form-data dengan field 'file'."))
    attachment = uploads.add_attachment(ctx, request.files.get("file"), current_user)
    body = attachment_dict(attachment)
    files.commit_or_remove(uploads.AREA, attachment.stored_name)
    return jsonify(body), 201


@route("/attachments/<int:attachment_id>", "GET", summary="Unduh berkas bukti", tag="progress",
       permission="progress.view", binary=tuple(uploads.EXTENSIONS))
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
