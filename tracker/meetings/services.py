"""Changing meetings and agreements: validate (``validation``), check role, scope and version, change,
flush, record the agreement's own history (``AgreementEvent``) and the audit log; the caller commits.

Status changes, confirmation and reopening are in ``workflow``; files in ``uploads``; who may do what
in ``scope``.  Meetings and the text, due date and party of an agreement are Bappeda's
(``meetings.edit``).

Deleting: a meeting, or one agreement, may be deleted only while none of its agreements has a history
beyond being recorded and edited (no status change, note, confirmation or evidence file): once an OPD
followed it up, the record stays (409).  Deleting is audited.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker.audit import services as audit
from tracker.authz import require
from tracker.errors import Conflict, ValidationFailed, check_version
from tracker.extensions import db
from tracker.meetings.labels import party_label
from tracker.meetings.models import (
    OPEN,
    Agreement,
    AgreementEvent,
    AgreementFile,
    Meeting,
    MeetingAttendee,
    MeetingFile,
)
from tracker.meetings.scope import get_agreement, get_meeting  # noqa: F401  (re-exported for the views)
from tracker.meetings.validation import clean_agreement, clean_meeting, clean_party_ids
from tracker.reference.models import Agency, Company
from tracker.types import utcnow

MEETING_FIELDS = ("date", "year", "quarter", "kind", "title", "place", "agenda", "chair", "minutes")
AGREEMENT_FIELDS = ("text", "agency_id", "company_id", "due_date")
EDIT_FIELDS = frozenset(AGREEMENT_FIELDS)  # Bappeda's only (meetings.edit)
PLAIN_ACTIONS = frozenset({"created", "edited"})  # history that still lets an agreement be deleted


def _meeting_label(meeting: Meeting) -> str:
    return f"{meeting.date.isoformat()} \"{meeting.title[:60]}\""


def _attendance(meeting: Meeting) -> list[dict]:
    return [{"agency_id": a.agency_id, "company_id": a.company_id, "name": a.name, "people": a.people}
            for a in meeting.attendees]


def _meeting_snapshot(meeting: Meeting) -> dict:
    return {**audit.snapshot(meeting, MEETING_FIELDS), "attendance": _attendance(meeting)}


def record_event(agreement: Agreement, user, action: str, from_status=None, to_status=None, note: str = "") -> None:
    """One line of the agreement's history (who, when, from/to, note)."""
    event = AgreementEvent(agreement_id=agreement.id, user_id=getattr(user, "id", None), action=action,
                           from_status=from_status, to_status=to_status, note=note or "", at=utcnow())
    if "events" in agreement.__dict__:  # loaded: keep the collection in step
        agreement.events.append(event)
    else:
        db.session.add(event)


def audit_agreement(action: str, agreement: Agreement, user, summary: str, *, before=None, after=None) -> None:
    audit.record(action, "agreement", agreement.id, before=before, after=after, actor=user,
                 agency_id=agreement.agency_id, company_id=agreement.company_id,
                 summary=f"Kesepakatan #{agreement.id} ({_meeting_label(agreement.meeting)}): {summary}")


# ---- meetings -----------------------------------------------------------------------------------------

def _set_attendance(meeting: Meeting, lines: list[dict]) -> None:
    meeting.attendees = [MeetingAttendee(**line) for line in lines]


def create_meeting(data: dict, user) -> Meeting:
    """``data``: date, year?, quarter?, kind?, title, place?, agenda?, chair?, minutes?, attendance?
    (``validation.clean_meeting``).  Returns the flushed meeting."""
    require("meetings.edit", user)
    values = clean_meeting(data)
    attendance = values.pop("attendance")
    meeting = Meeting(**values, created_by_id=getattr(user, "id", None), agreements=[], files=[])
    _set_attendance(meeting, attendance)
    db.session.add(meeting)
    db.session.flush()
    audit.record("create", "meeting", meeting.id, after=_meeting_snapshot(meeting), actor=user,
                 summary=f"Rapat {_meeting_label(meeting)} dicatat")
    return meeting


