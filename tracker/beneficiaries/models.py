"""Beneficiaries by name and address (BNBA): the DTSEN/P3KE/DTKS target list, the people each
activity reached, and how the two were matched.

NIK and KK numbers exist only as a keyed hash (``*_hash``, what matching joins on), a Fernet token
(``*_sealed``, for the roles allowed to reveal them) and a mask (``*_masked``); see ``identity``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from tracker.extensions import db
from tracker.types import UTCDateTime, utcnow

SOURCES = ("P3KE", "DTSEN", "DTKS", "other")

# Where a beneficiary stands against the target list.
EXACT, PROBABLE, CONFIRMED, REJECTED, UNMATCHED = "exact", "probable", "confirmed", "rejected", "unmatched"
MATCH_STATUSES = (EXACT, PROBABLE, CONFIRMED, REJECTED, UNMATCHED)
REACHED = (EXACT, CONFIRMED)  # a target household counts as reached only through these

# What the desa found when it checked a household (verifikasi dan validasi, through the camat).
VERVAL_RESULTS = ("still_poor", "moved", "died", "not_poor")

# How a re-import changed a household.
ADDED, REMOVED, DESIL_CHANGED, MOVED = "added", "removed", "desil", "moved"
CHANGE_KINDS = (ADDED, REMOVED, DESIL_CHANGED, MOVED)


class _Versioned:
    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


class TargetList(db.Model):
    """One import of the target list; the newest is the current one, older ones stay as history."""

    __tablename__ = "target_list"
    __table_args__ = (CheckConstraint("source IN ('P3KE', 'DTSEN', 'DTKS', 'other')", name="source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(8))
    as_of: Mapped[date]
    filename: Mapped[str] = mapped_column(String(255), default="")
    rows: Mapped[int] = mapped_column(default=0)
    added: Mapped[int] = mapped_column(default=0)
    removed: Mapped[int] = mapped_column(default=0)
    changed: Mapped[int] = mapped_column(default=0)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class TargetHousehold(_Versioned, db.Model):
    """A person (usually the head of a household) on the target list, kept across imports by NIK.

    ``active`` is false once a newer list no longer names them; the row stays, so beneficiaries
    matched to it keep their match and the history can say who left."""

    __tablename__ = "target_household"
    __table_args__ = (
        CheckConstraint("desil IS NULL OR (desil >= 1 AND desil <= 10)", name="desil"),
        CheckConstraint("sex IS NULL OR sex IN ('L', 'P')", name="sex"),
        CheckConstraint("verval_result IS NULL OR verval_result IN ('still_poor', 'moved', 'died', 'not_poor')",
                        name="verval_result"),
        Index("ix_target_household_region_active", "region_id", "active"),
        Index("ix_target_household_match", "region_id", "birth_date", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nik_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nik_sealed: Mapped[str] = mapped_column(Text)
    nik_masked: Mapped[str] = mapped_column(String(16))
    kk_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    kk_sealed: Mapped[str | None] = mapped_column(Text)
    kk_masked: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))  # normalised for fuzzy matching
    sex: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[date | None]
    address: Mapped[str] = mapped_column(String(255), default="")
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))  # the desa
    desil: Mapped[int | None]
    nik_outside: Mapped[bool] = mapped_column(default=False)  # a NIK issued by another kabupaten
    active: Mapped[bool] = mapped_column(default=True)
    first_list_id: Mapped[int] = mapped_column(ForeignKey("target_list.id"))
    last_list_id: Mapped[int] = mapped_column(ForeignKey("target_list.id"), index=True)
    verval_result: Mapped[str | None] = mapped_column(String(12))
    verval_note: Mapped[str] = mapped_column(String(500), default="")
    verval_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verval_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class TargetChange(db.Model):
    """What one import changed for one household: added, removed, moved desil or desa."""

    __tablename__ = "target_change"
    __table_args__ = (CheckConstraint("kind IN ('added', 'removed', 'desil', 'moved')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("target_list.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("target_household.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    old_value: Mapped[str | None] = mapped_column(String(40))
    new_value: Mapped[str | None] = mapped_column(String(40))


class Beneficiary(_Versioned, db.Model):
    """One person or household an activity's program reached in a quarter, as the OPD reported them."""

    __tablename__ = "beneficiary"
    __table_args__ = (
        CheckConstraint("quarter >= 1 AND quarter <= 4", name="quarter"),
        CheckConstraint("match_status IN ('exact', 'probable', 'confirmed', 'rejected', 'unmatched')",
                        name="match_status"),
        CheckConstraint("nik_status IN ('valid', 'outside', 'invalid', 'missing')", name="nik_status"),
        Index("ix_beneficiary_activity_period", "activity_id", "year", "quarter"),
        Index("ix_beneficiary_household", "target_household_id", "match_status"),
        Index("ix_beneficiary_nik", "nik_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"))
    year: Mapped[int] = mapped_column(index=True)
    quarter: Mapped[int]
    nik_hash: Mapped[str | None] = mapped_column(String(64))
    nik_sealed: Mapped[str | None] = mapped_column(Text)
    nik_masked: Mapped[str | None] = mapped_column(String(16))
    nik_status: Mapped[str] = mapped_column(String(8))
    kk_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    kk_sealed: Mapped[str | None] = mapped_column(Text)
    kk_masked: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[date | None]
    address: Mapped[str] = mapped_column(String(255), default="")
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)  # the desa
    match_status: Mapped[str] = mapped_column(String(10), default=UNMATCHED)
    target_household_id: Mapped[int | None] = mapped_column(ForeignKey("target_household.id"))
    match_score: Mapped[int | None]  # 0-100, the fuzzy name similarity of a probable match
    matched_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # who confirmed or rejected
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
