"""The rules of a CSR commitment and a contribution, one place for the pages, the API and the Excel
import.  Each ``clean_*`` takes plain values (as a form, a JSON body or a spreadsheet row gives them)
and returns the cleaned values or raises ``ValidationFailed`` naming every bad field in Indonesian.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.csr.models import BENEFICIARY_UNITS, IN_KIND, KINDS
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.formatting import rupiah
from tracker.periods.services import MAX_YEAR, MIN_YEAR
from tracker.plans.models import Activity
from tracker.reference.models import Company, Region
from tracker.types import jakarta_now

MAX_AMOUNT = 10**15  # as a plan's budget: far above any company's TJSL, far below BIGINT
MAX_BENEFICIARIES = 10**12
MAX_REGIONS = 300
STRATEGIES = ("S1", "S2", "S3")
TEXT_LIMITS = {"title": 200, "description": 4000, "revision_reason": 1000}


def _text(data: dict, name: str, errors: dict, *, required: bool = False) -> str:
    raw = data.get(name)
    text = "" if raw is None else str(raw).strip()
    if required and not text:
        errors[name] = _("Wajib diisi.")
    elif len(text) > TEXT_LIMITS.get(name, 4000):
        errors[name] = _("Maksimal %(n)d karakter.", n=TEXT_LIMITS.get(name, 4000))
    return text


def _int(data: dict, name: str, errors: dict, *, low: int, high: int, message: str) -> int | None:
    raw = data.get(name)
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if raw is None or isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        errors[name] = message
        return None
    return raw


def clean_commitment(data: dict, *, current=None) -> dict:
    """``data`` holds the fields to set (all of them for a new commitment)."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    new = current is None

    def wanted(name: str) -> bool:
        return new or name in data

    if new:
        company_id = data.get("company_id")
        if not isinstance(company_id, int) or isinstance(company_id, bool) or db.session.get(Company, company_id) is None:
            errors["company_id"] = _("Perusahaan tidak ditemukan.")
        else:
            out["company_id"] = company_id
        year = _int(data, "year", errors, low=MIN_YEAR, high=MAX_YEAR,
                    message=_("Tahun harus antara %(a)d dan %(b)d.", a=MIN_YEAR, b=MAX_YEAR))
        if year is not None:
            out["year"] = year
    year = out.get("year", current.year if current is not None else None)
    if wanted("title"):
        out["title"] = _text(data, "title", errors, required=True)
    if wanted("description"):
        out["description"] = _text(data, "description", errors)
    if wanted("strategy"):
        if data.get("strategy") not in STRATEGIES:
            errors["strategy"] = _("Pilih strategi S1, S2 atau S3.")
        else:
            out["strategy"] = data["strategy"]
    if wanted("amount"):
        amount = _int(data, "amount", errors, low=1, high=MAX_AMOUNT,
                      message=_("Nilai komitmen harus bilangan bulat Rupiah lebih dari 0 (maksimal %(m)s).",
                                m=rupiah(MAX_AMOUNT)))
        if amount is not None:
            out["amount"] = amount
    if wanted("region_ids"):
        out["region_ids"] = _region_ids(data.get("region_ids"), errors)
    if wanted("activity_id"):
        activity_id = data.get("activity_id")
        if activity_id in (None, ""):
            out["activity_id"] = None
        elif not isinstance(activity_id, int) or isinstance(activity_id, bool):
            errors["activity_id"] = _("Kegiatan OPD tidak ditemukan.")
        else:
            activity = db.session.get(Activity, activity_id)
            if activity is None:
                errors["activity_id"] = _("Kegiatan OPD tidak ditemukan.")
            elif year is not None and activity.year != year:
                errors["activity_id"] = _("Kegiatan OPD yang didukung harus kegiatan tahun %(y)d.", y=year)
            else:
                out["activity_id"] = activity_id
    if "revision_reason" in data:
        out["revision_reason"] = _text(data, "revision_reason", errors)
    if errors:
        raise ValidationFailed(_("Data komitmen CSR tidak valid. Periksa isian yang ditandai."), errors)
    return out


