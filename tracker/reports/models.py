"""Report jobs (one rendering each, queued, cached by the data it read) and the report settings (the
place, the signer and the logo printed on every report).

A job's file lives under ``REPORT_FOLDER`` with a generated name; a job with the same ``cache_key``
that is done and whose file still exists is served again instead of rendering anew.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.extensions import db
from tracker.types import UTCDateTime, utcnow

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUSES = (QUEUED, RUNNING, DONE, FAILED)
PENDING = (QUEUED, RUNNING)


def new_job_id() -> str:
    return uuid.uuid4().hex


class ReportJob(db.Model):
    __tablename__ = "report_job"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        Index("ix_report_job_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_job_id)
    kind: Mapped[str] = mapped_column(String(30))
    fmt: Mapped[str] = mapped_column(String(10))
    params: Mapped[str] = mapped_column(Text)  # ReportParams as JSON text (sorted keys)
    cache_key: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    stored_name: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                      index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[User | None] = relationship(lazy="joined")

    @property
    def pending(self) -> bool:
        return self.status in PENDING

    def __repr__(self) -> str:
        return f"<ReportJob {self.id} {self.kind}.{self.fmt} {self.status}>"


class ReportSettings(db.Model):
    """One row: what every report prints besides its data (the signature block, the cover logo)."""

    __tablename__ = "report_settings"
    __table_args__ = (
        CheckConstraint("signer_nip IS NULL OR length(signer_nip) = 18", name="signer_nip"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    place: Mapped[str] = mapped_column(String(100), default="")
    signer_title: Mapped[str] = mapped_column(String(150), default="Kepala Bappeda")
    signer_name: Mapped[str] = mapped_column(String(150), default="")
    signer_nip: Mapped[str | None] = mapped_column(String(18))
    logo_stored_name: Mapped[str | None] = mapped_column(String(100))
    logo_content_type: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<ReportSettings v{self.version}>"
