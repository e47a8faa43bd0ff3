"""The rules of poverty figures, one place for the pages, the API and the file import.

Each ``clean_*`` takes plain values (a JSON body's ints and floats, a form's or a file's text) and
returns the cleaned values, or raises ``ValidationFailed`` naming every bad field in Indonesian.
With ``current`` (an update) only the fields present in ``data`` are checked and returned, but the
rules that tie fields together (extreme ≤ poor) see the merged values.

A measure left empty stays ``None`` (unknown), never 0.  Text numbers follow Indonesian habits
(``tracker.poverty.parsing``: ``8.420`` is a count, ``6,59`` a percentage).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import gettext as _

from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.formatting import number
from tracker.periods.services import MAX_YEAR, MIN_YEAR  # the app's one year range (2000-2100)
from tracker.poverty.models import DESILS, HOUSEHOLD_SOURCES, MEASURES, MONTHS, SOURCES
from tracker.poverty.parsing import NOT_NUMBER, blank, parse_count, parse_date, parse_decimal
from tracker.reference.models import Region

MAX_COUNT = 10**12  # people or households: far above any kabupaten, far below BIGINT
MAX_POVERTY_LINE = 10**9  # Rp per capita per month (BPS: about Rp 500.000-800.000)
MAX_INDEX = 100.0  # P1 and P2 are at most P0's scale (BPS publishes e.g. 0,97 and 0,21)
TEXT_LIMITS = {"source_document": 300, "notes": 4000}

STAT_MEASURES = ("poor_count", "poor_pct", "p1", "p2", "poverty_line", "extreme_poor_count", "extreme_pct")
STAT_FIELDS = ("region_id", "year", "month", "source", *STAT_MEASURES, "source_document", "source_date", "notes")
TARGET_FIELDS = ("region_id", "year", "measure", "value", "source_document")
HOUSEHOLD_MEASURES = tuple(f"{kind}_d{d}" for kind in ("households", "people") for d in DESILS)
HOUSEHOLD_FIELDS = ("region_id", "year", "source", *HOUSEHOLD_MEASURES, "source_document", "source_date")

STAT_LEVELS = ("kabupaten", "kecamatan")
TARGET_LEVELS = ("kabupaten", "kecamatan")
HOUSEHOLD_LEVELS = ("kecamatan", "desa")

SOURCE_LABELS = {"BPS": "BPS", "P3KE": "P3KE", "DTSEN": "DTSEN", "DISDUKCAPIL": "Disdukcapil", "OTHER": "Lainnya"}
MONTH_LABELS = {3: "Maret", 9: "September"}
MONTH_WORDS = {"maret": 3, "mar": 3, "march": 3, "september": 9, "sep": 9, "sept": 9}
MEASURE_LABELS = {"poor_pct": "Persentase penduduk miskin (P0)", "extreme_pct": "Persentase kemiskinan ekstrem"}


def source_label(source: str | None) -> str:
    return SOURCE_LABELS.get(source or "", source or "")


def month_label(month: int | None) -> str:
    """"Maret", "September", or "" for the year's only figure."""
    return _(MONTH_LABELS[month]) if month in MONTH_LABELS else ""


def measure_label(measure: str) -> str:
    return _(MEASURE_LABELS[measure]) if measure in MEASURE_LABELS else measure


# ---- field rules --------------------------------------------------------------------------------

def _count(data: dict, name: str, errors: dict, *, high: int = MAX_COUNT, positive: bool = False) -> int | None:
    value = parse_count(data.get(name))
    low = 1 if positive else 0
    if value is None:
        return None
    if value is NOT_NUMBER or not low <= value <= high:
        if positive:
            errors[name] = _("Harus bilangan bulat Rupiah lebih dari 0 (maksimal %(m)s).", m=number(high))
        else:
            errors[name] = _("Harus bilangan bulat ≥ 0 (maksimal %(m)s).", m=number(high))
        return None
    return value


def _decimal(data: dict, name: str, errors: dict, *, high: float, message: str) -> float | None:
    value = parse_decimal(data.get(name))
    if value is None:
        return None
    if value is NOT_NUMBER or not 0 <= value <= high:
        errors[name] = message
        return None
    return value


def _pct(data: dict, name: str, errors: dict) -> float | None:
    return _decimal(data, name, errors, high=100.0, message=_("Persentase harus angka antara 0 dan 100."))


