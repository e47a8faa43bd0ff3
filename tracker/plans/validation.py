"""The rules of an activity (Rencana Aksi), shared by the form, the JSON API and the Excel import.

``clean_activity`` turns loosely typed input (API ints, form strings such as ``"250.000.000"``,
Excel cells) into checked values, or raises ``ValidationFailed`` with one message per field, keyed
like the API (``budget``, ``indicators.0.quarter_targets.2``).  It never writes to the database.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.formatting import number
from tracker.plans.models import AGGREGATIONS, BENEFICIARY_UNITS, FUNDING_CODES, Activity
from tracker.reference.models import Region

SIPD_CODE_RE = re.compile(r"^\d\.\d{2}\.\d{2}\.\d\.\d{2}\.\d{4}$")
STRATEGIES = ("S1", "S2", "S3")
MAX_BUDGET = 10**15  # Rp 1 kuadriliun: far above any kabupaten's APBD, far below BIGINT
MAX_COUNT = 10**12
MAX_TARGET = 1e12
MAX_INDICATORS = 20
MAX_REGIONS = 300
TEXT_FIELDS = (("program", 300), ("kegiatan", 300), ("name", 300))
SCALAR_FIELDS = ("program", "kegiatan", "code", "name", "strategy", "funding_source", "budget",
                 "target_beneficiaries", "beneficiary_unit")

# The Renstra/RPJMD figures of an indicator (Permendagri 86/2017 columns 5 and 6): optional numbers ≥ 0.
RENSTRA_FIELDS = (
    ("target_end", lambda: _("Target akhir Renstra harus angka ≥ 0.")),
    ("achieved_before", lambda: _("Capaian s.d. tahun lalu harus angka ≥ 0.")),
)
KEEP = object()  # an indicator field not given at all (as opposed to given empty)

_INT_PLAIN = re.compile(r"^-?\d+$")
_INT_GROUPED = re.compile(r"^-?\d{1,3}(\.\d{3})+$")  # Indonesian thousands: 250.000.000
_DEC_ID = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?$|^-?\d+(,\d+)?$")  # 1.234,5 or 12,5
_DEC_PLAIN = re.compile(r"^-?\d+(\.\d+)?$")


class RegionIndex:
    """Every kecamatan and desa of the deployment, loaded in one query and reused for many rows."""

    def __init__(self, regions: list[Region]):
        self.by_id = {r.id: r for r in regions}
        self.by_code = {r.code: r for r in regions}

    @classmethod
    def load(cls) -> RegionIndex:
        rows = db.session.scalars(select(Region).where(Region.level.in_(("kecamatan", "desa"))))
        return cls(list(rows))

    def kecamatan_id(self, region: Region) -> int:
        return region.id if region.level == "kecamatan" else region.parent_id


@dataclass
class Cleaned:
    values: dict = field(default_factory=dict)  # scalar columns
    regions: list[Region] | None = None  # None: not given (PATCH)
    indicators: list[dict] | None = None  # None: not given (PATCH)
    revision_target: int | None = None  # new effective pagu after agreement
    revision_reason: str = ""
    warnings: list[dict] = field(default_factory=list)


# ---- loose parsing ------------------------------------------------------------------------------

def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_int(value: Any) -> int | None:
    """An integer from an int, an integral float or text like '250000000' / '250.000.000' / 'Rp 5.000'.

    Returns None when it is not a whole number.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        text = value.strip().replace(" ", "").replace("\u00a0", "")
        if text[:3].lower() == "rp.":
            text = text[3:]
        elif text[:2].lower() == "rp":
            text = text[2:]
        if _INT_PLAIN.match(text):
            return int(text)
        if _INT_GROUPED.match(text):
            return int(text.replace(".", ""))
    return None


