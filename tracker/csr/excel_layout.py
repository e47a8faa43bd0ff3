"""What the CSR workbooks share: sheet names, columns, styles, the cell helpers, and a company's year
as the template and its import see it.

Text cells that start with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) are written as
plain text marked with Excel's own quote prefix (what Excel stores when someone types ``'=...``): they
show as typed, are never evaluated as a formula, stay text when edited, and read back unchanged.
Money is a number with the number format ``#,##0`` (Excel's code for grouped thousands; Indonesian
Excel and LibreOffice display it as 1.234.567).
"""

from __future__ import annotations

import re

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.csr.models import CASH, IN_KIND, CsrCommitment, CsrContribution
from tracker.extensions import db

SHEET_HELP, SHEET_COMMITMENTS, SHEET_CONTRIBUTIONS, SHEET_REF = "Petunjuk", "Komitmen", "Kontribusi", "Referensi"
HEADER_ROW = 4
FIRST_ROW = HEADER_ROW + 1
SPARE_ROWS = 200  # rows below the data that keep their drop-down lists

# (key, header, width): the import finds columns by header, so their order may change.
COMMITMENT_COLUMNS = [
    ("no", "No", 6), ("id", "ID (jangan diubah)", 10), ("version", "Versi (jangan diubah)", 10),
    ("title", "Judul Program", 36), ("description", "Uraian", 44), ("strategy", "Strategi", 10),
    ("regions", "Lokasi (kode wilayah)", 40), ("amount", "Nilai Komitmen (Rp)", 18),
    ("activity", "Kegiatan OPD yang Didukung (opsional)", 44), ("revision_reason", "Alasan Perubahan Nilai", 32),
    ("verified", "Terverifikasi (Rp) - info", 18), ("pending", "Diajukan (Rp) - info", 18),
]
CONTRIBUTION_COLUMNS = [
    ("commitment_no", "No Komitmen", 10), ("id", "ID Kontribusi (jangan diubah)", 12),
    ("version", "Versi (jangan diubah)", 10), ("date", "Tanggal (TTTT-BB-HH)", 14),
    ("kind", "Bentuk (tunai/natura)", 14), ("amount", "Nilai (Rp)", 18), ("description", "Uraian", 44),
    ("beneficiaries", "Penerima Manfaat", 14), ("beneficiary_unit", "Satuan Penerima Manfaat", 14),
    ("submit", "Ajukan? (ya/tidak)", 12), ("status", "Status - info", 14),
    ("review_comment", "Catatan Bappeda - info", 40),
]
INFO_COLUMNS = {"verified", "pending", "status", "review_comment"}
SYSTEM_COLUMNS = {"id", "version"}

KIND_LABELS = {CASH: "tunai", IN_KIND: "natura"}
KIND_WORDS = {"tunai": CASH, "cash": CASH, "uang": CASH, "natura": IN_KIND, "in_kind": IN_KIND,
              "barang": IN_KIND, "jasa": IN_KIND, "barang/jasa": IN_KIND, "in kind": IN_KIND}
YES = {"ya", "y", "yes", "1", "true", "ajukan"}
NO = {"", "tidak", "t", "no", "n", "0", "false"}

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
HEAD_FILL = PatternFill("solid", fgColor="D9EAD3")
SYSTEM_FILL = PatternFill("solid", fgColor="EEEEEE")
WRAP = Alignment(wrap_text=True, vertical="top")
MONEY = "#,##0"
DATE = "yyyy-mm-dd"
PERCENT = "0.0%"

_RISKY = ("=", "+", "-", "@", "\t", "\r")


def risky(value) -> bool:
    """Text a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``, tab, CR first)."""
    return isinstance(value, str) and value.startswith(_RISKY)


def cell(ws, value, *, font=None, fill=None, fmt=None, align=None) -> Cell:
    """A write-only cell; risky text is kept as quote-prefixed text, never a formula."""
    out = WriteOnlyCell(ws, value=value)
    if risky(value):
        out.data_type = "s"
        out.quotePrefix = True
    if font:
        out.font = font
    if fill:
        out.fill = fill
    if fmt:
        out.number_format = fmt
    if align:
        out.alignment = align
    return out


def row(ws, values) -> list:
    """A row of plain values (cells stay cells), with risky text neutralised."""
    return [v if isinstance(v, Cell) else (cell(ws, v) if risky(v) else v) for v in values]


def widths(ws, columns) -> None:
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column[-1]


def column_letter(columns, key: str) -> str:
    return get_column_letter([c[0] for c in columns].index(key) + 1)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-") or "perusahaan"


def region_label(region) -> str:
    return f"{region.code} ({region.name})"


def activity_label(activity_id: int, code: str, name: str, agency: str) -> str:
    """What the template shows for an OPD activity; the import reads the leading ID."""
    return f"{activity_id} | {code} {name} ({agency})"[:250]


def load_year(company_id: int, year: int) -> tuple[list[CsrCommitment], dict[int, list[CsrContribution]]]:
    """The company's commitments of the year (with their regions) and their contributions, in the
    template's order."""
    commitments = list(db.session.scalars(
        select(CsrCommitment).where(CsrCommitment.company_id == company_id, CsrCommitment.year == year)
        .order_by(CsrCommitment.id)
        .options(selectinload(CsrCommitment.regions), selectinload(CsrCommitment.revisions))))
    contributions: dict[int, list[CsrContribution]] = {c.id: [] for c in commitments}
    if commitments:
        stmt = (select(CsrContribution).where(CsrContribution.commitment_id.in_(list(contributions)))
                .order_by(CsrContribution.date, CsrContribution.id))
        for c in db.session.scalars(stmt):
            contributions[c.commitment_id].append(c)
    return commitments, contributions
