"""Excel upload of a company's CSR year: all rows or none.

Reads the filled template (``tracker.csr.excel.build_template``), checks every row with the rules of
``tracker.csr.validation`` (the same as the pages and the API), and writes nothing unless every row
is valid; each problem is reported with its cell ("Sheet 'Kontribusi' sel F7: ...", and in
``fields`` as ``"Kontribusi!F7"``).  Columns are found by their header.  IDs tie rows to stored
records: another company's (or another year's) ID is refused like an unknown one, a stale version is
refused, and a submitted or verified contribution cannot be changed (the row may stay as it is).

New contributions are saved as drafts; "ya" in the column "Ajukan?" submits a draft or returned one.
The changes go through ``tracker.csr.services``, so each has its audit row and history event.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from typing import IO, Any

from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from tracker.authz import ensure_company_access
from tracker.csr import queries, services
from tracker.csr.excel_layout import (
    COMMITMENT_COLUMNS,
    CONTRIBUTION_COLUMNS,
    HEADER_ROW,
    INFO_COLUMNS,
    KIND_WORDS,
    NO,
    SHEET_COMMITMENTS,
    SHEET_CONTRIBUTIONS,
    YES,
    load_year,
)
from tracker.csr.models import CsrCommitment
from tracker.csr.validation import clean_commitment, clean_contribution
from tracker.errors import AppError, ValidationFailed
from tracker.plans.excel_import import ImportFailed
from tracker.plans.validation import RegionIndex, parse_int
from tracker.reference.models import Company
from tracker.review import EDITABLE, SUBMIT, status_label
from tracker.security import strip_control_characters

__all__ = ["ImportFailed", "import_workbook"]

MAX_ROWS = 5_000
REGION_CODE = re.compile(r"^\s*(\d{2}\.\d{2}\.\d{2}(?:\.\d{4})?)(?!\d)")
LEADING_ID = re.compile(r"^\s*(\d{1,12})(?:\s*(?:\||$))")
DAY_FIRST = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")
COMMITMENT_FIELDS = {"title": "title", "description": "description", "strategy": "strategy", "amount": "amount",
                     "region_ids": "regions", "activity_id": "activity", "revision_reason": "revision_reason"}
CONTRIBUTION_FIELDS = ("date", "kind", "amount", "description", "beneficiaries", "beneficiary_unit")


@dataclass
class _Row:
    sheet: str
    number: int
    values: dict
    cells: dict  # key -> "F7"

    def at(self, key: str) -> str:
        return self.cells.get(key) or next(iter(self.cells.values()), "")


@dataclass
class _Plan:
    """What the upload will do, once every row has passed."""

    commitments: list = field(default_factory=list)  # (row no, current or None, data)
    contributions: list = field(default_factory=list)  # (row no, current or None, data, submit)
    kept: int = 0  # submitted or verified contributions left as they are


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return strip_control_characters(value if isinstance(value, str) else str(value)).strip()


def _open(stream: IO[bytes]):
    data = stream.read()
    if not data.startswith(b"PK"):
        raise ImportFailed([("", "", _("Berkas bukan file Excel .xlsx (unduh template dari aplikasi)."))])
    try:
        return load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise ImportFailed([("", "", _("Berkas Excel tidak dapat dibaca atau rusak."))]) from None


def _read_sheet(ws, sheet: str, columns, errors) -> list[_Row]:
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
        elif key not in INFO_COLUMNS and key not in ("version", "revision_reason", "submit"):
            errors.append((sheet, "", _("kolom '%(h)s' tidak ditemukan di baris %(r)d; gunakan template dari aplikasi.",
                                        h=header, r=HEADER_ROW)))
    if any(e[0] == sheet for e in errors):
        return []
    out = []
    for number, values in enumerate(rows, start=HEADER_ROW + 1):
        picked = {key: values[i] if i < len(values) else None for key, i in index.items()}
        if all(_blank(v) for k, v in picked.items() if k not in INFO_COLUMNS):
            continue
        if len(out) >= MAX_ROWS:
            errors.append((sheet, "", _("terlalu banyak baris (maksimal %(n)d).", n=MAX_ROWS)))
            break
        cells = {key: f"{get_column_letter(i + 1)}{number}" for key, i in index.items()}
        out.append(_Row(sheet, number, picked, cells))
    return out


def _check_meta(wb, company: Company, year: int, errors) -> None:
    for sheet in (SHEET_COMMITMENTS, SHEET_CONTRIBUTIONS):
        if sheet not in wb.sheetnames:
            errors.append((sheet, "", _("sheet tidak ditemukan; gunakan template dari aplikasi.")))
    if errors:
        return
    for sheet in (SHEET_COMMITMENTS, SHEET_CONTRIBUTIONS):
        meta = list(wb[sheet].iter_rows(min_row=2, max_row=3, max_col=2, values_only=True))
        file_company = parse_int(meta[0][1]) if len(meta) > 0 and len(meta[0]) > 1 else None
        file_year = parse_int(meta[1][1]) if len(meta) > 1 and len(meta[1]) > 1 else None
        if file_company != company.id:
            errors.append((sheet, "B2", _("berkas ini bukan untuk %(c)s (ID %(i)d); unduh template perusahaan Anda.",
                                          c=company.name, i=company.id)))
        if file_year != year:
            errors.append((sheet, "B3", _("berkas ini untuk tahun %(f)s, bukan %(y)s.", f=file_year or "-", y=year)))


def _region_ids(raw: Any, index: RegionIndex) -> tuple[list[int], str | None]:
    ids = []
    for part in re.split(r"[;,\n]+", "" if raw is None else str(raw)):
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


def _date(raw: Any) -> Any:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, str) and (m := DAY_FIRST.match(raw)):
        try:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            return raw
    return _text(raw) if not isinstance(raw, date) else raw


def _number(raw: Any) -> Any:
    value = parse_int(raw)
    return value if value is not None else ("" if raw is None else _text(raw) or None)


def _known(row: _Row, existing: dict, what: str, company: Company, year: int, seen: set, errors):
    """The stored record a row's ID names (None for a new row); an error when it is not this
    company's record of this year, or appears twice, or changed since the download."""
    if _blank(row.values.get("id")):
        return None, True
    record_id = parse_int(row.values.get("id"))
    current = existing.get(record_id) if record_id is not None else None
    if current is None:
        errors.append((row.sheet, row.at("id"), _(
            "ID '%(i)s' bukan %(w)s %(c)s tahun %(y)s; kosongkan untuk baris baru.",
            i=_text(row.values.get("id")), w=what, c=company.name, y=year)))
        return None, False
    if record_id in seen:
        errors.append((row.sheet, row.at("id"), _("ID %(i)s muncul lebih dari sekali.", i=record_id)))
        return None, False
    seen.add(record_id)
    version = parse_int(row.values.get("version")) if not _blank(row.values.get("version")) else None
    if version is not None and version != current.version:
        errors.append((row.sheet, row.at("version"),
                       _("baris ini telah diubah di aplikasi setelah berkas diunduh; unduh ulang template.")))
        return None, False
    return current, True


