"""Excel files of CSR (TJSL): a company's own spreadsheet round trip, and Bappeda's exports.

* ``build_template(company, year)``: the company's commitments and contributions of the year, with
  their IDs and versions, drop-down lists (strategy, kind, beneficiary unit, region codes, OPD
  activities, submit) and an instruction sheet in Indonesian.
* ``import_workbook(company, year, stream, user)`` reads it back, all or nothing (``excel_import``).
* ``export_summary(filters)`` / ``export_contributions(filters)``: the figures and the lists
  (``excel_export``).
"""

from __future__ import annotations

from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from tracker.csr import queries
from tracker.csr.excel_export import export_contributions, export_summary, summary_filename
from tracker.csr.excel_import import import_workbook
from tracker.csr.excel_layout import (
    BOLD,
    COMMITMENT_COLUMNS,
    CONTRIBUTION_COLUMNS,
    DATE,
    FIRST_ROW,
    HEAD_FILL,
    KIND_LABELS,
    MONEY,
    SHEET_COMMITMENTS,
    SHEET_CONTRIBUTIONS,
    SHEET_HELP,
    SHEET_REF,
    SPARE_ROWS,
    SYSTEM_COLUMNS,
    SYSTEM_FILL,
    TITLE,
    WRAP,
    activity_label,
    cell,
    column_letter,
    load_year,
    region_label,
    slug,
    widths,
)
from tracker.csr.models import BENEFICIARY_UNITS
from tracker.csr.validation import STRATEGIES
from tracker.extensions import db
from tracker.formatting import date_id
from tracker.plans.models import Activity
from tracker.plans.validation import RegionIndex
from tracker.reference.models import Agency, Company, Strategy
from tracker.review import status_label
from tracker.types import jakarta_now

__all__ = ["build_template", "export_contributions", "export_summary", "import_workbook", "summary_filename",
           "template_filename"]


def template_filename(company: Company, year: int) -> str:
    return f"csr-{year}-{slug(company.name)}.xlsx"


def year_activities(year: int) -> list[tuple[int, str]]:
    """(id, label) of every OPD activity of the year: what a commitment may support."""
    rows = db.session.execute(
        select(Activity.id, Activity.code, Activity.name, Agency.short_name)
        .join(Agency, Agency.id == Activity.agency_id).where(Activity.year == year)
        .order_by(Agency.code, Activity.code, Activity.id))
    return [(r.id, activity_label(r.id, r.code, r.name, r.short_name)) for r in rows]


def _list_validation(ws, formula: str, cells: str, *, strict: bool = True, prompt: str | None = None) -> None:
    dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=strict,
                        errorTitle=_("Isian tidak valid") if strict else None,
                        error=_("Pilih salah satu nilai dari daftar.") if strict else None,
                        showInputMessage=bool(prompt), prompt=prompt)
    ws.data_validations.append(dv)
    dv.add(cells)


def _validation(ws, kind: str, cells: str, message: str, *, low: str, high: str | None = None) -> None:
    dv = DataValidation(type=kind, operator="between" if high else "greaterThanOrEqual", formula1=low,
                        formula2=high, allow_blank=True, showErrorMessage=True, errorTitle=_("Isian tidak valid"),
                        error=message)
    ws.data_validations.append(dv)
    dv.add(cells)


