"""Stored evidence files, for any feature: size limit (413), type checked by content, cleaned display
name, generated stored names under ``UPLOAD_FOLDER/<area>/<xx>/`` (outside static/), sha256, served as
attachments with safe headers, removed again when the row that names them is not committed.

A feature keeps its own rows (original name, stored name, type, size, sha256) and its own access checks;
this module only knows files.  ``area`` is the feature's folder (``"progress"``, ``"csr"``...).

    stored = files.store_upload(request.files.get("file"), "csr")
    with files.remove_on_error("csr", stored.stored_name):
        db.session.add(Contribution(..., **stored.fields()))
        db.session.flush()
    files.commit_or_remove("csr", stored.stored_name)
    ...
    return files.send_stored("csr", row.stored_name, row.original_name, row.content_type)
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime

import filetype
from flask import Request, Response, current_app, send_file
from flask_babel import gettext as _
from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.errors import NotFound, PayloadTooLarge, ValidationFailed
from tracker.extensions import db
from tracker.types import UTCDateTime, utcnow

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# media type -> the extensions a file of that type may carry in its (display) name
EXTENSIONS = {PDF: {"pdf"}, JPEG: {"jpg", "jpeg"}, PNG: {"png"}, XLSX: {"xlsx"}, DOCX: {"docx"}}
# media type -> the extension of the stored name
STORED_EXTENSION = {PDF: "pdf", JPEG: "jpg", PNG: "png", XLSX: "xlsx", DOCX: "docx"}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
CHUNK = 64 * 1024
MAX_NAME = 200

_AREA = re.compile(r"[a-z][a-z0-9_-]{0,39}")
_STORED_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]+(\.[0-9A-Za-z]{1,10})?")


@dataclass(frozen=True)
class StoredFile:
    original_name: str  # cleaned display name, as the user named it
    stored_name: str  # generated: uuid4 hex + extension by content
    content_type: str  # judged by the bytes
    size: int
    sha256: str

    def fields(self) -> dict:
        """The five values as keyword arguments for the feature's row."""
        return asdict(self)


# ---- names and places -----------------------------------------------------------------------------------

def clean_name(name: str | None) -> str:
    """The file's display name: no directories, no control characters, at most 200 characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: MAX_NAME - 1 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:MAX_NAME]
    return name or "berkas"


def area_dir(area: str) -> str:
    """``UPLOAD_FOLDER/<area>``; the area is a fixed lower-case word chosen by the feature."""
    if not isinstance(area, str) or not _AREA.fullmatch(area):
        raise ValueError(f"invalid upload area {area!r}")
    return os.path.join(current_app.config["UPLOAD_FOLDER"], area)


def path_of(area: str, stored_name: str) -> str:
    """Where a stored file lives: ``UPLOAD_FOLDER/<area>/<first two characters>/<stored_name>``.

    Two-level fan-out keeps directories small; the name is ours (uuid4 hex), never the user's, and a
    name that could leave the folder is refused.
    """
    if not isinstance(stored_name, str) or not _STORED_NAME.fullmatch(stored_name):
        raise ValueError(f"invalid stored file name {stored_name!r}")
    return os.path.join(area_dir(area), stored_name[:2], stored_name)


# ---- type by content ------------------------------------------------------------------------------------

def _zip_kind(path: str) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def detect_type(path: str) -> str | None:
    """The file's type judged by its bytes (the name and the browser's claim are not trusted);
    one of PDF, JPEG, PNG, XLSX, DOCX, or None."""
    kind = filetype.guess(path)
    mime = kind.mime if kind is not None else None
    if mime in (PDF, JPEG, PNG):
        return mime
    if mime in ("application/zip", XLSX, DOCX) or (mime is None and zipfile.is_zipfile(path)):
        return _zip_kind(path)
    return None


# ---- storing --------------------------------------------------------------------------------------------

def max_bytes() -> int:
    """The size limit of one file: the app's ``MAX_CONTENT_LENGTH`` (``MAX_UPLOAD_MB``), else 10 MB."""
    return current_app.config.get("MAX_CONTENT_LENGTH") or DEFAULT_MAX_BYTES


