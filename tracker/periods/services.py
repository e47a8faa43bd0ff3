"""Quarters (triwulan): reporting windows, due dates, locking."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from tracker.audit import services as audit
from tracker.errors import Conflict, Locked, NotFound, ValidationFailed, check_version
from tracker.extensions import db
from tracker.periods.models import Period
from tracker.types import JAKARTA, jakarta_now, utcnow

QUARTER_LABELS = {1: "I", 2: "II", 3: "III", 4: "IV"}
MIN_YEAR, MAX_YEAR = 2000, 2100


def quarter_label(quarter: int) -> str:
    return QUARTER_LABELS.get(quarter, str(quarter))


def quarter_end(year: int, quarter: int) -> date:
    first_of_next = date(year + (quarter == 4), 1 if quarter == 4 else quarter * 3 + 1, 1)
    return first_of_next - timedelta(days=1)


def default_due_date(year: int, quarter: int) -> date:
    """The given day of the month after the quarter (product.md §2: the 10th by default)."""
    opens = quarter_end(year, quarter) + timedelta(days=1)
    return opens.replace(day=current_app.config["DEFAULT_DUE_DAY"])


def check_year(year: int) -> None:
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(_("Tahun harus antara %(a)d dan %(b)d.", a=MIN_YEAR, b=MAX_YEAR), {"year": _("Tahun tidak valid.")})


def _quarters_of(year: int) -> list[Period]:
    return list(db.session.scalars(select(Period).where(Period.year == year).order_by(Period.quarter)))


def ensure_year(year: int) -> list[Period]:
    """The four quarters of ``year``, created with default due dates the first time they are needed.

    Two requests may ask for a new year at the same moment: the rows are inserted with ON CONFLICT
    DO NOTHING, so the second waits for the first and keeps its rows.  Only writing requests call
    this (reading uses ``year_periods`` / ``periods_for``, which never write).
    """
    check_year(year)
    periods = _quarters_of(year)
    if len(periods) == 4:
        return periods
    rows = [{"year": year, "quarter": q, "due_date": default_due_date(year, q)} for q in range(1, 5)]
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(Period).values(rows).on_conflict_do_nothing(index_elements=["year", "quarter"]))
    return _quarters_of(year)


def _unsaved(year: int, quarter: int) -> Period:
    """A quarter nobody has touched yet, as ``ensure_year`` would store it (not added to the session)."""
    return Period(year=year, quarter=quarter, due_date=default_due_date(year, quarter), locked=False,
                  lock_reason="", version=1)


def year_periods(year: int) -> list[Period]:
    """The four quarters of ``year`` without writing anything: stored ones, and for the missing ones
    transient rows with their default due date (saved later by ``ensure_year``)."""
    check_year(year)
    found = periods_for([year])
    return [found[(year, q)] for q in range(1, 5)]


def periods_for(years: Iterable[int]) -> dict[tuple[int, int], Period]:
    """The quarters of ``years`` keyed by (year, quarter), in one query: stored rows, and unsaved
    defaults for quarters nobody has touched yet (reading a page must not write)."""
    years = sorted(set(years))
    found: dict[tuple[int, int], Period] = {}
    if years:
        for p in db.session.scalars(select(Period).where(Period.year.in_(years))):
            found[(p.year, p.quarter)] = p
    for year in years:
        for quarter in range(1, 5):
            if (year, quarter) not in found:
                found[(year, quarter)] = _unsaved(year, quarter)
    return found


def get_period(year: int, quarter: int, create: bool = True) -> Period:
    if quarter not in QUARTER_LABELS:
        raise NotFound(_("Triwulan harus 1 sampai 4."))
    period = db.session.scalar(select(Period).where(Period.year == year, Period.quarter == quarter))
    if period is None:
        if not create:
            raise NotFound()
        period = next(p for p in ensure_year(year) if p.quarter == quarter)
    return period


def today() -> date:
    """Today in Jakarta: the day due dates are counted in."""
    return jakarta_now().date()


def deadline(period: Period) -> datetime:
    """The first instant at which a submission counts as late: the day after the due date, 00:00 WIB."""
    return datetime.combine(period.due_date + timedelta(days=1), time(0), JAKARTA)


def is_late(period: Period, today: date | None = None) -> bool:
    """The due date has passed (for something not yet submitted)."""
    today = today or jakarta_now().date()
    return today > period.due_date


def submitted_late(first_submitted_at: datetime | None, period: Period, today: date | None = None) -> bool:
    """Late: first submitted after the due date, or not submitted yet and the due date has passed."""
    if first_submitted_at is not None:
        return first_submitted_at >= deadline(period)
    return is_late(period, today)


def is_open_for_reporting(period: Period, today: date | None = None) -> bool:
    """The window opens the day after the quarter ends and stays open until it is locked."""
    today = today or jakarta_now().date()
    return not period.locked and today > quarter_end(period.year, period.quarter)


def ensure_unlocked(period: Period) -> None:
    if period.locked:
        raise Locked(_("Triwulan %(q)s %(y)d sudah dikunci; data tidak dapat diubah.", q=quarter_label(period.quarter), y=period.year))


def set_due_date(period: Period, due: date, expected_version: int | None = None) -> Period:
    check_version(period, expected_version)
    if due <= quarter_end(period.year, period.quarter):
        raise ValidationFailed(_("Batas waktu harus setelah akhir triwulan."), {"due_date": _("Batas waktu harus setelah akhir triwulan.")})
    before = period.due_date
    if before == due:
        return period
    period.due_date = due
    db.session.flush()
    audit.record("update", "period", period.id, before={"due_date": before}, after={"due_date": due},
                 summary=f"Batas waktu Triwulan {quarter_label(period.quarter)} {period.year} diubah")
    return period


def lock(period: Period, user, reason: str = "") -> Period:
    if period.locked:
        raise Conflict(_("Triwulan ini sudah dikunci."))
    period.locked = True
    period.locked_at = utcnow()
    period.locked_by_id = user.id
    period.lock_reason = (reason or "").strip()[:500]
    db.session.flush()
    audit.record("lock", "period", period.id, before={"locked": False}, after={"locked": True, "reason": period.lock_reason},
                 summary=f"Triwulan {quarter_label(period.quarter)} {period.year} dikunci", actor=user)
    return period


def unlock(period: Period, user, reason: str) -> Period:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Alasan membuka kunci wajib diisi."), {"reason": _("Wajib diisi.")})
    if not period.locked:
        raise Conflict(_("Triwulan ini tidak terkunci."))
    period.locked = False
    period.locked_at = None
    period.locked_by_id = None
    period.lock_reason = reason[:500]
    db.session.flush()
    audit.record("unlock", "period", period.id, before={"locked": True}, after={"locked": False, "reason": reason[:500]},
                 summary=f"Kunci Triwulan {quarter_label(period.quarter)} {period.year} dibuka", actor=user)
    return period
