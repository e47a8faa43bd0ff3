"""A quarter as a pre-filled Excel workbook, and the same workbook uploaded back.

Sheets: "Kegiatan" (one row per activity: the figures of the quarter), "Indikator" (one row per
indicator: the value reached this quarter) and "Info" (year, quarter, OPD).  The upload goes through
the same ``services.save`` and ``workflow.transition`` as the pages and the API, row by row; any
error cancels the whole upload and lists each row's problem.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.periods.services import ensure_unlocked, get_period, quarter_label
from tracker.progress import context, workflow
from tracker.progress.batch import save_many
from tracker.progress.numbers import parse_number
from tracker.progress.uploads import XLSX, detect_type
from tracker.reference.models import Agency
from tracker.security import strip_control_characters
from tracker.types import jakarta_now

ACTIVITY_SHEET, INDICATOR_SHEET, INFO_SHEET = "Kegiatan", "Indikator", "Info"
# (header, key, width, editable)
ACTIVITY_COLUMNS = [
    ("ID kegiatan (jangan diubah)", "activity_id", 12, False),
    ("Kode", "code", 20, False),
    ("Kegiatan", "name", 45, False),
    ("OPD", "agency", 14, False),
    ("Status", "status", 14, False),
    ("Versi (jangan diubah)", "version", 10, False),
    ("Pagu (Rp)", "budget", 16, False),
    ("Realisasi s.d. triwulan lalu (Rp)", "budget_before", 18, False),
    ("Realisasi triwulan ini (Rp)", "budget_realized", 18, True),
    ("Progres fisik triwulan lalu (%)", "physical_before", 12, False),
    ("Progres fisik kumulatif (%)", "physical_progress", 12, True),
    ("Alasan jika progres fisik turun", "progress_drop_reason", 30, True),
    ("Penerima manfaat tercapai", "beneficiaries_reached", 14, True),
    ("Kendala", "problems", 40, True),
    ("Tindak lanjut", "follow_up", 40, True),
    ("Ajukan? (ya/tidak)", "submit", 10, True),
    ("Catatan Bappeda", "review_comment", 40, False),
]
INDICATOR_COLUMNS = [
    ("ID kegiatan (jangan diubah)", "activity_id", 12, False),
    ("ID indikator (jangan diubah)", "indicator_id", 12, False),
    ("Kode kegiatan", "code", 20, False),
    ("Indikator", "name", 45, False),
    ("Satuan", "unit", 10, False),
    ("Cara menjumlah", "aggregation", 12, False),
    ("Target tahunan", "target", 12, False),
    ("Target triwulan ini", "quarter_target", 12, False),
    ("Capaian triwulan lalu", "previous", 12, False),
    ("Capaian triwulan ini", "value", 12, True),
]
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="198754")
INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")
YES = {"ya", "y", "yes", "1", "true", "ajukan"}
NO = {"", "tidak", "t", "no", "n", "0", "false"}


def filename(year: int, quarter: int, agency_name: str | None) -> str:
    who = (agency_name or "semua-opd").replace(" ", "-")
    return f"laporan-triwulan-{quarter_label(quarter)}-{year}-{who}.xlsx"


def _header(ws, columns):
    cells = []
    for title, _key, _width, _editable in columns:
        cell = WriteOnlyCell(ws, value=title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cells.append(cell)
    for index, (_t, _k, width, _e) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    return cells


def _row(ws, columns, values: dict):
    cells = []
    for _title, key, _width, editable in columns:
        cell = WriteOnlyCell(ws, value=values.get(key))
        if editable:
            cell.fill = INPUT_FILL
        cells.append(cell)
    return cells


def export_quarter(year: int, quarter: int, agency_id: int | None) -> bytes:
    contexts = context.quarter_contexts(year, quarter, agency_id=agency_id)
    agencies = dict(db.session.execute(select(Agency.id, Agency.short_name)).all())
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(ACTIVITY_SHEET)
    ws.freeze_panes = "D2"
    ws.append(_header(ws, ACTIVITY_COLUMNS))
    wi = wb.create_sheet(INDICATOR_SHEET)
    wi.freeze_panes = "E2"
    wi.append(_header(wi, INDICATOR_COLUMNS))
    for ctx in contexts:
        report, previous, activity = ctx.report, ctx.previous, ctx.activity
        ws.append(_row(ws, ACTIVITY_COLUMNS, {
            "activity_id": activity.id, "code": activity.code, "name": activity.name,
            "agency": agencies.get(activity.agency_id, ""),
            "status": workflow.status_label(report.status if report else None),
            "version": report.version if report else None,
            "budget": activity.effective_budget,
            "budget_before": sum(r.budget_realized or 0 for q, r in ctx.reports.items() if q < quarter),
            "budget_realized": report.budget_realized if report else None,
            "physical_before": previous.physical_progress if previous else None,
            "physical_progress": report.physical_progress if report else None,
            "progress_drop_reason": report.progress_drop_reason if report else None,
            "beneficiaries_reached": report.beneficiaries_reached if report else None,
            "problems": report.problems if report else None,
            "follow_up": report.follow_up if report else None,
            "submit": None,
            "review_comment": report.review_comment if report else None,
        }))
        current = {v.indicator_id: v.value for v in report.values} if report else {}
        before = {v.indicator_id: v.value for v in previous.values} if previous else {}
        for ind in ctx.indicators:
            wi.append(_row(wi, INDICATOR_COLUMNS, {
                "activity_id": activity.id, "indicator_id": ind.id, "code": activity.code, "name": ind.name,
                "unit": ind.unit, "aggregation": ind.aggregation, "target": ind.target,
                "quarter_target": ind.quarter_targets[quarter - 1], "previous": before.get(ind.id),
                "value": current.get(ind.id),
            }))
    info = wb.create_sheet(INFO_SHEET)
    info.append(["tahun", year])
    info.append(["triwulan", quarter])
    info.append(["opd_id", agency_id])
    info.append(["opd", agencies.get(agency_id, _("Semua OPD")) if agency_id else _("Semua OPD")])
    info.append(["dibuat", jakarta_now().strftime("%Y-%m-%d %H:%M")])
    info.append(["petunjuk", _("Isi hanya kolom berwarna kuning. Jangan mengubah kolom ID dan Versi. "
                               "Tulis 'ya' di kolom Ajukan untuk langsung mengajukan kegiatan yang lengkap.")])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---- import -------------------------------------------------------------------------------------------

@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    submitted: int = 0
    unchanged: int = 0
    errors: dict[str, str] = field(default_factory=dict)


def _read_rows(ws, columns) -> list[tuple[int, dict]]:
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        return []
    header = [str(c).strip() if c is not None else "" for c in rows[0]]
    index = {}
    for title, key, _w, _e in columns:
        if title not in header:
            raise ValidationFailed(_("Kolom \"%(c)s\" tidak ada di lembar %(s)s; gunakan berkas unduhan dari aplikasi.",
                                     c=title, s=ws.title), {"file": _("Format lembar kerja tidak dikenali.")})
        index[key] = header.index(title)
    result = []
    for number, row in enumerate(rows[1:], start=2):
        if row is None or all(c in (None, "") for c in row):
            continue
        result.append((number, {key: (row[i] if i < len(row) else None) for key, i in index.items()}))
    return result


def _open(data: bytes):
    if not data:
        raise ValidationFailed(_("Berkas kosong."), {"file": _("Berkas kosong.")})
    import os
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as tmp:
        tmp.write(data)
        path = tmp.name
    try:
        if detect_type(path) != XLSX:
            raise ValidationFailed(_("Berkas bukan lembar kerja Excel (.xlsx)."), {"file": _("Harus berkas .xlsx.")})
    finally:
        os.remove(path)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ValidationFailed(_("Berkas Excel tidak dapat dibaca."), {"file": str(exc)[:200]}) from exc


def _info(wb) -> dict:
    if INFO_SHEET not in wb.sheetnames:
        return {}
    return {str(row[0]).strip(): (row[1] if len(row) > 1 else None)
            for row in wb[INFO_SHEET].iter_rows(values_only=True) if row and row[0] is not None}


def _cell_int(raw, label: str, errors: list[str]):
    try:
        return parse_number(raw, integer=True)
    except ValueError as exc:
        errors.append(f"{label}: {exc}")
        return None


def _cell_float(raw, label: str, errors: list[str]):
    try:
        return parse_number(raw)
    except ValueError as exc:
        errors.append(f"{label}: {exc}")
        return None


def _text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return strip_control_characters(str(raw)).strip()


def import_quarter(data: bytes, year: int, quarter: int, agency_id: int | None, user) -> ImportResult:
    """Apply an uploaded workbook; raises ValidationFailed listing every row's problem (nothing saved)."""
    period = get_period(year, quarter)
    ensure_unlocked(period)  # 423 before anything is read
    wb = _open(data)
    try:
        info = _info(wb)
        if info and (info.get("tahun") != year or info.get("triwulan") != quarter):
            raise ValidationFailed(
                _("Berkas ini untuk Triwulan %(q)s %(y)s, bukan Triwulan %(q2)s %(y2)s.",
                  q=quarter_label(info.get("triwulan")) if isinstance(info.get("triwulan"), int) else "?",
                  y=info.get("tahun"), q2=quarter_label(quarter), y2=year),
                {"file": _("Tahun/triwulan berkas tidak sesuai.")})
        for name in (ACTIVITY_SHEET, INDICATOR_SHEET):
            if name not in wb.sheetnames:
                raise ValidationFailed(_("Lembar \"%(s)s\" tidak ada; gunakan berkas unduhan dari aplikasi.", s=name),
                                       {"file": _("Format lembar kerja tidak dikenali.")})
        activity_rows = _read_rows(wb[ACTIVITY_SHEET], ACTIVITY_COLUMNS)
        indicator_rows = _read_rows(wb[INDICATOR_SHEET], INDICATOR_COLUMNS)
    finally:
        wb.close()
    return apply_rows(activity_rows, indicator_rows, year, quarter, agency_id, user)


