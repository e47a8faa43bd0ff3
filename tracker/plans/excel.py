"""Excel files of the action plans: the OPD template, and the filtered export for Bappeda.

* ``build_template``: the plan pre-filled, with drop-down lists (strategy, funding source,
  aggregation, beneficiary unit, region codes) and an instruction sheet in Indonesian.
* ``excel_import.import_plan`` reads it back (all or nothing, each problem with its cell).
* ``export_activities``: the filtered list in one workbook (openpyxl write-only, for large years).
"""

from __future__ import annotations

import re
from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from tracker.extensions import db
from tracker.formatting import date_id
from tracker.i18n import N_
from tracker.plans import queries, services
from tracker.plans.models import AGGREGATIONS, BENEFICIARY_UNITS, Activity, Plan
from tracker.plans.validation import RegionIndex
from tracker.reference.models import Agency, FundingSource, Region, Strategy
from tracker.types import jakarta_now

HEADER_ROW = 4
FIRST_ROW = HEADER_ROW + 1
SPARE_ROWS = 300  # rows below the data that keep their drop-down lists

# (key, header, width) - import finds columns by header, so their order may change.
ACTIVITY_COLUMNS = [
    ("no", "No", 6), ("id", "ID (jangan diubah)", 10), ("version", "Versi (jangan diubah)", 10),
    ("code", "Kode Sub Kegiatan", 20), ("program", "Program", 36), ("kegiatan", "Kegiatan", 36),
    ("name", "Sub Kegiatan", 42), ("strategy", "Strategi", 10), ("funding_source", "Sumber Dana", 14),
    ("budget", "Pagu (Rp)", 18), ("budget_original", "Pagu Murni (Rp) - info", 18),
    ("revision_reason", "Alasan Perubahan Pagu (APBD-P)", 32), ("regions", "Lokasi (kode wilayah)", 40),
    ("target_beneficiaries", "Target Penerima Manfaat", 14), ("beneficiary_unit", "Satuan Penerima Manfaat", 14),
]
INDICATOR_COLUMNS = [
    ("activity_no", "No Kegiatan", 10), ("id", "ID Indikator (jangan diubah)", 12), ("name", "Indikator Kinerja", 48),
    ("unit", "Satuan", 12), ("aggregation", "Agregasi (sum/last)", 12), ("target", "Target Tahunan", 14),
    ("q1", "Target TW I", 12), ("q2", "Target TW II", 12), ("q3", "Target TW III", 12), ("q4", "Target TW IV", 12),
    # Added later, at the end: files without them still import (and leave the stored values as they are).
    ("target_end", "Target Akhir Renstra", 14), ("achieved_before", "Capaian Renstra s.d. Tahun Lalu", 16),
]
OPTIONAL_INDICATOR = ("target_end", "achieved_before")
SHEET_ACTIVITIES, SHEET_INDICATORS, SHEET_HELP, SHEET_REF = "Kegiatan", "Indikator", "Petunjuk", "Referensi"

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
HEAD_FILL = PatternFill("solid", fgColor="D9EAD3")
SYSTEM_FILL = PatternFill("solid", fgColor="EEEEEE")
WRAP = Alignment(wrap_text=True, vertical="top")
MONEY = "#,##0"
NUMBER = "#,##0.##"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "opd"


def template_filename(agency: Agency, year: int) -> str:
    return f"rencana-aksi-{year}-{_slug(agency.short_name)}.xlsx"


def export_filename(filters: queries.PlanFilters) -> str:
    return f"rencana-aksi-{filters.year or 'semua'}.xlsx"


def region_label(region: Region) -> str:
    return f"{region.code} ({region.name})"


def _cell(ws, value, *, font=None, fill=None, fmt=None, align=None):
    cell = WriteOnlyCell(ws, value=value)
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if fmt:
        cell.number_format = fmt
    if align:
        cell.alignment = align
    return cell


