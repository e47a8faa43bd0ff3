"""One row about a person, from a target list or a beneficiary list: read, checked, and turned into the
columns both tables share (hash, sealed number, mask; a name key for fuzzy matching).

Files are read as a stream (``rows``): CSV line by line, ``.xlsx`` through openpyxl's read-only mode,
so a 200,000-row list never sits in memory whole.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import IO

from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from tracker.beneficiaries import identity
from tracker.poverty.import_files import RowError, file_error
from tracker.security import strip_control_characters

MAX_UNZIPPED = 400 * 1024 * 1024  # an .xlsx that inflates past this is refused (zip bomb)

# Headers as the API names them, and the Indonesian ones the offices use.
HEADERS = {
    "nik": "nik", "no_nik": "nik", "nomor_nik": "nik",
    "kk": "kk", "no_kk": "kk", "nomor_kk": "kk", "nkk": "kk",
    "name": "name", "nama": "name", "nama_lengkap": "name", "nama_kepala_keluarga": "name",
    "sex": "sex", "jenis_kelamin": "sex", "jk": "sex", "l_p": "sex",
    "birth_date": "birth_date", "tanggal_lahir": "birth_date", "tgl_lahir": "birth_date",
    "address": "address", "alamat": "address",
    "region_code": "region_code", "kode_wilayah": "region_code", "kode_desa": "region_code",
    "desil": "desil", "desil_kesejahteraan": "desil",
}
IGNORED = {"no", "nomor", "keterangan", "catatan", "desa", "kelurahan", "desa_kelurahan", "kecamatan"}
_TITLES = re.compile(r"\b(H|HJ|HAJI|HAJJAH|DRS|DR|IR|ST|SE|SH|SPD|SKM|AMD|ALM|ALMH|BPK|BAPAK|IBU|NY|TN|SDR)\b")
_NOT_LETTER = re.compile(r"[^A-Z ]+")
_SPACES = re.compile(r"\s+")


def name_key(name: str) -> str:
    """Upper case, no accents, titles or punctuation: "Hj. Siti Aminah, S.Pd" -> "SITI AMINAH"."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().upper()
    text = _NOT_LETTER.sub(" ", text.replace(".", " ").replace(",", " "))
    text = _TITLES.sub(" ", text)
    return _SPACES.sub(" ", text).strip()[:120]


def header_key(value) -> str:
    text = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def text_cell(value, limit: int) -> str:
    if value is None:
        return ""
    text = strip_control_characters(str(value)).strip()
    return _SPACES.sub(" ", text)[:limit]


def date_cell(value) -> tuple[date | None, str]:
    if value in (None, ""):
        return None, ""
    if isinstance(value, datetime):
        return value.date(), ""
    if isinstance(value, date):
        return value, ""
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date(), ""
        except ValueError:
            continue
    return None, _("tanggal tidak dikenali: tulis sebagai 2024-12-31 atau 31-12-2024")


def sex_cell(value) -> tuple[str | None, str]:
    text = str(value or "").strip().upper()
    if not text:
        return None, ""
    if text in ("L", "LAKI-LAKI", "LAKI LAKI", "PRIA", "M"):
        return "L", ""
    if text in ("P", "PEREMPUAN", "WANITA", "F"):
        return "P", ""
    return None, _("tulis L atau P")


def identity_fields(prefix: str, checked: identity.Checked) -> dict:
    """``nik_hash``/``nik_sealed``/``nik_masked`` (or ``kk_...``) for a checked number."""
    digits = checked.digits or None
    return {f"{prefix}_hash": identity.digest(digits), f"{prefix}_sealed": identity.seal(digits),
            f"{prefix}_masked": identity.mask(digits)}


# ---- reading files ------------------------------------------------------------------------------

def _csv_rows(stream: IO[bytes]) -> Iterator[tuple[int, list]]:
    head = stream.read(4)
    stream.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise file_error(_("berkas CSV harus berenkode UTF-8 (di Excel: Simpan Sebagai → CSV UTF-8), bukan UTF-16."))
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        first = text.readline()
        delimiter = max((";", ",", "\t"), key=first.count)
        lines = csv.reader(_chain(first, text), delimiter=delimiter)
        for number, row in enumerate(lines, start=1):
            if any(str(v).strip() for v in row):
                yield number, row
    except UnicodeDecodeError:
        raise file_error(_("berkas CSV harus berenkode UTF-8 (di Excel: Simpan Sebagai → CSV UTF-8). Berkas ini "
                            "memakai enkode lain.")) from None
    except csv.Error:
        raise file_error(_("berkas CSV tidak dapat dibaca (tanda kutip tidak seimbang?).")) from None
    finally:
        text.detach()


def _chain(first: str, rest) -> Iterator[str]:
    yield first
    yield from rest


def _xlsx_rows(stream: IO[bytes]) -> Iterator[tuple[int, list]]:
    try:
        with zipfile.ZipFile(stream) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED:
                raise file_error(_("berkas Excel terlalu besar setelah dibuka."))
        stream.seek(0)
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError):
        raise file_error(_("berkas Excel tidak dapat dibaca atau rusak; simpan ulang sebagai .xlsx.")) from None
    try:
        sheet = workbook["Data"] if "Data" in workbook.sheetnames else workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if any(v is not None and str(v).strip() for v in values):
                yield number, list(values)
    except (KeyError, ValueError, TypeError, IndexError, zipfile.BadZipFile, OSError):
        raise file_error(_("berkas Excel tidak dapat dibaca atau rusak; simpan ulang sebagai .xlsx.")) from None
    finally:
        workbook.close()


def rows(filename: str, stream: IO[bytes]) -> Iterator[tuple[int, list]]:
    """The file's non-blank rows as (row number, cells), header first; the kind by content, then name."""
    head = stream.read(8)
    stream.seek(0)
    name = (filename or "").lower()
    if not head.strip():
        raise file_error(_("berkas kosong."))
    if head.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise file_error(_("format Excel lama (.xls) tidak didukung; simpan sebagai .xlsx atau CSV UTF-8."))
    if head.startswith(b"PK"):
        return _xlsx_rows(stream)
    if name.endswith((".xlsx", ".xlsm")):
        raise file_error(_("berkas Excel tidak dapat dibaca atau rusak; simpan ulang sebagai .xlsx."))
    if name and not name.endswith((".csv", ".txt")):
        raise file_error(_("jenis berkas tidak didukung: unggah .xlsx atau .csv."))
    return _csv_rows(stream)


def columns(header: list, required: tuple[str, ...]) -> tuple[dict[str, int], list[RowError]]:
    """Field -> column index from the header row; unknown, doubled and missing columns are errors."""
    found: dict[str, int] = {}
    errors = []
    for index, cell in enumerate(header):
        key = header_key(cell)
        if not key or key in IGNORED:
            continue
        field = HEADERS.get(key)
        if field is None:
            errors.append(RowError(1, "", _("kolom '%(h)s' tidak dikenal", h=text_cell(cell, 40))))
        elif field in found:
            errors.append(RowError(1, field, _("kolom '%(h)s' ada dua kali", h=text_cell(cell, 40))))
        else:
            found[field] = index
    for field in required:
        if field not in found:
            errors.append(RowError(1, field, _("kolom '%(f)s' tidak ada di baris judul", f=field)))
    return found, errors