def update_meeting(meeting: Meeting, data: dict, user, expected_version: int | None) -> Meeting:
    """Only the fields in ``data`` change; ``attendance`` given replaces the whole list.  A new date
    after the due date of one of its agreements is refused (422)."""
    require("meetings.edit", user)
    check_version(meeting, expected_version, stale=_(
        "Rapat ini telah diubah oleh pengguna lain (versi %(a)s, sekarang %(b)s). Muat ulang lalu ulangi."))
    values = clean_meeting(data, current=meeting)
    if "date" in values:
        earliest = db.session.scalar(select(func.min(Agreement.due_date)).where(Agreement.meeting_id == meeting.id))
        if earliest is not None and earliest < values["date"]:
            raise ValidationFailed(
                _("Tanggal rapat tidak boleh setelah batas waktu kesepakatannya (paling awal %(d)s).",
                  d=earliest.isoformat()),
                {"date": _("Setelah batas waktu salah satu kesepakatan (%(d)s).", d=earliest.isoformat())})
    before = _meeting_snapshot(meeting)
    if "attendance" in values:
        _set_attendance(meeting, values.pop("attendance"))
    for name, value in values.items():
        setattr(meeting, name, value)
    after = _meeting_snapshot(meeting)
    old, new = audit.changed(before, after)
    if not new:
        return meeting
    meeting.updated_at = utcnow()  # bumps ``version`` also when only the attendance changed
    db.session.flush()
    audit.record("update", "meeting", meeting.id, before=old, after=new, actor=user,
                 summary=f"Rapat {_meeting_label(meeting)} diubah")
    return meeting


def _followed_up(agreement_ids: list[int]) -> bool:
    if not agreement_ids:
        return False
    events = db.session.scalar(select(func.count()).select_from(AgreementEvent).where(
        AgreementEvent.agreement_id.in_(agreement_ids), AgreementEvent.action.not_in(PLAIN_ACTIONS)))
    files = db.session.scalar(select(func.count()).select_from(AgreementFile).where(
        AgreementFile.agreement_id.in_(agreement_ids)))
    return bool(events or files)


def delete_meeting(meeting: Meeting, user) -> list[str]:
    """Delete a meeting with its agreements and files while none of them was followed up (else 409).
    Returns the stored names of its files, which the caller removes after the commit
    (``uploads.remove_file``)."""
    require("meetings.edit", user)
    agreement_ids = list(db.session.scalars(select(Agreement.id).where(Agreement.meeting_id == meeting.id)))
    if _followed_up(agreement_ids):
        raise Conflict(_("Rapat ini tidak dapat dihapus: kesepakatannya sudah ditindaklanjuti (status, catatan "
                         "atau berkas bukti)."))
    stored = list(db.session.scalars(select(MeetingFile.stored_name).where(MeetingFile.meeting_id == meeting.id)))
    audit.record("delete", "meeting", meeting.id, before={**_meeting_snapshot(meeting), "agreements": len(agreement_ids)},
                 actor=user, summary=f"Rapat {_meeting_label(meeting)} dihapus ({len(agreement_ids)} kesepakatan)")
    db.session.delete(meeting)
    db.session.flush()
    return stored


# ---- agreements ---------------------------------------------------------------------------------------

def add_agreement(meeting: Meeting, data: dict, user) -> Agreement:
    """``data``: text, agency_id? | company_id? (neither: Bappeda itself), due_date? (not before the
    meeting's date: 422).  Status ``open``; history "created"."""
    require("meetings.edit", user)
    values = clean_agreement(data, meeting.date)
    return _insert(meeting, values, user)


def _insert(meeting: Meeting, values: dict, user) -> Agreement:
    agreement = Agreement(meeting_id=meeting.id, meeting=meeting, status=OPEN, created_by_id=getattr(user, "id", None),
                          events=[], files=[], **values)
    db.session.add(agreement)
    db.session.flush()
    record_event(agreement, user, "created", None, OPEN)
    audit_agreement("create", agreement, user, "dicatat", after=audit.snapshot(agreement, AGREEMENT_FIELDS))
    return agreement