def _widths(ws, columns) -> None:
    for i, (_k, _h, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _col(columns, key) -> str:
    return get_column_letter([k for k, _h, _w in columns].index(key) + 1)


def _list_validation(ws, formula: str, cells: str, *, strict: bool = True, prompt: str | None = None) -> None:
    dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=strict,
                        errorTitle=_("Isian tidak valid") if strict else None,
                        error=_("Pilih salah satu nilai dari daftar.") if strict else None,
                        showInputMessage=bool(prompt), prompt=prompt)
    ws.data_validations.append(dv)
    dv.add(cells)


def _number_validation(ws, kind: str, cells: str, message: str) -> None:
    dv = DataValidation(type=kind, operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                        showErrorMessage=True, errorTitle=_("Isian tidak valid"), error=message)
    ws.data_validations.append(dv)
    dv.add(cells)


def load_plan(agency_id: int, year: int) -> list[Activity]:
    stmt = (select(Activity).where(Activity.agency_id == agency_id, Activity.year == year)
            .order_by(Activity.code, Activity.id).options(*services.activity_options()))
    return list(db.session.scalars(stmt))


# ---- template -------------------------------------------------------------------------------------

def _help_sheet(wb: Workbook, agency: Agency, year: int, agreed: bool) -> None:
    ws = wb.create_sheet(SHEET_HELP)
    ws.column_dimensions["A"].width = 4
    ws.column_dimensions["B"].width = 120
    strategies = db.session.execute(select(Strategy.code, Strategy.name).order_by(Strategy.sort_order)).all()
    funding = db.session.execute(
        select(FundingSource.code, FundingSource.name).order_by(FundingSource.sort_order)).all()
    lines = [
        _("Berkas ini berisi rencana aksi %(opd)s tahun %(y)s sebagaimana tersimpan di TKPK Tracker pada %(d)s. "
          "Isi atau ubah sheet 'Kegiatan' dan 'Indikator', lalu unggah kembali melalui menu "
          "Rencana Aksi → Unggah Excel.",
          opd=agency.name, y=year, d=date_id(jakarta_now())),
        _("Satu baris di sheet 'Kegiatan' adalah satu sub kegiatan. Kolom 'No' adalah nomor urut yang menghubungkan "
          "kegiatan dengan indikatornya di sheet 'Indikator' (kolom 'No Kegiatan'). Nomor harus unik."),
        _("Kolom 'ID' dan 'Versi' diisi oleh sistem dan jangan diubah; kosongkan keduanya untuk kegiatan baru. "
          "Baris yang dihapus dari berkas TIDAK menghapus kegiatan di aplikasi; hapus kegiatan melalui aplikasi."),
        _("Kode Sub Kegiatan mengikuti nomenklatur SIPD (Kepmendagri 050-5889/2021) dengan format 1.06.02.2.01.0001 "
          "(urusan.bidang.program.kegiatan.sub kegiatan). Program dan Kegiatan diisi dengan namanya."),
        _("Strategi (Inpres 4/2022), pilih dari daftar: %(s)s.", s="; ".join(f"{c} = {n}" for c, n in strategies)),
        _("Sumber dana, pilih kode dari daftar: %(s)s.", s="; ".join(f"{c} = {n}" for c, n in funding)),
        _("Pagu (Rp): bilangan bulat tanpa desimal, tidak negatif."),
        _("Rencana aksi ini SUDAH DISEPAKATI. Kolom 'Pagu (Rp)' berisi pagu yang berlaku; mengubahnya mencatat revisi "
          "APBD-Perubahan (pagu murni tetap tersimpan) dan kolom 'Alasan Perubahan Pagu' wajib diisi. Kegiatan baru "
          "dicatat sebagai tambahan pada APBD-P.") if agreed else
        _("Rencana aksi ini masih DRAF: pagu dapat diubah langsung. Setelah disepakati Bappeda, perubahan pagu dicatat "
          "sebagai revisi APBD-Perubahan dengan alasan."),
        _("Kolom 'Pagu Murni' hanya informasi dan tidak dibaca saat unggah."),
        _("Lokasi: satu atau lebih kode wilayah kecamatan (mis. 62.02.01) atau desa/kelurahan (mis. 62.02.01.2001), "
          "dipisahkan titik koma. Pilih dari daftar atau salin dari sheet 'Referensi'; nama dalam kurung "
          "boleh ditulis."),
        _("Target penerima manfaat: bilangan bulat tidak negatif; satuan: %(u)s.", u=", ".join(BENEFICIARY_UNITS)),
        _("Indikator: setiap kegiatan minimal satu indikator. Agregasi 'sum' untuk indikator jumlah (target TW I–IV "
          "dijumlahkan dan sebaiknya sama dengan target tahunan); 'last' untuk indikator tingkat atau persentase "
          "(target triwulan terakhir sama dengan target tahunan). Selisih hanya ditandai sebagai peringatan."),
        _("Target Akhir Renstra dan Capaian Renstra s.d. Tahun Lalu (opsional, untuk tabel evaluasi Permendagri "
          "86/2017): target indikator pada akhir periode Renstra PD/RPJMD dan realisasi capaiannya sampai akhir tahun "
          "lalu (indikator 'last': nilai akhir tahun lalu). Kosongkan bila tidak ada; sel kosong menghapus nilai "
          "tersimpan. Berkas lama tanpa kedua kolom ini tetap dapat diunggah dan nilai tersimpan tidak berubah."),
        _("Angka desimal boleh ditulis dengan koma (12,5). Jangan menggabungkan sel dan jangan mengubah judul kolom."),
        _("Unggahan diproses utuh: bila ada satu kesalahan saja, tidak ada data yang disimpan dan setiap kesalahan "
          "ditampilkan beserta alamat selnya (mis. Sheet 'Kegiatan' sel J7). Perbaiki, lalu unggah ulang."),
        _("Bila kegiatan diubah di aplikasi setelah template ini diunduh, unggahan untuk kegiatan itu ditolak; "
          "unduh ulang template."),
    ]
    ws.append([_cell(ws, _("Petunjuk Pengisian Template Rencana Aksi %(y)s", y=year), font=TITLE)])
    ws.append([None, _cell(ws, f"{agency.name} ({agency.code})", font=BOLD)])
    ws.append([])
    for i, line in enumerate(lines, start=1):
        ws.append([_cell(ws, i), _cell(ws, line, align=WRAP)])


