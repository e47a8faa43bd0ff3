"""The PDF engine: HTML (a Jinja template under ``templates/reports/pdf/``) to PDF with WeasyPrint.

- One small print stylesheet (``static/css/report.css``, no Bootstrap) and one ``FontConfiguration``,
  built once per process (per static folder) and reused by every rendering.
- ``url_fetcher``: WeasyPrint may read only files under the app's static folder and ``data:`` URIs
  (the logo comes as one); ``file://`` anywhere else, ``http(s)://`` and every other scheme are
  refused (the resource is left out, the rendering goes on).  Templates link static files relative
  to the static folder (``css/x.css``, ``img/y.png``): it is the document's base URL.
- Page numbers "Halaman X dari Y" in the bottom margin of every page but the first (the cover),
  from a footer stylesheet (``footer_css``): given to ``render_pdf(..., footer=...)``, or stamped
  afterwards on a merged document (``stamp_page_numbers``) with the same stylesheet.
- ``render_parallel``: several HTML documents rendered at once in a process pool (one process per
  core, started with "spawn" so that no database connection or app state is inherited; a worker
  gets HTML strings and only runs WeasyPrint), then merged with pypdf and stamped with continuous
  page numbers, the "dari Y" being the merged total.

    pdf_bytes = render_pdf(html)                                   # no footer
    pdf_bytes = render_pdf(html, footer=Footer("Laporan Rakor ..."))  # numbered pages
    pdf_bytes = render_parallel([main_html, chunk1, chunk2], footer=Footer(...), progress=cb)
"""

from __future__ import annotations

import atexit
import base64
import io
import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, unquote_to_bytes, urlsplit
from urllib.request import url2pathname

STYLESHEETS = ("css/report.css",)
# fontTools logs every table it subsets (INFO/DEBUG): noise in the worker's log, and time under pytest.
logging.getLogger("fontTools").setLevel(logging.WARNING)
MAX_RESOURCE_BYTES = 8 * 1024 * 1024  # a static file bigger than this is not an image we ship


class RefusedURL(ValueError):
    """A resource the PDF renderer will not fetch (WeasyPrint logs it and leaves it out)."""


# ---- what the renderer may read ------------------------------------------------------------------

def _data_uri(url: str) -> dict:
    header, sep, payload = url[5:].partition(",")
    if not sep:
        raise RefusedURL("malformed data: URI")
    parts = header.split(";")
    mime = parts[0] or "text/plain"
    data = base64.b64decode(payload) if "base64" in parts[1:] else unquote_to_bytes(payload)
    return {"string": data, "mime_type": mime, "redirected_url": url}


def make_url_fetcher(static_root: str) -> Callable[[str], dict]:
    """A WeasyPrint ``url_fetcher`` serving only ``data:`` URIs and files inside ``static_root``."""
    root = os.path.realpath(static_root)

    def fetch(url: str, timeout: int = 10, ssl_context=None, **_ignored) -> dict:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return _data_uri(url)
        if scheme != "file":
            raise RefusedURL(f"refused (not a static file): {url[:80]}")
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"refused (remote file): {url[:80]}")
        path = os.path.realpath(url2pathname(unquote(parts.path)))
        if os.path.commonpath([root, path]) != root or not os.path.isfile(path):
            raise RefusedURL(f"refused (outside the static folder): {url[:80]}")
        if os.path.getsize(path) > MAX_RESOURCE_BYTES:
            raise RefusedURL(f"refused (too large): {url[:80]}")
        with open(path, "rb") as fh:
            return {"string": fh.read(), "redirected_url": url, "path": path}

    return fetch


def app_static_root() -> str:
    from flask import current_app

    return current_app.static_folder


# ---- the per-process resources ---------------------------------------------------------------------

