"""The demo kabupaten (modelled on Kotawaringin Timur): ``flask --app wsgi demo``.

Each feature adds a section to ``SECTIONS``; sections run in order inside one transaction, so a
failed load leaves the database empty.

The demo follows the calendar: its years are this year (in Jakarta) and the one before (five years
at the large scale), and each quarter is in the state a Bappeda office would have it on ``today``:
long-past quarters verified and locked, the last one under review, the running one barely started,
later ones empty.  The same seed and date give the same data.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import func, select

from tracker.auth.models import User
from tracker.extensions import db
from tracker.reference.models import Agency
from tracker.types import JAKARTA, jakarta_now


class DemoRefused(Exception):
    pass


@dataclass
class DemoContext:
    scale: str
    rng: random.Random
    echo: Callable[[str], None]
    years: list[int]
    current_year: int
    today: date  # the date the demo's states follow (Jakarta)
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # what one section hands to the next

    @property
    def large(self) -> bool:
        return self.scale == "large"

    @property
    def now(self) -> datetime:
        """The latest instant a demo timestamp may take: the start of ``today`` in Jakarta (so the
        data depend on the date only, never on the hour of the load, and nothing lies in the future)."""
        return datetime.combine(self.today, time(0), JAKARTA)


def _sections():
    from tracker.demo import beneficiaries, csr, meetings, people, plans, poverty, progress, reference

    return [reference.load, people.load, plans.load, progress.load, csr.load, poverty.load, meetings.load,
            beneficiaries.load]


def demo_years(scale: str, current_year: int) -> list[int]:
    return list(range(current_year - 4, current_year + 1)) if scale == "large" else [current_year - 1, current_year]


def load_demo(scale: str = "small", seed: int = 2025, echo: Callable[[str], None] = print,
              current_year: int | None = None, today: date | None = None) -> list[tuple[str, str, str, str]]:
    """Load the demo into an empty database.  ``today`` (default: today in Jakarta) decides which
    quarters are done, under review, running or still ahead; ``current_year`` (default: the year of
    ``today``) is the demo's latest year."""
    existing = db.session.scalar(select(func.count()).select_from(User)) + db.session.scalar(
        select(func.count()).select_from(Agency))
    if existing:
        raise DemoRefused("Basis data sudah berisi data; data contoh hanya dimuat ke basis data kosong.")
    today = today or jakarta_now().date()
    current_year = current_year or today.year
    ctx = DemoContext(scale=scale, rng=random.Random(seed), echo=echo, years=demo_years(scale, current_year),
                      current_year=current_year, today=today)
    try:
        for section in _sections():
            section(ctx)
            db.session.flush()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return ctx.logins
