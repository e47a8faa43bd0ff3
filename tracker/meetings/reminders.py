"""Agreements in each user's tasks ("Tugas", and the reminder e-mail of ``flask reminders send``):
an OPD user is told how many of its agreements are overdue; Bappeda how many are overdue across all
OPDs and how many reported done wait for its confirmation.

Registered with ``tracker.progress.reminders`` at start-up (``register()``, called by the package's
``init_app``): progress never imports meetings.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.authz import Role, agency_scope, can
from tracker.extensions import db
from tracker.formatting import date_id
from tracker.meetings import queries
from tracker.meetings.models import DONE, Agreement, Meeting
from tracker.progress.reminders import Task, register_task_source

OVERDUE, CONFIRM = "agreements_overdue", "agreements_confirm"
KINDS = {OVERDUE: 4, CONFIRM: 5}  # after the quarterly report tasks (returned, late, due, review)
ENDPOINT = "meetings.followup"  # the follow-up list page
MAX_DETAILS = 20


def _task(kind: str, today: date, count: int, due: date, message: str, params: dict, badge: str,
          details: list[str], agency_id: int | None = None) -> Task:
    return Task(kind, today.year, (today.month - 1) // 3 + 1, due, count, agency_id, message=message,
                endpoint=ENDPOINT, params=params, badge=badge, details=details)


def _overdue(today: date, agency_id: int | None) -> tuple[int, list[Agreement]]:
    """How many are overdue, and the first ``MAX_DETAILS`` of them (longest overdue first)."""
    count = queries.overdue_count(today, agency_id)
    if not count:
        return 0, []
    stmt = (select(Agreement).join(Meeting, Meeting.id == Agreement.meeting_id).where(queries.overdue_clause(today))
            .order_by(Agreement.due_date, Meeting.date, Agreement.id).limit(MAX_DETAILS))
    if agency_id is not None:
        stmt = stmt.where(Agreement.agency_id == agency_id)
    return count, list(db.session.scalars(stmt))


def _line(agreement: Agreement, with_party: bool) -> str:
    party = ""
    if with_party:
        party = agreement.agency.short_name if agreement.agency else (agreement.company.name if agreement.company
                                                                       else "Bappeda")
        party = f" [{party}]"
    return (f"{date_id(agreement.due_date)}{party}: {agreement.text[:100]} "
            f"({agreement.meeting.title[:60]}, {date_id(agreement.meeting.date)})")


def agreement_tasks(user, today: date) -> list[Task]:
    tasks: list[Task] = []
    if user.role == Role.AGENCY and can(user, "agreements.update"):
        scope = agency_scope(user)
        count, overdue = _overdue(today, scope)
        if count:
            tasks.append(_task(
                OVERDUE, today, count, overdue[0].due_date,
                _("%(n)d kesepakatan lewat batas waktu (yang terlama sejak %(d)s).", n=count,
                  d=date_id(overdue[0].due_date)),
                {"agency_id": scope, "overdue": 1}, _("Kesepakatan"), [_line(a, False) for a in overdue], scope))
    elif can(user, "agreements.confirm"):
        count, overdue = _overdue(today, None)
        if count:
            tasks.append(_task(
                OVERDUE, today, count, overdue[0].due_date,
                _("%(n)d kesepakatan lewat batas waktu di semua OPD (yang terlama sejak %(d)s).", n=count,
                  d=date_id(overdue[0].due_date)),
                {"overdue": 1}, _("Kesepakatan"), [_line(a, True) for a in overdue]))
        waiting = queries.awaiting_confirmation_count()
        if waiting:
            tasks.append(_task(
                CONFIRM, today, waiting, today,
                _("%(n)d kesepakatan dilaporkan selesai dan menunggu konfirmasi Bappeda.", n=waiting),
                {"status": DONE}, _("Konfirmasi"), []))
    return tasks


def register() -> None:
    register_task_source("meetings", agreement_tasks, KINDS)
