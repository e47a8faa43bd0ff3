"""What the report workbooks share: the number formats, the column spec, and one writer for a sheet
with a title block, a frozen header row with an auto-filter, and column widths fitted to the content.

Numbers stay numbers; their display is an Excel number format (``#,##0`` for Rupiah and counts,
``#,##0.00`` for decimals, ``0.00%`` for a share stored as a fraction, ``dd/mm/yyyy`` for dates) that
Indonesian Excel and LibreOffice show as 1.234.567 · 45,67% · 31/03/2026.  Text that a spreadsheet
would take for a formula is written as quote-prefixed text (``tracker.csr.excel_layout.cell``).

Written with openpyxl's write-only mode: a row goes to the file as it is appended, so the styled
cells of a column are prepared once and reused for every row (only their value changes).

    columns = [Col("code", N_("Kode")), Col("budget", N_("Pagu (Rp)"), MONEY)]
    table_sheet(wb, _("Kegiatan"), columns, rows, heading=[_("Judul"), _("Subjudul")])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from tracker.csr.excel_layout import BOLD, HEAD_FILL, TITLE, WRAP, cell, risky

MONEY = "#,##0"
COUNT = "#,##0"
DECIMAL = "#,##0.00"
PERCENT = "0.00%"
DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
NUMBER = "number"  # a measure: shown as COUNT when whole, else DECIMAL (chosen per cell)

GROUP_FILL = PatternFill("solid", fgColor="EEF3EA")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
OVERDUE_FILL = PatternFill("solid", fgColor="F4CCCC")
SUBTITLE = Font(italic=True, color="444444")
_RISKY_FIRST = frozenset("=+-@\t\r")  # what excel_layout.risky looks for, as a set
# A row dict may carry "_style": how the whole row looks.
STYLES = {"group": (BOLD, GROUP_FILL), "total": (BOLD, TOTAL_FILL), "overdue": (None, OVERDUE_FILL)}


@dataclass(frozen=True)
class Col:
    key: str
    header: str               # an N_ string, translated when written
    fmt: str | None = None    # one of the formats above, None for text
    wrap: bool = False        # long text: wrapped, width capped at ``max_width``
    max_width: int = 48
    min_width: int = 6


def pct_fraction(value) -> float | None:
    """45.67 (a percentage, as the figures give it) → 0.4567 (what the ``0.00%`` format shows)."""
    return None if value is None else round(float(value) / 100, 6)


def save(wb: Workbook) -> bytes:
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _grouped_length(value: float, decimals: int) -> int:
    """The length of ``value`` written with thousands separators and ``decimals`` decimals (cheap:
    widths are measured over thousands of cells)."""
    digits = len(str(abs(int(value))))
    return digits + (digits - 1) // 3 + (decimals + 1 if decimals else 0) + (value < 0)


def _display_length(value, fmt: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        return 5
    if isinstance(value, (int, float)):
        if fmt == PERCENT:
            return _grouped_length(value * 100, 2) + 1
        whole = isinstance(value, int) or value.is_integer() or fmt in (MONEY, COUNT)
        return _grouped_length(value, 0 if whole else 2)
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = str(value)
    return max(map(len, text.splitlines())) if "\n" in text else len(text)


def _header_width(header: str) -> int:
    words = header.split()
    longest = max((len(w) for w in words), default=0)
    return max(longest, math.ceil(len(header) / 3))  # the header wraps on up to three lines


def fit_widths(columns: list[Col], rows: list[dict], sample: int = 2000) -> list[float]:
    """A width per column: the longest display among the first ``sample`` rows (and the header's
    longest word), within the column's limits."""
    widths = []
    for col in columns:
        longest = max((_display_length(r.get(col.key), col.fmt) for r in rows[:sample]), default=0)
        width = max(longest, _header_width(_(col.header)), col.min_width)
        widths.append(min(width, col.max_width) + 2)
    return widths


class _PreparedCell(Cell):
    """A write-only cell whose style is set once, when it is prepared: its style id is looked up once
    instead of for every row it is written in (and it names itself cheaply in openpyxl's messages)."""

    __slots__ = ("_style_id",)

    def __repr__(self) -> str:
        return "<PreparedCell>"

    @property
    def style_id(self) -> int:
        try:
            return self._style_id
        except AttributeError:
            self._style_id = self.parent.parent._cell_styles.add(self._style)
            return self._style_id