def _help_sheet(wb: Workbook, company: Company, year: int) -> None:
    ws = wb.create_sheet(SHEET_HELP)
    ws.column_dimensions["A"].width = 4
    ws.column_dimensions["B"].width = 120
    strategies = db.session.execute(select(Strategy.code, Strategy.name).order_by(Strategy.sort_order)).all()
    lines = [
        _("Berkas ini berisi komitmen dan kontribusi CSR (TJSL) %(c)s tahun %(y)s sebagaimana tersimpan di TKPK "
          "Tracker pada %(d)s. Isi atau ubah sheet 'Komitmen' dan 'Kontribusi', lalu unggah kembali melalui menu "
          "CSR → Unggah Excel.", c=company.name, y=year, d=date_id(jakarta_now())),
        _("Satu baris di sheet 'Komitmen' adalah satu program yang dijanjikan untuk tahun ini. Kolom 'No' adalah "
          "nomor urut yang menghubungkan komitmen dengan kontribusinya di sheet 'Kontribusi' (kolom 'No Komitmen'). "
          "Nomor harus unik."),
        _("Kolom 'ID' dan 'Versi' diisi oleh sistem dan jangan diubah; kosongkan keduanya untuk baris baru. Baris "
          "yang dihapus dari berkas TIDAK menghapus data di aplikasi; hapus draf kontribusi melalui aplikasi."),
        _("Strategi (Inpres 4/2022), pilih dari daftar: %(s)s.", s="; ".join(f"{c} = {n}" for c, n in strategies)),
        _("Lokasi: satu atau lebih kode kecamatan (mis. 62.02.01) atau desa/kelurahan (mis. 62.02.01.2001), "
          "dipisahkan titik koma. Pilih dari daftar atau salin dari sheet 'Referensi'; nama dalam kurung boleh "
          "ditulis."),
        _("Nilai komitmen dan nilai kontribusi: Rupiah, bilangan bulat lebih dari 0, tanpa desimal."),
        _("Kegiatan OPD yang didukung (opsional): pilih dari daftar kegiatan OPD tahun ini; yang dibaca adalah "
          "nomor di depan tanda '|'."),
        _("Bila nilai komitmen yang sudah memiliki kontribusi terverifikasi diubah, perubahan dicatat sebagai "
          "revisi dan kolom 'Alasan Perubahan Nilai' wajib diisi."),
        _("Kontribusi: tanggal dalam tahun %(y)s dan tidak setelah hari ini (format TTTT-BB-HH, mis. %(y)s-04-10); "
          "bentuk 'tunai' atau 'natura' (barang/jasa; untuk natura isi nilai taksiran dan uraian barang/jasa yang "
          "diberikan); penerima manfaat bilangan bulat ≥ 0 dengan satuan %(u)s.", y=year,
          u=", ".join(BENEFICIARY_UNITS)),
        _("Kontribusi baru disimpan sebagai DRAF. Isi 'ya' pada kolom 'Ajukan?' untuk langsung mengajukannya ke "
          "Bappeda (juga untuk draf atau kontribusi yang dikembalikan); kosong atau 'tidak' berarti tetap draf."),
        _("Kontribusi yang sudah diajukan atau terverifikasi tidak dapat diubah lewat berkas (barisnya boleh "
          "dibiarkan apa adanya). Kontribusi yang dikembalikan Bappeda boleh diperbaiki lalu diajukan lagi; "
          "lihat kolom 'Catatan Bappeda'."),
        _("Kolom bertanda '- info' hanya informasi dan tidak dibaca saat unggah."),
        _("Unggahan diproses utuh: bila ada satu kesalahan saja, tidak ada data yang disimpan dan setiap kesalahan "
          "ditampilkan beserta alamat selnya (mis. Sheet 'Kontribusi' sel F7). Perbaiki, lalu unggah ulang."),
        _("Bila data diubah di aplikasi setelah berkas ini diunduh, unggahan untuk baris itu ditolak; unduh ulang."),
    ]
    ws.append([cell(ws, _("Petunjuk Pengisian Template CSR %(y)s", y=year), font=TITLE)])
    ws.append([None, cell(ws, company.name, font=BOLD)])
    ws.append([])
    for i, line in enumerate(lines, start=1):
        ws.append([cell(ws, i), cell(ws, line, align=WRAP)])


def _title_rows(ws, columns, title: str, company: Company, year: int) -> None:
    widths(ws, columns)
    ws.freeze_panes = f"A{FIRST_ROW}"
    ws.append([cell(ws, title, font=TITLE)])
    ws.append([cell(ws, _("Perusahaan (ID)"), font=BOLD), cell(ws, company.id), cell(ws, company.name)])
    ws.append([cell(ws, _("Tahun"), font=BOLD), cell(ws, year)])
    ws.append([cell(ws, header, font=BOLD, fill=HEAD_FILL, align=WRAP) for _k, header, _w in columns])


def _reference_sheet(wb: Workbook, regions, activities) -> dict[str, str]:
    ws = wb.create_sheet(SHEET_REF)
    names = dict(db.session.execute(select(Strategy.code, Strategy.name)).all())
    columns = [
        ("strategy", _("Strategi"), list(STRATEGIES), [names.get(s, "") for s in STRATEGIES], 10),
        ("kind", _("Bentuk"), list(KIND_LABELS.values()), [_("uang"), _("barang/jasa (nilai taksiran)")], 10),
        ("unit", _("Satuan penerima manfaat"), list(BENEFICIARY_UNITS), [""] * len(BENEFICIARY_UNITS), 12),
        ("submit", _("Ajukan?"), ["ya", "tidak"], [_("ajukan ke Bappeda"), _("simpan sebagai draf")], 8),
        ("regions", _("Lokasi"), [region_label(r) for r in regions], [r.level for r in regions], 34),
        ("activity", _("Kegiatan OPD"), [label for _i, label in activities], [""] * len(activities), 70),
    ]
    header = []
    for i, (_key, title, _codes, _names, width) in enumerate(columns):
        ws.column_dimensions[chr(ord("A") + i * 3)].width = width
        ws.column_dimensions[chr(ord("A") + i * 3 + 1)].width = 28
        header += [cell(ws, title, font=BOLD, fill=HEAD_FILL), cell(ws, _("Keterangan"), font=BOLD, fill=HEAD_FILL),
                   None]
    ws.append(header)
    for n in range(max(len(c[2]) for c in columns)):
        values = []
        for _key, _title, codes, notes, _w in columns:
            values += [cell(ws, codes[n]) if n < len(codes) else None, notes[n] if n < len(notes) else None, None]
        ws.append(values)
    ranges = {}
    for i, (key, _title, codes, _names, _w) in enumerate(columns):
        letter = chr(ord("A") + i * 3)
        ranges[key] = f"'{SHEET_REF}'!${letter}$2:${letter}${max(len(codes), 1) + 1}"
    return ranges