@lru_cache(maxsize=4)
def _resources(static_root: str, stylesheets: tuple[str, ...]):
    """(FontConfiguration, [CSS], url_fetcher, base_url) — built once per process and static folder."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    fetcher = make_url_fetcher(static_root)
    base_url = Path(static_root).resolve().as_uri() + "/"
    sheets = [CSS(filename=os.path.join(static_root, name), font_config=fonts, url_fetcher=fetcher,
                  base_url=base_url) for name in stylesheets]
    return fonts, sheets, fetcher, base_url


@dataclass(frozen=True)
class Footer:
    """The page footer: a running title on the left, "Halaman X dari Y" on the right (not on the cover).

    ``page_label`` holds ``{page}`` and ``{pages}`` ("Halaman {page} dari {pages}", translated by the
    caller); ``offset`` is added to the page counter when the document is not the first part."""

    title: str = ""
    page_label: str = "Halaman {page} dari {pages}"


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def footer_css(footer: Footer) -> str:
    label = footer.page_label
    content = []
    rest = label
    while rest:
        i_page, i_pages = rest.find("{page}"), rest.find("{pages}")
        hits = [(i, tok) for i, tok in ((i_page, "{page}"), (i_pages, "{pages}")) if i >= 0]
        if not hits:
            content.append(_css_string(rest))
            break
        i, tok = min(hits)
        if i:
            content.append(_css_string(rest[:i]))
        content.append("counter(page)" if tok == "{page}" else "counter(pages)")
        rest = rest[i + len(tok):]
    return (
        "@page { @bottom-left { content: %s; font-family: 'DejaVu Sans', sans-serif; font-size: 7.5pt;"
        " color: #555; vertical-align: top; padding-top: 3mm; border-top: 0.5pt solid #999; }"
        " @bottom-right { content: %s; font-family: 'DejaVu Sans', sans-serif; font-size: 7.5pt;"
        " color: #333; vertical-align: top; padding-top: 3mm; border-top: 0.5pt solid #999; } }"
        " @page :first { @bottom-left { content: none; border: none; }"
        " @bottom-right { content: none; border: none; } }"
    ) % (_css_string(footer.title), " ".join(content) or '""')


@lru_cache(maxsize=16)
def _footer_sheet(static_root: str, footer: Footer):
    from weasyprint import CSS

    fonts, _sheets, fetcher, _base = _resources(static_root, STYLESHEETS)
    return CSS(string=footer_css(footer), font_config=fonts, url_fetcher=fetcher)


# ---- rendering -------------------------------------------------------------------------------------

def render_pdf(html: str, *, footer: Footer | None = None, static_root: str | None = None,
               stylesheets: tuple[str, ...] = STYLESHEETS) -> bytes:
    """One HTML document to PDF bytes, in this process."""
    from weasyprint import HTML

    root = static_root or app_static_root()
    fonts, sheets, fetcher, base_url = _resources(root, stylesheets)
    if footer is not None:
        sheets = [*sheets, _footer_sheet(root, footer)]
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=sheets, font_config=fonts)


def _render_in_worker(html: str, static_root: str, stylesheets: tuple[str, ...]) -> bytes:
    return render_pdf(html, static_root=static_root, stylesheets=stylesheets)


def _warm_worker(static_root: str, stylesheets: tuple[str, ...]) -> None:
    _resources(static_root, stylesheets)  # import WeasyPrint, parse the CSS, load the fonts


def worker_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover (not Linux)
        return max(1, os.cpu_count() or 1)


_POOL: ProcessPoolExecutor | None = None
_POOL_KEY: tuple | None = None
_POOL_LOCK = threading.Lock()


def _pool(static_root: str, stylesheets: tuple[str, ...]) -> ProcessPoolExecutor:
    global _POOL, _POOL_KEY
    key = (static_root, stylesheets)
    with _POOL_LOCK:
        if _POOL is None or _POOL_KEY != key:
            if _POOL is not None:
                _POOL.shutdown(wait=False, cancel_futures=True)
            _POOL = ProcessPoolExecutor(max_workers=worker_count(), mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_warm_worker, initargs=key)
            _POOL_KEY = key
        return _POOL


def shutdown_pool() -> None:
    global _POOL, _POOL_KEY
    with _POOL_LOCK:
        if _POOL is not None:
            _POOL.shutdown(wait=True, cancel_futures=True)
        _POOL, _POOL_KEY = None, None


atexit.register(shutdown_pool)


def render_parallel(parts: list[str], *, footer: Footer | None = None, static_root: str | None = None,
                    stylesheets: tuple[str, ...] = STYLESHEETS,
                    progress: Callable[[int, int], None] | None = None) -> bytes:
    """Several HTML documents rendered at once (a process pool, one process per core), merged in
    order; with ``footer`` every page but the first is stamped "Halaman X dari Y" over the whole.
    ``progress(done, total)`` is called as each part finishes."""
    root = static_root or app_static_root()
    results: list[bytes | None] = [None] * len(parts)
    if len(parts) == 1:
        results[0] = render_pdf(parts[0], static_root=root, stylesheets=stylesheets)
        if progress:
            progress(1, 1)
    else:
        for attempt in (1, 2):  # a pool broken by a killed worker is started again once
            pool = _pool(root, stylesheets)
            try:
                futures = {pool.submit(_render_in_worker, html, root, stylesheets): i
                           for i, html in enumerate(parts) if results[i] is None}
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    if progress:
                        progress(sum(r is not None for r in results), len(parts))
                break
            except BrokenProcessPool:
                shutdown_pool()
                if attempt == 2:
                    raise
    merged = merge_pdfs([r for r in results if r is not None])
    return stamp_page_numbers(merged, footer, static_root=root) if footer is not None else merged


# ---- merging and numbering ----------------------------------------------------------------------

def merge_pdfs(pdfs: list[bytes]) -> bytes:
    from pypdf import PdfWriter

    if len(pdfs) == 1:
        return pdfs[0]
    writer = PdfWriter()
    for data in pdfs:
        writer.append(io.BytesIO(data), import_outline=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    from pypdf import PdfReader

    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(io.BytesIO(pdf)).pages]


def stamp_html(sizes: list[tuple[float, float]]) -> tuple[str, str]:
    """An empty document with one page per size given (the footer does the rest): (html, css)."""
    names: dict[tuple[float, float], str] = {}
    css = ["html, body { margin: 0; } div.p { height: 1pt; } div.p + div.p { break-before: page; }"]
    for size in sizes:
        if size not in names:
            names[size] = f"s{len(names)}"
            css.append(f"@page {names[size]} {{ size: {size[0]:.2f}pt {size[1]:.2f}pt; }}")
            css.append(f"div.{names[size]} {{ page: {names[size]}; }}")
    body = "".join(f'<div class="p {names[s]}"></div>' for s in sizes)
    return f"<!DOCTYPE html><html><body>{body}</body></html>", "\n".join(css)


def stamp_page_numbers(pdf: bytes, footer: Footer, *, static_root: str | None = None) -> bytes:
    """Overlay the footer ("Halaman X dari Y", X counting from the first page, Y the total; none on
    the first page) on every page of ``pdf``, each stamp page the size of the page it goes on."""
    from pypdf import PdfReader, PdfWriter
    from weasyprint import CSS, HTML

    root = static_root or app_static_root()
    fonts, sheets, fetcher, base_url = _resources(root, STYLESHEETS)
    sizes = page_sizes(pdf)
    html, css = stamp_html(sizes)
    stamp = HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
        stylesheets=[sheets[0], _footer_sheet(root, footer), CSS(string=css, font_config=fonts)],
        font_config=fonts)
    stamps = PdfReader(io.BytesIO(stamp)).pages
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    if len(stamps) != len(writer.pages):  # pragma: no cover (the stamp document has one page per size)
        raise RuntimeError("page-number stamp does not match the document")
    for page, overlay in zip(list(writer.pages)[1:], stamps[1:]):
        page.merge_page(overlay, over=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