def _region_ids(raw: Any, errors: dict) -> list[int]:
    if not isinstance(raw, (list, tuple)) or not raw:
        errors["region_ids"] = _("Pilih minimal satu lokasi (kecamatan atau desa/kelurahan).")
        return []
    if len(raw) > MAX_REGIONS or not all(isinstance(r, int) and not isinstance(r, bool) for r in raw):
        errors["region_ids"] = _("Lokasi tidak valid.")
        return []
    ids = sorted(set(raw))
    found = dict(db.session.execute(select(Region.id, Region.level).where(Region.id.in_(ids))).all())
    missing = [r for r in ids if r not in found]
    if missing:
        errors["region_ids"] = _("Wilayah tidak ditemukan: %(ids)s.", ids=", ".join(map(str, missing[:10])))
    elif any(found[r] not in ("kecamatan", "desa") for r in ids):
        errors["region_ids"] = _("Lokasi harus kecamatan atau desa/kelurahan.")
    return ids


def clean_contribution(data: dict, commitment_year: int, *, current=None, today: date | None = None) -> dict:
    """A contribution's date lies in its commitment's year and not after today (Jakarta); amounts are
    Rupiah > 0; in kind needs a description (and the amount is its estimated value)."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    new = current is None
    today = today or jakarta_now().date()

    def wanted(name: str) -> bool:
        return new or name in data

    if wanted("date"):
        raw = data.get("date")
        value = raw if isinstance(raw, date) else None
        if value is None and isinstance(raw, str):
            try:
                value = date.fromisoformat(raw.strip())
            except ValueError:
                value = None
        if value is None:
            errors["date"] = _("Tanggal tidak valid; gunakan format TTTT-BB-HH, misalnya 2025-04-10.")
        elif value.year != commitment_year:
            errors["date"] = _("Tanggal kontribusi harus dalam tahun komitmen (%(y)d).", y=commitment_year)
        elif value > today:
            errors["date"] = _("Tanggal kontribusi tidak boleh setelah hari ini.")
        else:
            out["date"] = value
    if wanted("kind"):
        if data.get("kind") not in KINDS:
            errors["kind"] = _("Pilih bentuk kontribusi: tunai atau natura (barang/jasa).")
        else:
            out["kind"] = data["kind"]
    if wanted("amount"):
        amount = _int(data, "amount", errors, low=1, high=MAX_AMOUNT,
                      message=_("Nilai kontribusi harus bilangan bulat Rupiah lebih dari 0 (maksimal %(m)s).",
                                m=rupiah(MAX_AMOUNT)))
        if amount is not None:
            out["amount"] = amount
    if wanted("description"):
        out["description"] = _text(data, "description", errors)
    if wanted("beneficiaries"):
        raw = data.get("beneficiaries", 0)
        value = _int({"b": 0 if raw is None else raw}, "b", errors, low=0, high=MAX_BENEFICIARIES,
                     message=_("Jumlah penerima manfaat harus bilangan bulat ≥ 0."))
        if "b" in errors:
            errors["beneficiaries"] = errors.pop("b")
        else:
            out["beneficiaries"] = value
    if wanted("beneficiary_unit"):
        unit = data.get("beneficiary_unit") or "KK"
        if unit not in BENEFICIARY_UNITS:
            errors["beneficiary_unit"] = _("Satuan penerima manfaat: %(u)s.", u=", ".join(BENEFICIARY_UNITS))
        else:
            out["beneficiary_unit"] = unit
    kind = out.get("kind", getattr(current, "kind", None))
    description = out.get("description", getattr(current, "description", ""))
    if kind == IN_KIND and not (description or "").strip() and "description" not in errors:
        errors["description"] = _("Kontribusi natura wajib diberi uraian barang/jasa yang diberikan.")
    if errors:
        raise ValidationFailed(_("Data kontribusi CSR tidak valid. Periksa isian yang ditandai."), errors)
    return out