def build_template(company: Company, year: int) -> bytes:
    """The company's year as a workbook to fill and upload back (the caller checks access)."""
    commitments, contributions = load_year(company.id, year)
    figures = queries.contributed_by_commitment(c.id for c in commitments)
    activities = year_activities(year)
    labels = dict(activities)
    regions = sorted(RegionIndex.load().by_id.values(), key=lambda r: r.code)
    wb = Workbook(write_only=True)
    _help_sheet(wb, company, year)

    ws = wb.create_sheet(SHEET_COMMITMENTS)
    _title_rows(ws, COMMITMENT_COLUMNS, _("Komitmen CSR %(y)s - %(n)s", y=year, n=company.name), company, year)
    contribution_rows = []
    for no, c in enumerate(commitments, start=1):
        values = {"no": no, "id": c.id, "version": c.version, "title": c.title, "description": c.description,
                  "strategy": c.strategy, "regions": "; ".join(region_label(r) for r in c.regions),
                  "amount": c.amount, "activity": labels.get(c.activity_id, c.activity_id), "revision_reason": None,
                  "verified": figures[c.id]["verified"], "pending": figures[c.id]["pending"]}
        ws.append([cell(ws, values[k], fmt=MONEY if k in ("amount", "verified", "pending") else None,
                        fill=SYSTEM_FILL if k in SYSTEM_COLUMNS | {"verified", "pending"} else None)
                   for k, _h, _w in COMMITMENT_COLUMNS])
        for x in contributions[c.id]:
            contribution_rows.append({
                "commitment_no": no, "id": x.id, "version": x.version, "date": x.date, "kind": KIND_LABELS[x.kind],
                "amount": x.amount, "description": x.description, "beneficiaries": x.beneficiaries,
                "beneficiary_unit": x.beneficiary_unit, "submit": None, "status": status_label(x.status),
                "review_comment": x.review_comment})
    last = FIRST_ROW + len(commitments) + SPARE_ROWS

    ws2 = wb.create_sheet(SHEET_CONTRIBUTIONS)
    _title_rows(ws2, CONTRIBUTION_COLUMNS, _("Kontribusi CSR %(y)s - %(n)s", y=year, n=company.name), company, year)
    for values in contribution_rows:
        ws2.append([cell(ws2, values[k], fmt=MONEY if k == "amount" else DATE if k == "date" else None,
                         fill=SYSTEM_FILL if k in SYSTEM_COLUMNS | {"status", "review_comment"} else None)
                    for k, _h, _w in CONTRIBUTION_COLUMNS])
    last2 = FIRST_ROW + len(contribution_rows) + SPARE_ROWS * 2

    refs = _reference_sheet(wb, regions, activities)

    def span(columns, key, end):
        letter = column_letter(columns, key)
        return f"{letter}{FIRST_ROW}:{letter}{end}"

    _list_validation(ws, refs["strategy"], span(COMMITMENT_COLUMNS, "strategy", last))
    _list_validation(ws, refs["regions"], span(COMMITMENT_COLUMNS, "regions", last), strict=False,
                     prompt=_("Pilih satu lokasi, atau tulis beberapa kode dipisahkan titik koma."))
    if activities:
        _list_validation(ws, refs["activity"], span(COMMITMENT_COLUMNS, "activity", last), strict=False)
    _validation(ws, "whole", span(COMMITMENT_COLUMNS, "amount", last),
                _("Nilai komitmen harus bilangan bulat Rupiah lebih dari 0."), low="1")
    _list_validation(ws2, refs["kind"], span(CONTRIBUTION_COLUMNS, "kind", last2))
    _list_validation(ws2, refs["unit"], span(CONTRIBUTION_COLUMNS, "beneficiary_unit", last2))
    _list_validation(ws2, refs["submit"], span(CONTRIBUTION_COLUMNS, "submit", last2))
    _validation(ws2, "whole", span(CONTRIBUTION_COLUMNS, "commitment_no", last2),
                _("No Komitmen harus nomor dari sheet 'Komitmen'."), low="1")
    _validation(ws2, "whole", span(CONTRIBUTION_COLUMNS, "amount", last2),
                _("Nilai kontribusi harus bilangan bulat Rupiah lebih dari 0."), low="1")
    _validation(ws2, "whole", span(CONTRIBUTION_COLUMNS, "beneficiaries", last2),
                _("Jumlah penerima manfaat harus bilangan bulat ≥ 0."), low="0")
    _validation(ws2, "date", span(CONTRIBUTION_COLUMNS, "date", last2),
                _("Tanggal kontribusi harus dalam tahun %(y)d.", y=year), low=f"DATE({year},1,1)",
                high=f"DATE({year},12,31)")
    wb.active = 1  # open on 'Komitmen'
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
