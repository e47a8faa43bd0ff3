"""Excel upload of an OPD's action plan: all rows or none.

Reads the filled template (``tracker.plans.excel.build_template``), checks every row with the same
rules as the form and the API, and writes nothing unless every row is valid; each problem is
reported as "Sheet 'Kegiatan' sel J7: ...".  Columns are found by their header, so their order may
change; IDs and versions tie rows to stored activities so a stale or foreign row is refused.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from io import BytesIO
from typing import IO, Any

from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from tracker.authz import ensure_agency_access
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.plans import services
from tracker.plans.excel import (
    ACTIVITY_COLUMNS,
    HEADER_ROW,
    INDICATOR_COLUMNS,
    OPTIONAL_INDICATOR,
    SHEET_ACTIVITIES,
    SHEET_INDICATORS,
    load_plan,
)
from tracker.plans.validation import RegionIndex, clean_activity, indicator_warnings, parse_int
from tracker.reference.models import Agency
from tracker.security import strip_control_characters

MAX_ROWS = 20_000
REGION_CODE = re.compile(r"^\s*(\d{2}\.\d{2}\.\d{2}(?:\.\d{4})?)(?!\d)")
REQUIRED_ACTIVITY = [k for k, _h, _w in ACTIVITY_COLUMNS if k not in ("budget_original", "revision_reason", "version")]
REQUIRED_INDICATOR = [k for k, _h, _w in INDICATOR_COLUMNS if k not in OPTIONAL_INDICATOR]


class ImportFailed(ValidationFailed):
    """Every problem of an upload: ``errors`` is a list of (sheet, cell, message)."""

    def __init__(self, errors: list[tuple[str, str, str]]):
        self.errors = errors
        fields = {}
        for sheet, cell, message in errors[:1000]:
            key = f"{sheet}!{cell}" if cell else (sheet or "file")
            fields[key] = f"{fields[key]} {message}" if key in fields else message
        super().__init__(_("Berkas tidak diimpor: %(n)d kesalahan ditemukan. Tidak ada data yang disimpan.",
                           n=len(errors)), fields)

    @staticmethod
    def describe(sheet: str, cell: str, message: str) -> str:
        if not sheet:
            return message
        if cell:
            return _("Sheet '%(s)s' sel %(c)s: %(m)s", s=sheet, c=cell, m=message)
        return _("Sheet '%(s)s': %(m)s", s=sheet, m=message)

    def lines(self) -> list[str]:
        return [self.describe(*e) for e in self.errors]


@dataclass
class _Row:
    number: int  # Excel row
    values: dict
    cells: dict  # key -> "J7"


def _open(stream: IO[bytes]):
    data = stream.read()
    if not data.startswith(b"PK"):
        raise ImportFailed([("", "", _("Berkas bukan file Excel .xlsx (unduh template dari aplikasi)."))])
    try:
        return load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise ImportFailed([("", "", _("Berkas Excel tidak dapat dibaca atau rusak."))]) from None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_sheet(ws, sheet: str, columns, required, errors) -> list[_Row]:
    rows = ws.iter_rows(min_row=1, values_only=True)
    head: tuple = ()
    for number, values in enumerate(rows, start=1):
        if number == HEADER_ROW:
            head = values
            break
    by_header = {str(h).strip().lower(): i for i, h in enumerate(head or ()) if not _blank(h)}
    index = {}
    for key, header, _w in columns:
        if header.lower() in by_header:
            index[key] = by_header[header.lower()]
        elif key in required:
            errors.append((sheet, "", _("kolom '%(h)s' tidak ditemukan di baris %(r)d; gunakan template dari aplikasi.",
                                                     h=header, r=HEADER_ROW)))
    if any(e[0] == sheet for e in errors):
        return []
    out = []
    for number, values in enumerate(rows, start=HEADER_ROW + 1):
        picked = {key: values[i] if i < len(values) else None for key, i in index.items()}
        if all(_blank(v) for k, v in picked.items() if k not in ("budget_original",)):
            continue
        if len(out) >= MAX_ROWS:
            errors.append((sheet, "", _("terlalu banyak baris (maksimal %(n)d).", n=MAX_ROWS)))
            break
        cells = {key: f"{get_column_letter(i + 1)}{number}" for key, i in index.items()}
        out.append(_Row(number, picked, cells))
    return out


def _text(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if value is None else strip_control_characters(value if isinstance(value, str) else str(value))


def _region_ids(raw: Any, index: RegionIndex) -> tuple[list[int], str | None]:
    if _blank(raw):
        return [], None
    ids = []
    for part in re.split(r"[;,\n]+", str(raw)):
        if not part.strip():
            continue
        match = REGION_CODE.match(part)
        if not match:
            return [], _("'%(p)s' bukan kode wilayah kecamatan/desa (contoh 62.02.01 atau 62.02.01.2001).",
                         p=part.strip()[:40])
        region = index.by_code.get(match.group(1))
        if region is None:
            return [], _("kode wilayah %(c)s tidak ditemukan di kabupaten ini.", c=match.group(1))
        ids.append(region.id)
    return ids, None


def _check_meta(wb, agency: Agency, year: int, errors) -> None:
    for sheet in (SHEET_ACTIVITIES, SHEET_INDICATORS):
        if sheet not in wb.sheetnames:
            errors.append((sheet, "", _("sheet tidak ditemukan; gunakan template dari aplikasi.")))
    if errors:
        return
    ws = wb[SHEET_ACTIVITIES]
    meta = list(ws.iter_rows(min_row=2, max_row=3, max_col=2, values_only=True))
    code = _text(meta[0][1]) if len(meta) > 0 and len(meta[0]) > 1 else None
    file_year = parse_int(meta[1][1]) if len(meta) > 1 and len(meta[1]) > 1 else None
    if (code or "").strip() != agency.code:
        errors.append((SHEET_ACTIVITIES, "B2", _("berkas ini untuk OPD %(f)s, bukan %(o)s (%(c)s).",
                                                   f=code or "-", o=agency.short_name, c=agency.code)))
    if file_year != year:
        errors.append((SHEET_ACTIVITIES, "B3",
                       _("berkas ini untuk tahun %(f)s, bukan %(y)s.", f=file_year or "-", y=year)))


def _activity_cell(row: _Row, key: str) -> str:
    alias = {"region_ids": "regions", "budget_revised": "budget", "agency_id": "no", "year": "no"}
    return row.cells.get(alias.get(key, key)) or row.cells.get("no", "")


def import_plan(agency: Agency, year: int, stream: IO[bytes], user) -> dict:
    """Create or update the plan's activities from a filled template, all or nothing."""
    ensure_agency_access(agency.id, "plans.edit", user)
    wb = _open(stream)
    try:
        return _import(wb, agency, year, user)
    finally:
        wb.close()


