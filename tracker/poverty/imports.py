"""Importing poverty figures from a file: statistics, household counts by desil, or targets, from CSV
or Excel (.xlsx), all rows or none.

* **Files**: ``.xlsx`` (the first sheet, or the sheet named "Data"; read with openpyxl read-only), or
  ``.csv`` in UTF-8 with or without BOM, separated by ``;`` (Indonesian Excel) or ``,`` or tab (the
  separator the header line uses most).  At most ``MAX_BYTES`` and ``MAX_ROWS`` data rows; an old
  ``.xls``, another encoding, a broken file: a clear Indonesian message, nothing imported.
* **Header row**: the first row; columns are found by header (``import_columns``: the template's
  Indonesian names, the API's field names and a few common others), in any order.  An unknown
  header is an error (a misspelt column would otherwise be silently dropped); "no" and
  "keterangan" are ignored.
* **Rows**: blank rows and rows whose first cell starts with ``#`` (the template's example) are
  skipped.  Regions by code (``62.02.01``, also ``62.02.01 (Baamang)``) or exact unique name.
  Numbers as ``tracker.poverty.parsing`` reads them: ``8.420`` is a count, ``6,59`` a percentage.
  An Excel formula counts with the value Excel saved for it; a formula without one is an error,
  never an empty figure.
* **Checks**: every row through ``tracker.poverty.validation`` (the pages' and the API's rules); the
  same key twice in the file is an error on the second row; a key already stored is an error unless
  ``replace=True`` (then that row takes the file's values).  Any error: ``ImportFailed`` listing each
  problem by row and column, and nothing is written.
* **Writing**: one flush for all rows, an audit row for each; the caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from flask_babel import gettext as _
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from tracker.audit import services as audit
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.formatting import number
from tracker.poverty import services
from tracker.poverty.import_columns import (
    COLUMNS,
    IGNORED_HEADERS,
    KINDS,
    MEASURE_WORDS,
    SOURCE_WORDS,
    STATS,
    TARGETS,
    header_index,
    normalise,
)
from tracker.poverty.import_files import (
    MAX_BYTES,
    MAX_ROWS,
    ImportFailed,
    RowError,
    file_error,
    read_bytes,
    read_table,
)
from tracker.poverty.parsing import blank
from tracker.poverty.validation import (
    HOUSEHOLD_LEVELS,
    STAT_LEVELS,
    TARGET_LEVELS,
    household_warnings,
    stat_warnings,
)
from tracker.reference.models import Region
from tracker.security import strip_control_characters
from tracker.types import utcnow

__all__ = ["MAX_BYTES", "MAX_ROWS", "ImportFailed", "ImportResult", "RowError", "import_file"]

REGION_CODE = re.compile(r"^\s*(\d{2}(?:\.\d{2}){0,2}(?:\.\d{4})?)(?:\s*\(.*\))?\s*$")
KIND_OF = {STATS: services.STAT, "households": services.HOUSEHOLD, TARGETS: services.TARGET}
LEVELS = {STATS: STAT_LEVELS, "households": HOUSEHOLD_LEVELS, TARGETS: TARGET_LEVELS}


@dataclass
class ImportResult:
    kind: str
    rows: int = 0  # data rows read
    created: int = 0
    replaced: int = 0
    skipped: int = 0  # blank or comment (#) rows
    warnings: list[str] = field(default_factory=list)  # "Baris 5: ..." (not errors)
    ids: list[int] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    values: dict  # key -> raw value
    headers: dict  # key -> header as in the file
    cells: dict  # key -> "E5"


def _header(kind: str, head: list[Any], errors: list[RowError]) -> dict[str, tuple[int, str]]:
    """key -> (column index, header as written)."""
    known = header_index(kind)
    found: dict[str, tuple[int, str]] = {}
    for i, raw in enumerate(head):
        if blank(raw):
            continue
        text = strip_control_characters(str(raw)).strip()
        column = known.get(normalise(text))
        letter = get_column_letter(i + 1)
        if column is None:
            if normalise(text) not in IGNORED_HEADERS:
                errors.append(RowError(1, "", _("kolom '%(h)s' (sel %(c)s1) tidak dikenal. Kolom yang dikenal: %(k)s.",
                                                h=text[:60], c=letter, k=", ".join(c.header for c in COLUMNS[kind]))))
        elif column.key in found:
            errors.append(RowError(1, "", _("kolom '%(h)s' muncul dua kali.", h=column.header)))
        else:
            found[column.key] = (i, text)
    for column in COLUMNS[kind]:
        if column.required and column.key not in found:
            errors.append(RowError(1, "", _("kolom wajib '%(h)s' tidak ada di baris judul (baris 1).", h=column.header)))
    return found


def _rows(table: list[tuple[int, list]], index: dict, result: ImportResult, errors: list[RowError]) -> list[_Row]:
    out = []
    for number_, values in table[1:]:
        first = next((v for v in values if not blank(v)), None)
        if isinstance(first, str) and first.lstrip().startswith("#"):
            result.skipped += 1
            continue
        if len(out) >= MAX_ROWS:
            errors.append(RowError(0, "", _("terlalu banyak baris (maksimal %(n)s).", n=number(MAX_ROWS))))
            break
        picked = {key: values[i] if i < len(values) else None for key, (i, _h) in index.items()}
        out.append(_Row(number_, picked, {k: h for k, (_i, h) in index.items()},
                        {k: f"{get_column_letter(i + 1)}{number_}" for k, (i, _h) in index.items()}))
    return out


# ---- checking ----------------------------------------------------------------------------------

class _Regions:
    """Every region, loaded once: by code (any level), and by unique name among the kind's levels."""

    def __init__(self, levels: tuple):
        rows = list(db.session.scalars(select(Region)))
        self.by_code = {r.code: r for r in rows}
        self.by_name: dict[str, list[Region]] = {}
        for r in rows:
            if r.level in levels:
                self.by_name.setdefault(r.name.strip().lower(), []).append(r)

    def find(self, raw: Any) -> tuple[Region | None, str | None]:
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        text = strip_control_characters(str(raw)).strip() if raw is not None else ""
        if not text:
            return None, _("Wajib diisi: kode atau nama wilayah.")
        if text in self.by_code:
            return self.by_code[text], None
        match = REGION_CODE.match(text)
        if match and match.group(1) in self.by_code:
            return self.by_code[match.group(1)], None
        named = self.by_name.get(text.lower(), [])
        if len(named) == 1:
            return named[0], None
        if len(named) > 1:
            return None, _("nama wilayah '%(n)s' tidak unik; gunakan kodenya.", n=text[:60])
        return None, _("wilayah '%(n)s' tidak ditemukan (gunakan kode seperti di menu Wilayah).", n=text[:60])


