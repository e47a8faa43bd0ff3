"""The workbooks of the by-name pages: the template an OPD fills with the people its program reached,
and the coverage export (figures, by desil, per kecamatan/desa, and for the roles that may see names
the desil-1 households no program reached, NIK masked).

Numbers are numbers (counts ``#,##0``, shares ``0.0%``); the NIK and KK columns of the template are
formatted as Text, so Excel keeps all 16 digits instead of turning them into 6.202E+15.  Text that a
spreadsheet would take for a formula is written quote-prefixed (``csr.excel_layout.cell``).
"""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from sqlalchemy import select
from sqlalchemy.orm import aliased

from tracker.csr.excel_layout import BOLD, HEAD_FILL, TITLE, WRAP, cell, risky
from tracker.extensions import db
from tracker.reference.models import Region

TEMPLATE_FILENAME = "template-penerima-manfaat.xlsx"
TEMPLATE_ROWS = 1000  # rows formatted ahead (NIK/KK as Text)
TEXT, DATE, COUNT, SHARE = "@", "yyyy-mm-dd", "#,##0", "0.0%"
NOTE = Font(italic=True, color="555555")
MASKED_FILL = PatternFill("solid", fgColor="F3F3F3")

# (header, width, number format, what goes in it)
TEMPLATE_COLUMNS = [
    ("nik", 20, TEXT, "NIK 16 angka. Kolom ini berformat Teks: jangan ubah menjadi Angka (Excel akan "
                      "membulatkan angka terakhir)."),
    ("kk", 20, TEXT, "Nomor KK 16 angka, untuk program per keluarga/rumah tangga (boleh kosong)."),
    ("nama", 32, None, "Nama lengkap penerima (wajib)."),
    ("tanggal_lahir", 14, DATE, "Tanggal lahir, mis. 1980-05-17 atau 17-05-1980. Wajib bila NIK dan KK kosong."),
    ("alamat", 36, None, "Alamat (RT/RW, dusun), boleh kosong."),
    ("kode_wilayah", 18, TEXT, "Kode desa/kelurahan seperti di sheet 'Wilayah', mis. 62.02.01.2001 (wajib)."),
]


def _desa_rows() -> list[tuple[str, str, str]]:
    kecamatan = aliased(Region)
    return db.session.execute(
        select(Region.code, Region.name, kecamatan.name).join(kecamatan, kecamatan.id == Region.parent_id)
        .where(Region.level == "desa").order_by(Region.code)).all()


def _put(sheet, row: int, column: int, value) -> None:
    """A cell of a normal worksheet; text a spreadsheet would take for a formula stays text."""
    target = sheet.cell(row=row, column=column)
    target.value = value
    if risky(value):
        target.data_type = "s"
        target.quotePrefix = True


TARGET_TEMPLATE_FILENAME = "template-daftar-sasaran.xlsx"
TARGET_COLUMNS = [
    TEMPLATE_COLUMNS[0],
    ("kk", 20, TEXT, "Nomor KK 16 angka (boleh kosong)."),
    ("nama", 32, None, "Nama lengkap kepala keluarga/rumah tangga (wajib)."),
    ("jenis_kelamin", 8, None, "L atau P (boleh kosong: dibaca dari NIK)."),
    ("tanggal_lahir", 14, DATE, "Tanggal lahir, mis. 1980-05-17 (boleh kosong: dibaca dari NIK)."),
    TEMPLATE_COLUMNS[4],
    TEMPLATE_COLUMNS[5],
    ("desil", 8, None, "Desil kesejahteraan 1–10 (1 = paling miskin), wajib."),
]


def list_template_bytes() -> bytes:
    """Sheet "Data" (the header the upload reads, NIK/KK/kode as Text), "Petunjuk", "Wilayah"."""
    return _template_bytes(TEMPLATE_COLUMNS, [
        _("Daftar penerima manfaat per kegiatan dan triwulan (by name by address)"),
        _("Isi sheet 'Data' mulai baris 2, satu orang atau rumah tangga per baris. Unggah di halaman penerima "
          "manfaat kegiatan, pada triwulan yang dipilih."),
        _("Pencocokan: menurut NIK (atau nomor KK) dengan daftar sasaran; bila NIK kosong atau tidak sah, menurut "
          "nama + tanggal lahir + desa, lalu dikonfirmasi petugas.")])


