"""Beneficiary lists per activity and quarter: adding people (from the API, a form or a file), the
confirm/reject step of a probable match, reveals of a full number, and who may see what.

Scoping (UU 27/2022, least access): coordinators and admins see every list; an OPD user only the
beneficiaries of its own activities and the target households in the desa its activities cover;
company users none.  A reveal of a full NIK/KK is for coordinators and admins and is audited.
"""

from __future__ import annotations

from datetime import date
from typing import IO

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from tracker.audit import services as audit
from tracker.authz import Role, agency_scope, can, ensure_agency_access
from tracker.beneficiaries import identity, matching, regions
from tracker.beneficiaries.models import CONFIRMED, PROBABLE, REJECTED, UNMATCHED, Beneficiary, TargetHousehold
from tracker.beneficiaries.people import columns, date_cell, identity_fields, name_key, rows, text_cell
from tracker.errors import Forbidden, NotFound, ValidationFailed, check_version
from tracker.extensions import db
from tracker.periods.services import ensure_unlocked, get_period
from tracker.plans.models import Activity
from tracker.plans.services import get_activity
from tracker.poverty.import_files import ImportFailed, RowError, file_error
from tracker.types import utcnow

MAX_PEOPLE = 50_000  # one upload


def may_reveal(user) -> bool:
    return getattr(user, "role", None) in (Role.ADMIN, Role.COORDINATOR)


# ---- adding people ------------------------------------------------------------------------------

def _person(raw: dict, prefix: str, desa: dict[str, int], number: int) -> tuple[dict | None, list[dict], list[dict]]:
    """One person's fields, the errors that keep them out, and warnings (kept, but worth a look)."""
    errors, warnings = [], []

    def fail(field: str, message: str) -> None:
        errors.append({"row": number, "field": field, "message": message})

    name = text_cell(raw.get("name"), 120)
    if not name_key(name):
        fail("name", _("nama wajib diisi"))
    region_id = raw.get("region_id")
    if region_id is None and raw.get("region_code") not in (None, ""):
        region_id = regions.desa_id(desa, raw.get("region_code"))
    if region_id is None or region_id not in desa.values():
        fail("region_id", _("desa/kelurahan tidak ada di kabupaten ini"))
    born = raw.get("birth_date")
    if not isinstance(born, date) or born is None:
        born, problem = date_cell(born)
        if problem:
            fail("birth_date", problem)
    nik = identity.check_nik(raw.get("nik"), prefix)
    kk = identity.check_kk(raw.get("kk"), prefix)
    if nik.status == identity.INVALID:
        warnings.append({"row": number, "field": "nik", "message": _("NIK tidak sah (%(p)s): dicocokkan menurut "
                                                                     "nama, tanggal lahir dan desa", p=nik.problem)})
    if kk.status == identity.INVALID:
        fail("kk", kk.problem)
    if nik.status == identity.MISSING and kk.status == identity.MISSING and born is None:
        fail("nik", _("isi NIK, nomor KK, atau tanggal lahir agar penerima dapat dicocokkan"))
    if errors:
        return None, errors, warnings
    return {"name": name, "name_key": name_key(name), "birth_date": born or nik.birth_date,
            "address": text_cell(raw.get("address"), 255), "region_id": region_id, "nik_status": nik.status,
            **identity_fields("nik", nik), **identity_fields("kk", kk)}, errors, warnings