def import_workbook(company: Company, year: int, stream: IO[bytes], user, *, today: date | None = None) -> dict:
    """Create or update the company's commitments and contributions of ``year`` from a filled
    template, all or nothing; returns {"created", "updated", "unchanged", "submitted", "commitments":
    {...}, "contributions": {...}}.  Flushes; the caller commits."""
    ensure_company_access(company.id, "csr.edit", user)
    wb = _open(stream)
    try:
        errors: list[tuple[str, str, str]] = []
        _check_meta(wb, company, year, errors)
        if errors:
            raise ImportFailed(errors)
        commitment_rows = _read_sheet(wb[SHEET_COMMITMENTS], SHEET_COMMITMENTS, COMMITMENT_COLUMNS, errors)
        contribution_rows = _read_sheet(wb[SHEET_CONTRIBUTIONS], SHEET_CONTRIBUTIONS, CONTRIBUTION_COLUMNS, errors)
    finally:
        wb.close()
    if errors:
        raise ImportFailed(errors)
    plan = _check(company, year, commitment_rows, contribution_rows, user, errors, today)
    if errors:
        raise ImportFailed(sorted(set(errors), key=_error_order))
    return _apply(company, year, plan, user, today)


def _check(company, year, commitment_rows, contribution_rows, user, errors, today) -> _Plan:
    commitments, contributions = load_year(company.id, year)
    existing = {c.id: c for c in commitments}
    stored = {x.id: x for rows in contributions.values() for x in rows}
    verified = queries.contributed_by_commitment(existing)
    regions = RegionIndex.load()
    plan = _Plan()
    by_no: dict[int, CsrCommitment | None] = {}
    broken: set[int] = set()  # rows whose ID was refused: their contributions are not checked again
    seen: set[int] = set()
    for row in commitment_rows:
        v = row.values
        no = parse_int(v.get("no"))
        if no is None or no <= 0:
            errors.append((row.sheet, row.at("no"), _("No harus bilangan bulat positif.")))
        elif no in by_no:
            errors.append((row.sheet, row.at("no"), _("No %(n)d dipakai lebih dari sekali.", n=no)))
            no = None
        current, ok = _known(row, existing, _("komitmen"), company, year, seen, errors)
        if no is not None and no > 0:
            by_no[no] = current
        if not ok:
            broken.add(no)
            continue
        region_ids, region_error = _region_ids(v.get("regions"), regions)
        if region_error:
            errors.append((row.sheet, row.at("regions"), region_error))
        activity_raw = v.get("activity")
        match = LEADING_ID.match(_text(activity_raw))
        data = {"title": _text(v.get("title")), "description": _text(v.get("description")),
                "strategy": _text(v.get("strategy")).upper(), "amount": _number(v.get("amount")),
                "region_ids": region_ids if not region_error else [],
                "activity_id": None if _blank(activity_raw) else
                (int(match.group(1)) if match else _text(activity_raw))}
        if not _blank(v.get("revision_reason")) or current is not None:
            data["revision_reason"] = _text(v.get("revision_reason"))
        if current is None:
            data.update(company_id=company.id, year=year)
        try:
            cleaned = clean_commitment(data, current=current)
        except ValidationFailed as err:
            for key, message in (err.fields or {}).items():
                if not (key == "region_ids" and region_error):
                    errors.append((row.sheet, row.at(COMMITMENT_FIELDS.get(key, "no")), message))
            continue
        if (current is not None and cleaned.get("amount", current.amount) != current.amount
                and verified[current.id]["verified"] > 0 and not cleaned.get("revision_reason")):
            errors.append((row.sheet, row.at("revision_reason"), _(
                "komitmen ini sudah memiliki kontribusi terverifikasi; alasan perubahan nilai wajib diisi.")))
            continue
        plan.commitments.append((no, current, data))

    seen = set()
    for row in contribution_rows:
        v = row.values
        no = parse_int(v.get("commitment_no"))
        if no in broken:
            continue
        if no is None or no not in by_no:
            errors.append((row.sheet, row.at("commitment_no"), _("No Komitmen '%(n)s' tidak ada di sheet 'Komitmen'.",
                                                                  n=_text(v.get("commitment_no")))))
            continue
        parent = by_no[no]
        current, ok = _known(row, stored, _("kontribusi"), company, year, seen, errors)
        if not ok:
            continue
        submit_word = _text(v.get("submit")).lower()
        if submit_word not in YES | NO:
            errors.append((row.sheet, row.at("submit"), _("isi 'ya' atau 'tidak'.")))
        kind_raw = _text(v.get("kind")).lower()
        data = {"date": _date(v.get("date")), "kind": KIND_WORDS.get(kind_raw, kind_raw or None),
                "amount": _number(v.get("amount")), "description": _text(v.get("description")),
                "beneficiaries": _number(v.get("beneficiaries")) if not _blank(v.get("beneficiaries")) else 0,
                "beneficiary_unit": _text(v.get("beneficiary_unit")) or None}
        if current is not None and current.commitment_id != getattr(parent, "id", None):
            errors.append((row.sheet, row.at("commitment_no"),
                           _("kontribusi ini tercatat pada komitmen lain; tidak dapat dipindahkan lewat berkas.")))
            continue
        try:
            cleaned = clean_contribution(data, year, current=current, today=today)
        except ValidationFailed as err:
            for key, message in (err.fields or {}).items():
                errors.append((row.sheet, row.at(key if key in CONTRIBUTION_FIELDS else "commitment_no"), message))
            continue
        if current is not None and current.status not in EDITABLE:
            changed = [k for k in CONTRIBUTION_FIELDS if getattr(current, k) != cleaned[k]]
            if changed:
                errors.append((row.sheet, row.at(changed[0]), _(
                    "kontribusi berstatus %(s)s tidak dapat diubah; kembalikan isi baris seperti semula.",
                    s=status_label(current.status))))
            else:
                plan.kept += 1
            continue
        if submit_word in YES | NO:
            plan.contributions.append((no, current, data, submit_word in YES))
    if not errors and any(submit for *_rest, submit in plan.contributions):
        ensure_company_access(company.id, services.PERMISSION[SUBMIT], user)
    return plan


