"""The demo kabupaten (modelled on Kotawaringin Timur): ``flask --app wsgi demo``.

Each feature adds a section to ``SECTIONS``; sections run in order inside one transaction, so a
failed load leaves the database empty.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from tracker.auth.models import User
from tracker.extensions import db
from tracker.reference.models import Agency


class DemoRefused(Exception):
    pass


@dataclass
class DemoContext:
    scale: str
    rng: random.Random
    echo: Callable[[str], None]
    years: list[int]
    current_year: int
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # what one section hands to the next

    @property
    def large(self) -> bool:
        return self.scale == "large"


def _sections():
    from tracker.demo import people, plans, progress, reference

    return [reference.load, people.load, plans.load, progress.load]


def load_demo(scale: str = "small", seed: int = 2025, echo: Callable[[str], None] = print,
              current_year: int = 2025) -> list[tuple[str, str, str, str]]:
    existing = db.session.scalar(select(func.count()).select_from(User)) + db.session.scalar(
        select(func.count()).select_from(Agency))
    if existing:
        raise DemoRefused("Basis data sudah berisi data; data contoh hanya dimuat ke basis data kosong.")
    years = list(range(current_year - 4, current_year + 1)) if scale == "large" else [current_year - 1, current_year]
    ctx = DemoContext(scale=scale, rng=random.Random(seed), echo=echo, years=years, current_year=current_year)
    try:
        for section in _sections():
            section(ctx)
            db.session.flush()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return ctx.logins
