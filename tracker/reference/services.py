"""OPDs, companies and regions: validation and audited changes shared by pages, API and CLI."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker.audit import services as audit
from tracker.errors import Duplicate, ValidationFailed, check_version
from tracker.extensions import db
from tracker.reference.models import PARENT_LEVEL, Agency, Company, Region, RegionLevel

AGENCY_FIELDS = ("code", "name", "short_name", "active")
COMPANY_FIELDS = ("name", "sector", "address", "contact_name", "contact_email", "active")
REGION_FIELDS = ("code", "name", "level", "parent_id")

# Kemendagri codes: 62.02 (kabupaten), 62.02.01 (kecamatan), 62.02.01.2001 (desa/kelurahan).
REGION_CODE_RE = {
    RegionLevel.KABUPATEN: re.compile(r"^\d{2}\.\d{2}$"),
    RegionLevel.KECAMATAN: re.compile(r"^\d{2}\.\d{2}\.\d{2}$"),
    RegionLevel.DESA: re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"),
}


def _text(data: dict, key: str, errors: dict, *, required: bool, max_len: int) -> str:
    value = data.get(key)
    value = "" if value is None else str(value).strip()
    if required and not value:
        errors[key] = _("Wajib diisi.")
    elif len(value) > max_len:
        errors[key] = _("Maksimal %(n)d karakter.", n=max_len)
    return value


def _failure(errors: dict, duplicates: set) -> type[ValidationFailed]:
    """422 for invalid input; 409 (still a form error) when the only problem is a value already taken."""
    return Duplicate if set(errors) <= duplicates else ValidationFailed


def _apply(obj, values: dict, fields: tuple[str, ...]) -> tuple[dict, dict]:
    before = audit.snapshot(obj, fields)
    for key, value in values.items():
        setattr(obj, key, value)
    return audit.changed(before, audit.snapshot(obj, fields))


# ---- agencies ----------------------------------------------------------------------------------

def _agency_values(data: dict, current: Agency | None) -> dict:
    errors: dict[str, str] = {}
    duplicates: set[str] = set()
    values: dict = {}
    partial = current is not None
    for key, max_len in (("code", 30), ("name", 200), ("short_name", 60)):
        if partial and key not in data:
            continue
        values[key] = _text(data, key, errors, required=True, max_len=max_len)
    if "active" in data:
        values["active"] = bool(data["active"])
    for key in ("code", "name"):
        if key in values and key not in errors:
            clash = db.session.scalar(
                select(Agency.id).where(func.lower(getattr(Agency, key)) == values[key].lower())
            )
            if clash and (current is None or clash != current.id):
                errors[key] = _("Sudah dipakai oleh OPD lain.")
                duplicates.add(key)
    if errors:
        raise _failure(errors, duplicates)(_("Data OPD tidak valid."), errors)
    return values


def create_agency(data: dict) -> Agency:
    agency = Agency(**_agency_values(data, None))
    db.session.add(agency)
    db.session.flush()
    audit.record("create", "agency", agency.id, after=audit.snapshot(agency, AGENCY_FIELDS),
                 agency_id=agency.id, summary=f"OPD {agency.short_name} dibuat")
    return agency


def update_agency(agency: Agency, data: dict, expected_version: int | None = None) -> Agency:
    check_version(agency, expected_version)
    old, new = _apply(agency, _agency_values(data, agency), AGENCY_FIELDS)
    if new:
        db.session.flush()
        audit.record("update", "agency", agency.id, before=old, after=new, agency_id=agency.id,
                     summary=f"OPD {agency.short_name} diubah")
    return agency


# ---- companies ---------------------------------------------------------------------------------

def _company_values(data: dict, current: Company | None) -> dict:
    errors: dict[str, str] = {}
    duplicates: set[str] = set()
    values: dict = {}
    partial = current is not None
    for key, max_len, required in (
        ("name", 200, True), ("sector", 100, False), ("address", 300, False),
        ("contact_name", 120, False), ("contact_email", 200, False),
    ):
        if partial and key not in data:
            continue
        values[key] = _text(data, key, errors, required=required, max_len=max_len)
    if values.get("contact_email") and "contact_email" not in errors:
        try:
            values["contact_email"] = validate_email(values["contact_email"], check_deliverability=False).normalized
        except EmailNotValidError:
            errors["contact_email"] = _("Alamat e-mail tidak valid.")
    if "active" in data:
        values["active"] = bool(data["active"])
    if values.get("name") and "name" not in errors:
        clash = db.session.scalar(select(Company.id).where(func.lower(Company.name) == values["name"].lower()))
        if clash and (current is None or clash != current.id):
            errors["name"] = _("Perusahaan dengan nama ini sudah ada.")
            duplicates.add("name")
    if errors:
        raise _failure(errors, duplicates)(_("Data perusahaan tidak valid."), errors)
    return values


def create_company(data: dict) -> Company:
    company = Company(**_company_values(data, None))
    db.session.add(company)
    db.session.flush()
    audit.record("create", "company", company.id, after=audit.snapshot(company, COMPANY_FIELDS),
                 company_id=company.id, summary=f"Perusahaan {company.name} dibuat")
    return company


def update_company(company: Company, data: dict, expected_version: int | None = None) -> Company:
    check_version(company, expected_version)
    old, new = _apply(company, _company_values(data, company), COMPANY_FIELDS)
    if new:
        db.session.flush()
        audit.record("update", "company", company.id, before=old, after=new, company_id=company.id,
                     summary=f"Perusahaan {company.name} diubah")
    return company


# ---- regions -----------------------------------------------------------------------------------

def _region_values(data: dict, current: Region | None) -> dict:
    errors: dict[str, str] = {}
    duplicates: set[str] = set()
    partial = current is not None
    values: dict = {}
    for key, max_len in (("code", 20), ("name", 120)):
        if partial and key not in data:
            continue
        values[key] = _text(data, key, errors, required=True, max_len=max_len)
    level = data.get("level", current.level if current else None)
    parent_id = data.get("parent_id", current.parent_id if current else None)
    if level not in {lvl.value for lvl in RegionLevel}:
        errors["level"] = _("Tingkat wilayah harus kabupaten, kecamatan atau desa.")
    else:
        level = RegionLevel(level)
        values["level"] = level.value
        code = values.get("code", current.code if current else "")
        if "code" not in errors and not REGION_CODE_RE[level].match(code):
            errors["code"] = _("Kode Kemendagri tidak sesuai tingkat wilayah (contoh: 62.02, 62.02.01, 62.02.01.2001).")
        wanted_parent = PARENT_LEVEL[level]
        if wanted_parent is None:
            values["parent_id"] = None
            if parent_id:
                errors["parent_id"] = _("Kabupaten/kota tidak memiliki induk.")
        else:
            parent = db.session.get(Region, parent_id) if isinstance(parent_id, int) else None
            if parent is None:
                errors["parent_id"] = _("Induk wilayah wajib diisi dan harus ada.")
            elif parent.level != wanted_parent:
                errors["parent_id"] = _("Induk %(level)s harus berupa %(parent)s.", level=level.value, parent=wanted_parent.value)
            elif "code" not in errors and not code.startswith(parent.code + "."):
                errors["code"] = _("Kode harus diawali kode induknya (%(code)s).", code=parent.code)
            else:
                values["parent_id"] = parent.id
    if values.get("code") and "code" not in errors:
        clash = db.session.scalar(select(Region.id).where(Region.code == values["code"]))
        if clash and (current is None or clash != current.id):
            errors["code"] = _("Kode wilayah sudah terdaftar.")
            duplicates.add("code")
    if errors:
        raise _failure(errors, duplicates)(_("Data wilayah tidak valid."), errors)
    return values


def create_region(data: dict) -> Region:
    region = Region(**_region_values(data, None))
    db.session.add(region)
    db.session.flush()
    audit.record("create", "region", region.id, after=audit.snapshot(region, REGION_FIELDS),
                 summary=f"Wilayah {region.code} {region.name} dibuat")
    return region


def update_region(region: Region, data: dict, expected_version: int | None = None) -> Region:
    check_version(region, expected_version)
    old, new = _apply(region, _region_values(data, region), REGION_FIELDS)
    if new:
        db.session.flush()
        audit.record("update", "region", region.id, before=old, after=new,
                     summary=f"Wilayah {region.code} diubah")
    return region