def _title_rows(ws, columns, title: str, agency: Agency, year: int, status: str) -> None:
    _widths(ws, columns)
    ws.freeze_panes = f"A{FIRST_ROW}"
    ws.append([_cell(ws, title, font=TITLE)])
    ws.append([_cell(ws, "OPD", font=BOLD), _cell(ws, agency.code), _cell(ws, agency.name)])
    ws.append([_cell(ws, _("Tahun"), font=BOLD), _cell(ws, year), _cell(ws, status)])
    ws.append([_cell(ws, header, font=BOLD, fill=HEAD_FILL, align=WRAP) for _k, header, _w in columns])


def _reference_sheet(wb: Workbook, regions: list[Region]) -> dict[str, str]:
    ws = wb.create_sheet(SHEET_REF)
    strategies = db.session.execute(select(Strategy.code, Strategy.name).order_by(Strategy.sort_order)).all()
    funding = db.session.execute(
        select(FundingSource.code, FundingSource.name).order_by(FundingSource.sort_order)).all()
    columns = [
        (_("Strategi"), [c for c, _n in strategies], [n for _c, n in strategies]),
        (_("Sumber dana"), [c for c, _n in funding], [n for _c, n in funding]),
        (_("Agregasi"), list(AGGREGATIONS),
         [_("dijumlahkan (indikator jumlah)"), _("nilai triwulan terakhir (tingkat/persentase)")]),
        (_("Satuan penerima manfaat"), list(BENEFICIARY_UNITS), ["", "", "", ""]),
        (_("Lokasi"), [region_label(r) for r in regions], [r.level for r in regions]),
    ]
    for i, (_title, _codes, _names) in enumerate(columns):
        ws.column_dimensions[get_column_letter(i * 3 + 1)].width = 34 if i == 4 else 14
        ws.column_dimensions[get_column_letter(i * 3 + 2)].width = 44
    header = []
    for title, _codes, _names in columns:
        header += [_cell(ws, title, font=BOLD, fill=HEAD_FILL),
                   _cell(ws, _("Keterangan"), font=BOLD, fill=HEAD_FILL), None]
    ws.append(header)
    for row in range(max(len(c) for _t, c, _n in columns)):
        values = []
        for _title, codes, names in columns:
            values += [codes[row] if row < len(codes) else None, names[row] if row < len(names) else None, None]
        ws.append(values)
    ranges = {}
    for i, (key, (_t, codes, _n)) in enumerate(zip(("strategy", "funding", "aggregation", "unit", "regions"), columns)):
        letter = get_column_letter(i * 3 + 1)
        ranges[key] = f"'{SHEET_REF}'!${letter}$2:${letter}${max(len(codes), 1) + 1}"
    return ranges


