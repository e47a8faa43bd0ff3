"""Coordination meetings (Rakor and the meetings around it) and the agreements (*kesepakatan*) they
end in, followed up until done.

An agreement has one responsible party, an OPD or a company: an agreement for several OPDs is
recorded once per OPD, so that each one's status is its own.  Its status history is kept in
``agreement_event`` (and in the audit log).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.files import StoredFileMixin
from tracker.reference.models import Agency, Company
from tracker.types import UTCDateTime, utcnow

RAKOR, PRA_RAKOR, EVALUASI, FGD, VERVAL = "rakor", "pra_rakor", "evaluasi_triwulan", "fgd", "verval"
KINDS = (RAKOR, PRA_RAKOR, EVALUASI, FGD, VERVAL)
OPEN, IN_PROGRESS, DONE, DROPPED = "open", "in_progress", "done", "dropped"
AGREEMENT_STATUSES = (OPEN, IN_PROGRESS, DONE, DROPPED)
CLOSED = frozenset({DONE, DROPPED})  # no longer followed up, never overdue
FILE_KINDS = ("undangan", "daftar_hadir", "paparan", "notulen", "lainnya")


class Meeting(db.Model):
    __tablename__ = "meeting"
    __table_args__ = (
        CheckConstraint("kind IN ('rakor', 'pra_rakor', 'evaluasi_triwulan', 'fgd', 'verval')", name="kind"),
        CheckConstraint("quarter IS NULL OR quarter BETWEEN 1 AND 4", name="quarter"),
        Index("ix_meeting_year_date", "year", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[date]
    year: Mapped[int]  # the year it evaluates (a January meeting may evaluate the year before)
    quarter: Mapped[int | None]  # the quarter it evaluates; None for a yearly or data meeting
    kind: Mapped[str] = mapped_column(String(20), default=RAKOR)
    title: Mapped[str] = mapped_column(String(300))
    place: Mapped[str] = mapped_column(String(200), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    chair: Mapped[str] = mapped_column(String(200), default="")
    minutes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    attendees: Mapped[list[MeetingAttendee]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="MeetingAttendee.id")
    agreements: Mapped[list[Agreement]] = relationship(
        lazy="raise", back_populates="meeting", cascade="all, delete-orphan", order_by="Agreement.id")
    files: Mapped[list[MeetingFile]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="MeetingFile.id")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Meeting {self.date} {self.kind} {self.title!r}>"


class MeetingAttendee(db.Model):
    """Who was present: an OPD, a company, or another party by name (a camat, BPS, a university),
    with the number of people that came."""

    __tablename__ = "meeting_attendee"
    __table_args__ = (
        CheckConstraint("people >= 0", name="people_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    people: Mapped[int] = mapped_column(default=1)

    agency: Mapped[Agency | None] = relationship(lazy="joined")
    company: Mapped[Company | None] = relationship(lazy="joined")

    @property
    def label(self) -> str:
        if self.agency is not None:
            return self.agency.name
        if self.company is not None:
            return self.company.name
        return self.name


class MeetingFile(StoredFileMixin, db.Model):
    """Invitation, attendance list scan, presentation, minutes: the bytes live under UPLOAD_FOLDER/meetings."""

    __tablename__ = "meeting_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="lainnya")


class Agreement(db.Model):
    __tablename__ = "agreement"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'in_progress', 'done', 'dropped')", name="status"),
        CheckConstraint("agency_id IS NULL OR company_id IS NULL", name="one_party"),
        Index("ix_agreement_status_due", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True)
    due_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(12), default=OPEN)
    note: Mapped[str] = mapped_column(Text, default="")  # the latest progress note
    # Bappeda's confirmation of a "done" reported by the OPD (cleared when the status changes again)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    meeting: Mapped[Meeting] = relationship(lazy="joined", back_populates="agreements")
    agency: Mapped[Agency | None] = relationship(lazy="joined")
    company: Mapped[Company | None] = relationship(lazy="joined")
    events: Mapped[list[AgreementEvent]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="AgreementEvent.id")
    files: Mapped[list[AgreementFile]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="AgreementFile.id")

    __mapper_args__ = {"version_id_col": version}

    def is_overdue(self, today: date) -> bool:
        return self.due_date is not None and self.due_date < today and self.status not in CLOSED

    def __repr__(self) -> str:
        return f"<Agreement m={self.meeting_id} {self.status}>"


class AgreementEvent(db.Model):
    """One line of an agreement's history: created, status changed (with the note), confirmed, reopened,
    edited, file added."""

    __tablename__ = "agreement_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")


class AgreementFile(StoredFileMixin, db.Model):
    """Evidence that an agreement was carried out; the bytes live under UPLOAD_FOLDER/meetings."""

    __tablename__ = "agreement_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
