"""Meeting and agreement lists, shared by the pages, the API, the Excel export and the Rakor report.
Each list is one query (plus one per count), scoped by ``scope.visible_*``; "today" is Jakarta's
(``periods.services.today()``) unless given, so tests can set it.

Overdue: a due date before today and a status other than ``done``/``dropped`` (``Agreement.is_overdue``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.sql import Select

from tracker.database import text_search
from tracker.extensions import db
from tracker.meetings.models import AGREEMENT_STATUSES, CLOSED, DONE, Agreement, AgreementEvent, AgreementFile, Meeting
from tracker.meetings.scope import visible_agreements, visible_meetings
from tracker.periods.services import today as jakarta_today
from tracker.types import JAKARTA

SORTS = ("due", "-due", "meeting", "-meeting")  # follow-up list: due date (earliest first) or meeting date


def overdue_clause(today: date):
    """SQL: the agreement is overdue on ``today``."""
    return and_(Agreement.due_date.is_not(None), Agreement.due_date < today, Agreement.status.not_in(CLOSED))


def _earlier(meeting: Meeting):
    return or_(Meeting.date < meeting.date, and_(Meeting.date == meeting.date, Meeting.id < meeting.id))


# ---- meetings -----------------------------------------------------------------------------------------

@dataclass
class MeetingFilters:
    year: int | None = None  # the year the meeting evaluates (``Meeting.year``)
    kind: str | None = None
    q: str | None = None  # title, place, agenda, chair


def meeting_list(f: MeetingFilters, user) -> Select:
    """``select(Meeting)``, newest first (date, then id), scoped; attendees/files not loaded."""
    stmt = select(Meeting).where(visible_meetings(user))
    if f.year is not None:
        stmt = stmt.where(Meeting.year == f.year)
    if f.kind:
        stmt = stmt.where(Meeting.kind == f.kind)
    if f.q:
        stmt = stmt.where(text_search(f.q, Meeting.title, Meeting.place, Meeting.agenda, Meeting.chair))
    return stmt.order_by(Meeting.date.desc(), Meeting.id.desc())


def _empty_counts() -> dict[str, int]:
    return {**{s: 0 for s in AGREEMENT_STATUSES}, "total": 0, "overdue": 0, "awaiting_confirmation": 0}


def _count_columns(today: date) -> list:
    columns = [func.sum(case((Agreement.status == s, 1), else_=0)).label(s) for s in AGREEMENT_STATUSES]
    return columns + [
        func.count(Agreement.id).label("total"),
        func.sum(case((overdue_clause(today), 1), else_=0)).label("overdue"),
        func.sum(case((and_(Agreement.status == DONE, Agreement.confirmed_at.is_(None)), 1), else_=0))
        .label("awaiting_confirmation"),
    ]


def _as_counts(row) -> dict[str, int]:
    return {k: int(getattr(row, k) or 0) for k in _empty_counts()}


def agreement_counts(meeting_ids, user, today: date | None = None) -> dict[int, dict[str, int]]:
    """``{meeting id: {"open", "in_progress", "done", "dropped", "total", "overdue",
    "awaiting_confirmation"}}`` of the agreements ``user`` sees, in one query (zeros for none)."""
    ids = sorted(set(meeting_ids))
    if not ids:
        return {}
    today = today or jakarta_today()
    rows = db.session.execute(select(Agreement.meeting_id, *_count_columns(today))
                              .where(Agreement.meeting_id.in_(ids), visible_agreements(user))
                              .group_by(Agreement.meeting_id)).all()
    found = {r.meeting_id: _as_counts(r) for r in rows}
    return {i: found.get(i, _empty_counts()) for i in ids}


def meeting_agreements(meeting: Meeting, user) -> list[Agreement]:
    """The meeting's agreements that ``user`` sees (a company user: its own), in the order recorded."""
    return list(db.session.scalars(select(Agreement).where(Agreement.meeting_id == meeting.id, visible_agreements(user))
                                   .order_by(Agreement.id)))