def _import(wb, agency: Agency, year: int, user) -> dict:
    errors: list[tuple[str, str, str]] = []
    _check_meta(wb, agency, year, errors)
    if errors:
        raise ImportFailed(errors)
    act_rows = _read_sheet(wb[SHEET_ACTIVITIES], SHEET_ACTIVITIES, ACTIVITY_COLUMNS, REQUIRED_ACTIVITY, errors)
    ind_rows = _read_sheet(wb[SHEET_INDICATORS], SHEET_INDICATORS, INDICATOR_COLUMNS, REQUIRED_INDICATOR, errors)
    if errors:
        raise ImportFailed(errors)

    regions = RegionIndex.load()
    plan = services.get_plan(agency.id, year)
    agreed = services.is_agreed(plan)
    existing = {a.id: a for a in load_plan(agency.id, year)}
    with_progress = services.activities_with_progress(existing)

    by_no: dict[int, _Row] = {}
    seen_ids: set[int] = set()
    for row in act_rows:
        no = parse_int(row.values.get("no"))
        if no is None or no <= 0:
            errors.append((SHEET_ACTIVITIES, row.cells["no"], _("No harus bilangan bulat positif.")))
        elif no in by_no:
            errors.append((SHEET_ACTIVITIES, row.cells["no"], _("No %(n)d dipakai lebih dari sekali.", n=no)))
        else:
            by_no[no] = row
        row.values["_no"] = no
    indicators_of: dict[int, list[_Row]] = {}
    for row in ind_rows:
        no = parse_int(row.values.get("activity_no"))
        if no is None or no not in by_no:
            errors.append((SHEET_INDICATORS, row.cells["activity_no"],
                           _("No Kegiatan '%(n)s' tidak ada di sheet 'Kegiatan'.",
                             n=_text(row.values.get("activity_no")) or "")))
            continue
        indicators_of.setdefault(no, []).append(row)

    work = []
    warnings = []
    for row in act_rows:
        v = row.values
        current = None
        if not _blank(v.get("id")):
            activity_id = parse_int(v.get("id"))
            current = existing.get(activity_id) if activity_id is not None else None
            if current is None:
                errors.append((SHEET_ACTIVITIES, row.cells["id"], _(
                    "ID '%(i)s' bukan kegiatan %(o)s tahun %(y)s; kosongkan untuk kegiatan baru.",
                    i=_text(v.get("id")), o=agency.short_name, y=year)))
                continue
            if activity_id in seen_ids:
                errors.append((SHEET_ACTIVITIES, row.cells["id"],
                               _("ID %(i)s muncul lebih dari sekali.", i=activity_id)))
                continue
            seen_ids.add(activity_id)
            version = parse_int(v.get("version")) if "version" in row.cells and not _blank(v.get("version")) else None
            if version is not None and version != current.version:
                errors.append((SHEET_ACTIVITIES, row.cells.get("version", row.cells["id"]), _(
                    "kegiatan ini telah diubah di aplikasi setelah template diunduh; unduh ulang template.")))
                continue
        region_ids, region_error = _region_ids(v.get("regions"), regions)
        if region_error:
            errors.append((SHEET_ACTIVITIES, row.cells["regions"], region_error))
        ind_list = indicators_of.get(v["_no"], []) if v["_no"] is not None else []
        data = {key: _text(v.get(key)) for key in ("program", "kegiatan", "code", "name", "strategy", "funding_source",
                                                    "beneficiary_unit", "revision_reason")}
        data["target_beneficiaries"] = v.get("target_beneficiaries")
        data["region_ids"] = region_ids if not region_error else [0]
        budget_key = "budget_revised" if (agreed and current is not None) else "budget"
        data[budget_key] = v.get("budget")
        if budget_key == "budget_revised" and _blank(v.get("budget")):
            errors.append((SHEET_ACTIVITIES, row.cells["budget"], _("Wajib diisi.")))
        data["indicators"] = [{
            "id": parse_int(r.values["id"]) if not _blank(r.values.get("id")) else None,
            "name": _text(r.values.get("name")), "unit": _text(r.values.get("unit")),
            "aggregation": _text(r.values.get("aggregation")), "target": r.values.get("target"),
            "quarter_targets": [r.values.get(q) for q in ("q1", "q2", "q3", "q4")],
            # A file without these columns (an older template) leaves the stored values as they are.
            **{key: r.values.get(key) for key in OPTIONAL_INDICATOR if key in r.cells},
        } for r in ind_list]
        for r, d in zip(ind_list, data["indicators"]):
            if d["id"] is None and not _blank(r.values.get("id")):
                errors.append((SHEET_INDICATORS, r.cells["id"],
                               _("ID indikator tidak valid; kosongkan untuk indikator baru.")))
            elif d["id"] is not None and current is None:
                errors.append((SHEET_INDICATORS, r.cells["id"],
                               _("kegiatan baru tidak boleh memakai ID indikator; kosongkan.")))
                d["id"] = None
        if current is not None and current.id in with_progress:
            kept = {d["id"] for d in data["indicators"] if d["id"] is not None}
            if {i.id for i in current.indicators} - kept:
                errors.append((SHEET_INDICATORS, "", _(
                    "kegiatan No %(n)s sudah memiliki laporan realisasi; indikatornya tidak boleh dihapus.",
                    n=v["_no"])))
        try:
            cleaned = clean_activity(data, regions=regions, current=current, agreed=agreed)
        except ValidationFailed as err:
            for key, message in (err.fields or {}).items():
                if key == "region_ids" and region_error:
                    continue
                errors.append(_locate(row, ind_list, key, message, v["_no"]))
            continue
        for w in indicator_warnings(cleaned.indicators or []):
            _ind, index, field = w["field"].split(".")
            cells = ind_list[int(index)].cells
            warnings.append({"cell": f"{SHEET_INDICATORS}!{cells.get(field, cells['target'])}", "message": w["message"]})
        work.append((current, cleaned))

    if errors:
        raise ImportFailed(sorted(set(errors), key=_error_order))
    return _apply(work, agency, year, plan, user, warnings, with_progress)


