"""Helpers for the evaluation tests: activities, indicators and quarterly reports written directly
with the ORM, in any status, so a test states exactly the rows the figures are computed from."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import count

from tracker.extensions import db
from tracker.periods.services import quarter_end
from tracker.plans.models import Activity, Indicator
from tracker.progress.models import IndicatorValue, ProgressReport

_codes = count(1)


def on_time(year: int, quarter: int) -> datetime:
    """A submission moment the day after the quarter ends (always before the default due date)."""
    return datetime.combine(quarter_end(year, quarter) + timedelta(days=1), time(3), UTC)


def late_moment(year: int, quarter: int) -> datetime:
    """A moment well after the default due date (the 10th of the next month)."""
    return datetime.combine(quarter_end(year, quarter) + timedelta(days=40), time(3), UTC)


def activity(agency, *, year=2025, budget=100_000_000, revised=None, strategy="S1", code=None, indicators=(),
             commit=True):
    """An activity; ``indicators`` is a list of dicts: target, aggregation ('sum'), name, unit,
    target_end, achieved_before."""
    n = next(_codes)
    a = Activity(agency_id=agency.id if hasattr(agency, "id") else agency, year=year,
                 program="Program Perlindungan Sosial", kegiatan="Pemberdayaan Sosial",
                 code=code or f"1.06.02.2.01.{n:04d}", name=f"Kegiatan uji {n}", strategy=strategy,
                 funding_source="APBD_KAB", budget=budget, budget_revised=revised, target_beneficiaries=10,
                 beneficiary_unit="KK")
    made = []
    for position, spec in enumerate(indicators):
        made.append(Indicator(position=position, name=spec.get("name", f"Indikator {position + 1}"),
                                      unit=spec.get("unit", "KK"), aggregation=spec.get("aggregation", "sum"),
                                      target=spec["target"], target_q1=None, target_q2=None, target_q3=None,
                                      target_q4=None, target_end=spec.get("target_end"),
                                      achieved_before=spec.get("achieved_before")))
    a.indicators = made
    db.session.add(a)
    db.session.flush()
    a.indicator_ids = [i.id for i in made]  # a plain attribute: the relationship is lazy="raise"
    if commit:
        db.session.commit()
    return a


def report(act, quarter, *, status="verified", realized=0, physical=None, values=None, year=None,
           first_submitted_at=None, problems="", follow_up="", commit=True):
    """A report of ``act`` for ``quarter``; ``values`` maps an indicator's position to its value."""
    year = year or act.year
    if first_submitted_at is None and status != "draft":
        first_submitted_at = on_time(year, quarter)
    r = ProgressReport(activity_id=act.id, year=year, quarter=quarter, status=status, budget_realized=realized,
                       physical_progress=physical, beneficiaries_reached=0, problems=problems, follow_up=follow_up,
                       first_submitted_at=first_submitted_at,
                       submitted_at=first_submitted_at if status != "draft" else None)
    db.session.add(r)
    db.session.flush()
    for position, value in (values or {}).items():
        db.session.add(IndicatorValue(report_id=r.id, indicator_id=act.indicator_ids[position], value=value))
    if commit:
        db.session.commit()
    return r

