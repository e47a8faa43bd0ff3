"""The follow-up list of meeting agreements (*daftar tindak lanjut kesepakatan*); kind ``agreements``,
PDF and Excel.

``meeting_id`` given: that meeting's agreements, else every meeting's; ``agency_id`` / ``company_id``
given (a company user's own, forced by the caller): only that party's.  Each agreement with its
responsible party, due date, status, Bappeda's confirmation and the latest progress note; an overdue
one (due date passed, neither done nor dropped, on Jakarta's today) is marked.  The list and its
order are ``tracker.meetings.queries.followup_list``'s (meetings oldest first, agreements as
recorded); the workbook is ``tracker.meetings.excel.export_followup``, the same one the follow-up
page exports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.authz import Role
from tracker.errors import NotFound
from tracker.extensions import db
from tracker.i18n import N_
from tracker.meetings import queries
from tracker.meetings.excel import export_followup
from tracker.meetings.labels import kind_label, party_label, status_label
from tracker.meetings.models import DONE, Agreement, Meeting
from tracker.periods.services import today as jakarta_today
from tracker.reference.models import Agency, Company
from tracker.reports import documents
from tracker.reports.registry import Progress, ReportKind, ReportParams, register
from tracker.reports.settings import report_settings

SOURCES = (Agreement, Meeting, Agency, Company)
SORT = "-meeting"  # meetings oldest first, then as recorded


@dataclass(frozen=True)
class Reader:
    """Who the list is read for, as the meetings scope sees a user: a company's own agreements when
    ``company_id`` is given, else every agreement (scope was resolved into the params by the caller)."""

    role: str
    company_id: int | None = None
    agency_id: int | None = None
    id: int | None = None


def reader_and_filters(params: ReportParams) -> tuple[Reader, queries.FollowupFilters]:
    if params.meeting_id is not None and db.session.get(Meeting, params.meeting_id) is None:
        raise NotFound(_("Rapat tidak ditemukan."))
    if params.agency_id is not None and db.session.get(Agency, params.agency_id) is None:
        raise NotFound(_("OPD tidak ditemukan."))
    if params.company_id is not None and db.session.get(Company, params.company_id) is None:
        raise NotFound(_("Perusahaan tidak ditemukan."))
    reader = (Reader(Role.COMPANY.value, company_id=params.company_id) if params.company_id is not None
              else Reader(Role.COORDINATOR.value))
    return reader, queries.FollowupFilters(agency_id=params.agency_id, company_id=params.company_id,
                                           meeting_id=params.meeting_id)


def agreements_data(params: ReportParams, today: date | None = None) -> dict:
    """``{meeting (the one asked for, or None), groups: [{meeting, kind, rows: [...]}], counts,
    agency, company, today, settings}``."""
    today = today or jakarta_today()
    reader, f = reader_and_filters(params)
    groups: list[dict] = []
    number = 0
    for agreement in db.session.scalars(queries.followup_list(f, reader, today, SORT)):
        m = agreement.meeting
        if not groups or groups[-1]["meeting"].id != m.id:
            groups.append({"meeting": m, "kind": kind_label(m.kind), "rows": []})
        number += 1
        groups[-1]["rows"].append({
            "no": number, "text": agreement.text, "party": party_label(agreement), "due_date": agreement.due_date,
            "status": agreement.status, "status_label": status_label(agreement.status),
            "overdue": agreement.is_overdue(today), "note": agreement.note,
            "confirmed": agreement.status == DONE and agreement.confirmed_at is not None,
            "awaiting_confirmation": agreement.status == DONE and agreement.confirmed_at is None})
    return {"meeting": db.session.get(Meeting, params.meeting_id) if params.meeting_id else None,
            "groups": groups, "counts": queries.followup_counts(f, reader, today),
            "agency": db.session.get(Agency, params.agency_id) if params.agency_id else None,
            "company": db.session.get(Company, params.company_id) if params.company_id else None,
            "today": today, "settings": report_settings()}


def _title(d: dict) -> str:
    if d["meeting"] is not None:
        return _("Kesepakatan %(t)s", t=d["meeting"].title)
    return _("Daftar Tindak Lanjut Kesepakatan Rapat TKPK")


def render_pdf(params: ReportParams, progress: Progress) -> bytes:
    d = agreements_data(params)
    progress(40)
    parts = [d["agency"].name if d["agency"] else "", d["company"].name if d["company"] else ""]
    return documents.render("reports/pdf/agreements.html", title=_title(d),
                            subtitle=" · ".join(p for p in parts if p), **d)


def render_xlsx(params: ReportParams, progress: Progress) -> bytes:
    reader, f = reader_and_filters(params)
    progress(20)
    return export_followup(f, reader, jakarta_today(), SORT)


def filename(params: ReportParams, ext: str) -> str:
    parts = ["kesepakatan-rakor"]
    if params.meeting_id is not None:
        when = db.session.scalar(select(Meeting.date).where(Meeting.id == params.meeting_id))
        parts.append(when.isoformat() if when else str(params.meeting_id))
    if params.agency_id is not None:
        parts.append(documents.slug(db.session.scalar(select(Agency.short_name).where(Agency.id == params.agency_id))
                                    or str(params.agency_id)))
    if params.company_id is not None:
        parts.append(documents.slug(db.session.scalar(select(Company.name).where(Company.id == params.company_id))
                                    or str(params.company_id)))
    return "-".join(parts) + "." + ext


LABEL = N_("Daftar tindak lanjut kesepakatan rapat")
register(ReportKind("agreements", "pdf", render_pdf, SOURCES, lambda p: filename(p, "pdf"), LABEL))
register(ReportKind("agreements", "xlsx", render_xlsx, SOURCES, lambda p: filename(p, "xlsx"), LABEL))