def _locate(row: _Row, ind_list: list[_Row], key: str, message: str, no) -> tuple[str, str, str]:
    parts = key.split(".")
    if parts[0] == "indicators" and len(parts) == 1:
        return (SHEET_ACTIVITIES, row.cells.get("no", ""),
                _("kegiatan No %(n)s: %(m)s (sheet 'Indikator')", n=no, m=message))
    if parts[0] == "indicators":
        ind = ind_list[int(parts[1])]
        field = parts[2] if len(parts) > 2 else "name"
        if field == "quarter_targets":
            field = f"q{int(parts[3]) + 1}" if len(parts) > 3 else "q1"
        return (SHEET_INDICATORS, ind.cells.get(field, ind.cells["activity_no"]), message)
    return (SHEET_ACTIVITIES, _activity_cell(row, key), message)


def _error_order(error: tuple[str, str, str]):
    sheet, cell, _m = error
    match = re.match(r"([A-Z]+)(\d+)", cell or "")
    return (sheet != SHEET_ACTIVITIES, int(match.group(2)) if match else 0, cell or "")


def _apply(work, agency: Agency, year: int, plan, user, warnings, with_progress) -> dict:
    plan = plan or services.ensure_plan(agency.id, year)
    created, updated, unchanged = [], [], 0
    for current, cleaned in work:
        if current is None:
            created.append(services.new_activity(cleaned, agency.id, year, plan, user))
        else:
            before = services.apply_update(current, cleaned, user, has_progress=current.id in with_progress)
            if before is None:
                unchanged += 1
            else:
                updated.append((current, before))
    db.session.flush()
    for activity in created:
        services.audit_created(activity, user, via=" (impor Excel)")
    for activity, before in updated:
        services.audit_updated(activity, before, user, via=" (impor Excel)")
    return {"created": len(created), "updated": len(updated), "unchanged": unchanged, "warnings": warnings[:200]}