def _cell(key: str, raw: Any) -> Any:
    if isinstance(raw, datetime):
        raw = raw.date() if key == "source_date" else raw
    if isinstance(raw, date) or raw is None or isinstance(raw, (int, float)) and key not in ("source_document", "notes"):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = strip_control_characters(str(raw)).strip()
    if key == "source":
        return SOURCE_WORDS.get(text.lower(), text.upper())
    if key == "measure":
        return MEASURE_WORDS.get(normalise(text), text.strip().lower())
    return text


def _error(row: _Row, key: str, message: str) -> RowError:
    column = "region" if key == "region_id" else key
    return RowError(row.number, column if column in row.cells else "", message, row.headers.get(column, ""),
                    row.cells.get(column, ""))


def _describe_key(kind: str, values: dict) -> str:
    return KIND_OF[kind].label(*[values[k] for k in KIND_OF[kind].key])


def _key_values(kind: str, obj) -> dict:
    return {k: getattr(obj, k) for k in KIND_OF[kind].key}


def _existing(kind: str, planned: list) -> dict[tuple, Any]:
    model = KIND_OF[kind].model
    years = {values["year"] for _row, values in planned}
    if not years:
        return {}
    found = db.session.scalars(select(model).where(model.year.in_(sorted(years))))
    return {tuple(getattr(r, k) for k in KIND_OF[kind].key): r for r in found}