def _text(data: dict, name: str, errors: dict) -> str:
    raw = data.get(name)
    text = "" if raw is None else str(raw).strip()
    limit = TEXT_LIMITS[name]
    if len(text) > limit:
        errors[name] = _("Maksimal %(n)d karakter.", n=limit)
    return text


def _year(data: dict, errors: dict) -> int | None:
    value = parse_count(data.get("year"))
    if value is None or value is NOT_NUMBER or not MIN_YEAR <= value <= MAX_YEAR:
        errors["year"] = _("Tahun harus antara %(a)d dan %(b)d.", a=MIN_YEAR, b=MAX_YEAR)
        return None
    return value


def _month(data: dict, errors: dict) -> int | None:
    raw = data.get("month")
    if blank(raw):
        return None
    value = MONTH_WORDS.get(raw.strip().lower(), raw) if isinstance(raw, str) else raw
    value = parse_count(value)
    if value not in MONTHS:
        errors["month"] = _("Bulan harus 3 (Maret), 9 (September) atau kosong (data tahunan).")
        return None
    return value


def _choice(data: dict, name: str, choices: tuple, errors: dict) -> str | None:
    raw = data.get(name)
    value = raw.strip() if isinstance(raw, str) else raw
    if isinstance(value, str) and value.upper() in choices:
        return value.upper()
    if value in choices:
        return value
    if name == "source":
        errors[name] = _("Sumber harus salah satu dari: %(c)s.", c=", ".join(choices))
    else:
        errors[name] = _("Harus salah satu dari: %(c)s.", c=", ".join(choices))
    return None


def _source_date(data: dict, errors: dict) -> date | None:
    value = parse_date(data.get("source_date"))
    if value is NOT_NUMBER:
        errors["source_date"] = _("Tanggal tidak valid; gunakan format TTTT-BB-HH, misalnya 2024-07-01.")
        return None
    return value


def _region(data: dict, levels: tuple, errors: dict) -> int | None:
    raw = data.get("region_id")
    region_id = parse_count(raw)
    region = None
    if isinstance(region_id, int) and 1 <= region_id <= 2**31 - 1:
        region = db.session.get(Region, region_id)
    if region is None:
        errors["region_id"] = _("Wilayah tidak ditemukan.")
        return None
    if region.level not in levels:
        if levels == HOUSEHOLD_LEVELS:
            errors["region_id"] = _("Jumlah rumah tangga dicatat per kecamatan atau desa/kelurahan.")
        else:
            errors["region_id"] = _("Data ini dicatat untuk kabupaten atau kecamatan, bukan %(l)s.", l=region.level)
        return None
    return region.id


def _wanted(data: dict, current) -> Callable[[str], bool]:
    return lambda name: current is None or name in data


# ---- statistics -------------------------------------------------------------------------------

