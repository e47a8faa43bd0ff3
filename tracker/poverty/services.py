"""Changing poverty figures: statistics, targets and household counts.  Validate (``validation``),
check role, duplicates and version, change, flush, audit; the caller commits.

Duplicates: the key of a statistic is region/year/month/source, of a target region/year/measure, of
a household count region/year/source.  Creating a second row with the same key is refused with
``DuplicateFigure`` (409, the message names the existing row) unless ``replace=True`` is asked for:
then the existing row takes every value given (measures not given become empty: a replacement, not a
merge) and the result says ``replaced``.  Coordinators and admins write (``poverty.edit``);
``user=None`` is the server itself (CLI, demo).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker.audit import services as audit
from tracker.authz import require
from tracker.errors import Duplicate, NotFound, check_version
from tracker.extensions import db
from tracker.i18n import N_
from tracker.poverty.models import HouseholdCount, PovertyStat, PovertyTarget
from tracker.poverty.validation import (
    HOUSEHOLD_FIELDS,
    STAT_FIELDS,
    TARGET_FIELDS,
    clean_household,
    clean_stat,
    clean_target,
    measure_label,
    month_label,
    source_label,
)
from tracker.reference.models import Region
from tracker.types import utcnow

EDIT = "poverty.edit"
STALE = N_("Data ini telah diubah oleh pengguna lain (versi %(a)s, sekarang %(b)s). Muat ulang lalu ulangi.")


class DuplicateFigure(Duplicate):
    """The same key twice: 409 for the API, a field error on the form.  ``existing`` is the stored row
    (a page may offer to replace it)."""

    def __init__(self, message: str, existing, field: str = "year"):
        super().__init__(message, {field: message})
        self.existing = existing


def check_edit(user) -> None:
    if user is not None:
        require(EDIT, user)


def _region_name(region_id: int) -> str:
    region = db.session.get(Region, region_id)
    return region.name if region is not None else str(region_id)


def stat_label(region_id: int, year: int, month: int | None, source: str) -> str:
    """"Baamang 2024 (Maret), sumber BPS"."""
    when = f"{year} ({month_label(month)})" if month else str(year)
    return _("%(r)s %(w)s, sumber %(s)s", r=_region_name(region_id), w=when, s=source_label(source))


def target_label(region_id: int, year: int, measure: str) -> str:
    return _("%(r)s %(y)s, %(m)s", r=_region_name(region_id), y=year, m=measure_label(measure).lower())


def household_label(region_id: int, year: int, source: str) -> str:
    return _("%(r)s %(y)s, sumber %(s)s", r=_region_name(region_id), y=year, s=source_label(source))


def _duplicate_message(label: str, replace_hint: bool = True) -> str:
    if replace_hint:
        return _("Data %(l)s sudah ada. Pilih 'ganti' (replace) untuk menimpanya, atau ubah data yang ada.", l=label)
    return _("Data %(l)s sudah ada.", l=label)


# ---- finding by key ---------------------------------------------------------------------------

def find_stat(region_id: int, year: int, month: int | None, source: str, *, exclude_id: int | None = None):
    stmt = select(PovertyStat).where(PovertyStat.region_id == region_id, PovertyStat.year == year,
                                     func.coalesce(PovertyStat.month, 0) == (month or 0), PovertyStat.source == source)
    if exclude_id is not None:
        stmt = stmt.where(PovertyStat.id != exclude_id)
    return db.session.scalar(stmt)


def find_target(region_id: int, year: int, measure: str, *, exclude_id: int | None = None):
    stmt = select(PovertyTarget).where(PovertyTarget.region_id == region_id, PovertyTarget.year == year,
                                       PovertyTarget.measure == measure)
    if exclude_id is not None:
        stmt = stmt.where(PovertyTarget.id != exclude_id)
    return db.session.scalar(stmt)


def find_household(region_id: int, year: int, source: str, *, exclude_id: int | None = None):
    stmt = select(HouseholdCount).where(HouseholdCount.region_id == region_id, HouseholdCount.year == year,
                                        HouseholdCount.source == source)
    if exclude_id is not None:
        stmt = stmt.where(HouseholdCount.id != exclude_id)
    return db.session.scalar(stmt)


def get_stat(stat_id: int) -> PovertyStat:
    stat = db.session.get(PovertyStat, stat_id)
    if stat is None:
        raise NotFound(_("Statistik kemiskinan tidak ditemukan."))
    return stat


def get_target(target_id: int) -> PovertyTarget:
    target = db.session.get(PovertyTarget, target_id)
    if target is None:
        raise NotFound(_("Target kemiskinan tidak ditemukan."))
    return target


def get_household(household_id: int) -> HouseholdCount:
    row = db.session.get(HouseholdCount, household_id)
    if row is None:
        raise NotFound(_("Data jumlah rumah tangga miskin tidak ditemukan."))
    return row


# ---- the shared machinery ---------------------------------------------------------------------

class _Kind:
    def __init__(self, model, entity, fields, clean, find, key, label, noun):
        self.model, self.entity, self.fields, self.clean, self.find = model, entity, fields, clean, find
        self.key, self.label, self.noun = key, label, noun


STAT = _Kind(PovertyStat, "poverty_stat", STAT_FIELDS, clean_stat, find_stat,
             ("region_id", "year", "month", "source"), stat_label, "Statistik kemiskinan")
TARGET = _Kind(PovertyTarget, "poverty_target", TARGET_FIELDS, clean_target, find_target,
               ("region_id", "year", "measure"), target_label, "Target kemiskinan")
HOUSEHOLD = _Kind(HouseholdCount, "poverty_household_count", HOUSEHOLD_FIELDS, clean_household, find_household,
                  ("region_id", "year", "source"), household_label, "Jumlah rumah tangga miskin")


def _create(kind: _Kind, data: dict, user, replace: bool):
    check_edit(user)
    values = kind.clean(data)
    key = [values[k] for k in kind.key]
    existing = kind.find(*key)
    label = kind.label(*key)
    if existing is not None:
        if not replace:
            raise DuplicateFigure(_duplicate_message(label), existing)
        before = audit.snapshot(existing, kind.fields)
        for name, value in values.items():
            setattr(existing, name, value)
        old, new = audit.changed(before, audit.snapshot(existing, kind.fields))
        if new:
            existing.updated_at = utcnow()
            db.session.flush()
            audit.record("replace", kind.entity, existing.id, before=old, after=new, actor=user,
                         summary=_("%(n)s %(l)s diganti", n=_(kind.noun), l=label))
        return existing, True
    row = kind.model(**values, created_by_id=getattr(user, "id", None))
    db.session.add(row)
    db.session.flush()
    audit.record("create", kind.entity, row.id, after=audit.snapshot(row, kind.fields), actor=user,
                 summary=_("%(n)s %(l)s dicatat", n=_(kind.noun), l=label))
    return row, False


def _update(kind: _Kind, row, data: dict, user, expected_version: int | None):
    check_edit(user)
    check_version(row, expected_version, stale=_(STALE))
    values = kind.clean(data, current=row)
    key = [values.get(k, getattr(row, k)) for k in kind.key]
    if any(k in values for k in kind.key):
        other = kind.find(*key, exclude_id=row.id)
        if other is not None:
            raise DuplicateFigure(_duplicate_message(kind.label(*key), replace_hint=False), other)
    before = audit.snapshot(row, kind.fields)
    for name, value in values.items():
        setattr(row, name, value)
    old, new = audit.changed(before, audit.snapshot(row, kind.fields))
    if not new:
        return row
    row.updated_at = utcnow()
    db.session.flush()
    audit.record("update", kind.entity, row.id, before=old, after=new, actor=user,
                 summary=_("%(n)s %(l)s diubah", n=_(kind.noun), l=kind.label(*key)))
    return row


def _delete(kind: _Kind, row, user, expected_version: int | None) -> None:
    check_edit(user)
    check_version(row, expected_version, stale=_(STALE))
    label = kind.label(*[getattr(row, k) for k in kind.key])
    audit.record("delete", kind.entity, row.id, before=audit.snapshot(row, kind.fields), actor=user,
                 summary=_("%(n)s %(l)s dihapus", n=_(kind.noun), l=label))
    db.session.delete(row)
    db.session.flush()


# ---- statistics -------------------------------------------------------------------------------

def create_stat(data: dict, user, *, replace: bool = False) -> tuple[PovertyStat, bool]:
    """``data``: region_id, year, month?, source, the measures (missing = empty), source_document?,
    source_date?, notes?.  Returns ``(stat, replaced)``."""
    return _create(STAT, data, user, replace)


def update_stat(stat: PovertyStat, data: dict, user, expected_version: int | None) -> PovertyStat:
    """``data``: only the fields to change (``None`` empties a measure)."""
    return _update(STAT, stat, data, user, expected_version)


def delete_stat(stat: PovertyStat, user, expected_version: int | None = None) -> None:
    _delete(STAT, stat, user, expected_version)


# ---- targets ----------------------------------------------------------------------------------

def create_target(data: dict, user, *, replace: bool = False) -> tuple[PovertyTarget, bool]:
    """``data``: region_id, year, measure (poor_pct|extreme_pct), value, source_document?"""
    return _create(TARGET, data, user, replace)


def update_target(target: PovertyTarget, data: dict, user, expected_version: int | None) -> PovertyTarget:
    return _update(TARGET, target, data, user, expected_version)


def delete_target(target: PovertyTarget, user, expected_version: int | None = None) -> None:
    _delete(TARGET, target, user, expected_version)


# ---- household counts -------------------------------------------------------------------------

def create_household(data: dict, user, *, replace: bool = False) -> tuple[HouseholdCount, bool]:
    """``data``: region_id (kecamatan or desa), year, source (P3KE|DTSEN|OTHER), households_d1..d4,
    people_d1..d4 (missing = empty), source_document?, source_date?"""
    return _create(HOUSEHOLD, data, user, replace)


def update_household(row: HouseholdCount, data: dict, user, expected_version: int | None) -> HouseholdCount:
    return _update(HOUSEHOLD, row, data, user, expected_version)


def delete_household(row: HouseholdCount, user, expected_version: int | None = None) -> None:
    _delete(HOUSEHOLD, row, user, expected_version)

