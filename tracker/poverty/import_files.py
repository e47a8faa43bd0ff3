"""Reading an uploaded poverty file (``tracker.poverty.imports``): its bytes, CSV or XLSX, into rows of
raw cells; and the error an upload answers with, listing each problem by row and column.

CSV: UTF-8 with or without BOM (UTF-16 and other encodings are refused with a message that says how to
save as "CSV UTF-8"); the separator is the one the header line uses most of ``;`` (Indonesian Excel),
``,`` and tab.  XLSX: the sheet "Data" or else the first, read twice in read-only mode, values and
formulas, so that a formula without a value saved by Excel is reported rather than read as empty.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from typing import IO

from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from tracker.errors import ValidationFailed
from tracker.formatting import number
from tracker.poverty.parsing import blank

MAX_ROWS = 20_000
MAX_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED = 100 * 1024 * 1024  # an .xlsx that inflates past this is refused (zip bomb)
MAX_ERRORS = 500  # listed; the count says how many more


@dataclass(frozen=True)
class RowError:
    row: int  # the file's row (1 = header); 0 = the whole file
    column: str  # the rules' field name ("poor_pct"), "" for the row or the file
    message: str
    header: str = ""  # the header as the file spells it
    cell: str = ""  # "E5" (spreadsheet address; CSV too, as Excel shows it)

    def key(self) -> str:
        """As api.md names upload problems: ``row N: column`` (``file`` for the whole file)."""
        if not self.row:
            return "file"
        return f"row {self.row}: {self.column}" if self.column else f"row {self.row}"

    def line(self) -> str:
        if not self.row:
            return self.message
        if self.column:
            return _("Baris %(r)d, kolom '%(c)s' (sel %(x)s): %(m)s", r=self.row, c=self.header or self.column,
                     x=self.cell, m=self.message)
        return _("Baris %(r)d: %(m)s", r=self.row, m=self.message)


class ImportFailed(ValidationFailed):
    """Every problem of an upload (``errors``); 422 with ``fields`` keyed ``row N: column``."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        fields: dict[str, str] = {}
        for e in errors[:MAX_ERRORS]:
            fields[e.key()] = f"{fields[e.key()]} {e.message}" if e.key() in fields else e.message
        if len(errors) == 1 and not errors[0].row:
            message = _("Berkas tidak diimpor: %(m)s", m=errors[0].message)
        else:
            message = _("Berkas tidak diimpor: %(n)d kesalahan ditemukan. Tidak ada data yang disimpan.",
                        n=len(errors))
        super().__init__(message, fields)

    def lines(self) -> list[str]:
        shown = [e.line() for e in self.errors[:MAX_ERRORS]]
        if len(self.errors) > MAX_ERRORS:
            shown.append(_("… dan %(n)d kesalahan lain.", n=len(self.errors) - MAX_ERRORS))
        return shown


def file_error(message: str) -> ImportFailed:
    return ImportFailed([RowError(0, "", message)])


# ---- reading -----------------------------------------------------------------------------------

def read_bytes(stream: IO[bytes]) -> bytes:
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise file_error(_("berkas terlalu besar (maksimal %(n)s MB).", n=number(MAX_BYTES / 1024 / 1024)))
    if not data.strip():
        raise file_error(_("berkas kosong."))
    return data


def _csv_rows(data: bytes) -> list[tuple[int, list]]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise file_error(_("berkas CSV harus berenkode UTF-8 (di Excel: Simpan Sebagai → CSV UTF-8), bukan UTF-16."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise file_error(_("berkas CSV harus berenkode UTF-8 (di Excel: Simpan Sebagai → CSV UTF-8). Berkas ini "
                            "memakai enkode lain.")) from None
    if "\x00" in text:
        raise file_error(_("berkas ini bukan CSV teks biasa."))
    first = text.splitlines()[0] if text.splitlines() else ""
    delimiter = max((";", ",", "\t"), key=first.count)
    try:
        rows = []
        for number_, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            if any(not blank(v) for v in row):
                rows.append((number_, row))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    except csv.Error:
        raise file_error(_("berkas CSV tidak dapat dibaca (tanda kutip tidak seimbang?).")) from None


def _open_workbook(data: bytes, formulas: bool):
    return load_workbook(io.BytesIO(data), read_only=True, data_only=not formulas)


def _xlsx_rows(data: bytes) -> tuple[list[tuple[int, list]], set[tuple[int, int]]]:
    """The first (or "Data") sheet's values and the (row, column) of formulas without a saved value."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED:
                raise file_error(_("berkas Excel terlalu besar setelah dibuka."))
        values_wb, formula_wb = _open_workbook(data, False), _open_workbook(data, True)
    except ImportFailed:
        raise
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError):
        raise file_error(_("berkas Excel tidak dapat dibaca atau rusak; simpan ulang sebagai .xlsx.")) from None
    try:
        name = "Data" if "Data" in values_wb.sheetnames else values_wb.sheetnames[0]
        rows, unsaved, filled = [], set(), 0
        pairs = zip(values_wb[name].iter_rows(values_only=True), formula_wb[name].iter_rows(values_only=True))
        for r, (values, formulas) in enumerate(pairs, start=1):
            for c, (value, formula) in enumerate(zip(values, formulas), start=1):
                if value is None and isinstance(formula, str) and formula.startswith("="):
                    unsaved.add((r, c))
            if all(blank(v) for v in values) and not any((r, c) in unsaved for c in range(1, len(values) + 1)):
                continue
            rows.append((r, list(values)))
            filled += 1
            if filled > MAX_ROWS + 1:  # the header and one row too many: enough to say so
                break
        return rows, unsaved
    except (KeyError, ValueError, TypeError, IndexError, zipfile.BadZipFile, OSError):
        raise file_error(_("berkas Excel tidak dapat dibaca atau rusak; simpan ulang sebagai .xlsx.")) from None
    finally:
        values_wb.close()
        formula_wb.close()


def read_table(filename: str, data: bytes) -> tuple[list[tuple[int, list]], set[tuple[int, int]]]:
    """The file's non-blank rows as (row number, raw cells), and the (row, column) of formulas without a
    saved value; the kind of file by its content, then its name."""
    name = (filename or "").lower()
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise file_error(_("format Excel lama (.xls) tidak didukung; simpan sebagai .xlsx atau CSV UTF-8."))
    if data.startswith(b"PK"):
        return _xlsx_rows(data)
    if name.endswith((".xlsx", ".xlsm")):
        raise file_error(_("berkas Excel tidak dapat dibaca atau rusak; simpan ulang sebagai .xlsx."))
    if name and not name.endswith((".csv", ".txt")):
        raise file_error(_("jenis berkas tidak didukung: unggah .xlsx atau .csv."))
    return _csv_rows(data), set()
