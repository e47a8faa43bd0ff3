"""What each user has to do: reports due, late or returned (OPD staff), submissions to review (Bappeda).

Shown in the app ("Tugas") and, when an SMTP server is configured, sent by e-mail by
``flask --app wsgi reminders send`` (for cron).

Features above progress add their own tasks without progress importing them: at start-up they call
``register_task_source(name, source, kinds)``; ``source(user, today)`` returns extra ``Task`` objects
that carry their own ``message`` (and a link: ``endpoint`` + ``params``), and ``kinds`` gives each new
kind its place in the list.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tracker.auth.models import Role, User
from tracker.authz import agency_scope, can
from tracker.extensions import db
from tracker.formatting import date_id
from tracker.periods.services import periods_for, quarter_end, quarter_label
from tracker.periods.services import today as jakarta_today
from tracker.plans.models import Activity
from tracker.progress import queries
from tracker.progress.models import RETURNED, SUBMITTED, ProgressReport, ReminderLog


@dataclass
class Task:
    kind: str  # due | late | returned | review, or a registered source's kind
    year: int
    quarter: int
    due_date: date
    count: int
    agency_id: int | None = None
    items: list = field(default_factory=list)  # returned: (activity_id, code, name, comment)
    message: str | None = None  # a ready sentence (registered sources); ``text()`` returns it
    endpoint: str | None = None  # where the task links to (registered sources), with ``params``
    params: dict = field(default_factory=dict)
    badge: str | None = None  # a short label shown next to it
    details: list[str] = field(default_factory=list)  # lines listed under it in the e-mail

    @property
    def label(self) -> str:
        return _("Triwulan %(q)s %(y)s", q=quarter_label(self.quarter), y=self.year)

    @property
    def href(self) -> str | None:
        """The link of a registered source's task (None when it has none, or its page does not exist)."""
        if not self.endpoint:
            return None
        from werkzeug.routing import BuildError

        try:
            return url_for(self.endpoint, **self.params)
        except (BuildError, RuntimeError):
            return None

    def text(self) -> str:
        if self.message:
            return self.message
        if self.kind == "due":
            return _("%(n)d kegiatan belum diajukan untuk %(p)s; batas waktu %(d)s.",
                     n=self.count, p=self.label, d=date_id(self.due_date))
        if self.kind == "late":
            return _("%(n)d kegiatan terlambat untuk %(p)s (batas waktu %(d)s sudah lewat).",
                     n=self.count, p=self.label, d=date_id(self.due_date))
        if self.kind == "returned":
            return _("%(n)d laporan %(p)s dikembalikan Bappeda dan perlu diperbaiki.", n=self.count, p=self.label)
        return _("%(n)d laporan %(p)s menunggu verifikasi.", n=self.count, p=self.label)


# ---- tasks of other features ---------------------------------------------------------------------------

TaskSource = Callable[[object, date], list[Task]]
KIND_ORDER = {"returned": 0, "late": 1, "due": 2, "review": 3}
_sources: dict[str, TaskSource] = {}


def register_task_source(name: str, source: TaskSource, kinds: dict[str, int] | None = None) -> None:
    """``source(user, today)`` returns that feature's tasks for the user; ``kinds``: the position of each
    new kind in the list (the built-in ones are 0–3).  Registering the same name again replaces it."""
    _sources[name] = source
    for kind, position in (kinds or {}).items():
        KIND_ORDER.setdefault(kind, position)


def _open_periods(years, today: date) -> list:
    """Quarters whose reporting window is open: the quarter has ended and it is not locked."""
    return sorted((p for p in periods_for(years).values()
                   if not p.locked and today > quarter_end(p.year, p.quarter)),
                  key=lambda p: (p.year, p.quarter))