def _error_order(error: tuple[str, str, str]):
    sheet, cell_ref, _m = error
    match = re.match(r"([A-Z]+)(\d+)", cell_ref or "")
    return (sheet != SHEET_COMMITMENTS, int(match.group(2)) if match else 0, len(cell_ref or ""), cell_ref or "")


def _apply(company: Company, year: int, plan: _Plan, user, today) -> dict:
    counts = {"commitments": {"created": 0, "updated": 0, "unchanged": 0},
              "contributions": {"created": 0, "updated": 0, "unchanged": plan.kept}, "submitted": 0}
    by_no: dict[int, CsrCommitment] = {}
    try:
        for no, current, data in plan.commitments:
            if current is None:
                by_no[no] = services.create_commitment(data, user)
                counts["commitments"]["created"] += 1
            else:
                before = current.version
                by_no[no] = services.update_commitment(current, data, user, None)
                counts["commitments"]["updated" if current.version != before else "unchanged"] += 1
        for no, current, data, submit in plan.contributions:
            if current is None:
                current = services.create_contribution(by_no[no], data, user, today=today)
                counts["contributions"]["created"] += 1
            else:
                before = current.version
                services.update_contribution(current, data, user, None, today=today)
                counts["contributions"]["updated" if current.version != before else "unchanged"] += 1
            if submit and current.status in EDITABLE:
                services.transition(current, SUBMIT, user)
                counts["submitted"] += 1
    except AppError as err:  # a rule the checks above did not foresee: still nothing is kept
        raise ImportFailed([("", "", err.message)]) from err
    totals = {key: counts["commitments"][key] + counts["contributions"][key]
              for key in ("created", "updated", "unchanged")}
    return totals | counts