def _check(kind: str, rows: list[_Row], unsaved: set, index: dict, errors: list, result: ImportResult,
           replace: bool) -> list[tuple[_Row, dict]]:
    machine = KIND_OF[kind]
    regions = _Regions(LEVELS[kind])
    columns_at = {i + 1: key for key, (i, _h) in index.items()}
    seen: dict[tuple, int] = {}
    planned = []
    for row in rows:
        data = {key: _cell(key, raw) for key, raw in row.values.items() if key != "region"}
        region, problem = regions.find(row.values.get("region"))
        data["region_id"] = region.id if region is not None else None
        bad = [_error(row, "region", problem)] if problem else []
        for (r, c) in unsaved:
            if r == row.number and c in columns_at:
                bad.append(_error(row, columns_at[c], _("sel berisi rumus tanpa nilai tersimpan; buka dan simpan "
                                                        "ulang di Excel, atau isi nilainya langsung.")))
        try:
            values = machine.clean(data)
        except ValidationFailed as err:
            bad += [_error(row, key, message) for key, message in (err.fields or {}).items()
                    if not (key == "region_id" and problem)]
            values = None
        if bad or values is None:
            errors.extend(bad)
            continue
        key = tuple(values[k] for k in machine.key)
        if key in seen:
            errors.append(_error(row, "", _("data %(l)s sama dengan baris %(n)d (duplikat di dalam berkas).",
                                            l=_describe_key(kind, values), n=seen[key])))
            continue
        seen[key] = row.number
        planned.append((row, values))
        found = stat_warnings(values) if kind == STATS else household_warnings(values) if kind != TARGETS else []
        result.warnings += [_("Baris %(r)d: %(m)s", r=row.number, m=m) for m in found]
    existing = _existing(kind, planned)
    if not replace:
        for row, values in planned:
            if tuple(values[k] for k in machine.key) in existing:
                errors.append(_error(row, "", _("data %(l)s sudah ada di aplikasi; pilih 'ganti data yang ada' "
                                                "(replace) untuk menimpanya.", l=_describe_key(kind, values))))
    return planned


# ---- writing -----------------------------------------------------------------------------------

def _apply(kind: str, planned: list, user, result: ImportResult) -> None:
    machine = KIND_OF[kind]
    existing = _existing(kind, planned)
    created, replaced = [], []
    for _row, values in planned:
        current = existing.get(tuple(values[k] for k in machine.key))
        if current is None:
            obj = machine.model(**values, created_by_id=getattr(user, "id", None))
            db.session.add(obj)
            created.append(obj)
            continue
        before = audit.snapshot(current, machine.fields)
        for name, value in values.items():
            setattr(current, name, value)
        old, new = audit.changed(before, audit.snapshot(current, machine.fields))
        if new:
            current.updated_at = utcnow()
            replaced.append((current, old, new))
    db.session.flush()
    noun = _(machine.noun)
    for obj in created:
        audit.record("create", machine.entity, obj.id, after=audit.snapshot(obj, machine.fields), actor=user,
                     summary=_("%(n)s %(l)s dicatat (impor berkas)", n=noun, l=_describe_key(kind, _key_values(kind, obj))))
    for obj, old, new in replaced:
        audit.record("replace", machine.entity, obj.id, before=old, after=new, actor=user,
                     summary=_("%(n)s %(l)s diganti (impor berkas)", n=noun, l=_describe_key(kind, _key_values(kind, obj))))
    result.created, result.replaced = len(created), len(planned) - len(created)
    result.ids = [obj.id for obj in created] + [obj.id for obj, _o, _n in replaced]


def import_file(kind: str, filename: str, stream: IO[bytes], user, *, replace: bool = False) -> ImportResult:
    """Import a CSV or XLSX of ``kind`` (``stats``, ``households`` or ``targets``), all rows or none
    (see the module's note).  Raises ``ImportFailed`` (422, every problem by row and column); flushes,
    the caller commits.  ``replaced`` counts stored rows the file matched (with ``replace=True``)."""
    if kind not in KINDS:
        raise ValueError(kind)
    services.check_edit(user)
    table, unsaved = read_table(filename, read_bytes(stream))
    if len(table) < 2:
        raise file_error(_("berkas tidak berisi baris data di bawah baris judul."))
    errors: list[RowError] = []
    head_number, head = table[0]
    if head_number != 1:
        raise file_error(_("baris judul kolom harus di baris 1."))
    index = _header(kind, head, errors)
    if errors:
        raise ImportFailed(errors)
    result = ImportResult(kind)
    rows = _rows(table, index, result, errors)
    if errors:
        raise ImportFailed(errors)
    if not rows:
        raise file_error(_("berkas tidak berisi baris data (baris yang diawali # dilewati)."))
    result.rows = len(rows)
    planned = _check(kind, rows, unsaved, index, errors, result, replace)
    if errors:
        order = {c.key: i for i, c in enumerate(COLUMNS[kind])}
        raise ImportFailed(sorted(errors, key=lambda e: (e.row, order.get(e.column, -1))))
    _apply(kind, planned, user, result)
    return result