def tasks_for(user, today: date | None = None) -> list[Task]:
    today = today or jakarta_today()
    tasks: list[Task] = []
    if user.role == Role.AGENCY and can(user, "progress.edit"):
        scope = agency_scope(user)
        years = list(db.session.scalars(select(Activity.year).where(Activity.agency_id == scope).distinct()))
        open_periods = _open_periods(years, today)
        open_keys = {(p.year, p.quarter) for p in open_periods}
        cells = queries.completeness_totals({p.year for p in open_periods}, agency_id=scope, today=today)
        returned = db.session.execute(
            select(ProgressReport.year, ProgressReport.quarter, Activity.id, Activity.code, Activity.name,
                   ProgressReport.review_comment)
            .join(Activity, Activity.id == ProgressReport.activity_id)
            .where(Activity.agency_id == scope, ProgressReport.status == RETURNED)
            .order_by(ProgressReport.year, ProgressReport.quarter, Activity.code)
        ).all()
        returned_by_period: dict[tuple[int, int], list] = {}
        for row in returned:
            if (row.year, row.quarter) in open_keys:
                returned_by_period.setdefault((row.year, row.quarter), []).append(
                    (row.id, row.code, row.name, row.review_comment))
        for p in open_periods:
            items = returned_by_period.get((p.year, p.quarter))
            if items:
                tasks.append(Task("returned", p.year, p.quarter, p.due_date, len(items), scope, items))
            missing = cells.get((p.year, p.quarter), {}).get("missing", 0)
            if missing:
                kind = "late" if today > p.due_date else "due"
                tasks.append(Task(kind, p.year, p.quarter, p.due_date, missing, scope))
    elif can(user, "progress.review"):
        rows = db.session.execute(
            select(ProgressReport.year, ProgressReport.quarter, func.count())
            .where(ProgressReport.status == SUBMITTED)
            .group_by(ProgressReport.year, ProgressReport.quarter)
            .order_by(ProgressReport.year, ProgressReport.quarter)
        ).all()
        pmap = periods_for({r[0] for r in rows})
        for year, quarter, count in rows:
            p = pmap[(year, quarter)]
            if not p.locked:
                tasks.append(Task("review", year, quarter, p.due_date, count))
    for source in _sources.values():
        tasks.extend(source(user, today))
    return sorted(tasks, key=lambda t: (KIND_ORDER.get(t.kind, len(KIND_ORDER)), t.year, t.quarter))


# ---- e-mail -------------------------------------------------------------------------------------------

def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def _email_tasks(tasks: list[Task], today: date, days_before: int) -> list[Task]:
    """Due items only when the due date is near; late, returned and review items always."""
    return [t for t in tasks if t.kind != "due" or (t.due_date - today).days <= days_before]


def compose(user, tasks: list[Task]) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = _("[TKPK] Pengingat laporan triwulan: %(n)d hal perlu ditindaklanjuti", n=len(tasks))
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = user.email
    lines = [_("Yth. %(name)s,", name=user.full_name or user.username), "",
             _("Berikut hal yang perlu Anda tindak lanjuti di TKPK Tracker:"), ""]
    for task in tasks:
        lines.append(f"- {task.text()}")
        for _id, code, name, comment in task.items[:20]:
            lines.append(f"    {code} {name}: {comment}")
        for line in task.details[:20]:
            lines.append(f"    {line}")
    lines += ["", _("Pesan ini dikirim otomatis; buka aplikasi untuk melihat rinciannya (menu Tugas).")]
    message.set_content("\n".join(lines))
    return message


def _smtp():
    config = current_app.config
    server = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
    if config.get("MAIL_USE_TLS"):
        server.starttls()
    if config.get("MAIL_USERNAME"):
        server.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return server


@dataclass
class SendResult:
    sent: int = 0
    skipped_no_email: int = 0
    already_sent: int = 0
    nothing_to_do: int = 0
    failed: list = field(default_factory=list)
    previews: list = field(default_factory=list)


def send_reminders(today: date | None = None, *, days_before: int = 7, dry_run: bool = False) -> SendResult:
    """One digest per user with something to do, at most once a day (``reminder_log``)."""
    today = today or jakarta_today()
    result = SendResult()
    users = list(db.session.scalars(select(User).where(User.active.is_(True),
                                                       User.role.in_([Role.AGENCY, Role.COORDINATOR, Role.ADMIN]))
                                    .order_by(User.id)))
    already = set(db.session.scalars(select(ReminderLog.user_id).where(ReminderLog.sent_on == today)))
    pending = []
    for user in users:
        tasks = _email_tasks(tasks_for(user, today), today, days_before)
        if not tasks:
            result.nothing_to_do += 1
        elif not user.email:
            result.skipped_no_email += 1
        elif user.id in already:
            result.already_sent += 1
        else:
            pending.append((user, tasks))
    if dry_run or not pending:
        result.previews = [(u.username, u.email, [t.text() for t in tasks]) for u, tasks in pending]
        return result
    server = _smtp()
    try:
        for user, tasks in pending:
            try:
                server.send_message(compose(user, tasks))
            except smtplib.SMTPException as exc:
                result.failed.append((user.username, str(exc)))
                continue
            db.session.add(ReminderLog(user_id=user.id, sent_on=today, items=len(tasks)))
            try:
                db.session.commit()
            except IntegrityError:  # another run logged it at the same moment
                db.session.rollback()
            result.sent += 1
    finally:
        try:
            server.quit()
        except smtplib.SMTPException:
            pass
    return result
