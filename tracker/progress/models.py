"""Quarterly progress (laporan triwulan): one report per activity per quarter, its indicator values,
its history (every save and transition) and its evidence files."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Float, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.files import StoredFileMixin
from tracker.review import (  # noqa: F401  (the statuses, as progress code has always imported them)
    DRAFT,
    RETURNED,
    STATUS_CHECK,
    STATUSES,
    SUBMITTED,
    VERIFIED,
    ReviewedMixin,
    ReviewEventMixin,
)
from tracker.types import UTCDateTime, utcnow


class ProgressReport(ReviewedMixin, db.Model):
    """An OPD's report on one activity for one quarter.

    ``budget_realized`` is the money spent in this quarter only; the running total is the sum over the
    year's quarters.  ``physical_progress`` is cumulative (0-100 %).  Fields may be empty while the
    report is a draft; submitting needs them all (see ``tracker.progress.workflow``).
    """

    __tablename__ = "progress_report"
    __table_args__ = (
        UniqueConstraint("activity_id", "year", "quarter"),
        CheckConstraint(STATUS_CHECK, name="status"),
        CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter"),
        CheckConstraint("budget_realized IS NULL OR budget_realized >= 0", name="budget_nonnegative"),
        CheckConstraint("physical_progress IS NULL OR (physical_progress >= 0 AND physical_progress <= 100)",
                        name="physical_range"),
        CheckConstraint("beneficiaries_reached IS NULL OR beneficiaries_reached >= 0", name="beneficiaries_nonnegative"),
        # Covers the quarter counts (status, and lateness from first_submitted_at) without reading rows.
        Index("ix_progress_report_period_status", "year", "quarter", "status", "first_submitted_at"),
        # The evaluation's figures (tracker.evaluation.figures_sql): an activity's counted report of a
        # quarter, and the quarter's counted reports, found and read from the index alone.
        Index("ix_progress_report_figures", "year", "quarter", "status", "activity_id", "id", "budget_realized",
              "physical_progress"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), index=True)
    year: Mapped[int]
    quarter: Mapped[int]
    budget_realized: Mapped[int | None] = mapped_column(BigInteger)
    physical_progress: Mapped[float | None] = mapped_column(Float)
    progress_drop_reason: Mapped[str] = mapped_column(Text, default="")
    beneficiaries_reached: Mapped[int | None] = mapped_column(BigInteger)
    problems: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    values: Mapped[list[IndicatorValue]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="IndicatorValue.indicator_id")
    attachments: Mapped[list[Attachment]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="Attachment.id")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<ProgressReport a={self.activity_id} {self.year}Q{self.quarter} {self.status}>"


class IndicatorValue(db.Model):
    """The value an indicator reached in the report's quarter."""

    __tablename__ = "indicator_value"
    __table_args__ = (CheckConstraint("value >= 0", name="value_nonnegative"),)

    report_id: Mapped[int] = mapped_column(ForeignKey("progress_report.id", ondelete="CASCADE"), primary_key=True)
    # No cascade: an indicator with reported values cannot be deleted (the values are evidence).
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"), primary_key=True, index=True)
    value: Mapped[float] = mapped_column(Float)


class ProgressEvent(ReviewEventMixin, db.Model):
    """The item's own history: created, saved, submitted, verified, returned, files added/removed."""

    __tablename__ = "progress_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_report.id", ondelete="CASCADE"), index=True)


class Attachment(StoredFileMixin, db.Model):
    """An evidence file; the bytes live under UPLOAD_FOLDER with a generated name."""

    __tablename__ = "progress_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_report.id", ondelete="CASCADE"), index=True)


class ReminderLog(db.Model):
    """One row per user and day a reminder e-mail went out, so a repeated cron run sends nothing twice."""

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("user_id", "sent_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    sent_on: Mapped[date]
    items: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