def add_people(activity: Activity, year: int, quarter: int, people: list[dict], actor,
               first_row: int = 1) -> dict:
    """Add people to an activity's list for a quarter, match them, and say how it went.  Rows with an
    error are left out (``errors``: row, field, message); the others are added.  The caller commits."""
    ensure_agency_access(activity.agency_id, "beneficiaries.edit", actor)
    if year != activity.year:
        raise ValidationFailed(_("Tahun harus tahun kegiatan (%(y)d).", y=activity.year),
                               {"year": _("Tahun harus tahun kegiatan (%(y)d).", y=activity.year)})
    ensure_unlocked(get_period(year, quarter))
    if len(people) > MAX_PEOPLE:
        raise ValidationFailed(_("Paling banyak %(n)d orang sekali kirim.", n=MAX_PEOPLE),
                               {"people": _("Paling banyak %(n)d orang sekali kirim.", n=MAX_PEOPLE)})
    desa, prefix = regions.desa_codes(), regions.kabupaten_prefix()
    listed = _listed_keys(activity.id, year, quarter)
    new_rows, errors, warnings = [], [], []
    for offset, raw in enumerate(people):
        fields, row_errors, row_warnings = _person(raw, prefix, desa, first_row + offset)
        errors += row_errors
        warnings += row_warnings
        if fields is None:
            continue
        key = _person_key(fields)
        if key in listed:
            errors.append({"row": first_row + offset, "field": "nik",
                           "message": _("orang ini sudah ada di daftar kegiatan ini untuk triwulan yang sama")})
            continue
        listed.add(key)
        new_rows.append(Beneficiary(activity_id=activity.id, year=year, quarter=quarter,
                                    created_by_id=getattr(actor, "id", None), **fields))
    db.session.add_all(new_rows)
    db.session.flush()
    found = matching.rematch([b.id for b in new_rows])
    if new_rows:
        audit.record("create", "beneficiary", activity.id, actor=actor, agency_id=activity.agency_id,
                     after={"activity_id": activity.id, "year": year, "quarter": quarter, "added": len(new_rows)},
                     summary=_("%(n)d penerima manfaat ditambahkan ke kegiatan %(c)s (Triwulan %(q)d %(y)d)",
                               n=len(new_rows), c=activity.code, q=quarter, y=year))
    return {"added": len(new_rows), "matched_exact": found["exact"], "matched_probable": found["probable"],
            "unmatched": found["unmatched"], "errors": errors, "warnings": warnings}


def _person_key(fields: dict) -> tuple:
    if fields["nik_hash"]:
        return ("nik", fields["nik_hash"])
    if fields["kk_hash"] and not fields["birth_date"]:
        return ("kk", fields["kk_hash"], fields["name_key"])
    return ("name", fields["name_key"], fields["birth_date"], fields["region_id"])


def _listed_keys(activity_id: int, year: int, quarter: int) -> set[tuple]:
    listed = set()
    query = select(Beneficiary.nik_hash, Beneficiary.kk_hash, Beneficiary.name_key, Beneficiary.birth_date,
                   Beneficiary.region_id).where(Beneficiary.activity_id == activity_id, Beneficiary.year == year,
                                                Beneficiary.quarter == quarter)
    for nik_hash, kk_hash, key, born, region_id in db.session.execute(query):
        listed.add(_person_key({"nik_hash": nik_hash, "kk_hash": kk_hash, "name_key": key, "birth_date": born,
                                "region_id": region_id}))
    return listed


FILE_REQUIRED = ("name", "region_code")


def add_from_file(activity: Activity, year: int, quarter: int, stream: IO[bytes], filename: str, actor) -> dict:
    """The same from an .xlsx/.csv file (columns as the target list's: nik, kk, name, birth_date,
    address, region_code); a header problem refuses the whole file."""
    reader = rows(filename, stream)
    header = next(reader, None)
    if header is None:
        raise file_error(_("berkas kosong."))
    index, problems = columns(header[1], FILE_REQUIRED)
    if problems:
        raise ImportFailed(problems)
    people, numbers = [], []
    for number, values in reader:
        people.append({field: (values[i] if i < len(values) else None) for field, i in index.items()})
        numbers.append(number)
        if len(people) > MAX_PEOPLE:
            break
    if not people:
        raise ImportFailed([RowError(0, "", _("berkas tidak berisi baris data di bawah baris judul."))])
    result = add_people(activity, year, quarter, people, actor, first_row=2)
    # Rows are numbered as the file numbers them (blank rows skipped), not by position.
    for item in result["errors"] + result["warnings"]:
        item["row"] = numbers[item["row"] - 2]
    return result


# ---- reading ------------------------------------------------------------------------------------

