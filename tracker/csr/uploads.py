"""CSR evidence files: attached to a contribution, scoped by company, audited, shown in the
contribution's history.  The files themselves (size limit, type by content, stored names, serving) are
``tracker.files``, in the area ``csr`` (``UPLOAD_FOLDER/csr/xx/<stored name>``).

The caller commits, and removes the stored file again when the commit fails:

    attachment = uploads.add_attachment(contribution, request.files.get("file"), current_user)
    files.commit_or_remove(uploads.AREA, attachment.stored_name)

    stored = uploads.delete_attachment(attachment_id, current_user)
    db.session.commit()
    uploads.remove_file(stored)
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker import files
from tracker.audit import services as audit
from tracker.authz import ensure_company_access
from tracker.csr.models import CsrAttachment, CsrCommitment, CsrContribution
from tracker.csr.services import PERMISSION, record_event
from tracker.errors import NotFound, ValidationFailed
from tracker.extensions import db
from tracker.review import SAVE, check_state
from tracker.types import utcnow

__all__ = ["AREA", "MAX_FILES_PER_CONTRIBUTION", "add_attachment", "delete_attachment", "load_attachment",
           "remove_file", "send_attachment"]

AREA = "csr"
MAX_FILES_PER_CONTRIBUTION = 20


def _noun() -> str:
    return _("Kontribusi")


def _label(contribution: CsrContribution) -> str:
    commitment = contribution.commitment
    return f"{commitment.company.name} {commitment.year} \"{commitment.title[:60]}\""


def remove_file(stored_name: str) -> None:
    """Delete a stored evidence file (after the row that named it is gone); a missing file is fine."""
    files.remove_stored(AREA, stored_name)


def _count(contribution_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(CsrAttachment)
                             .where(CsrAttachment.contribution_id == contribution_id)) or 0


def add_attachment(contribution: CsrContribution, file_storage, user) -> CsrAttachment:
    """Attach an evidence file to a contribution of the user's own company while it is a draft or
    returned (409 otherwise); at most ``MAX_FILES_PER_CONTRIBUTION``.  Flushes; the caller commits
    (``files.commit_or_remove(AREA, attachment.stored_name)``)."""
    company_id = contribution.commitment.company_id
    ensure_company_access(company_id, PERMISSION[SAVE], user)
    check_state(SAVE, contribution.status, _noun())
    if _count(contribution.id) >= MAX_FILES_PER_CONTRIBUTION:
        raise ValidationFailed(_("Paling banyak %(n)d berkas per kontribusi.", n=MAX_FILES_PER_CONTRIBUTION),
                               {"file": _("Terlalu banyak berkas.")})
    stored = files.store_upload(file_storage, AREA)
    with files.remove_on_error(AREA, stored.stored_name):
        attachment = CsrAttachment(contribution_id=contribution.id, uploaded_by_id=getattr(user, "id", None),
                                   uploaded_at=utcnow(), **stored.fields())
        if "attachments" in contribution.__dict__:  # loaded: keep the collection in step
            contribution.attachments.append(attachment)
        else:
            db.session.add(attachment)
        db.session.flush()
        record_event(contribution, user, "attach", contribution.status, contribution.status,
                     attachment.original_name)
        audit.record("attach", "csr_attachment", attachment.id, actor=user, company_id=company_id,
                     after={"contribution_id": contribution.id, "name": attachment.original_name,
                            "size": attachment.size, "content_type": attachment.content_type,
                            "sha256": attachment.sha256},
                     summary=f"Berkas {attachment.original_name} ditambahkan ke kontribusi CSR {_label(contribution)}")
        db.session.flush()
    return attachment


def load_attachment(attachment_id: int, permission: str, user) -> tuple[CsrAttachment, CsrContribution]:
    """The attachment and its contribution, after the role and company scope checks (another
    company's file is 404, as if it did not exist)."""
    row = db.session.execute(
        select(CsrAttachment, CsrContribution, CsrCommitment.company_id)
        .join(CsrContribution, CsrContribution.id == CsrAttachment.contribution_id)
        .join(CsrCommitment, CsrCommitment.id == CsrContribution.commitment_id)
        .where(CsrAttachment.id == attachment_id)
    ).first()
    if row is None:
        raise NotFound(_("Berkas tidak ditemukan."))
    ensure_company_access(row[2], permission, user)
    return row[0], row[1]


def delete_attachment(attachment_id: int, user) -> str:
    """Remove the row while the contribution may be edited; returns the stored name, whose file the
    caller removes after the commit (``remove_file``)."""
    attachment, contribution = load_attachment(attachment_id, PERMISSION[SAVE], user)
    check_state(SAVE, contribution.status, _noun())
    stored, name, sha256 = attachment.stored_name, attachment.original_name, attachment.sha256
    if "attachments" in contribution.__dict__ and attachment in contribution.attachments:
        contribution.attachments.remove(attachment)
    db.session.delete(attachment)
    db.session.flush()
    record_event(contribution, user, "detach", contribution.status, contribution.status, name)
    audit.record("detach", "csr_attachment", attachment_id, actor=user,
                 company_id=contribution.commitment.company_id,
                 before={"contribution_id": contribution.id, "name": name, "sha256": sha256},
                 summary=f"Berkas {name} dihapus dari kontribusi CSR {_label(contribution)}")
    db.session.flush()
    return stored


def send_attachment(attachment: CsrAttachment):
    """The file as a download; the caller has checked access (``load_attachment``)."""
    return files.send_stored(AREA, attachment.stored_name, attachment.original_name, attachment.content_type)