def build_template(agency: Agency, year: int) -> BytesIO:
    activities = load_plan(agency.id, year)
    plan = services.get_plan(agency.id, year)
    agreed = services.is_agreed(plan)
    regions = sorted(RegionIndex.load().by_id.values(), key=lambda r: r.code)
    status = _("Disepakati") if agreed else _("Draf")
    wb = Workbook(write_only=True)
    _help_sheet(wb, agency, year, agreed)

    ws = wb.create_sheet(SHEET_ACTIVITIES)
    _title_rows(ws, ACTIVITY_COLUMNS, _("Rencana Aksi %(y)s - %(n)s", y=year, n=agency.name), agency, year, status)
    ind_rows = []
    for no, a in enumerate(activities, start=1):
        values = {
            "no": no, "id": a.id, "version": a.version, "code": a.code, "program": a.program, "kegiatan": a.kegiatan,
            "name": a.name, "strategy": a.strategy, "funding_source": a.funding_source, "budget": a.effective_budget,
            "budget_original": a.budget, "revision_reason": None,
            "regions": "; ".join(region_label(r) for r in a.regions),
            "target_beneficiaries": a.target_beneficiaries, "beneficiary_unit": a.beneficiary_unit,
        }
        ws.append([_cell(ws, values[k], fmt=MONEY if k in ("budget", "budget_original") else None,
                         fill=SYSTEM_FILL if k in ("id", "version", "budget_original") else None)
                   for k, _h, _w in ACTIVITY_COLUMNS])
        for ind in a.indicators:
            ind_rows.append([no, ind.id, ind.name, ind.unit, ind.aggregation, ind.target, *ind.quarter_targets,
                             ind.target_end, ind.achieved_before])
    last = FIRST_ROW + len(activities) + SPARE_ROWS

    ws2 = wb.create_sheet(SHEET_INDICATORS)
    _title_rows(ws2, INDICATOR_COLUMNS, _("Indikator Kinerja - Rencana Aksi %(y)s - %(n)s", y=year, n=agency.name),
                agency, year, status)
    for row in ind_rows:
        ws2.append([_cell(ws2, v, fill=SYSTEM_FILL if i == 1 else None, fmt=NUMBER if i >= 5 else None)
                    for i, v in enumerate(row)])
    last_ind = FIRST_ROW + len(ind_rows) + SPARE_ROWS * 3

    refs = _reference_sheet(wb, regions)
    span = lambda cols, key, end: f"{_col(cols, key)}{FIRST_ROW}:{_col(cols, key)}{end}"
    _list_validation(ws, refs["strategy"], span(ACTIVITY_COLUMNS, "strategy", last))
    _list_validation(ws, refs["funding"], span(ACTIVITY_COLUMNS, "funding_source", last))
    _list_validation(ws, refs["unit"], span(ACTIVITY_COLUMNS, "beneficiary_unit", last))
    _list_validation(ws, refs["regions"], span(ACTIVITY_COLUMNS, "regions", last), strict=False,
                     prompt=_("Pilih satu lokasi, atau tulis beberapa kode dipisahkan titik koma."))
    pagu_message = _("Pagu harus bilangan bulat ≥ 0.")
    _number_validation(ws, "whole", span(ACTIVITY_COLUMNS, "budget", last), pagu_message)
    _number_validation(ws, "whole", span(ACTIVITY_COLUMNS, "target_beneficiaries", last),
                       _("Target penerima manfaat harus bilangan bulat ≥ 0."))
    _list_validation(ws2, refs["aggregation"], span(INDICATOR_COLUMNS, "aggregation", last_ind))
    for key in ("target", "q1", "q2", "q3", "q4"):
        _number_validation(ws2, "decimal", span(INDICATOR_COLUMNS, key, last_ind), _("Target harus angka ≥ 0."))
    for key in OPTIONAL_INDICATOR:
        _number_validation(ws2, "decimal", span(INDICATOR_COLUMNS, key, last_ind),
                           _("Isi angka ≥ 0, atau kosongkan bila tidak ada."))
    wb.active = 1  # open on 'Kegiatan'
    out = BytesIO()
    wb.save(out)
    out.seek(0)
    return out


