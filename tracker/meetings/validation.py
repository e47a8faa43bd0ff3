"""The rules of a meeting and of an agreement, one place for the pages and the API.  Each ``clean_*``
takes plain values (as a form or a JSON body gives them: dates as ``date`` or ``YYYY-MM-DD`` text) and
returns the cleaned values, or raises ``ValidationFailed`` naming every bad field in Indonesian.

``current`` given: an update, and only the keys present in ``data`` are checked and returned.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.meetings.models import AGREEMENT_STATUSES, FILE_KINDS, KINDS
from tracker.periods.services import MAX_YEAR, MIN_YEAR
from tracker.reference.models import Agency, Company

TEXT_LIMITS = {"title": 300, "place": 200, "chair": 200, "agenda": 10_000, "minutes": 50_000,
               "text": 4000, "note": 4000, "name": 200}
MAX_ATTENDEES = 300
MAX_PEOPLE = 100_000
MAX_PARTIES = 100  # OPDs named by one agreement (recorded once per OPD)


def _text(data: dict, name: str, errors: dict, *, required: bool = False, key: str | None = None) -> str:
    raw = data.get(name)
    key = key or name
    if raw is not None and not isinstance(raw, str):
        errors[key] = _("Harus berupa teks.")
        return ""
    text = (raw or "").strip()
    if required and not text:
        errors[key] = _("Wajib diisi.")
    elif len(text) > TEXT_LIMITS[name]:
        errors[key] = _("Maksimal %(n)d karakter.", n=TEXT_LIMITS[name])
    return text


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_date(raw) -> date | None:
    """A ``date``, or ``YYYY-MM-DD`` text; anything else is None."""
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            return None
    return None


def _date(data: dict, name: str, errors: dict, *, required: bool) -> date | None:
    raw = data.get(name)
    if raw is None or raw == "":
        if required:
            errors[name] = _("Wajib diisi.")
        return None
    value = parse_date(raw)
    if value is None or not MIN_YEAR <= value.year <= MAX_YEAR:
        errors[name] = _("Tanggal tidak valid; gunakan format TTTT-BB-HH, misalnya 2025-04-10.")
    return value


def _existing(model, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    return set(db.session.scalars(select(model.id).where(model.id.in_(sorted(ids)))))


# ---- meetings ---------------------------------------------------------------------------------------

def clean_meeting(data: dict, *, current=None) -> dict:
    """``date`` (required), ``year`` (the year it evaluates; default the date's year), ``quarter``
    (None or 1–4), ``kind`` (``KINDS``, default rakor), ``title`` (required), ``place``, ``agenda``,
    ``chair``, ``minutes``, ``attendance`` (see ``clean_attendance``)."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    new = current is None

    def wanted(name: str) -> bool:
        return new or name in data

    if wanted("date"):
        value = _date(data, "date", errors, required=True)
        if value is not None and "date" not in errors:
            out["date"] = value
    if wanted("year"):
        year = data.get("year")
        if year in (None, "") and new:
            year = out["date"].year if "date" in out else None
            if year is not None:
                out["year"] = year
        elif not _is_int(year) or not MIN_YEAR <= year <= MAX_YEAR:
            errors["year"] = _("Tahun harus antara %(a)d dan %(b)d.", a=MIN_YEAR, b=MAX_YEAR)
        else:
            out["year"] = year
    if wanted("quarter"):
        quarter = data.get("quarter")
        if quarter in (None, ""):
            out["quarter"] = None
        elif not _is_int(quarter) or not 1 <= quarter <= 4:
            errors["quarter"] = _("Triwulan harus 1 sampai 4, atau dikosongkan untuk rapat tahunan.")
        else:
            out["quarter"] = quarter
    if wanted("kind"):
        kind = data.get("kind")
        if kind in (None, "") and new:
            out["kind"] = KINDS[0]
        elif kind not in KINDS:
            errors["kind"] = _("Jenis rapat harus salah satu dari: %(k)s.", k=", ".join(KINDS))
        else:
            out["kind"] = kind
    if wanted("title"):
        out["title"] = _text(data, "title", errors, required=True)
    for name in ("place", "agenda", "chair", "minutes"):
        if wanted(name):
            out[name] = _text(data, name, errors)
    if wanted("attendance"):
        out["attendance"] = clean_attendance(data.get("attendance"), errors)
    if errors:
        raise ValidationFailed(_("Data rapat tidak valid. Periksa isian yang ditandai."), errors)
    return out


def clean_attendance(raw, errors: dict) -> list[dict]:
    """Who was present: a list of ``{agency_id | company_id | name, people}``; exactly one of the
    three per line, ``people`` a whole number ≥ 0 (default 1).  Errors go to ``attendance.<i>``."""
    if raw is None:
        return []
    if not isinstance(raw, (list, tuple)):
        errors["attendance"] = _("Daftar hadir harus berupa daftar.")
        return []
    if len(raw) > MAX_ATTENDEES:
        errors["attendance"] = _("Paling banyak %(n)d baris daftar hadir.", n=MAX_ATTENDEES)
        return []
    lines: list[dict] = []
    for i, item in enumerate(raw):
        key = f"attendance.{i}"
        if not isinstance(item, dict):
            errors[key] = _("Setiap baris daftar hadir harus berupa objek.")
            continue
        agency_id, company_id = item.get("agency_id"), item.get("company_id")
        name_raw = item.get("name")
        name = name_raw.strip() if isinstance(name_raw, str) else ""
        if name_raw is not None and not isinstance(name_raw, str):
            errors[key] = _("Nama harus berupa teks.")
            continue
        given = [agency_id is not None, company_id is not None, bool(name)]
        if sum(given) != 1:
            errors[key] = _("Isi tepat satu dari: OPD, perusahaan, atau nama pihak lain.")
            continue
        if (agency_id is not None and not _is_int(agency_id)) or (company_id is not None and not _is_int(company_id)):
            errors[key] = _("OPD atau perusahaan tidak ditemukan.")
            continue
        if len(name) > TEXT_LIMITS["name"]:
            errors[key] = _("Nama maksimal %(n)d karakter.", n=TEXT_LIMITS["name"])
            continue
        people = item.get("people", 1)
        if people is None or people == "":
            people = 1
        if not _is_int(people) or not 0 <= people <= MAX_PEOPLE:
            errors[key] = _("Jumlah orang harus bilangan bulat 0 sampai %(n)d.", n=MAX_PEOPLE)
            continue
        lines.append({"index": i, "agency_id": agency_id, "company_id": company_id, "name": name, "people": people})
    agencies = _existing(Agency, {x["agency_id"] for x in lines if x["agency_id"] is not None})
    companies = _existing(Company, {x["company_id"] for x in lines if x["company_id"] is not None})
    seen: set[tuple] = set()
    out = []
    for line in lines:
        key = f"attendance.{line.pop('index')}"
        if line["agency_id"] is not None and line["agency_id"] not in agencies:
            errors[key] = _("OPD tidak ditemukan.")
        elif line["company_id"] is not None and line["company_id"] not in companies:
            errors[key] = _("Perusahaan tidak ditemukan.")
        else:
            who = (line["agency_id"], line["company_id"], line["name"].casefold())
            if who in seen:
                errors[key] = _("Pihak ini sudah ada di daftar hadir.")
            seen.add(who)
            out.append(line)
    return out


# ---- agreements -------------------------------------------------------------------------------------

def _party(data: dict, errors: dict, out: dict) -> None:
    agency_id, company_id = data.get("agency_id"), data.get("company_id")
    if agency_id in ("",):
        agency_id = None
    if company_id in ("",):
        company_id = None
    if agency_id is not None and company_id is not None:
        errors["company_id"] = _("Satu kesepakatan hanya untuk satu pihak: OPD atau perusahaan, tidak keduanya.")
        return
    if agency_id is not None and (not _is_int(agency_id) or not _existing(Agency, {agency_id})):
        errors["agency_id"] = _("OPD tidak ditemukan.")
        return
    if company_id is not None and (not _is_int(company_id) or not _existing(Company, {company_id})):
        errors["company_id"] = _("Perusahaan tidak ditemukan.")
        return
    out["agency_id"], out["company_id"] = agency_id, company_id


def clean_agreement(data: dict, meeting_date: date, *, current=None) -> dict:
    """``text`` (required), one responsible party: ``agency_id`` or ``company_id`` or neither (Bappeda
    itself), ``due_date`` (optional; not before the meeting's date).  On an update the party is
    checked when either id is given, and both are returned (the other one None)."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    new = current is None
    if new or "text" in data:
        out["text"] = _text(data, "text", errors, required=True)
    if new or "agency_id" in data or "company_id" in data:
        _party(data, errors, out)
    if new or "due_date" in data:
        due = _date(data, "due_date", errors, required=False)
        if "due_date" not in errors:
            if due is not None and due < meeting_date:
                errors["due_date"] = _("Batas waktu tidak boleh sebelum tanggal rapat (%(d)s).",
                                       d=meeting_date.isoformat())
            else:
                out["due_date"] = due
    if errors:
        raise ValidationFailed(_("Data kesepakatan tidak valid. Periksa isian yang ditandai."), errors)
    return out


def clean_party_ids(raw, name: str, model, errors: dict) -> list[int]:
    """A list of OPD (or company) ids for ``add_agreements``: whole numbers that exist, no repeats."""
    if raw is None:
        return []
    if not isinstance(raw, (list, tuple)) or len(raw) > MAX_PARTIES or not all(_is_int(v) for v in raw):
        errors[name] = _("Daftar pihak tidak valid.")
        return []
    ids = list(dict.fromkeys(raw))
    missing = sorted(set(ids) - _existing(model, set(ids)))
    if missing:
        errors[name] = (_("OPD tidak ditemukan: %(ids)s.", ids=", ".join(map(str, missing[:10]))) if model is Agency
                        else _("Perusahaan tidak ditemukan: %(ids)s.", ids=", ".join(map(str, missing[:10]))))
    return ids


def clean_status(status, note, *, note_required: bool = False) -> tuple[str, str]:
    """A status of ``AGREEMENT_STATUSES`` and its note (required when ``note_required``)."""
    errors: dict[str, str] = {}
    if status not in AGREEMENT_STATUSES:
        errors["status"] = _("Status harus salah satu dari: %(s)s.", s=", ".join(AGREEMENT_STATUSES))
    text = _text({"note": note}, "note", errors)
    if note_required and not text and "note" not in errors:
        errors["note"] = _("Catatan wajib diisi.")
    if errors:
        raise ValidationFailed(_("Perubahan status tidak valid. Periksa isian yang ditandai."), errors)
    return status, text


def clean_note(note, *, required: bool = False) -> str:
    errors: dict[str, str] = {}
    text = _text({"note": note}, "note", errors)
    if required and not text and "note" not in errors:
        errors["note"] = _("Catatan wajib diisi.")
    if errors:
        raise ValidationFailed(_("Catatan tidak valid."), errors)
    return text


def clean_file_kind(kind) -> str:
    if kind in (None, ""):
        return "lainnya"
    if kind not in FILE_KINDS:
        raise ValidationFailed(_("Jenis berkas harus salah satu dari: %(k)s.", k=", ".join(FILE_KINDS)),
                               {"kind": _("Jenis berkas tidak dikenal.")})
    return kind
