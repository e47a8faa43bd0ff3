"""Evidence files: size limit, type checked by content, stored under generated names outside static/,
served only to those who may see the item."""

from __future__ import annotations

import hashlib
import os
import unicodedata
import uuid
import zipfile

import filetype
from flask import current_app, send_file
from flask_babel import gettext as _
from sqlalchemy import select

from tracker.audit import services as audit
from tracker.authz import ensure_agency_access
from tracker.errors import NotFound, PayloadTooLarge, ValidationFailed
from tracker.extensions import db
from tracker.periods.services import quarter_label
from tracker.plans.models import Activity
from tracker.progress import workflow
from tracker.progress.models import DRAFT, Attachment, ProgressReport
from tracker.types import utcnow

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {PDF: {"pdf"}, JPEG: {"jpg", "jpeg"}, PNG: {"png"}, XLSX: {"xlsx"}, DOCX: {"docx"}}
STORED_EXTENSION = {PDF: "pdf", JPEG: "jpg", PNG: "png", XLSX: "xlsx", DOCX: "docx"}
MAX_FILES_PER_REPORT = 20
CHUNK = 64 * 1024


def upload_dir() -> str:
    return os.path.join(current_app.config["UPLOAD_FOLDER"], "progress")


def stored_path(stored_name: str) -> str:
    # Two-level fan-out keeps directories small; the name is ours (uuid4 hex), never the user's.
    return os.path.join(upload_dir(), stored_name[:2], stored_name)


def clean_name(name: str | None) -> str:
    """The file's display name: no directories, no control characters, at most 200 characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 199 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:200]
    return name or "berkas"


def _zip_kind(path: str) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def detect_type(path: str) -> str | None:
    """The file's type judged by its bytes (the name and the browser's claim are not trusted)."""
    kind = filetype.guess(path)
    mime = kind.mime if kind is not None else None
    if mime in (PDF, JPEG, PNG):
        return mime
    if mime in ("application/zip", XLSX, DOCX) or (mime is None and zipfile.is_zipfile(path)):
        return _zip_kind(path)
    return None


def _write_stream(stream, path: str) -> tuple[int, str]:
    """Copy the upload to ``path``; stops at the size limit (413) and returns (size, sha256)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 10 * 1024 * 1024
    digest = hashlib.sha256()
    size = 0
    with open(path, "wb") as out:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(_("Berkas terlalu besar (maksimal %(n)s MB).", n=_mb(limit)))
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


def _mb(limit: int) -> str:
    return f"{limit / 1024 / 1024:.0f}" if limit >= 1024 * 1024 else f"{limit / 1024 / 1024:.2f}"


def store_upload(file_storage) -> dict:
    """Validate and store an uploaded file; returns the attachment's fields (the caller adds the row).

    The bytes are kept only if the type is allowed; the stored name is generated.
    """
    if file_storage is None or not getattr(file_storage, "filename", None):
        raise ValidationFailed(_("Pilih berkas yang akan diunggah."), {"file": _("Wajib diisi.")})
    original = clean_name(file_storage.filename)
    os.makedirs(upload_dir(), exist_ok=True)
    tmp = os.path.join(upload_dir(), f".tmp-{uuid.uuid4().hex}")
    try:
        size, sha256 = _write_stream(file_storage.stream, tmp)
        if size == 0:
            raise ValidationFailed(_("Berkas kosong."), {"file": _("Berkas kosong.")})
        mime = detect_type(tmp)
        allowed = _("PDF, JPEG, PNG, XLSX atau DOCX")
        if mime is None:
            raise ValidationFailed(_("Jenis berkas tidak diizinkan; hanya %(a)s.", a=allowed),
                                   {"file": _("Isi berkas bukan %(a)s.", a=allowed)})
        ext = original.rsplit(".", 1)[-1].lower() if "." in original else ""
        if ext not in EXTENSIONS[mime]:
            raise ValidationFailed(
                _("Nama berkas (.%(e)s) tidak sesuai dengan isinya (%(k)s).", e=ext or "?", k=STORED_EXTENSION[mime].upper()),
                {"file": _("Ekstensi tidak sesuai dengan isi berkas.")})
        stored_name = f"{uuid.uuid4().hex}.{STORED_EXTENSION[mime]}"
        final = stored_path(stored_name)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        os.replace(tmp, final)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return {"original_name": original, "stored_name": stored_name, "content_type": mime, "size": size, "sha256": sha256}