def apply_rows(activity_rows, indicator_rows, year: int, quarter: int, agency_id: int | None, user) -> ImportResult:
    result = ImportResult()
    contexts = {ctx.activity.id: ctx for ctx in context.quarter_contexts(year, quarter, agency_id=agency_id,
                                                                          for_write=True)}
    values_by_activity: dict[int, list[dict]] = {}
    for number, row in indicator_rows:
        label = _("%(s)s baris %(n)d", s=INDICATOR_SHEET, n=number)
        problems: list[str] = []
        activity_id = _cell_int(row["activity_id"], _("ID kegiatan"), problems)
        indicator_id = _cell_int(row["indicator_id"], _("ID indikator"), problems)
        value = _cell_float(row["value"], _("Capaian"), problems)
        ctx = contexts.get(activity_id)
        if not problems and ctx is None:
            problems.append(_("kegiatan %(i)s tidak ada di triwulan/OPD ini", i=activity_id))
        elif not problems and indicator_id not in {i.id for i in ctx.indicators}:
            problems.append(_("indikator %(i)s bukan indikator kegiatan ini", i=indicator_id))
        if problems:
            result.errors[label] = "; ".join(problems)
            continue
        values_by_activity.setdefault(activity_id, []).append({"indicator_id": indicator_id, "value": value})

    seen: set[int] = set()
    items = []
    for number, row in activity_rows:
        label = _("%(s)s baris %(n)d", s=ACTIVITY_SHEET, n=number)
        problems = []
        activity_id = _cell_int(row["activity_id"], _("ID kegiatan"), problems)
        version = _cell_int(row["version"], _("Versi"), problems)
        payload = {
            "budget_realized": _cell_int(row["budget_realized"], _("Realisasi"), problems),
            "physical_progress": _cell_float(row["physical_progress"], _("Progres fisik"), problems),
            "progress_drop_reason": _text(row["progress_drop_reason"]),
            "beneficiaries_reached": _cell_int(row["beneficiaries_reached"], _("Penerima manfaat"), problems),
            "problems": _text(row["problems"]),
            "follow_up": _text(row["follow_up"]),
        }
        submit_text = _text(row["submit"]).lower()
        if submit_text not in YES | NO:
            problems.append(_("kolom Ajukan harus \"ya\" atau kosong"))
        if not problems and activity_id not in contexts:
            problems.append(_("kegiatan %(i)s tidak ada di triwulan/OPD ini", i=activity_id))
        if not problems and activity_id in seen:
            problems.append(_("kegiatan %(i)s muncul dua kali", i=activity_id))
        if problems:
            result.errors[label] = "; ".join(problems)
            continue
        seen.add(activity_id)
        payload["indicator_values"] = values_by_activity.get(activity_id, [])
        items.append({"key": label, "activity_id": activity_id, "version": version, "payload": payload,
                      "submit": submit_text in YES})
    if items:  # even when some rows could not be read, so every row's problem is listed at once
        batch = save_many(contexts, items, user)
        result.created, result.updated = batch.created, batch.updated
        result.submitted, result.unchanged = batch.submitted, batch.unchanged
        result.errors.update(batch.errors)
    if result.errors:
        db.session.rollback()
        raise ValidationFailed(
            _("Impor dibatalkan; %(n)d baris bermasalah, tidak ada data yang disimpan. Perbaiki lalu unggah lagi.",
              n=len(result.errors)), result.errors)
    return result