def xlsx_download(data: bytes, filename: str) -> Response:
    """A workbook as an attachment, never kept by a cache (exports may name people)."""
    response = Response(data, mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


class UploadRequest(Request):
    """The app's request: a view marked ``larger_upload("SOME_MAX_MB")`` takes a body up to that setting
    instead of ``MAX_CONTENT_LENGTH``.  Decided on the matched route, so it holds before any hook
    (CSRF, sign-in) reads the form."""

    @property
    def max_content_length(self) -> int | None:
        view = current_app.view_functions.get(self.endpoint) if self.url_rule is not None else None
        key = getattr(view, "upload_limit_setting", None)
        if key is not None:
            return current_app.config[key] * 1024 * 1024
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        Request.max_content_length.fset(self, value)


def larger_upload(setting: str):
    """Mark a view whose upload may be larger than other files (``setting``: a size in MB)."""
    def mark(view):
        view.upload_limit_setting = setting
        return view
    return mark


def _mb(limit: int) -> str:
    return f"{limit / 1024 / 1024:.0f}" if limit >= 1024 * 1024 else f"{limit / 1024 / 1024:.2f}"


def _write_stream(stream, path: str, limit: int) -> tuple[int, str]:
    """Copy the upload to ``path``; stops at the size limit (413) and returns (size, sha256)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "wb") as out:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(_("Berkas terlalu besar (maksimal %(n)s MB).", n=_mb(limit)))
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


def store_upload(file_storage, area: str, *, limit: int | None = None) -> StoredFile:
    """Validate an uploaded file (a werkzeug ``FileStorage``) and store it under ``area``.

    The bytes go to a temporary file in the area (never kept on failure), are checked for size
    (``limit``, default ``max_bytes()``: ``PayloadTooLarge``) and type by content, and the name's
    extension must match the content (``ValidationFailed`` on field ``file``).  The caller adds the
    row, and removes the file if that row is not committed (``remove_on_error``, ``commit_or_remove``).
    """
    if file_storage is None or not getattr(file_storage, "filename", None):
        raise ValidationFailed(_("Pilih berkas yang akan diunggah."), {"file": _("Wajib diisi.")})
    original = clean_name(file_storage.filename)
    folder = area_dir(area)
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".tmp-{uuid.uuid4().hex}")
    try:
        size, sha256 = _write_stream(file_storage.stream, tmp, limit or max_bytes())
        if size == 0:
            raise ValidationFailed(_("Berkas kosong."), {"file": _("Berkas kosong.")})
        mime = detect_type(tmp)
        allowed = _("PDF, JPEG, PNG, XLSX atau DOCX")
        if mime is None:
            raise ValidationFailed(_("Jenis berkas tidak diizinkan; hanya %(a)s.", a=allowed),
                                   {"file": _("Isi berkas bukan %(a)s.", a=allowed)})
        ext = original.rsplit(".", 1)[-1].lower() if "." in original else ""
        if ext not in EXTENSIONS[mime]:
            raise ValidationFailed(
                _("Nama berkas (.%(e)s) tidak sesuai dengan isinya (%(k)s).", e=ext or "?",
                  k=STORED_EXTENSION[mime].upper()),
                {"file": _("Ekstensi tidak sesuai dengan isi berkas.")})
        stored_name = f"{uuid.uuid4().hex}.{STORED_EXTENSION[mime]}"
        final = path_of(area, stored_name)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        os.replace(tmp, final)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return StoredFile(original_name=original, stored_name=stored_name, content_type=mime, size=size,
                      sha256=sha256)


# ---- removing -------------------------------------------------------------------------------------------

def remove_stored(area: str, stored_name: str) -> None:
    """Delete a stored file; a file already gone is not an error."""
    try:
        os.remove(path_of(area, stored_name))
    except FileNotFoundError:
        pass


@contextmanager
def remove_on_error(area: str, stored_name: str) -> Iterator[None]:
    """Remove the stored file if the block raises (e.g. the flush that adds its row), then re-raise."""
    try:
        yield
    except BaseException:
        remove_stored(area, stored_name)
        raise


def commit_or_remove(area: str, stored_name: str) -> None:
    """Commit the session; if the commit fails, roll back, remove the new file and re-raise."""
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        remove_stored(area, stored_name)
        raise


# ---- serving --------------------------------------------------------------------------------------------

def send_stored(area: str, stored_name: str, original_name: str, content_type: str) -> Response:
    """The file as a download (never shown inline), under its display name, not cached, not sniffed.

    The caller checks who may see it first; a file missing from storage is a 404.
    """
    path = path_of(area, stored_name)
    if not os.path.isfile(path):
        raise NotFound(_("Berkas tidak ditemukan di penyimpanan."))
    response = send_file(path, mimetype=content_type, as_attachment=True, download_name=original_name,
                         max_age=0, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


class StoredFileMixin:
    """The columns of a feature's evidence-file row (the row's owner is the feature's own foreign key)."""

    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