# ---- export (Bappeda) ----------------------------------------------------------------------------

EXPORT_COLUMNS = [
    (N_("OPD"), 16), (N_("Tahun"), 7), (N_("Status rencana"), 12), (N_("Kode program"), 11), (N_("Program"), 34),
    (N_("Kode kegiatan"), 13), (N_("Kegiatan"), 34), (N_("Kode sub kegiatan"), 19), (N_("Sub kegiatan"), 40),
    (N_("Strategi"), 8), (N_("Sumber dana"), 12), (N_("Pagu murni (Rp)"), 16), (N_("Pagu APBD-P (Rp)"), 16),
    (N_("Pagu berlaku (Rp)"), 16), (N_("Lokasi"), 40), (N_("Target penerima manfaat"), 12), (N_("Satuan"), 9),
    (N_("Indikator"), 60),
]


def _indicator_text(ind) -> str:
    """'Keluarga: 120 KK (TW 20/40/40/20; Renstra 600, s.d. tahun lalu 240)'; Renstra parts only when recorded."""
    text = "TW " + "/".join("-" if q is None else f"{q:g}" for q in ind.quarter_targets)
    renstra = []
    if ind.target_end is not None:
        renstra.append(_("Renstra %(v)s", v=f"{ind.target_end:g}"))
    if ind.achieved_before is not None:
        renstra.append(_("s.d. tahun lalu %(v)s", v=f"{ind.achieved_before:g}"))
    if renstra:
        text += "; " + ", ".join(renstra)
    return f"{ind.name}: {ind.target:g} {ind.unit} ({text})"


def export_activities(filters: queries.PlanFilters, scope: int | None) -> BytesIO:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Kegiatan"))
    for i, (_h, width) in enumerate(EXPORT_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.append([_cell(ws, _(h), font=BOLD, fill=HEAD_FILL) for h, _w in EXPORT_COLUMNS])
    plan_stmt = select(Plan)
    if filters.year is not None:
        plan_stmt = plan_stmt.where(Plan.year == filters.year)
    plans = {(p.agency_id, p.year): p for p in db.session.scalars(plan_stmt)}
    for a in db.session.scalars(queries.activities_statement(filters, scope)):
        plan = plans.get((a.agency_id, a.year))
        indicators = "; ".join(_indicator_text(i) for i in a.indicators)
        ws.append([a.agency.short_name, a.year, _("Disepakati") if services.is_agreed(plan) else _("Draf"),
                   a.program_code, a.program, a.kegiatan_code, a.kegiatan, a.code, a.name, a.strategy,
                   a.funding_source, _cell(ws, a.budget, fmt=MONEY), _cell(ws, a.budget_revised, fmt=MONEY),
                   _cell(ws, a.effective_budget, fmt=MONEY), "; ".join(region_label(r) for r in a.regions),
                   a.target_beneficiaries, a.beneficiary_unit, indicators])
    out = BytesIO()
    wb.save(out)
    out.seek(0)
    return out
