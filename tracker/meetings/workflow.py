"""Following an agreement up: status changes with a progress note, Bappeda's confirmation of a
``done`` and reopening, and the history they leave.

Statuses: ``open`` → ``in_progress`` → ``done``, or ``dropped``.  The responsible OPD (its own OPD's
agreements only, ``agreements.update``) and Bappeda change them, each change with a note (required for
``dropped``); the same status with a note records a progress note.  Rules of the machine:

* a ``done`` confirmed by Bappeda is closed for everyone: only ``reopen`` (Bappeda, with a note) opens it;
* a ``dropped`` agreement is changed again only by Bappeda;
* any status change clears an earlier confirmation.

Every change appends an ``AgreementEvent`` (who, when, from/to, note) and an audit row; a stale
``version`` is 409.  The caller commits.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.auth.models import User
from tracker.authz import require
from tracker.errors import Conflict, Forbidden, NotFound, ValidationFailed, check_version
from tracker.extensions import db
from tracker.meetings.labels import status_label
from tracker.meetings.models import DONE, DROPPED, IN_PROGRESS, OPEN, Agreement, AgreementEvent
from tracker.meetings.scope import may_confirm, may_edit, may_update
from tracker.meetings.services import EDIT_FIELDS, apply_edit, audit_agreement, record_event, stale_message
from tracker.meetings.validation import clean_note, clean_status
from tracker.types import utcnow

REOPEN_STATUSES = (OPEN, IN_PROGRESS)


def _confirmed_message() -> str:
    return _("Kesepakatan ini sudah dikonfirmasi selesai oleh Bappeda; untuk mengubahnya, Bappeda perlu "
             "membukanya kembali.")


def update_agreement(agreement: Agreement, data: dict, user, expected_version: int | None) -> Agreement:
    """The one update of the pages' and the API's PATCH: ``status`` and ``note`` (``agreements.update``,
    the responsible OPD or Bappeda) and Bappeda's ``EDIT_FIELDS`` (text, due_date, agency_id,
    company_id).  Another OPD's agreement is 404; an OPD user sending an edit field is 403 naming it.
    One version check for the whole change."""
    if not may_update(user, agreement):
        require("agreements.update", user)
        raise NotFound(_("Kesepakatan tidak ditemukan."))
    edits = {k: v for k, v in data.items() if k in EDIT_FIELDS}
    if edits and not may_edit(user):
        raise Forbidden(_("Hanya Bappeda yang dapat mengubah teks, batas waktu atau penanggung jawab kesepakatan."),
                        {k: _("Tidak boleh diubah oleh OPD.") for k in sorted(edits)})
    check_version(agreement, expected_version, stale=stale_message())
    if edits:
        apply_edit(agreement, edits, user)
    if "status" in data or data.get("note"):
        _change_status(agreement, data.get("status", agreement.status), data.get("note"), user)
    return agreement


def change_status(agreement: Agreement, status: str, note: str | None, user,
                  expected_version: int | None = None) -> Agreement:
    """Set the status (or, the same status with a note: record a progress note)."""
    if not may_update(user, agreement):
        require("agreements.update", user)
        raise NotFound(_("Kesepakatan tidak ditemukan."))
    check_version(agreement, expected_version, stale=stale_message())
    return _change_status(agreement, status, note, user)


def _change_status(agreement: Agreement, status, note, user) -> Agreement:
    current = agreement.status
    status, note = clean_status(status, note, note_required=status == DROPPED and current != DROPPED)
    if status == current and not note:
        return agreement  # nothing to record
    bappeda = may_confirm(user)
    if agreement.confirmed_at is not None:
        raise Conflict(_confirmed_message())
    if current == DROPPED and not bappeda:
        raise Conflict(_("Kesepakatan yang dibatalkan hanya dapat dibuka kembali oleh Bappeda."))
    if status == current:
        agreement.note = note
        agreement.updated_at = utcnow()
        db.session.flush()
        record_event(agreement, user, "note", current, current, note)
        audit_agreement("note", agreement, user, "catatan perkembangan", after={"status": current, "note": note})
        return agreement
    agreement.status = status
    if note:
        agreement.note = note
    agreement.confirmed_at, agreement.confirmed_by_id = None, None
    db.session.flush()
    record_event(agreement, user, "status", current, status, note)
    audit_agreement("status", agreement, user, f"{status_label(current)} → {status_label(status)}",
                    before={"status": current}, after={"status": status, **({"note": note} if note else {})})
    return agreement


def confirm(agreement: Agreement, user, note: str | None = "", expected_version: int | None = None) -> Agreement:
    """Bappeda confirms a ``done`` reported by the OPD (409 unless done and not yet confirmed)."""
    require("agreements.confirm", user)
    check_version(agreement, expected_version, stale=stale_message())
    note = clean_note(note)
    if agreement.status != DONE:
        raise Conflict(_("Hanya kesepakatan berstatus selesai yang dapat dikonfirmasi (sekarang: %(s)s).",
                         s=status_label(agreement.status)))
    if agreement.confirmed_at is not None:
        raise Conflict(_("Kesepakatan ini sudah dikonfirmasi."))
    agreement.confirmed_at, agreement.confirmed_by_id = utcnow(), getattr(user, "id", None)
    db.session.flush()
    record_event(agreement, user, "confirmed", DONE, DONE, note)
    audit_agreement("confirm", agreement, user, "selesai dikonfirmasi Bappeda",
                    after={"confirmed": True, **({"note": note} if note else {})})
    return agreement


def reopen(agreement: Agreement, user, note: str | None, status: str = OPEN,
           expected_version: int | None = None) -> Agreement:
    """Bappeda reopens a ``done`` (confirmed or not) or ``dropped`` agreement: back to ``open`` or
    ``in_progress`` with a required note; the confirmation is cleared."""
    require("agreements.confirm", user)
    check_version(agreement, expected_version, stale=stale_message())
    if status not in REOPEN_STATUSES:
        raise ValidationFailed(_("Kesepakatan dibuka kembali sebagai belum ditindaklanjuti atau dalam proses."),
                               {"status": _("Harus open atau in_progress.")})
    note = clean_note(note, required=True)
    current = agreement.status
    if current not in (DONE, DROPPED):
        raise Conflict(_("Hanya kesepakatan yang selesai atau dibatalkan yang dapat dibuka kembali (sekarang: %(s)s).",
                         s=status_label(current)))
    agreement.status, agreement.note = status, note
    agreement.confirmed_at, agreement.confirmed_by_id = None, None
    db.session.flush()
    record_event(agreement, user, "reopened", current, status, note)
    audit_agreement("reopen", agreement, user, f"dibuka kembali ({status_label(current)} → {status_label(status)})",
                    before={"status": current}, after={"status": status, "note": note})
    return agreement


def history(agreement_id: int) -> list[dict]:
    """The agreement's history, oldest first: ``{id, at (aware UTC datetime), user_id, username,
    full_name, action, from_status, to_status, note}``, in one query."""
    rows = db.session.execute(
        select(AgreementEvent, User.username, User.full_name).outerjoin(User, User.id == AgreementEvent.user_id)
        .where(AgreementEvent.agreement_id == agreement_id).order_by(AgreementEvent.at, AgreementEvent.id)).all()
    return [{"id": e.id, "at": e.at, "user_id": e.user_id, "username": username, "full_name": full_name or "",
             "action": e.action, "from_status": e.from_status, "to_status": e.to_status, "note": e.note}
            for e, username, full_name in rows]
