"""Poverty data: published statistics per region and year, the RPJMD/RPKD targets, and the
kecamatan household counts by welfare desil (P3KE/DTSEN) that show the poverty pockets.

Every measure may be empty (NULL): a figure BPS did not publish is unknown, never 0.  Figures from
different sources are kept side by side (the source is part of the key), never merged.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from tracker.extensions import db
from tracker.reference.models import Region
from tracker.types import UTCDateTime, utcnow

BPS, P3KE, DTSEN, DISDUKCAPIL, OTHER = "BPS", "P3KE", "DTSEN", "DISDUKCAPIL", "OTHER"
SOURCES = (BPS, P3KE, DTSEN, DISDUKCAPIL, OTHER)
HOUSEHOLD_SOURCES = (P3KE, DTSEN, OTHER)
MONTHS = (3, 9)  # BPS's March and September Susenas rounds; NULL = the year's (only) figure
POOR_PCT, EXTREME_PCT = "poor_pct", "extreme_pct"
MEASURES = (POOR_PCT, EXTREME_PCT)
DESILS = (1, 2, 3, 4)

_SOURCE_CHECK = "source IN ('BPS', 'P3KE', 'DTSEN', 'DISDUKCAPIL', 'OTHER')"


class _Audited:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


class PovertyStat(_Audited, db.Model):
    """One published set of figures for a region (the kabupaten or a kecamatan), year, round and source."""

    __tablename__ = "poverty_stat"
    __table_args__ = (
        CheckConstraint(_SOURCE_CHECK, name="source"),
        CheckConstraint("month IS NULL OR month IN (3, 9)", name="month"),
        CheckConstraint("poor_count IS NULL OR poor_count >= 0", name="poor_count"),
        CheckConstraint("extreme_poor_count IS NULL OR extreme_poor_count >= 0", name="extreme_poor_count"),
        CheckConstraint("poor_pct IS NULL OR (poor_pct >= 0 AND poor_pct <= 100)", name="poor_pct"),
        CheckConstraint("extreme_pct IS NULL OR (extreme_pct >= 0 AND extreme_pct <= 100)", name="extreme_pct"),
        CheckConstraint("p1 IS NULL OR p1 >= 0", name="p1"),
        CheckConstraint("p2 IS NULL OR p2 >= 0", name="p2"),
        CheckConstraint("poverty_line IS NULL OR poverty_line > 0", name="poverty_line"),
        # A missing month counts as its own round: NULL would never collide in a plain unique index.
        Index("uq_poverty_stat_key", "region_id", "year", text("coalesce(month, 0)"), "source", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    month: Mapped[int | None]
    source: Mapped[str] = mapped_column(String(12))
    poor_count: Mapped[int | None] = mapped_column(BigInteger)
    poor_pct: Mapped[float | None]
    p1: Mapped[float | None]
    p2: Mapped[float | None]
    poverty_line: Mapped[int | None] = mapped_column(BigInteger)  # Rp per capita per month
    extreme_poor_count: Mapped[int | None] = mapped_column(BigInteger)
    extreme_pct: Mapped[float | None]
    source_document: Mapped[str] = mapped_column(String(300), default="")
    source_date: Mapped[date | None]
    notes: Mapped[str] = mapped_column(Text, default="")

    region: Mapped[Region] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<PovertyStat {self.region_id} {self.year}/{self.month} {self.source}>"


class PovertyTarget(_Audited, db.Model):
    """A yearly target from the RPJMD or RPKD: the poverty or extreme-poverty percentage to reach."""

    __tablename__ = "poverty_target"
    __table_args__ = (
        CheckConstraint("measure IN ('poor_pct', 'extreme_pct')", name="measure"),
        CheckConstraint("value >= 0 AND value <= 100", name="value"),
        Index("uq_poverty_target_key", "region_id", "year", "measure", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    year: Mapped[int]
    measure: Mapped[str] = mapped_column(String(12))
    value: Mapped[float]
    source_document: Mapped[str] = mapped_column(String(300), default="")

    region: Mapped[Region] = relationship(lazy="joined")


class HouseholdCount(_Audited, db.Model):
    """Poor households and people in one kecamatan (or desa) by welfare desil 1–4, from P3KE or DTSEN."""

    __tablename__ = "poverty_household_count"
    __table_args__ = (
        CheckConstraint("source IN ('P3KE', 'DTSEN', 'OTHER')", name="source"),
        *(CheckConstraint(f"{kind}_d{d} IS NULL OR {kind}_d{d} >= 0", name=f"{kind}_d{d}")
          for kind in ("households", "people") for d in DESILS),
        Index("uq_poverty_household_key", "region_id", "year", "source", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(String(12))
    households_d1: Mapped[int | None]
    households_d2: Mapped[int | None]
    households_d3: Mapped[int | None]
    households_d4: Mapped[int | None]
    people_d1: Mapped[int | None]
    people_d2: Mapped[int | None]
    people_d3: Mapped[int | None]
    people_d4: Mapped[int | None]
    source_document: Mapped[str] = mapped_column(String(300), default="")
    source_date: Mapped[date | None]

    region: Mapped[Region] = relationship(lazy="joined")

    def households(self) -> list[int | None]:
        return [self.households_d1, self.households_d2, self.households_d3, self.households_d4]

    def people(self) -> list[int | None]:
        return [self.people_d1, self.people_d2, self.people_d3, self.people_d4]

    @property
    def total_households(self) -> int | None:
        known = [v for v in self.households() if v is not None]
        return sum(known) if known else None

    @property
    def total_people(self) -> int | None:
        known = [v for v in self.people() if v is not None]
        return sum(known) if known else None