class _RowWriter:
    """Cells prepared once per column and style, reused for every row (write-only rows are written
    out on append, so a cell object is free again right after)."""

    def __init__(self, ws, columns: list[Col]):
        self.ws, self.columns = ws, columns
        self._cache: dict[tuple, _PreparedCell] = {}

    def _cell(self, index: int, col: Col, fmt: str | None, style: str | None) -> _PreparedCell:
        key = (index, fmt, style)
        found = self._cache.get(key)
        if found is None:
            found = _PreparedCell(self.ws, row=1, column=1)
            font, fill = STYLES.get(style, (None, None))
            if fmt:
                found.number_format = fmt
            if font:
                found.font = font
            if fill:
                found.fill = fill
            if col.wrap:
                found.alignment = WRAP
            self._cache[key] = found
        return found

    def row(self, values: dict) -> list:
        style = values.get("_style")
        get = values.get
        out = []
        append = out.append
        for index, col in enumerate(self.columns):
            value = get(col.key)
            kind = type(value)
            if value is None or value == "":
                append(self._cell(index, col, None, style) if style else None)
                continue
            if kind is str:
                if value[0] in _RISKY_FIRST:
                    font, fill = STYLES.get(style, (None, None))
                    append(cell(self.ws, value, font=font, fill=fill, align=WRAP if col.wrap else None))
                elif style is None and not col.wrap:
                    append(value)
                else:
                    target = self._cell(index, col, None, style)
                    target.value = value
                    append(target)
                continue
            fmt = col.fmt
            if kind is bool or kind is str:
                fmt = None
            elif fmt == NUMBER:
                fmt = COUNT if kind is int or value.is_integer() else DECIMAL
            elif fmt is None and style is None:
                append(value)
                continue
            target = self._cell(index, col, fmt, style)
            target.value = value
            append(target)
        return out


@dataclass
class Table:
    """A further table on a sheet, below the main one: a bold title line, its header, its rows."""

    title: str
    columns: list[Col]
    rows: list[dict]


def _widths(tables: list[tuple[list[Col], list[dict]]]) -> list[float]:
    """Per column position, the widest any table on the sheet needs there."""
    out: list[float] = []
    for columns, rows in tables:
        for i, width in enumerate(fit_widths(columns, rows)):
            if i < len(out):
                out[i] = max(out[i], width)
            else:
                out.append(width)
    return out


def _write_table(ws, columns: list[Col], rows: list[dict]) -> None:
    ws.append([cell(ws, _(c.header), font=BOLD, fill=HEAD_FILL, align=WRAP) for c in columns])
    writer = _RowWriter(ws, columns)
    for values in rows:
        ws.append(writer.row(values))


def table_sheet(wb: Workbook, title: str, columns: list[Col], rows: list[dict], *, heading: list[str],
                freeze_columns: int = 0, footer: list[list] | None = None, widths: list[float] | None = None,
                more: list[Table] | None = None, footer_first: bool = False):
    """A sheet: the title block (``heading``: a title, then lines under it), a blank row, the header
    (frozen, with the auto-filter over the table), one row per dict (``"_style"`` optional), then
    ``more`` tables (each after a blank line, with its title), then ``footer`` rows (plain values,
    below the filtered range: notes, a signature block; before ``more`` with ``footer_first``)."""
    ws = wb.create_sheet(title[:31])
    more = more or []
    for i, width in enumerate(widths or _widths([(columns, rows)] + [(t.columns, t.rows) for t in more]), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    header_row = len(heading) + 2
    ws.freeze_panes = f"{get_column_letter(freeze_columns + 1)}{header_row + 1}"
    for i, line in enumerate(heading):
        ws.append([cell(ws, line, font=TITLE if i == 0 else SUBTITLE)])
    ws.append([])
    _write_table(ws, columns, rows)
    last = header_row + max(len(rows), 1)
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{last}"
    if not rows:
        ws.append([cell(ws, _("Tidak ada data."), font=SUBTITLE)])
    if footer_first:
        _footer(ws, footer)
    for table in more:
        ws.append([])
        ws.append([cell(ws, table.title, font=BOLD)])
        _write_table(ws, table.columns, table.rows)
    if not footer_first:
        _footer(ws, footer)
    return ws


def _footer(ws, lines: list[list] | None) -> None:
    for line in lines or []:
        ws.append([v if not isinstance(v, str) or not risky(v) else cell(ws, v) for v in line])


def signature_rows(place: str, when: str, title_lines: list[str], name: str = "", nip: str = "",
                   column: int = 1) -> list[list]:
    """The signature block as footer rows, starting in ``column`` (1-based): place and date, the
    signer's title, three blank lines, the name (or a line to write it on) and the NIP."""
    pad = [None] * (column - 1)
    rows = [[], pad + [f"{place}, {when}" if place else when]]
    rows += [pad + [line] for line in title_lines]
    rows += [[], [], []]
    rows.append(pad + [name or "(......................................................)"])
    rows.append(pad + [_("NIP. %(n)s", n=nip) if nip else _("NIP. ......................................")])
    return rows
