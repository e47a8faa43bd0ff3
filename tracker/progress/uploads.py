"""Progress evidence files: attached to an item's report, scoped by OPD, audited, shown in the report's
history.  The files themselves (size limit, type by content, stored names, serving) are
``tracker.files``, in the area ``progress`` (``UPLOAD_FOLDER/progress/xx/<stored name>``)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from tracker import files
from tracker.audit import services as audit
from tracker.authz import ensure_agency_access
from tracker.errors import NotFound, ValidationFailed
from tracker.extensions import db
from tracker.files import DOCX, EXTENSIONS, JPEG, PDF, PNG, STORED_EXTENSION, XLSX, clean_name, detect_type
from tracker.periods.services import quarter_label
from tracker.plans.models import Activity
from tracker.progress import workflow
from tracker.progress.models import DRAFT, Attachment, ProgressReport
from tracker.types import utcnow

__all__ = ["AREA", "DOCX", "EXTENSIONS", "JPEG", "MAX_FILES_PER_REPORT", "PDF", "PNG", "STORED_EXTENSION", "XLSX",
           "add_attachment", "clean_name", "delete_attachment", "detect_type", "load_attachment", "remove_file",
           "send_attachment", "store_upload", "stored_path", "upload_dir"]

AREA = "progress"
MAX_FILES_PER_REPORT = 20


def upload_dir() -> str:
    return files.area_dir(AREA)


def stored_path(stored_name: str) -> str:
    return files.path_of(AREA, stored_name)


def store_upload(file_storage) -> dict:
    """Validate and store an uploaded file; returns the attachment's fields (the caller adds the row)."""
    return files.store_upload(file_storage, AREA).fields()


def remove_file(stored_name: str) -> None:
    files.remove_stored(AREA, stored_name)


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
    with files.remove_on_error(AREA, fields["stored_name"]):
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
    return files.send_stored(AREA, attachment.stored_name, attachment.original_name, attachment.content_type)
