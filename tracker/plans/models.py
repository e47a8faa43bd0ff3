"""Action plans (Rencana Aksi Tahunan): one plan per OPD per year, its activities and indicators."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.reference.models import Agency, Region
from tracker.types import UTCDateTime, utcnow

FUNDING_CODES = ("APBD_KAB", "APBD_PROV", "APBN", "DAK", "DANA_DESA", "CSR", "OTHER")
BENEFICIARY_UNITS = ("KK", "jiwa", "unit", "kelompok")
AGGREGATIONS = ("sum", "last")

activity_region = Table(
    "activity_region",
    db.metadata,
    Column("activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("region.id"), primary_key=True, index=True),
)


class Plan(db.Model):
    """An OPD's plan for a year; ``agreed`` once the coordinator approves it (APBD murni)."""

    __tablename__ = "plan"
    __table_args__ = (
        UniqueConstraint("agency_id", "year"),
        CheckConstraint("status IN ('draft', 'agreed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[int] = mapped_column(default=1)

    agency: Mapped[Agency] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class Activity(db.Model):
    """A sub-kegiatan of an OPD's plan (SIPD nomenclature)."""

    __tablename__ = "activity"
    __table_args__ = (
        CheckConstraint("budget >= 0", name="budget_nonnegative"),
        CheckConstraint("budget_revised IS NULL OR budget_revised >= 0", name="revised_nonnegative"),
        CheckConstraint("strategy IN ('S1', 'S2', 'S3')", name="strategy"),
        Index("ix_activity_year_agency", "year", "agency_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    year: Mapped[int]
    program: Mapped[str] = mapped_column(String(300))
    kegiatan: Mapped[str] = mapped_column(String(300))
    code: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(300))
    strategy: Mapped[str] = mapped_column(ForeignKey("strategy.code"), index=True)
    funding_source: Mapped[str] = mapped_column(ForeignKey("funding_source.code"), index=True)
    # The original pagu (APBD murni); after the plan is agreed it changes only through revisions.
    budget: Mapped[int] = mapped_column(BigInteger)
    # The latest APBD-Perubahan figure; realisation is measured against it when set.
    budget_revised: Mapped[int | None] = mapped_column(BigInteger)
    target_beneficiaries: Mapped[int] = mapped_column(BigInteger, default=0)
    beneficiary_unit: Mapped[str] = mapped_column(String(20), default="KK")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    agency: Mapped[Agency] = relationship(lazy="raise")
    regions: Mapped[list[Region]] = relationship(secondary=activity_region, lazy="raise", order_by=Region.code)
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="activity", lazy="raise", cascade="all, delete-orphan", order_by="Indicator.position"
    )
    revisions: Mapped[list[BudgetRevision]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="BudgetRevision.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @hybrid_property
    def effective_budget(self) -> int:
        """The pagu realisation is measured against: the latest APBD-P figure, else the original."""
        return self.budget_revised if self.budget_revised is not None else self.budget

    @effective_budget.inplace.expression
    @classmethod
    def _effective_budget_sql(cls):
        return func.coalesce(cls.budget_revised, cls.budget)

    @property
    def program_code(self) -> str:
        """'1.06.02' of sub-kegiatan '1.06.02.2.01.0001' (urusan.bidang.program)."""
        return ".".join(self.code.split(".")[:3])

    @property
    def kegiatan_code(self) -> str:
        """'1.06.02.2.01' of sub-kegiatan '1.06.02.2.01.0001'."""
        return ".".join(self.code.split(".")[:5])


class Indicator(db.Model):
    """A performance indicator with an annual target and a target per quarter.

    ``sum`` indicators (counts) add their quarters up; ``last`` indicators (levels such as a
    percentage) take the latest quarter's value.
    """

    __tablename__ = "indicator"
    __table_args__ = (
        CheckConstraint("aggregation IN ('sum', 'last')", name="aggregation"),
        CheckConstraint("target >= 0", name="target_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(40))
    aggregation: Mapped[str] = mapped_column(String(4), default="sum")
    target: Mapped[float]
    target_q1: Mapped[float | None]
    target_q2: Mapped[float | None]
    target_q3: Mapped[float | None]
    target_q4: Mapped[float | None]
    # For the full Permendagri 86/2017 table (columns 5, 6, 14, 15): the Renstra/RPJMD end-of-period
    # target and what was achieved up to the end of last year; empty when the OPD did not give them.
    target_end: Mapped[float | None]
    achieved_before: Mapped[float | None]

    activity: Mapped[Activity] = relationship(back_populates="indicators", lazy="raise")

    @property
    def quarter_targets(self) -> list[float | None]:
        return [self.target_q1, self.target_q2, self.target_q3, self.target_q4]


class BudgetRevision(db.Model):
    """A budget change after the plan was agreed (APBD-Perubahan); the original stays on the activity."""

    __tablename__ = "budget_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    old_budget: Mapped[int] = mapped_column(BigInteger)
    new_budget: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
