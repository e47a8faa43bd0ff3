"""tracker.files on its own: type by content, size limit, clean names, stored places, serving, removal."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import zipfile
import zlib

import pytest
from werkzeug.datastructures import FileStorage

from tracker import files
from tracker.errors import NotFound, PayloadTooLarge, ValidationFailed
from tracker.extensions import db

# ---- real minimal files, made here ---------------------------------------------------------------------

def pdf_bytes() -> bytes:
    """A small but well-formed one-page PDF (xref offsets computed)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def png_bytes() -> bytes:
    """A 1x1 red PNG with correct CRCs."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["A1"] = "Realisasi"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes({"[Content_Types].xml": "<Types/>", "_rels/.rels": "<Relationships/>",
                      "word/document.xml": "<w:document/>"})


def upload(data: bytes, name: str | None) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="application/octet-stream")


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def everything(folder) -> set[str]:
    return {os.path.relpath(os.path.join(d, f), folder) for d, _s, names in os.walk(folder) for f in names}


# ---- accepted and refused -------------------------------------------------------------------------------

@pytest.mark.parametrize("make,name,mime,ext", [
    (pdf_bytes, "SP2D triwulan II.pdf", files.PDF, "pdf"),
    (png_bytes, "foto.PNG", files.PNG, "png"),
    (jpeg_bytes, "foto.jpeg", files.JPEG, "jpg"),
    (xlsx_bytes, "bnba.xlsx", files.XLSX, "xlsx"),
    (docx_bytes, "berita acara.docx", files.DOCX, "docx"),
], ids=["pdf", "png", "jpeg", "xlsx", "docx"])
def test_accepted_by_content(folder, make, name, mime, ext):
    data = make()
    stored = files.store_upload(upload(data, name), "csr")
    assert isinstance(stored, files.StoredFile)
    assert stored.original_name == name and stored.content_type == mime and stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.stored_name.endswith("." + ext) and name not in stored.stored_name
    assert len(stored.stored_name) == 32 + 1 + len(ext)
    path = files.path_of("csr", stored.stored_name)
    assert path == os.path.join(str(folder), "csr", stored.stored_name[:2], stored.stored_name)
    with open(path, "rb") as fh:
        assert fh.read() == data
    assert everything(folder) == {os.path.join("csr", stored.stored_name[:2], stored.stored_name)}
    assert stored.fields() == {"original_name": name, "stored_name": stored.stored_name, "content_type": mime,
                               "size": len(data), "sha256": stored.sha256}
    assert files.detect_type(path) == mime


@pytest.mark.parametrize("data,name", [
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "laporan.pdf"),  # an .exe renamed
    (zip_bytes({"a.txt": "halo"}), "bnba.xlsx"),  # a plain zip
    (zip_bytes({"[Content_Types].xml": "<Types/>", "ppt/presentation.xml": "<p/>"}), "slide.docx"),  # pptx
    (zip_bytes({"xl/workbook.xml": "<workbook/>"}), "bnba.xlsx"),  # no [Content_Types].xml
    (b"PK\x03\x04" + b"\x00" * 100, "rusak.docx"),  # a broken zip
    (png_bytes(), "laporan.pdf"),  # right type, wrong name
    (xlsx_bytes(), "bnba.docx"),  # a spreadsheet named as a document
    (pdf_bytes(), "laporan"),  # no extension at all
    (b"<html><script>alert(1)</script></html>", "bukti.jpg"),
    (b"just text\n" * 20, "catatan.pdf"),
], ids=["exe-as-pdf", "plain-zip", "pptx", "zip-without-content-types", "broken-zip", "png-as-pdf",
        "xlsx-as-docx", "no-extension", "html-as-jpg", "text-as-pdf"])
def test_refused_by_content_and_nothing_kept(folder, data, name):
    with pytest.raises(ValidationFailed) as caught:
        files.store_upload(upload(data, name), "csr")
    assert "file" in caught.value.fields
    assert everything(folder) == set()  # not even the temporary file


@pytest.mark.parametrize("storage", [None, upload(b"", ""), upload(b"%PDF-1.4", None)],
                         ids=["none", "no-name", "none-name"])
def test_missing_file(folder, storage):
    with pytest.raises(ValidationFailed) as caught:
        files.store_upload(storage, "csr")
    assert caught.value.fields == {"file": "Wajib diisi."}


def test_empty_file(folder):
    with pytest.raises(ValidationFailed) as caught:
        files.store_upload(upload(b"", "kosong.pdf"), "csr")
    assert "file" in caught.value.fields
    assert everything(folder) == set()


def test_size_limit_is_413(app, folder, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    big = pdf_bytes() + b"0" * (80 * 1024)
    with pytest.raises(PayloadTooLarge) as caught:
        files.store_upload(upload(big, "besar.pdf"), "csr")
    assert caught.value.status == 413 and "0.06" in caught.value.message
    assert everything(folder) == set()
    # exactly at the limit is fine; the caller may set a lower limit of its own
    exact = pdf_bytes() + b"0" * (64 * 1024 - len(pdf_bytes()))
    assert files.store_upload(upload(exact, "pas.pdf"), "csr").size == 64 * 1024
    with pytest.raises(PayloadTooLarge):
        files.store_upload(upload(pdf_bytes(), "kecil.pdf"), "csr", limit=100)


def test_default_limit_is_ten_megabytes(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", None)
    assert files.max_bytes() == 10 * 1024 * 1024


# ---- names and places -----------------------------------------------------------------------------------

@pytest.mark.parametrize("given,expected", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\opd\\Dokumen\\SP2D.pdf", "SP2D.pdf"),
    ("/var/tmp/", "berkas"),
    ("lapo\x00ran\x1f\x7f.pdf", "laporan.pdf"),
    ("\tfoto\u202egnp.pdf \r\n", "fotognp.pdf"),  # a right-to-left override is a control character
    ("e\u0301.pdf", "\u00e9.pdf"),  # NFC
    ("", "berkas"),
    (None, "berkas"),
    ("\x00\x01", "berkas"),
    ("Berita Acara (final).docx", "Berita Acara (final).docx"),
])
def test_clean_name(given, expected):
    assert files.clean_name(given) == expected


def test_clean_name_long_names_keep_the_extension():
    name = files.clean_name("a" * 300 + ".xlsx")
    assert len(name) == 200 and name.endswith(".xlsx") and name.startswith("a" * 100)
    no_ext = files.clean_name("b" * 300)
    assert no_ext == "b" * 200
    odd_ext = files.clean_name("c" * 150 + "." + "d" * 150)  # an "extension" too long to be one
    assert odd_ext == ("c" * 150 + "." + "d" * 150)[:200]
    assert files.clean_name("x" * 200) == "x" * 200


def test_progress_area_keeps_todays_paths(app):
    name = "0123456789abcdef0123456789abcdef.pdf"
    assert files.path_of("progress", name) == os.path.join(app.config["UPLOAD_FOLDER"], "progress", "01", name)
    assert not os.path.abspath(files.path_of("progress", name)).startswith(os.path.abspath(app.static_folder))


@pytest.mark.parametrize("area", ["", "../static", "a/b", "CSR", "progress/..", None])
def test_bad_area_is_refused(app, area):
    with pytest.raises(ValueError):
        files.path_of(area, "0123456789abcdef0123456789abcdef.pdf")


@pytest.mark.parametrize("stored", ["", "a", "../x.pdf", "ab/cd.pdf", ".hidden", "..", "a\\b.pdf", "x.pdf\x00"])
def test_bad_stored_name_is_refused(app, stored):
    with pytest.raises(ValueError):
        files.path_of("csr", stored)


def test_areas_are_separate(folder):
    one = files.store_upload(upload(pdf_bytes(), "a.pdf"), "csr")
    two = files.store_upload(upload(pdf_bytes(), "a.pdf"), "progress")
    assert one.stored_name != two.stored_name and one.sha256 == two.sha256
    assert everything(folder) == {os.path.join("csr", one.stored_name[:2], one.stored_name),
                                  os.path.join("progress", two.stored_name[:2], two.stored_name)}


# ---- serving --------------------------------------------------------------------------------------------

def test_send_stored_headers(app, folder):
    data = png_bytes()
    stored = files.store_upload(upload(data, "foto penyaluran.png"), "csr")
    with app.test_request_context("/"):
        response = files.send_stored("csr", stored.stored_name, stored.original_name, stored.content_type)
        response.direct_passthrough = False
        assert response.status_code == 200 and response.get_data() == data
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "foto penyaluran.png" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_send_stored_unicode_name_and_missing_file(app, folder):
    stored = files.store_upload(upload(pdf_bytes(), "Laporan Triwulan — Kotim.pdf"), "csr")
    with app.test_request_context("/"):
        response = files.send_stored("csr", stored.stored_name, stored.original_name, stored.content_type)
        assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
        response.close()
        files.remove_stored("csr", stored.stored_name)
        with pytest.raises(NotFound):
            files.send_stored("csr", stored.stored_name, stored.original_name, stored.content_type)


# ---- removing -------------------------------------------------------------------------------------------

def test_remove_stored_is_quiet_when_gone(folder):
    stored = files.store_upload(upload(pdf_bytes(), "a.pdf"), "csr")
    path = files.path_of("csr", stored.stored_name)
    files.remove_stored("csr", stored.stored_name)
    assert not os.path.exists(path)
    files.remove_stored("csr", stored.stored_name)  # already gone: no error
    files.remove_stored("csr", "ffffffffffffffffffffffffffffffff.pdf")  # never there (folder missing)


def test_remove_on_error(folder):
    kept = files.store_upload(upload(pdf_bytes(), "a.pdf"), "csr")
    with files.remove_on_error("csr", kept.stored_name):
        pass
    assert os.path.isfile(files.path_of("csr", kept.stored_name))
    dropped = files.store_upload(upload(pdf_bytes(), "b.pdf"), "csr")
    with pytest.raises(RuntimeError), files.remove_on_error("csr", dropped.stored_name):
        raise RuntimeError("flush failed")
    assert not os.path.exists(files.path_of("csr", dropped.stored_name))


def test_commit_or_remove(folder, monkeypatch):
    kept = files.store_upload(upload(pdf_bytes(), "a.pdf"), "csr")
    files.commit_or_remove("csr", kept.stored_name)
    assert os.path.isfile(files.path_of("csr", kept.stored_name))

    dropped = files.store_upload(upload(pdf_bytes(), "b.pdf"), "csr")
    calls = []

    def failing_commit():
        raise RuntimeError("commit failed")

    monkeypatch.setattr(db.session, "commit", failing_commit)
    monkeypatch.setattr(db.session, "rollback", lambda: calls.append("rollback"))
    with pytest.raises(RuntimeError):
        files.commit_or_remove("csr", dropped.stored_name)
    assert calls == ["rollback"]
    assert not os.path.exists(files.path_of("csr", dropped.stored_name))
    assert os.path.isfile(files.path_of("csr", kept.stored_name))