def target_template_bytes() -> bytes:
    """The same layout for the target list (DTSEN/P3KE/DTKS) that Bappeda or Dinsos imports."""
    return _template_bytes(TARGET_COLUMNS, [
        _("Daftar sasaran (DTSEN/P3KE/DTKS) by name by address"),
        _("Isi sheet 'Data' mulai baris 2, satu rumah tangga (kepala keluarga) per baris. Impor di halaman Daftar "
          "sasaran: daftar yang lebih baru menggantikan yang berlaku, riwayatnya disimpan."),
        _("Semua baris diimpor, atau tidak satu pun bila ada baris yang salah; kesalahan disebut per baris.")])


def _template_bytes(columns: list[tuple], guide_lines: list[str]) -> bytes:
    workbook = Workbook()
    data = workbook.active
    data.title = "Data"
    for index, (header, width, fmt, _meaning) in enumerate(columns, start=1):
        head = data.cell(row=1, column=index, value=header)
        head.font, head.fill = BOLD, HEAD_FILL
        letter = head.column_letter
        data.column_dimensions[letter].width = width
        if fmt:
            data.column_dimensions[letter].number_format = fmt
            for row in range(2, TEMPLATE_ROWS + 2):
                data.cell(row=row, column=index).number_format = fmt
    data.freeze_panes = "A2"

    guide = workbook.create_sheet("Petunjuk")
    guide.column_dimensions["A"].width, guide.column_dimensions["B"].width = 18, 90
    guide.append([guide_lines[0]])
    guide["A1"].font = TITLE
    for line in guide_lines[1:]:
        guide.append([line])
    guide.append([])
    guide.append([_("Kolom"), _("Isi")])
    for cell_ in guide[guide.max_row]:
        cell_.font, cell_.fill = BOLD, HEAD_FILL
    for header, _width, _fmt, meaning in columns:
        guide.append([header, _(meaning)])
        guide.cell(row=guide.max_row, column=2).alignment = WRAP

    regions = workbook.create_sheet("Wilayah")
    regions.append(["kode_wilayah", _("Desa/kelurahan"), _("Kecamatan")])
    for cell_ in regions[1]:
        cell_.font, cell_.fill = BOLD, HEAD_FILL
    for number, values in enumerate(_desa_rows(), start=2):
        for column, value in enumerate(values, start=1):
            _put(regions, number, column, value)
    for letter, width in (("A", 18), ("B", 30), ("C", 26)):
        regions.column_dimensions[letter].width = width
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


# ---- the coverage export ------------------------------------------------------------------------