def clean_stat(data: dict, *, current=None) -> dict:
    """A published set of figures (``PovertyStat``); ``data`` holds the fields to set (all of them for a
    new one: missing measures are ``None``)."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    wanted = _wanted(data, current)
    if wanted("region_id"):
        out["region_id"] = _region(data, STAT_LEVELS, errors)
    if wanted("year"):
        out["year"] = _year(data, errors)
    if wanted("month"):
        out["month"] = _month(data, errors)
    if wanted("source"):
        out["source"] = _choice(data, "source", SOURCES, errors)
    for name in ("poor_count", "extreme_poor_count"):
        if wanted(name):
            out[name] = _count(data, name, errors)
    for name in ("poor_pct", "extreme_pct"):
        if wanted(name):
            out[name] = _pct(data, name, errors)
    for name in ("p1", "p2"):
        if wanted(name):
            out[name] = _decimal(data, name, errors, high=MAX_INDEX,
                                 message=_("Indeks harus angka ≥ 0 (maksimal %(m)s).", m=number(MAX_INDEX)))
    if wanted("poverty_line"):
        out["poverty_line"] = _count(data, "poverty_line", errors, high=MAX_POVERTY_LINE, positive=True)
    for name in ("source_document", "notes"):
        if wanted(name):
            out[name] = _text(data, name, errors)
    if wanted("source_date"):
        out["source_date"] = _source_date(data, errors)

    def merged(name):
        return out[name] if name in out else getattr(current, name, None)

    poor, extreme = merged("poor_count"), merged("extreme_poor_count")
    if poor is not None and extreme is not None and extreme > poor and "extreme_poor_count" not in errors:
        errors["extreme_poor_count"] = _("Jumlah penduduk miskin ekstrem (%(e)s) tidak boleh melebihi jumlah "
                                         "penduduk miskin (%(p)s).", e=number(extreme), p=number(poor))
    poor_pct, extreme_pct = merged("poor_pct"), merged("extreme_pct")
    if poor_pct is not None and extreme_pct is not None and extreme_pct > poor_pct and "extreme_pct" not in errors:
        errors["extreme_pct"] = _("Persentase kemiskinan ekstrem (%(e)s) tidak boleh melebihi persentase penduduk "
                                  "miskin (%(p)s).", e=number(extreme_pct, 2), p=number(poor_pct, 2))
    if errors:
        raise ValidationFailed(_("Data statistik kemiskinan tidak valid. Periksa isian yang ditandai."), errors)
    return out


def stat_warnings(values) -> list[str]:
    """Figures that look odd but may be right (shown, never refused): ``values`` is a stat or a dict."""
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name, None)
    found = []
    p1, p2, p0 = get("p1"), get("p2"), get("poor_pct")
    if p1 is not None and p2 is not None and p2 > p1:
        found.append(_("Indeks keparahan (P2) lebih besar dari indeks kedalaman (P1); biasanya lebih kecil."))
    if p1 is not None and p0 is not None and p1 > p0:
        found.append(_("Indeks kedalaman (P1) lebih besar dari persentase penduduk miskin (P0); periksa satuannya."))
    if get("poor_count") is not None and p0 is None:
        found.append(_("Jumlah penduduk miskin diisi tanpa persentasenya."))
    return found


# ---- targets ----------------------------------------------------------------------------------

def clean_target(data: dict, *, current=None) -> dict:
    """A yearly RPJMD/RPKD target (``PovertyTarget``): the value is a percentage and required."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    wanted = _wanted(data, current)
    if wanted("region_id"):
        out["region_id"] = _region(data, TARGET_LEVELS, errors)
    if wanted("year"):
        out["year"] = _year(data, errors)
    if wanted("measure"):
        if data.get("measure") in MEASURES:
            out["measure"] = data["measure"]
        else:
            errors["measure"] = _("Ukuran target harus poor_pct (persentase penduduk miskin) atau extreme_pct "
                                  "(persentase kemiskinan ekstrem).")
    if wanted("value"):
        value = _pct(data, "value", errors)
        if value is None and "value" not in errors:
            errors["value"] = _("Wajib diisi: persentase target antara 0 dan 100.")
        out["value"] = value
    if wanted("source_document"):
        out["source_document"] = _text(data, "source_document", errors)
    if errors:
        raise ValidationFailed(_("Data target kemiskinan tidak valid. Periksa isian yang ditandai."), errors)
    return out


# ---- household counts --------------------------------------------------------------------------

def clean_household(data: dict, *, current=None) -> dict:
    """Poor households and people by desil 1–4 (``HouseholdCount``) in a kecamatan or desa."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    wanted = _wanted(data, current)
    if wanted("region_id"):
        out["region_id"] = _region(data, HOUSEHOLD_LEVELS, errors)
    if wanted("year"):
        out["year"] = _year(data, errors)
    if wanted("source"):
        out["source"] = _choice(data, "source", HOUSEHOLD_SOURCES, errors)
    for name in HOUSEHOLD_MEASURES:
        if wanted(name):
            out[name] = _count(data, name, errors)
    if wanted("source_document"):
        out["source_document"] = _text(data, "source_document", errors)
    if wanted("source_date"):
        out["source_date"] = _source_date(data, errors)
    if errors:
        raise ValidationFailed(_("Data jumlah rumah tangga miskin tidak valid. Periksa isian yang ditandai."), errors)
    return out


def household_warnings(values) -> list[str]:
    """People fewer than households in a desil: possible (a one-person household) only if equal."""
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name, None)
    found = []
    for d in DESILS:
        households, people = get(f"households_d{d}"), get(f"people_d{d}")
        if households is not None and people is not None and people < households:
            found.append(_("Desil %(d)d: jumlah jiwa (%(p)s) lebih kecil dari jumlah rumah tangga (%(h)s).",
                           d=d, p=number(people), h=number(households)))
    return found

