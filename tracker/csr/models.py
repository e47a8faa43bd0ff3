"""CSR (TJSL): a company's commitments for a year and the contributions it records against them.

A contribution goes through the same review machine as a progress report (``tracker.review``):
the company submits it, Bappeda verifies or returns it.  Money is integer Rupiah.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.files import StoredFileMixin
from tracker.reference.models import Company, Region
from tracker.review import STATUS_CHECK, ReviewedMixin, ReviewEventMixin
from tracker.types import UTCDateTime, utcnow

CASH, IN_KIND = "cash", "in_kind"
KINDS = (CASH, IN_KIND)
BENEFICIARY_UNITS = ("KK", "jiwa", "unit", "kelompok", "desa", "sekolah")

commitment_region = Table(
    "csr_commitment_region",
    db.metadata,
    Column("commitment_id", ForeignKey("csr_commitment.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("region.id"), primary_key=True, index=True),
)


class CsrCommitment(db.Model):
    """What a company promises for a year: a program, where, how much, optionally which OPD activity
    it supports."""

    __tablename__ = "csr_commitment"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("strategy IN ('S1', 'S2', 'S3')", name="strategy"),
        Index("ix_csr_commitment_company_year", "company_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    strategy: Mapped[str] = mapped_column(ForeignKey("strategy.code"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    company: Mapped[Company] = relationship(lazy="joined")
    regions: Mapped[list[Region]] = relationship(secondary=commitment_region, lazy="raise", order_by=Region.code)
    revisions: Mapped[list[CsrRevision]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="CsrRevision.id")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<CsrCommitment {self.company_id} {self.year} {self.title!r}>"


class CsrRevision(db.Model):
    """A change of the committed amount once contributions were verified against it (like an APBD-P
    revision of a budget): the old and new amounts, who, when and why."""

    __tablename__ = "csr_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("csr_commitment.id", ondelete="CASCADE"), index=True)
    old_amount: Mapped[int] = mapped_column(BigInteger)
    new_amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class CsrContribution(ReviewedMixin, db.Model):
    """Money paid or goods and services given against a commitment, with its evidence; reviewed."""

    __tablename__ = "csr_contribution"
    __table_args__ = (
        CheckConstraint(STATUS_CHECK, name="status"),
        CheckConstraint("kind IN ('cash', 'in_kind')", name="kind"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("beneficiaries >= 0", name="beneficiaries_nonnegative"),
        Index("ix_csr_contribution_status", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("csr_commitment.id"), index=True)
    date: Mapped[date]
    kind: Mapped[str] = mapped_column(String(10), default=CASH)
    amount: Mapped[int] = mapped_column(BigInteger)  # cash paid, or the estimated value given in kind
    description: Mapped[str] = mapped_column(Text, default="")
    beneficiaries: Mapped[int] = mapped_column(BigInteger, default=0)
    beneficiary_unit: Mapped[str] = mapped_column(String(20), default="KK")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    commitment: Mapped[CsrCommitment] = relationship(lazy="joined")
    attachments: Mapped[list[CsrAttachment]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="CsrAttachment.id")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<CsrContribution c={self.commitment_id} {self.date} {self.status}>"


class CsrEvent(ReviewEventMixin, db.Model):
    """A contribution's own history: created, saved, submitted, verified, returned, files."""

    __tablename__ = "csr_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("csr_contribution.id", ondelete="CASCADE"), index=True)


class CsrAttachment(StoredFileMixin, db.Model):
    """An evidence file of a contribution; the bytes live under UPLOAD_FOLDER/csr."""

    __tablename__ = "csr_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("csr_contribution.id", ondelete="CASCADE"), index=True)
