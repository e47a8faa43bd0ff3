"""The downloadable import templates (one per kind: statistics, household counts, targets).

An .xlsx with the sheet "Data" (the header row, then one example row whose first cell starts with
``#`` so the import skips it until the ``#`` is removed), "Petunjuk" (each column: its header, what
it means and an example; the sources; the import's rules) and "Wilayah" (the region codes and names
the file may use).  Text that a spreadsheet would take for a formula (a region named ``=...``) is
written as quote-prefixed text by ``tracker.csr.excel_layout.cell``, never evaluated.
"""

from __future__ import annotations

from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select

from tracker.csr.excel_layout import BOLD, HEAD_FILL, TITLE, WRAP, cell
from tracker.extensions import db
from tracker.i18n import N_
from tracker.poverty.import_columns import COLUMNS, HOUSEHOLDS, KIND_LABELS, KINDS, STATS, TARGETS
from tracker.poverty.import_files import MAX_BYTES, MAX_ROWS
from tracker.poverty.queries import kabupaten_region, kecamatan_list
from tracker.reference.models import Region

EXAMPLE = Font(italic=True, color="666666")
FILENAMES = {STATS: "template-statistik-kemiskinan.xlsx", HOUSEHOLDS: "template-rumah-tangga-miskin-desil.xlsx",
             TARGETS: "template-target-kemiskinan.xlsx"}
SOURCES_HELP = {
    STATS: [N_("BPS: Badan Pusat Statistik (Susenas Maret/September; jumlah, P0, P1, P2, garis kemiskinan)."),
            N_("P3KE: data Pensasaran Percepatan Penghapusan Kemiskinan Ekstrem (Kemenko PMK)."),
            N_("DTSEN: Data Tunggal Sosial dan Ekonomi Nasional (Inpres 8/2025)."),
            N_("DISDUKCAPIL: Dinas Kependudukan dan Pencatatan Sipil."),
            N_("OTHER: sumber lain (sebutkan di dokumen_sumber).")],
    HOUSEHOLDS: [N_("P3KE: rumah tangga dan jiwa per desil kesejahteraan 1–4 (Kemenko PMK)."),
                 N_("DTSEN: Data Tunggal Sosial dan Ekonomi Nasional, per desil 1–4."),
                 N_("OTHER: sumber lain (sebutkan di dokumen_sumber).")],
    TARGETS: [N_("Target tahunan dari RPJMD atau RPKD: persentase penduduk miskin (poor_pct) atau persentase "
                 "kemiskinan ekstrem (extreme_pct).")],
}


def template_filename(kind: str) -> str:
    return FILENAMES[kind]


def _example(kind: str) -> list:
    """The example row, with the deployment's own region codes where there are some."""
    values = [c.example for c in COLUMNS[kind]]
    region = kecamatan_list()[:1] if kind == HOUSEHOLDS else [kabupaten_region()]
    if region and region[0] is not None:
        values[0] = region[0].code
    values[0] = f"# {values[0]}"
    return values


def _rules(kind: str) -> list[str]:
    return [
        _("Isi sheet 'Data' mulai baris 2, satu baris per data. Baris judul (baris 1) jangan diubah; urutan kolom "
          "boleh berbeda, kolom yang tidak dipakai boleh dihapus (kecuali kolom wajib)."),
        _("Baris yang diawali tanda # dilewati. Baris contoh di bawah judul diawali # — hapus barisnya, atau hapus "
          "tanda # bila isinya memang ingin diimpor."),
        _("Angka boleh ditulis cara Indonesia: ribuan dengan titik (8.420) dan desimal dengan koma (6,59). Pada "
          "kolom persen dan indeks, titik tanpa koma dibaca sebagai desimal (6.59 = 6,59)."),
        _("Sel yang kosong berarti angkanya tidak diketahui (tidak sama dengan 0). Isi 0 hanya bila nilainya "
          "memang nol."),
        _("Berkas dapat diunggah sebagai .xlsx atau CSV (UTF-8; pemisah titik koma atau koma). Maksimal "
          "%(r)s baris dan %(m)s MB.", r=f"{MAX_ROWS:,}".replace(",", "."), m=MAX_BYTES // (1024 * 1024)),
        _("Impor diproses utuh: bila ada satu kesalahan saja, tidak ada data yang disimpan dan setiap kesalahan "
          "ditampilkan dengan nomor baris dan kolomnya. Perbaiki, lalu unggah ulang."),
        _("Data yang sama dua kali di dalam berkas (wilayah, tahun, dan bulan/sumber atau ukuran yang sama) adalah "
          "kesalahan. Data yang sudah ada di aplikasi juga ditolak, kecuali Anda memilih 'ganti data yang ada': "
          "data lama lalu diganti seluruhnya dengan isi berkas."),
    ]


def _help_sheet(wb: Workbook, kind: str) -> None:
    ws = wb.create_sheet("Petunjuk")
    for letter, width in zip("ABCD", (26, 70, 22, 12)):
        ws.column_dimensions[letter].width = width
    ws.append([cell(ws, _("Petunjuk pengisian: %(k)s", k=_(KIND_LABELS[kind])), font=TITLE)])
    ws.append([])
    ws.append([cell(ws, h, font=BOLD, fill=HEAD_FILL) for h in
               (_("Kolom"), _("Arti dan aturan"), _("Contoh"), _("Wajib?"))])
    for column in COLUMNS[kind]:
        ws.append([cell(ws, column.header, font=BOLD), cell(ws, _(column.meaning), align=WRAP),
                   cell(ws, column.example), cell(ws, _("wajib") if column.required else _("boleh kosong"))])
    ws.append([])
    ws.append([cell(ws, _("Sumber data"), font=BOLD)])
    for line in SOURCES_HELP[kind]:
        ws.append([None, cell(ws, _(line), align=WRAP)])
    ws.append([])
    ws.append([cell(ws, _("Aturan impor"), font=BOLD)])
    for n, line in enumerate(_rules(kind), start=1):
        ws.append([cell(ws, n), cell(ws, line, align=WRAP)])


def _region_sheet(wb: Workbook, kind: str) -> None:
    ws = wb.create_sheet("Wilayah")
    for letter, width in zip("ABC", (18, 40, 12)):
        ws.column_dimensions[letter].width = width
    ws.append([cell(ws, h, font=BOLD, fill=HEAD_FILL) for h in (_("Kode"), _("Nama"), _("Tingkat"))])
    levels = ("kecamatan", "desa") if kind == HOUSEHOLDS else ("kabupaten", "kecamatan")
    for code, name, level in db.session.execute(
            select(Region.code, Region.name, Region.level).where(Region.level.in_(levels)).order_by(Region.code)):
        ws.append([cell(ws, code), cell(ws, name), cell(ws, level)])


def build_template(kind: str) -> bytes:
    """The template of ``kind`` (``stats``, ``households``, ``targets``) as .xlsx bytes."""
    if kind not in KINDS:
        raise ValueError(kind)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    for i, column in enumerate(COLUMNS[kind]):
        ws.column_dimensions[chr(ord("A") + i)].width = max(12, len(column.header) + 4)
    ws.freeze_panes = "A2"
    ws.append([cell(ws, c.header, font=BOLD, fill=HEAD_FILL) for c in COLUMNS[kind]])
    ws.append([cell(ws, v, font=EXAMPLE) for v in _example(kind)])
    _help_sheet(wb, kind)
    _region_sheet(wb, kind)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