def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def coverage_workbook(heading: list[str], figures: dict, definitions: list[tuple[str, str]],
                      region_rows: list[dict], region_title: str,
                      unreached_rows: Iterable[tuple] | None) -> bytes:
    """``figures``: ``coverage.coverage``'s answer; ``region_rows``: code, name, target, reached;
    ``unreached_rows``: (masked NIK, name, birth date, address, desa, kecamatan, desil), or ``None``
    for a user who may not see names (the sheet is then left out)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Cakupan"))
    for letter, width in (("A", 34), ("B", 16), ("C", 16), ("D", 16), ("E", 14), ("F", 70)):
        sheet.column_dimensions[letter].width = width
    sheet.append([cell(sheet, heading[0], font=TITLE)])
    for line in heading[1:]:
        sheet.append([cell(sheet, line, font=NOTE)])
    sheet.append([])
    total, reached = figures["target_households"], figures["reached"]
    sheet.append([cell(sheet, _("Ringkasan"), font=BOLD, fill=HEAD_FILL), cell(sheet, _("Jumlah"), font=BOLD,
                                                                                 fill=HEAD_FILL)])
    meaning = dict(definitions)
    for label, value, fmt in (
            (_("Rumah tangga sasaran"), total, COUNT), (_("Dijangkau minimal satu program"), reached, COUNT),
            (_("Belum dijangkau program apa pun"), figures["unreached"], COUNT),
            (_("Persentase dijangkau"), _share(reached, total), SHARE),
            (_("Dihitung ganda (beberapa OPD, jenis bantuan sama)"), figures["double_counted"], COUNT),
            (_("Di luar daftar sasaran"), figures["outside_target"], COUNT)):
        sheet.append([cell(sheet, label), cell(sheet, value, fmt=fmt), None, None, None,
                      cell(sheet, meaning.get(label, ""), align=WRAP)])
    sheet.append([])
    _table(sheet, [_("Desil"), _("Sasaran"), _("Dijangkau"), _("Belum dijangkau"), _("Persen dijangkau")],
           [([_("Desil %(d)s", d=r["desil"]) if r["desil"] is not None else _("Tanpa desil")], r)
            for r in figures["by_desil"]])
    sheet.append([])
    _table(sheet, [region_title, _("Sasaran"), _("Dijangkau"), _("Belum dijangkau"), _("Persen dijangkau")],
           [([f"{r['code']} {r['name']}"], r) for r in region_rows])
    if unreached_rows is not None:
        _unreached_sheet(workbook, unreached_rows)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def _table(sheet, headers: list[str], rows: list[tuple[list, dict]]) -> None:
    sheet.append([cell(sheet, h, font=BOLD, fill=HEAD_FILL) for h in headers])
    for label, r in rows:
        sheet.append([cell(sheet, label[0]), cell(sheet, r["target"], fmt=COUNT), cell(sheet, r["reached"], fmt=COUNT),
                      cell(sheet, r["target"] - r["reached"], fmt=COUNT),
                      cell(sheet, _share(r["reached"], r["target"]), fmt=SHARE)])


def _unreached_sheet(workbook, rows: Iterable[tuple]) -> None:
    sheet = workbook.create_sheet(_("Belum dijangkau"))
    headers = [("No", 6), (_("NIK (disamarkan)"), 20), (_("Nama"), 32), (_("Tanggal lahir"), 14), (_("Alamat"), 36),
               (_("Desa/kelurahan"), 24), (_("Kecamatan"), 22), (_("Desil"), 8)]
    for index, (_h, width) in enumerate(headers):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.append([cell(sheet, h, font=BOLD, fill=HEAD_FILL) for h, _w in headers])
    for number, (masked, name, born, address, desa, kecamatan, desil) in enumerate(rows, start=1):
        sheet.append([number, cell(sheet, masked, fill=MASKED_FILL), cell(sheet, name),
                      cell(sheet, born, fmt=DATE) if born else None, cell(sheet, address), cell(sheet, desa),
                      cell(sheet, kecamatan), desil])


def verval_workbook(heading: list[str], rows: Iterable[tuple], labels: dict[str, str]) -> bytes:
    """One desa's verval list: (masked NIK, masked KK, name, address, desil, result, note) per household,
    with the result as recorded so far and an empty column for what the desa finds; a filter on the
    header and the header frozen, so the camat's staff can sort and tick it in Excel."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Verval"))
    headers = [("No", 6), (_("NIK (disamarkan)"), 20), (_("No. KK (disamarkan)"), 20), (_("Nama"), 32),
               (_("Alamat"), 36), (_("Desil"), 8), (_("Hasil tercatat"), 18), (_("Keterangan tercatat"), 30),
               (_("Hasil verval desa (%(v)s)", v=" / ".join(labels.values())), 30), (_("Keterangan desa"), 30)]
    for index, (_h, width) in enumerate(headers):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = f"A{len(heading) + 3}"
    sheet.append([cell(sheet, heading[0], font=TITLE)])
    for line in heading[1:]:
        sheet.append([cell(sheet, line, font=NOTE)])
    sheet.append([])
    sheet.append([cell(sheet, h, font=BOLD, fill=HEAD_FILL, align=WRAP) for h, _w in headers])
    count = 0
    for count, (nik, kk, name, address, desil, result, note) in enumerate(rows, start=1):
        sheet.append([count, cell(sheet, nik, fill=MASKED_FILL), cell(sheet, kk or "", fill=MASKED_FILL),
                      cell(sheet, name), cell(sheet, address), desil, cell(sheet, labels.get(result, "")),
                      cell(sheet, note or ""), None, None])
    header_row = len(heading) + 2
    sheet.auto_filter.ref = f"A{header_row}:J{header_row + count}"
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