def add_agreements(meeting: Meeting, data: dict, user) -> list[Agreement]:
    """One agreement per responsible party: ``data`` as ``add_agreement`` but with ``agency_ids`` and/or
    ``company_ids`` (lists; ``agency_id``/``company_id`` are taken too).  No party at all: one agreement
    for Bappeda itself."""
    require("meetings.edit", user)
    errors: dict[str, str] = {}
    agency_ids = clean_party_ids(data.get("agency_ids"), "agency_ids", Agency, errors)
    company_ids = clean_party_ids(data.get("company_ids"), "company_ids", Company, errors)
    try:
        base = clean_agreement({k: v for k, v in data.items() if k not in ("agency_id", "company_id")}, meeting.date)
    except ValidationFailed as err:
        errors = {**(err.fields or {}), **errors}
        base = {}
    if errors:
        raise ValidationFailed(_("Data kesepakatan tidak valid. Periksa isian yang ditandai."), errors)
    for key, ids in (("agency_id", agency_ids), ("company_id", company_ids)):
        single = data.get(key)
        if single not in (None, "") and single not in ids:
            clean_agreement({"text": base["text"], key: single}, meeting.date)  # 422 when it does not exist
            ids.append(single)
    parties = [{"agency_id": a, "company_id": None} for a in agency_ids]
    parties += [{"agency_id": None, "company_id": c} for c in company_ids]
    parties = parties or [{"agency_id": None, "company_id": None}]
    return [_insert(meeting, {**base, **party}, user) for party in parties]


def edit_agreement(agreement: Agreement, data: dict, user, expected_version: int | None) -> Agreement:
    """Bappeda changes an agreement's text, due date or responsible party (``EDIT_FIELDS`` in ``data``).
    Keeps its status; history "edited" naming what changed."""
    require("meetings.edit", user)
    check_version(agreement, expected_version, stale=stale_message())
    return apply_edit(agreement, data, user)


def apply_edit(agreement: Agreement, data: dict, user) -> Agreement:
    """Apply ``EDIT_FIELDS`` of ``data`` (no role or version check: the caller made them)."""
    values = clean_agreement({k: v for k, v in data.items() if k in EDIT_FIELDS}, agreement.meeting.date,
                             current=agreement)
    before = audit.snapshot(agreement, AGREEMENT_FIELDS)
    party_before = party_label(agreement)
    for name, value in values.items():
        setattr(agreement, name, value)
    if "agency_id" in values:  # keep the relationships in step (party_label, the response)
        agreement.agency = db.session.get(Agency, values["agency_id"]) if values["agency_id"] else None
        agreement.company = db.session.get(Company, values["company_id"]) if values["company_id"] else None
    after = audit.snapshot(agreement, AGREEMENT_FIELDS)
    old, new = audit.changed(before, after)
    if not new:
        return agreement
    agreement.updated_at = utcnow()
    db.session.flush()
    parts = ["teks diubah"] if "text" in new else []
    if "due_date" in new:
        parts.append(f"batas waktu: {old['due_date'] or '-'} → {new['due_date'] or '-'}")
    if "agency_id" in new or "company_id" in new:
        parts.append(f"penanggung jawab: {party_before} → {party_label(agreement)}")
    record_event(agreement, user, "edited", agreement.status, agreement.status, "; ".join(parts))
    audit_agreement("update", agreement, user, "diubah", before=old, after=new)
    return agreement


def delete_agreement(agreement: Agreement, user) -> None:
    """Delete an agreement recorded by mistake, while it has no history beyond being recorded and edited
    (409 otherwise)."""
    require("meetings.edit", user)
    if _followed_up([agreement.id]):
        raise Conflict(_("Kesepakatan ini tidak dapat dihapus karena sudah ditindaklanjuti; ubah statusnya "
                         "menjadi dibatalkan bila tidak berlaku lagi."))
    audit_agreement("delete", agreement, user, "dihapus", before=audit.snapshot(agreement, AGREEMENT_FIELDS))
    db.session.delete(agreement)
    db.session.flush()


def stale_message() -> str:
    return _("Kesepakatan ini telah diubah oleh pengguna lain (versi %(a)s, sekarang %(b)s). Muat ulang lalu ulangi.")