def meeting_years(user) -> list[int]:
    """Years (evaluated) that have meetings, newest first (for the filter)."""
    return list(db.session.scalars(select(Meeting.year).where(visible_meetings(user)).distinct()
                                   .order_by(Meeting.year.desc())))


def calendar(year: int, user) -> list[dict]:
    """The TKPK's schedule of ``year`` from the meetings recorded: 12 items ``{"month": 1..12,
    "meetings": [Meeting, ...]}`` (by the meeting's date, in date order), in one query."""
    months: list[dict] = [{"month": m, "meetings": []} for m in range(1, 13)]
    stmt = (select(Meeting).where(Meeting.date >= date(year, 1, 1), Meeting.date < date(year + 1, 1, 1),
                                  visible_meetings(user)).order_by(Meeting.date, Meeting.id))
    for meeting in db.session.scalars(stmt):
        months[meeting.date.month - 1]["meetings"].append(meeting)
    return months


# ---- the follow-up list (daftar tindak lanjut kesepakatan) ----------------------------------------------

@dataclass
class FollowupFilters:
    agency_id: int | None = None
    company_id: int | None = None
    status: str | None = None  # one of AGREEMENT_STATUSES
    overdue: bool | None = None  # True: overdue only; False: not overdue
    due_from: date | None = None
    due_to: date | None = None
    meeting_id: int | None = None
    year: int | None = None  # the year its meeting evaluates
    q: str | None = None  # the agreement's text


def _followup_clauses(f: FollowupFilters, user, today: date, *, with_tabs: bool = True) -> list:
    clauses = [visible_agreements(user)]
    if f.agency_id is not None:
        clauses.append(Agreement.agency_id == f.agency_id)
    if f.company_id is not None:
        clauses.append(Agreement.company_id == f.company_id)
    if f.due_from is not None:
        clauses.append(Agreement.due_date >= f.due_from)
    if f.due_to is not None:
        clauses.append(Agreement.due_date <= f.due_to)
    if f.meeting_id is not None:
        clauses.append(Agreement.meeting_id == f.meeting_id)
    if f.year is not None:
        clauses.append(Meeting.year == f.year)
    if f.q:
        clauses.append(text_search(f.q, Agreement.text))
    if with_tabs:
        if f.status:
            clauses.append(Agreement.status == f.status)
        if f.overdue is True:
            clauses.append(overdue_clause(today))
        elif f.overdue is False:
            clauses.append(~overdue_clause(today))
    return clauses


def followup_list(f: FollowupFilters, user, today: date | None = None, sort: str = "due") -> Select:
    """``select(Agreement)`` across meetings (meeting, agency, company joined-loaded), scoped.
    ``sort``: ``due`` (earliest due date first, none last), ``-due``, ``meeting`` (newest meeting
    first), ``-meeting`` (oldest first); ties by meeting date, then id."""
    today = today or jakarta_today()
    stmt = (select(Agreement).join(Meeting, Meeting.id == Agreement.meeting_id)
            .where(*_followup_clauses(f, user, today)))
    no_due = Agreement.due_date.is_(None)
    orders = {
        "due": (no_due, Agreement.due_date, Meeting.date, Agreement.id),
        "-due": (no_due, Agreement.due_date.desc(), Meeting.date, Agreement.id),
        "meeting": (Meeting.date.desc(), Meeting.id.desc(), Agreement.id),
        "-meeting": (Meeting.date, Meeting.id, Agreement.id),
    }
    return stmt.order_by(*orders.get(sort, orders["due"]))