def parse_number(value: Any) -> float | None:
    """A number from int/float or text, Indonesian ('1.234,5', '12,5') or plain ('12.5')."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number_ = float(value)
        return number_ if math.isfinite(number_) else None
    if isinstance(value, str):
        text = value.strip().replace(" ", "").replace("\u00a0", "")
        if not text:
            return None
        if "," in text and _DEC_ID.match(text):
            return float(text.replace(".", "").replace(",", "."))
        if _INT_GROUPED.match(text):
            return float(text.replace(".", ""))
        if _DEC_PLAIN.match(text):
            return float(text)
    return None


def qty(value: float | None) -> str:
    """12 · 12,5 · 1.200 (Indonesian separators, no trailing zeros)."""
    if value is None:
        return "–"
    if float(value).is_integer():
        return number(int(value))
    return number(round(float(value), 2), 2).rstrip("0").rstrip(",")


# ---- the rules -------------------------------------------------------------------------------------

def _text(data: dict, key: str, errors: dict, max_len: int) -> str:
    value = data.get(key)
    value = "" if value is None else str(value).strip()
    if not value:
        errors[key] = _("Wajib diisi.")
    elif len(value) > max_len:
        errors[key] = _("Maksimal %(n)d karakter.", n=max_len)
    return value


def _whole(data: dict, key: str, errors: dict, message: str, maximum: int) -> int | None:
    raw = data.get(key)
    if _blank(raw):
        errors[key] = _("Wajib diisi.")
        return None
    value = parse_int(raw)
    if value is None or value < 0:
        errors[key] = message
        return None
    if value > maximum:
        errors[key] = _("Nilai terlalu besar.")
        return None
    return value


def _regions(raw: Any, index: RegionIndex, errors: dict) -> list[Region]:
    if raw is None or (isinstance(raw, (list, tuple)) and not raw):
        errors["region_ids"] = _("Pilih minimal satu lokasi (kecamatan atau desa/kelurahan).")
        return []
    if not isinstance(raw, (list, tuple)):
        errors["region_ids"] = _("Harus berupa daftar id wilayah.")
        return []
    if len(raw) > MAX_REGIONS:
        errors["region_ids"] = _("Maksimal %(n)d lokasi.", n=MAX_REGIONS)
        return []
    found: list[Region] = []
    for item in raw:
        region_id = parse_int(item)
        region = index.by_id.get(region_id) if region_id is not None else None
        if region is None:
            errors["region_ids"] = _(
                "Lokasi %(v)s tidak ditemukan; pilih kecamatan atau desa/kelurahan di kabupaten ini.", v=item)
            return []
        if region not in found:
            found.append(region)
    return found


def _indicator(raw: Any, i: int, errors: dict) -> dict:
    prefix = f"indicators.{i}"
    if not isinstance(raw, dict):
        errors[prefix] = _("Harus berupa objek indikator.")
        return {}
    out: dict = {"id": raw.get("id")}
    if out["id"] is not None and parse_int(out["id"]) is None:
        errors[f"{prefix}.id"] = _("Id indikator tidak valid.")
    out["id"] = parse_int(out["id"]) if out["id"] is not None else None
    for key, max_len in (("name", 300), ("unit", 40)):
        value = "" if raw.get(key) is None else str(raw.get(key)).strip()
        if not value:
            errors[f"{prefix}.{key}"] = _("Wajib diisi.")
        elif len(value) > max_len:
            errors[f"{prefix}.{key}"] = _("Maksimal %(n)d karakter.", n=max_len)
        out[key] = value
    aggregation = raw.get("aggregation")
    aggregation = "sum" if _blank(aggregation) else str(aggregation).strip().lower()
    aggregation = {"jumlah": "sum", "terakhir": "last"}.get(aggregation, aggregation)
    if aggregation not in AGGREGATIONS:
        errors[f"{prefix}.aggregation"] = _("Cara agregasi harus sum (dijumlahkan) atau last (nilai terakhir).")
    out["aggregation"] = aggregation
    target = parse_number(raw.get("target")) if not _blank(raw.get("target")) else None
    if _blank(raw.get("target")):
        errors[f"{prefix}.target"] = _("Wajib diisi.")
    elif target is None or target < 0 or target > MAX_TARGET:
        errors[f"{prefix}.target"] = _("Target harus angka ≥ 0.")
    out["target"] = target
    quarters = raw.get("quarter_targets")
    if quarters is None:
        quarters = [None, None, None, None]
    if not isinstance(quarters, (list, tuple)) or len(quarters) != 4:
        errors[f"{prefix}.quarter_targets"] = _("Harus berisi 4 nilai (target TW I–IV).")
        quarters = [None, None, None, None]
    parsed: list[float | None] = []
    for q, value in enumerate(quarters):
        if _blank(value):
            parsed.append(None)
            continue
        number_ = parse_number(value)
        if number_ is None or number_ < 0 or number_ > MAX_TARGET:
            errors[f"{prefix}.quarter_targets.{q}"] = _("Target triwulan harus angka ≥ 0.")
        parsed.append(number_)
    out["quarter_targets"] = parsed
    for key, message in RENSTRA_FIELDS:
        if key not in raw:
            out[key] = KEEP  # an older client or Excel file without the column: the stored value stays
        elif _blank(raw.get(key)):
            out[key] = None  # empty is "not recorded", never 0
        else:
            number_ = parse_number(raw.get(key))
            if number_ is None or number_ < 0 or number_ > MAX_TARGET:
                errors[f"{prefix}.{key}"] = message()
            out[key] = number_
    return out


def _keep_stored(indicators: list[dict], current: Activity | None) -> None:
    """Resolve ``KEEP``: the stored value of the same indicator, None for a new one."""
    stored = {ind.id: ind for ind in current.indicators} if current is not None else {}
    for ind in indicators:
        for key, _message in RENSTRA_FIELDS:
            if ind.get(key) is KEEP:
                known = stored.get(ind.get("id"))
                ind[key] = getattr(known, key) if known is not None else None


def indicator_warnings(indicators: list[dict]) -> list[dict]:
    """Quarter targets that do not add up (``sum``) or end elsewhere (``last``): flagged, not refused."""
    warnings = []
    for i, ind in enumerate(indicators):
        target, quarters, name = ind.get("target"), ind.get("quarter_targets") or [], ind.get("name", "")
        if target is None:
            continue
        given = [q for q in quarters if q is not None]
        key = f"indicators.{i}.quarter_targets"
        if not given:
            warnings.append({"field": key,
                             "message": _("Indikator \"%(n)s\": target per triwulan belum diisi.", n=name)})
        elif ind.get("aggregation") == "sum":
            total = sum(given)
            if not math.isclose(total, target, rel_tol=1e-9, abs_tol=1e-6):
                warnings.append({"field": key, "message": _(
                    "Indikator \"%(n)s\": jumlah target TW I–IV (%(s)s) tidak sama dengan target tahunan (%(t)s).",
                    n=name, s=qty(total), t=qty(target))})
        elif ind.get("aggregation") == "last":
            last = given[-1]
            if not math.isclose(last, target, rel_tol=1e-9, abs_tol=1e-6):
                warnings.append({"field": key, "message": _(
                    "Indikator \"%(n)s\": target triwulan terakhir (%(s)s) berbeda dari target tahunan (%(t)s).",
                    n=name, s=qty(last), t=qty(target))})
        end, before = ind.get("target_end"), ind.get("achieved_before")
        if ind.get("aggregation") == "sum" and end is not None and before is not None and before > end:
            warnings.append({"field": f"indicators.{i}.achieved_before", "message": _(
                "Indikator \"%(n)s\": capaian s.d. tahun lalu (%(b)s) sudah melebihi target akhir Renstra (%(e)s).",
                n=name, b=qty(before), e=qty(end))})
    return warnings


def stored_indicator_dicts(activity: Activity) -> list[dict]:
    return [{"id": ind.id, "name": ind.name, "unit": ind.unit, "aggregation": ind.aggregation,
             "target": ind.target, "quarter_targets": ind.quarter_targets, "target_end": ind.target_end,
             "achieved_before": ind.achieved_before} for ind in activity.indicators]


def clean_activity(data: dict, *, regions: RegionIndex, current: Activity | None = None,
                   agreed: bool = False) -> Cleaned:
    """Check an activity's fields; ``current`` given means PATCH (only the keys present are checked).

    ``agreed``: the plan was agreed, so a pagu change becomes a revision (APBD-P) that needs a reason.
    """
    errors: dict[str, str] = {}
    out = Cleaned()
    partial = current is not None

    def wanted(key: str) -> bool:
        return not partial or key in data

    for key, max_len in TEXT_FIELDS:
        if wanted(key):
            out.values[key] = _text(data, key, errors, max_len)
    if wanted("code"):
        code = "" if data.get("code") is None else str(data.get("code")).strip()
        if not code:
            errors["code"] = _("Wajib diisi.")
        elif not SIPD_CODE_RE.match(code):
            errors["code"] = _("Kode sub kegiatan harus berformat SIPD, mis. 1.06.02.2.01.0001.")
        out.values["code"] = code
    if wanted("strategy"):
        strategy = "" if data.get("strategy") is None else str(data.get("strategy")).strip().upper()
        if strategy not in STRATEGIES:
            errors["strategy"] = _("Strategi harus S1, S2 atau S3.")
        out.values["strategy"] = strategy
    if wanted("funding_source"):
        funding = "" if data.get("funding_source") is None else str(data.get("funding_source")).strip().upper()
        if funding not in FUNDING_CODES:
            errors["funding_source"] = _("Sumber dana harus salah satu dari: %(c)s.", c=", ".join(FUNDING_CODES))
        out.values["funding_source"] = funding
    budget_message = _("Pagu harus bilangan bulat ≥ 0 (Rupiah).")
    if wanted("budget"):
        out.values["budget"] = _whole(data, "budget", errors, budget_message, MAX_BUDGET)
    revised = None
    if partial and not _blank(data.get("budget_revised")):
        revised = _whole(data, "budget_revised", errors, budget_message, MAX_BUDGET)
    if wanted("target_beneficiaries"):
        if _blank(data.get("target_beneficiaries")) and not partial:
            out.values["target_beneficiaries"] = 0
        else:
            out.values["target_beneficiaries"] = _whole(
                data, "target_beneficiaries", errors, _("Target penerima manfaat harus bilangan bulat ≥ 0."), MAX_COUNT)
    if wanted("beneficiary_unit"):
        unit = data.get("beneficiary_unit")
        unit = "KK" if _blank(unit) and not partial else ("" if unit is None else str(unit).strip())
        matched = next((u for u in BENEFICIARY_UNITS if u.lower() == unit.lower()), None)
        if matched is None:
            errors["beneficiary_unit"] = _("Satuan penerima manfaat harus salah satu dari: %(c)s.",
                                           c=", ".join(BENEFICIARY_UNITS))
        out.values["beneficiary_unit"] = matched or unit
    if wanted("region_ids"):
        out.regions = _regions(data.get("region_ids"), regions, errors)
    if wanted("indicators"):
        raw = data.get("indicators")
        if not isinstance(raw, (list, tuple)) or not raw:
            errors["indicators"] = _("Isi minimal satu indikator kinerja.")
            out.indicators = []
        elif len(raw) > MAX_INDICATORS:
            errors["indicators"] = _("Maksimal %(n)d indikator.", n=MAX_INDICATORS)
            out.indicators = []
        else:
            out.indicators = [_indicator(item, i, errors) for i, item in enumerate(raw)]
            if current is not None:
                known = {ind.id for ind in current.indicators}
                seen: set[int] = set()
                for i, ind in enumerate(out.indicators):
                    if ind.get("id") is None:
                        continue
                    if ind["id"] not in known or ind["id"] in seen:
                        errors[f"indicators.{i}.id"] = _("Indikator ini bukan milik kegiatan ini.")
                    seen.add(ind["id"])
            _keep_stored(out.indicators, current)

    reason = "" if data.get("revision_reason") is None else str(data.get("revision_reason")).strip()
    if len(reason) > 1000:
        errors["revision_reason"] = _("Maksimal %(n)d karakter.", n=1000)
    out.revision_reason = reason
    if current is not None and "budget" not in errors and "budget_revised" not in errors:
        budget = out.values.pop("budget", None) if agreed else out.values.get("budget")
        # After agreement the original pagu stays; a different figure is the APBD-P (revised) pagu.
        target = revised
        if agreed and budget is not None and budget != current.budget:
            if target is not None and target != budget:
                errors["budget_revised"] = _("Kirim satu nilai pagu baru saja (budget atau budget_revised).")
            target = budget
        if target is not None and not agreed:
            errors["budget_revised"] = _(
                "Revisi pagu (APBD-P) baru dapat dicatat setelah rencana aksi disepakati; ubah pagu langsung.")
        elif target is not None and target != current.effective_budget:
            out.revision_target = target
            if not reason:
                errors["revision_reason"] = _(
                    "Rencana aksi sudah disepakati: perubahan pagu dicatat sebagai revisi (APBD-P) "
                    "dan wajib disertai alasan.")

    if out.indicators:
        # Only indicators that are themselves valid can be judged (the others carry errors already).
        out.warnings = [w for w in indicator_warnings(out.indicators)
                        if not any(k.startswith(w["field"].rsplit(".", 1)[0] + ".") for k in errors)]
    if errors:
        failure = ValidationFailed(_("Data kegiatan tidak valid. Periksa isian yang ditandai."), errors)
        failure.warnings = out.warnings  # the live check shows them alongside the errors
        raise failure
    return out