def activity_people(activity_id: int, year: int | None, quarter: int | None, user) -> tuple[Activity, Select]:
    activity = get_activity(activity_id, "beneficiaries.view", user)
    query = select(Beneficiary).where(Beneficiary.activity_id == activity.id).order_by(Beneficiary.id)
    if year is not None:
        query = query.where(Beneficiary.year == year)
    if quarter is not None:
        query = query.where(Beneficiary.quarter == quarter)
    return activity, query


def reached_count(activity_id: int, year: int, quarter: int | None = None) -> int:
    """Distinct people on the activity's lists (the "beneficiaries reached" by name)."""
    query = select(func.count()).select_from(Beneficiary).where(Beneficiary.activity_id == activity_id,
                                                              Beneficiary.year == year)
    if quarter is not None:
        query = query.where(Beneficiary.quarter == quarter)
    return db.session.scalar(query) or 0


def get_beneficiary(beneficiary_id: int, user) -> Beneficiary:
    row = db.session.get(Beneficiary, beneficiary_id)
    if row is None:
        raise NotFound(_("Penerima manfaat tidak ditemukan."))
    activity = db.session.get(Activity, row.activity_id)
    ensure_agency_access(activity.agency_id, "beneficiaries.view", user)
    return row


def household_scope(user) -> Select | None:
    """The desa whose target households the user may see; ``None`` = all.  Company users: none."""
    if not can(user, "beneficiaries.view"):
        raise Forbidden()
    agency_id = agency_scope(user)
    return regions.covered_desa(agency_id) if agency_id is not None else None


def get_household(household_id: int, user) -> TargetHousehold:
    row = db.session.get(TargetHousehold, household_id)
    scope = household_scope(user)
    if row is None or (scope is not None and row.region_id not in set(db.session.scalars(scope))):
        raise NotFound(_("Rumah tangga sasaran tidak ditemukan."))
    return row


def decide_match(row: Beneficiary, household_id: int | None, version: int | None, actor) -> Beneficiary:
    """Confirm a probable match (the household proposed, or another one the person chose), or reject it
    (``None``): the beneficiary then counts as outside the target list."""
    activity = db.session.get(Activity, row.activity_id)
    ensure_agency_access(activity.agency_id, "beneficiaries.edit", actor)
    check_version(row, version, required=True)
    before = {"match_status": row.match_status, "target_household_id": row.target_household_id}
    if household_id is None:
        if row.match_status not in (PROBABLE, CONFIRMED, UNMATCHED):
            raise ValidationFailed(_("Hanya kecocokan yang belum pasti yang dapat ditolak."))
        row.match_status, row.target_household_id = REJECTED, None
    else:
        household = db.session.get(TargetHousehold, household_id)
        if household is None or not household.active:
            raise ValidationFailed(_("Rumah tangga sasaran tidak ditemukan."),
                                   {"target_household_id": _("Rumah tangga sasaran tidak ditemukan.")})
        if row.match_status not in (PROBABLE, UNMATCHED, REJECTED, CONFIRMED):
            raise ValidationFailed(_("Kecocokan menurut NIK tidak perlu dikonfirmasi."))
        row.match_status, row.target_household_id = CONFIRMED, household.id
    row.matched_by_id, row.matched_at = getattr(actor, "id", None), utcnow()
    db.session.flush()
    audit.record("match", "beneficiary", row.id, actor=actor, agency_id=activity.agency_id, before=before,
                 after={"match_status": row.match_status, "target_household_id": row.target_household_id})
    return row


def reveal(row: Beneficiary | TargetHousehold, actor) -> dict:
    """The full NIK and KK, for the roles allowed, written to the audit log."""
    if not may_reveal(actor):
        raise Forbidden(_("Hanya Bappeda dan administrator yang dapat melihat NIK lengkap."))
    entity = "beneficiary" if isinstance(row, Beneficiary) else "target_household"
    audit.record("reveal", entity, row.id, actor=actor, summary=_("NIK/KK lengkap dibuka"))
    return {"nik": identity.unseal(row.nik_sealed), "kk": identity.unseal(row.kk_sealed)}


__all__ = ["UNMATCHED", "activity_people", "add_from_file", "add_people", "decide_match", "get_beneficiary",
           "get_household", "household_scope", "may_reveal", "reached_count", "reveal"]