def followup_counts(f: FollowupFilters, user, today: date | None = None) -> dict[str, int]:
    """Counts per status plus ``total``, ``overdue`` and ``awaiting_confirmation`` (done, not yet
    confirmed) for the list's filters, ignoring its ``status`` and ``overdue`` (the tabs), one query."""
    today = today or jakarta_today()
    row = db.session.execute(select(*_count_columns(today)).select_from(Agreement)
                             .join(Meeting, Meeting.id == Agreement.meeting_id)
                             .where(*_followup_clauses(f, user, today, with_tabs=False))).one()
    return _as_counts(row)


def file_counts(agreement_ids) -> dict[int, int]:
    """``{agreement id: number of evidence files}`` in one query."""
    ids = sorted(set(agreement_ids))
    if not ids:
        return {}
    rows = db.session.execute(select(AgreementFile.agreement_id, func.count()).where(AgreementFile.agreement_id.in_(ids))
                              .group_by(AgreementFile.agreement_id)).all()
    found = dict(rows)
    return {i: found.get(i, 0) for i in ids}


# ---- what the next meeting reports, and an OPD's dashboard ------------------------------------------------

def _closed_at():
    """When the agreement was last set to done or dropped (its ``updated_at`` when no event says so)."""
    last = (select(func.max(AgreementEvent.at)).where(AgreementEvent.agreement_id == Agreement.id,
                                                      AgreementEvent.action == "status",
                                                      AgreementEvent.to_status.in_(CLOSED))
            .scalar_subquery())
    return func.coalesce(last, Agreement.updated_at)


def previous_meeting(meeting: Meeting, user) -> Meeting | None:
    """The latest meeting before this one (by date, then id) that ``user`` sees."""
    return db.session.scalar(select(Meeting).where(_earlier(meeting), visible_meetings(user))
                             .order_by(Meeting.date.desc(), Meeting.id.desc()).limit(1))


def previous_agreements(meeting: Meeting, user) -> list[Agreement]:
    """"Kesepakatan rapat sebelumnya": what this meeting's report shows of earlier meetings, in one query.

    Every agreement of the meetings dated before this one, with its current status, except those
    already closed (done or dropped) before the previous meeting's date: those were reported closed
    at that meeting.  So: all still open or in progress, and all closed on or after the day of the
    previous meeting.  Ordered by meeting (oldest first), then as recorded.
    """
    previous = previous_meeting(meeting, user)
    if previous is None:
        return []
    since = datetime.combine(previous.date, time(0), JAKARTA)
    stmt = (select(Agreement).join(Meeting, Meeting.id == Agreement.meeting_id)
            .where(_earlier(meeting), visible_agreements(user),
                   or_(Agreement.status.not_in(CLOSED), _closed_at() >= since))
            .order_by(Meeting.date, Meeting.id, Agreement.id))
    return list(db.session.scalars(stmt))


def agency_open_agreements(agency_id: int, today: date | None = None, limit: int | None = None) -> list[Agreement]:
    """An OPD's agreements still to do (open or in progress) for its dashboard: overdue first, then by
    due date (none last)."""
    today = today or jakarta_today()
    stmt = (select(Agreement).join(Meeting, Meeting.id == Agreement.meeting_id)
            .where(Agreement.agency_id == agency_id, Agreement.status.not_in(CLOSED))
            .order_by(case((overdue_clause(today), 0), else_=1), Agreement.due_date.is_(None), Agreement.due_date,
                      Meeting.date, Agreement.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def overdue_count(today: date | None = None, agency_id: int | None = None) -> int:
    """Overdue agreements (of one OPD, or all)."""
    today = today or jakarta_today()
    stmt = select(func.count()).select_from(Agreement).where(overdue_clause(today))
    if agency_id is not None:
        stmt = stmt.where(Agreement.agency_id == agency_id)
    return db.session.scalar(stmt) or 0


def awaiting_confirmation_count() -> int:
    """Agreements reported done that Bappeda has not confirmed yet."""
    return db.session.scalar(select(func.count()).select_from(Agreement).where(
        Agreement.status == DONE, Agreement.confirmed_at.is_(None))) or 0
