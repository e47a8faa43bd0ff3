"""Files of meetings (invitation, attendance list scan, presentation, minutes) and evidence files of
agreements, stored by ``tracker.files`` in the area ``meetings``; audited, and an agreement's evidence
shows in its history.

Who: a meeting's files are Bappeda's to add and delete (``meetings.edit``) and read by whoever sees the
meeting.  An agreement's evidence is added by whoever may update it (its OPD, Bappeda) while it is not
confirmed, deleted likewise, and read by whoever sees the agreement except an OPD user for another
OPD's (``scope.may_see_evidence``).  Outside the scope: 404.

The caller commits, and removes the stored file again when the commit fails:

    row = uploads.add_agreement_file(agreement, request.files.get("file"), current_user)
    files.commit_or_remove(uploads.AREA, row.stored_name)

    stored = uploads.delete_agreement_file(agreement_id, file_id, current_user)
    db.session.commit()
    uploads.remove_file(stored)
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker import files
from tracker.audit import services as audit
from tracker.authz import require
from tracker.errors import Conflict, NotFound, ValidationFailed
from tracker.extensions import db
from tracker.meetings.models import Agreement, AgreementFile, Meeting, MeetingFile
from tracker.meetings.scope import get_agreement, get_meeting, may_see_evidence, may_update
from tracker.meetings.services import audit_agreement, record_event
from tracker.meetings.validation import clean_file_kind
from tracker.types import utcnow

AREA = "meetings"
MAX_FILES = 30  # per meeting, and per agreement


def remove_file(stored_name: str) -> None:
    """Delete a stored file (after the row that named it is gone); a missing file is fine."""
    files.remove_stored(AREA, stored_name)


def send(row: MeetingFile | AgreementFile):
    """The file as a download; the caller has checked access (``load_*``)."""
    return files.send_stored(AREA, row.stored_name, row.original_name, row.content_type)


def _too_many(model, column, owner_id: int) -> None:
    count = db.session.scalar(select(func.count()).select_from(model).where(column == owner_id)) or 0
    if count >= MAX_FILES:
        raise ValidationFailed(_("Paling banyak %(n)d berkas.", n=MAX_FILES), {"file": _("Terlalu banyak berkas.")})


def _fields(row) -> dict:
    return {"name": row.original_name, "size": row.size, "content_type": row.content_type, "sha256": row.sha256}


# ---- meeting files ------------------------------------------------------------------------------------

def add_meeting_file(meeting: Meeting, file_storage, user, kind: str | None = None) -> MeetingFile:
    """``kind``: one of ``FILE_KINDS`` (default ``lainnya``).  Flushes; the caller commits."""
    require("meetings.edit", user)
    kind = clean_file_kind(kind)
    _too_many(MeetingFile, MeetingFile.meeting_id, meeting.id)
    stored = files.store_upload(file_storage, AREA)
    with files.remove_on_error(AREA, stored.stored_name):
        row = MeetingFile(meeting_id=meeting.id, kind=kind, uploaded_by_id=getattr(user, "id", None),
                          uploaded_at=utcnow(), **stored.fields())
        if "files" in meeting.__dict__:
            meeting.files.append(row)
        else:
            db.session.add(row)
        db.session.flush()
        audit.record("attach", "meeting_file", row.id, actor=user,
                     after={"meeting_id": meeting.id, "kind": kind, **_fields(row)},
                     summary=f"Berkas {row.original_name} ditambahkan ke rapat {meeting.date} \"{meeting.title[:60]}\"")
        db.session.flush()
    return row


def load_meeting_file(meeting_id: int, file_id: int, user, permission: str = "meetings.view") -> tuple[MeetingFile, Meeting]:
    meeting = get_meeting(meeting_id, user, permission)
    row = next((f for f in meeting.files if f.id == file_id), None)
    if row is None:
        raise NotFound(_("Berkas tidak ditemukan."))
    return row, meeting


def delete_meeting_file(meeting_id: int, file_id: int, user) -> str:
    """Remove the row; returns the stored name, whose file the caller removes after the commit."""
    row, meeting = load_meeting_file(meeting_id, file_id, user, "meetings.edit")
    stored = row.stored_name
    meeting.files.remove(row)
    db.session.delete(row)
    db.session.flush()
    audit.record("detach", "meeting_file", file_id, actor=user, before={"meeting_id": meeting.id, **_fields(row)},
                 summary=f"Berkas {row.original_name} dihapus dari rapat {meeting.date} \"{meeting.title[:60]}\"")
    return stored


# ---- agreement evidence -------------------------------------------------------------------------------

def _check_open(agreement: Agreement) -> None:
    if agreement.confirmed_at is not None:
        raise Conflict(_("Kesepakatan ini sudah dikonfirmasi selesai; berkas buktinya tidak dapat diubah lagi."))


def add_agreement_file(agreement: Agreement, file_storage, user) -> AgreementFile:
    """Evidence, by whoever may update the agreement, while it is not confirmed (409).  Flushes."""
    if not may_update(user, agreement):
        require("agreements.update", user)
        raise NotFound(_("Kesepakatan tidak ditemukan."))
    _check_open(agreement)
    _too_many(AgreementFile, AgreementFile.agreement_id, agreement.id)
    stored = files.store_upload(file_storage, AREA)
    with files.remove_on_error(AREA, stored.stored_name):
        row = AgreementFile(agreement_id=agreement.id, uploaded_by_id=getattr(user, "id", None), uploaded_at=utcnow(),
                            **stored.fields())
        if "files" in agreement.__dict__:
            agreement.files.append(row)
        else:
            db.session.add(row)
        db.session.flush()
        record_event(agreement, user, "file_added", agreement.status, agreement.status, row.original_name)
        audit_agreement("attach", agreement, user, f"berkas bukti {row.original_name} ditambahkan",
                        after={"file_id": row.id, **_fields(row)})
        db.session.flush()
    return row


def load_agreement_file(agreement_id: int, file_id: int, user,
                        permission: str = "meetings.view") -> tuple[AgreementFile, Agreement]:
    """The file and its agreement after the checks (another OPD's evidence, for an OPD user: 404)."""
    agreement = get_agreement(agreement_id, user, permission)
    row = next((f for f in agreement.files if f.id == file_id), None)
    if row is None or not may_see_evidence(user, agreement):
        raise NotFound(_("Berkas tidak ditemukan."))
    return row, agreement


def delete_agreement_file(agreement_id: int, file_id: int, user) -> str:
    """Remove an evidence file (whoever may update the agreement, while not confirmed); returns the
    stored name, whose file the caller removes after the commit."""
    row, agreement = load_agreement_file(agreement_id, file_id, user, "agreements.update")
    _check_open(agreement)
    stored, name = row.stored_name, row.original_name
    agreement.files.remove(row)
    db.session.delete(row)
    db.session.flush()
    record_event(agreement, user, "file_removed", agreement.status, agreement.status, name)
    audit_agreement("detach", agreement, user, f"berkas bukti {name} dihapus", before={"file_id": file_id, **_fields(row)})
    db.session.flush()
    return stored