def remove_file(stored_name: str) -> None:
    try:
        os.remove(stored_path(stored_name))
    except FileNotFoundError:
        pass


def add_attachment(ctx, file_storage, user) -> Attachment:
    """Attach an evidence file to the item's report (created as a draft if nothing was written yet).

    Allowed while the report may be edited and the quarter is open, like any other change.
    """
    report = ctx.report
    workflow.check(workflow.SAVE, report.status if report is not None else None, ctx.activity.agency_id,
                   ctx.period, user)
    if report is not None and len(report.attachments) >= MAX_FILES_PER_REPORT:
        raise ValidationFailed(_("Paling banyak %(n)d berkas per laporan.", n=MAX_FILES_PER_REPORT),
                               {"file": _("Terlalu banyak berkas.")})
    fields = store_upload(file_storage)
    try:
        if report is None:
            report = ProgressReport(activity_id=ctx.activity.id, year=ctx.year, quarter=ctx.quarter, status=DRAFT,
                                    created_by_id=user.id, updated_by_id=user.id, values=[], attachments=[])
            db.session.add(report)
            db.session.flush()
            ctx.reports[ctx.quarter] = report
            workflow.record_event(report, user, "create", None, DRAFT)
            audit.record("create", "progress_report", report.id, after={"status": DRAFT}, actor=user,
                         agency_id=ctx.activity.agency_id,
                         summary=f"Laporan Triwulan {quarter_label(ctx.quarter)} {ctx.year} {ctx.activity.code} dibuat")
        attachment = Attachment(report_id=report.id, uploaded_by_id=user.id, uploaded_at=utcnow(), **fields)
        report.attachments.append(attachment)
        db.session.flush()
    except Exception:
        remove_file(fields["stored_name"])
        raise
    workflow.record_event(report, user, "attach", report.status, report.status, attachment.original_name)
    audit.record("attach", "progress_attachment", attachment.id, actor=user, agency_id=ctx.activity.agency_id,
                 after={"report_id": report.id, "name": attachment.original_name, "size": attachment.size,
                        "content_type": attachment.content_type, "sha256": attachment.sha256},
                 summary=f"Berkas {attachment.original_name} ditambahkan ke laporan {ctx.activity.code}")
    return attachment


def load_attachment(attachment_id: int, permission: str, user) -> tuple[Attachment, ProgressReport, int]:
    """The attachment, its report and the OPD it belongs to, after the role and scope checks."""
    row = db.session.execute(
        select(Attachment, ProgressReport, Activity.agency_id)
        .join(ProgressReport, ProgressReport.id == Attachment.report_id)
        .join(Activity, Activity.id == ProgressReport.activity_id)
        .where(Attachment.id == attachment_id)
    ).first()
    if row is None:
        raise NotFound(_("Berkas tidak ditemukan."))
    ensure_agency_access(row[2], permission, user)
    return row[0], row[1], row[2]


def delete_attachment(attachment_id: int, user) -> str:
    """Remove the row (and, after the commit, the file); returns the stored name to delete."""
    from tracker.progress.context import load_item

    attachment, report, _agency_id = load_attachment(attachment_id, "progress.edit", user)
    ctx = load_item(report.activity_id, report.year, report.quarter, permission="progress.edit", user=user,
                    for_write=True)
    workflow.check(workflow.SAVE, report.status, ctx.activity.agency_id, ctx.period, user)
    stored = attachment.stored_name
    name = attachment.original_name
    db.session.delete(attachment)
    db.session.flush()
    workflow.record_event(report, user, "detach", report.status, report.status, name)
    audit.record("detach", "progress_attachment", attachment_id, actor=user, agency_id=ctx.activity.agency_id,
                 before={"report_id": report.id, "name": name, "sha256": attachment.sha256},
                 summary=f"Berkas {name} dihapus dari laporan {ctx.activity.code}")
    return stored


def send_attachment(attachment: Attachment):
    path = stored_path(attachment.stored_name)
    if not os.path.isfile(path):
        raise NotFound(_("Berkas tidak ditemukan di penyimpanan."))
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.original_name, max_age=0, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
