"""The PDF engine fetches only our own static files and data: URIs (quality.md, "Output")."""

from __future__ import annotations

import io
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from pypdf import PdfReader

from tracker.reports import pdf

PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        import base64
        self.wfile.write(base64.b64decode(PNG))

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Recorder.hits = []
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def _images(data: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)


def test_only_static_files_and_data_uris_are_fetched(app, server, tmp_path):
    outside = tmp_path / "secret.png"
    outside.write_bytes(__import__("base64").b64decode(PNG))
    html = f"""<!DOCTYPE html><html><head>
      <link rel="stylesheet" href="file:///etc/passwd"><link rel="stylesheet" href="{server}/evil.css"></head><body>
      <p>Isi laporan</p>
      <img src="file:///etc/passwd"> <img src="{server}/x.png"> <img src="{outside.as_uri()}">
      <img src="../../../../../../etc/passwd"> <img src="//127.0.0.1:{server.rsplit(':', 1)[1]}/y.png">
      <img src="data:image/png;base64,{PNG}">
    </body></html>"""
    data = pdf.render_pdf(html)
    assert _Recorder.hits == []          # no network request at all
    assert _images(data) == 1            # only the data: URI image
    assert "Isi laporan" in PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_the_fetcher_itself(app, tmp_path):
    static = app.static_folder
    fetch = pdf.make_url_fetcher(static)
    css = os.path.join(static, "css", "report.css")
    served = fetch("file://" + css)
    assert served["string"].startswith(b"/*")
    assert fetch(f"data:image/png;base64,{PNG}")["mime_type"] == "image/png"
    for url in ("file:///etc/passwd", "file://" + static + "/../tracker/config.py", "http://example.com/a.png",
                "https://example.com/a.css", "ftp://example.com/x", "file://remote-host" + css,
                (tmp_path / "x.png").as_uri()):
        with pytest.raises(pdf.RefusedURL):
            fetch(url)


def test_footer_numbers_every_page_but_the_cover(app):
    html = ("<!DOCTYPE html><html><body><div class='cover'>Sampul</div>"
            "<section class='chapter'>Satu</section><section class='chapter wide'>Dua</section></body></html>")
    footer = pdf.Footer(title="Laporan uji", page_label="Halaman {page} dari {pages}")
    direct = PdfReader(io.BytesIO(pdf.render_pdf(html, footer=footer)))
    stamped = PdfReader(io.BytesIO(pdf.stamp_page_numbers(pdf.render_pdf(html), footer)))
    for reader in (direct, stamped):
        texts = [p.extract_text() for p in reader.pages]
        assert len(texts) == 3 and "Halaman" not in texts[0]
        assert "Halaman 2 dari 3" in texts[1] and "Laporan uji" in texts[1]
        assert "Halaman 3 dari 3" in texts[2]
        assert reader.pages[2].mediabox.width > reader.pages[2].mediabox.height  # landscape kept
