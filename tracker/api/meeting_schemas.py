"""API shapes of meetings and agreements (api.md "Meetings").

Bodies are strict on types (a string for ``quarter`` is a 400) and loose on values: the rules and
their Indonesian messages live in ``tracker.meetings.validation`` and apply alike to the pages and the
API; the document states them through ``documented(...)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from flask import url_for
from pydantic import Field

from tracker.api.schemas import Id, In, Out, documented
from tracker.meetings.labels import kind_label, party_label, status_label
from tracker.meetings.models import AGREEMENT_STATUSES, FILE_KINDS, KINDS, Agreement, Meeting
from tracker.meetings.validation import MAX_ATTENDEES, MAX_PEOPLE, TEXT_LIMITS
from tracker.meetings.workflow import REOPEN_STATUSES
from tracker.periods.services import MAX_YEAR, MIN_YEAR
from tracker.types import to_jakarta_iso

Kind = Literal[KINDS]  # type: ignore[valid-type]
AgreementStatus = Literal[AGREEMENT_STATUSES]  # type: ignore[valid-type]
ReopenStatus = Literal[REOPEN_STATUSES]  # type: ignore[valid-type]
FileKind = Literal[FILE_KINDS]  # type: ignore[valid-type]
VERSION = "Bila dikirim: harus versi yang sekarang (409 jika usang)"


def _text(name: str, required: bool = False, **extra):
    if required:
        return Field(max_length=TEXT_LIMITS[name], **documented(minLength=1), **extra)
    return Field(default=None, max_length=TEXT_LIMITS[name], **extra)


# ---- meetings -----------------------------------------------------------------------------------------

class AttendeeIn(In):
    agency_id: Id | None = None
    company_id: Id | None = None
    name: str | None = Field(default=None, max_length=TEXT_LIMITS["name"], description="Pihak lain: camat, BPS...")
    people: int = Field(default=1, description="Jumlah orang yang hadir", **documented(minimum=0, maximum=MAX_PEOPLE))


ATTENDANCE = "Tepat satu dari agency_id, company_id, name per baris; dikirim: menggantikan seluruh daftar hadir"


class MeetingIn(In):
    date: dt.date
    year: int | None = Field(default=None, description="Tahun yang dievaluasi (bawaan: tahun tanggal rapat)",
                             **documented(minimum=MIN_YEAR, maximum=MAX_YEAR))
    quarter: int | None = Field(default=None, description="Triwulan yang dievaluasi; null untuk rapat tahunan/data",
                                **documented(minimum=1, maximum=4))
    kind: Kind = "rakor"
    title: str = _text("title", required=True)
    agenda: str = Field(default="", max_length=TEXT_LIMITS["agenda"])
    place: str = Field(default="", max_length=TEXT_LIMITS["place"])
    chair: str = Field(default="", max_length=TEXT_LIMITS["chair"])
    minutes: str = Field(default="", max_length=TEXT_LIMITS["minutes"], description="Notulen")
    attendance: list[AttendeeIn] = Field(default_factory=list, max_length=MAX_ATTENDEES, description=ATTENDANCE)


class MeetingPatch(In):
    version: int
    date: dt.date = Field(default=None)
    year: int = Field(default=None, **documented(minimum=MIN_YEAR, maximum=MAX_YEAR))
    quarter: int | None = Field(default=None, **documented(minimum=1, maximum=4))
    kind: Kind = None
    title: str = _text("title", **documented(minLength=1))
    agenda: str = _text("agenda")
    place: str = _text("place")
    chair: str = _text("chair")
    minutes: str = _text("minutes")
    attendance: list[AttendeeIn] = Field(default=None, max_length=MAX_ATTENDEES, description=ATTENDANCE)


class AttendeeOut(Out):
    agency_id: int | None
    company_id: int | None
    name: str
    label: str
    people: int


class FileOut(Out):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: str | None
    download_url: str


class MeetingFileOut(FileOut):
    meeting_id: int
    kind: str


class AgreementFileOut(FileOut):
    agreement_id: int


class CountsOut(Out):
    open: int
    in_progress: int
    done: int
    dropped: int
    total: int
    overdue: int
    awaiting_confirmation: int = Field(description="Selesai, belum dikonfirmasi Bappeda")


class MeetingSummaryOut(Out):
    id: int
    date: dt.date
    year: int
    quarter: int | None
    kind: str
    kind_label: str
    title: str
    place: str
    agenda: str
    chair: str
    agreement_counts: CountsOut
    created_at: str | None
    updated_at: str | None
    version: int


# ---- agreements ---------------------------------------------------------------------------------------

class AgreementIn(In):
    text: str = _text("text", required=True)
    agency_id: Id | None = Field(default=None, description="OPD penanggung jawab")
    company_id: Id | None = Field(default=None, description="Atau perusahaan penanggung jawab (bukan keduanya); "
                                                            "tanpa keduanya: Bappeda sendiri")
    due_date: dt.date | None = Field(default=None, description="Tidak sebelum tanggal rapat")


class AgreementPatch(In):
    version: int
    status: AgreementStatus = None
    note: str | None = Field(default=None, max_length=TEXT_LIMITS["note"],
                             description="Catatan perkembangan (wajib untuk dropped)")
    text: str = _text("text", description="Hanya koordinator/admin", **documented(minLength=1))
    due_date: dt.date | None = Field(default=None, description="Hanya koordinator/admin")
    agency_id: Id | None = Field(default=None, description="Hanya koordinator/admin")
    company_id: Id | None = Field(default=None, description="Hanya koordinator/admin")


class ConfirmIn(In):
    note: str | None = Field(default=None, max_length=TEXT_LIMITS["note"])
    version: int | None = Field(default=None, description=VERSION)


class ReopenIn(In):
    note: str = _text("note", required=True)
    status: ReopenStatus = "open"
    version: int | None = Field(default=None, description=VERSION)


class EventOut(Out):
    at: str | None
    user_id: int | None
    username: str | None
    full_name: str
    action: str
    from_status: str | None
    to_status: str | None
    note: str


class AgreementSummaryOut(Out):
    id: int
    meeting_id: int
    meeting_date: dt.date
    meeting_title: str
    text: str
    agency_id: int | None
    agency_name: str | None
    company_id: int | None
    company_name: str | None
    party: str = Field(description="OPD, perusahaan, atau Bappeda")
    due_date: dt.date | None
    status: AgreementStatus
    status_label: str
    note: str
    overdue: bool
    confirmed: bool
    confirmed_at: str | None
    confirmed_by_id: int | None
    created_at: str | None
    updated_at: str | None
    version: int


class AgreementOut(AgreementSummaryOut):
    files: list[AgreementFileOut]
    history: list[EventOut] = Field(description="Riwayat: dicatat, perubahan status (siapa, kapan, catatan), "
                                                "konfirmasi, dibuka kembali, berkas")


class MeetingOut(MeetingSummaryOut):
    minutes: str
    attendance: list[AttendeeOut]
    files: list[MeetingFileOut]
    agreements: list[AgreementSummaryOut]


class CalendarMonthOut(Out):
    month: int
    meetings: list[MeetingSummaryOut]


class CalendarOut(Out):
    year: int
    months: list[CalendarMonthOut]


# ---- serialisation ------------------------------------------------------------------------------------

def _file(row, endpoint: str, **ids) -> dict:
    return {"id": row.id, "original_name": row.original_name, "content_type": row.content_type, "size": row.size,
            "sha256": row.sha256, "uploaded_at": to_jakarta_iso(row.uploaded_at),
            "download_url": url_for(endpoint, file_id=row.id, **ids)}


def meeting_file_out(row) -> dict:
    return MeetingFileOut.model_validate({
        **_file(row, "api.meeting_file_get", meeting_id=row.meeting_id), "meeting_id": row.meeting_id,
        "kind": row.kind}).model_dump(mode="json")


def agreement_file_out(row) -> dict:
    return AgreementFileOut.model_validate({
        **_file(row, "api.agreement_file_get", agreement_id=row.agreement_id),
        "agreement_id": row.agreement_id}).model_dump(mode="json")


def _meeting_fields(m: Meeting, counts: dict) -> dict:
    return {**{k: getattr(m, k) for k in ("id", "date", "year", "quarter", "kind", "title", "place", "agenda", "chair",
                                          "version")},
            "kind_label": kind_label(m.kind), "agreement_counts": counts,
            "created_at": to_jakarta_iso(m.created_at), "updated_at": to_jakarta_iso(m.updated_at)}


def meeting_summary_out(m: Meeting, counts: dict) -> dict:
    return MeetingSummaryOut.model_validate(_meeting_fields(m, counts)).model_dump(mode="json")


def _agreement_fields(a: Agreement, today: dt.date) -> dict:
    return {
        **{k: getattr(a, k) for k in ("id", "meeting_id", "text", "agency_id", "company_id", "due_date", "status",
                                      "note", "confirmed_by_id", "version")},
        "meeting_date": a.meeting.date, "meeting_title": a.meeting.title,
        "agency_name": a.agency.name if a.agency is not None else None,
        "company_name": a.company.name if a.company is not None else None,
        "party": party_label(a), "status_label": status_label(a.status), "overdue": a.is_overdue(today),
        "confirmed": a.confirmed_at is not None, "confirmed_at": to_jakarta_iso(a.confirmed_at),
        "created_at": to_jakarta_iso(a.created_at), "updated_at": to_jakarta_iso(a.updated_at),
    }


def agreement_summary_out(a: Agreement, today: dt.date) -> dict:
    return AgreementSummaryOut.model_validate(_agreement_fields(a, today)).model_dump(mode="json")


def agreement_out(a: Agreement, today: dt.date, history: list[dict], files: list) -> dict:
    """``files``: the files the user may see (``[]`` for another OPD's evidence)."""
    return AgreementOut.model_validate({
        **_agreement_fields(a, today), "files": [agreement_file_out(f) for f in files],
        "history": [{**h, "at": to_jakarta_iso(h["at"])} for h in history],
    }).model_dump(mode="json")


def meeting_out(m: Meeting, counts: dict, agreements: list[Agreement], today: dt.date) -> dict:
    return MeetingOut.model_validate({
        **_meeting_fields(m, counts), "minutes": m.minutes,
        "attendance": [{"agency_id": x.agency_id, "company_id": x.company_id, "name": x.name, "label": x.label,
                        "people": x.people} for x in m.attendees],
        "files": [meeting_file_out(f) for f in m.files],
        "agreements": [_agreement_fields(a, today) for a in agreements],
    }).model_dump(mode="json")
