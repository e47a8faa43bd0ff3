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
import logging
import multiprocessing
import os
import re
import threading
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, unquote_to_bytes, urlsplit
from urllib.request import url2pathname

from markupsafe import escape

from tracker.reports import pdf_merge

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
    caller)."""

    title: str = ""
    page_label: str = "Halaman {page} dari {pages}"

    def label(self, page: int, pages: int) -> str:
        return self.page_label.replace("{pages}", str(pages)).replace("{page}", str(page))


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _counters(label: str) -> str:
    """CSS ``content`` of a label with {page} and {pages}: strings and counter(page)/counter(pages)."""
    parts = re.split(r"(\{pages?\})", label)
    return " ".join(("counter(pages)" if p == "{pages}" else "counter(page)" if p == "{page}" else _css_string(p))
                    for p in parts if p) or '""'


_BOX = ("font-family: 'DejaVu Sans', sans-serif; font-size: 7.5pt; vertical-align: top; padding-top: 3mm;"
        " border-top: 0.5pt solid #999;")


def footer_css(footer: Footer, *, stamp: bool = False) -> str:
    """The footer's page rules.  In a document: counters, nothing on the first page.  In a stamp
    document (``stamp``): every page's number is its element's ``string-set: pageno`` (the stamp
    may cover any range of pages of the whole), and the cover is never stamped."""
    right = "string(pageno)" if stamp else _counters(footer.page_label)
    css = ("@page { @bottom-left { content: %s; color: #555; %s }"
           " @bottom-right { content: %s; color: #333; %s } }") % (_css_string(footer.title), _BOX, right, _BOX)
    if not stamp:
        css += (" @page :first { @bottom-left { content: none; border: none; }"
                " @bottom-right { content: none; border: none; } }")
    return css


@lru_cache(maxsize=16)
def _footer_sheet(static_root: str, footer: Footer, stamp: bool = False):
    from weasyprint import CSS

    fonts, _sheets, fetcher, _base = _resources(static_root, STYLESHEETS)
    return CSS(string=footer_css(footer, stamp=stamp), font_config=fonts, url_fetcher=fetcher)


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


def render_stamp(pages: list[tuple[int, float, float]], total: int, footer: Footer, *,
                 static_root: str | None = None) -> bytes:
    """A document of empty pages carrying only the footer: one page per (number, width, height) in
    ``pages``, numbered "Halaman <number> dari <total>" (sizes in points, as the pages stamped)."""
    from weasyprint import CSS, HTML

    root = static_root or app_static_root()
    fonts, sheets, fetcher, base_url = _resources(root, STYLESHEETS)
    names: dict[tuple[float, float], str] = {}
    css = ["div.p { height: 1pt; } div.p + div.p { break-before: page; }"]
    body = []
    for number, width, height in pages:
        size = (round(width, 2), round(height, 2))
        if size not in names:
            names[size] = f"s{len(names)}"
            css.append(f"@page {names[size]} {{ size: {size[0]}pt {size[1]}pt; }} div.{names[size]} {{ page: {names[size]}; }}")
        label = escape(_css_string(footer.label(number, total)))
        body.append(f'<div class="p {names[size]}" style="string-set: pageno {label}"></div>')
    html = f"<!DOCTYPE html><html><body>{''.join(body)}</body></html>"
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
        stylesheets=[sheets[0], _footer_sheet(root, footer, stamp=True), CSS(string="\n".join(css), font_config=fonts)],
        font_config=fonts)


def stamp_page_numbers(data: bytes, footer: Footer, *, static_root: str | None = None) -> bytes:
    """The footer over every page of ``data`` but the first, numbered over the whole (one process)."""
    sizes = pdf_merge.page_sizes(data)
    writer = pdf_merge.merge([data])
    if len(sizes) > 1:
        stamp = render_stamp([(n, w, h) for n, (w, h) in enumerate(sizes, start=1)][1:], len(sizes), footer,
                             static_root=static_root)
        pdf_merge.overlay(writer, [stamp], 1)
    return pdf_merge.to_bytes(writer)


def _render_in_worker(html: str, static_root: str, stylesheets: tuple[str, ...]) -> bytes:
    return render_pdf(html, static_root=static_root, stylesheets=stylesheets)


def _stamp_in_worker(pages: list[tuple[int, float, float]], total: int, footer: Footer, static_root: str) -> bytes:
    return render_stamp(pages, total, footer, static_root=static_root)


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


def _run(tasks: list[tuple], root: str, stylesheets: tuple[str, ...],
         progress: Callable[[int], None] | None = None) -> list[bytes]:
    """Run ``(function, *args)`` tasks in the pool, results in order; a pool broken by a killed
    worker is started again once."""
    results: list[bytes | None] = [None] * len(tasks)
    for attempt in (1, 2):
        pool = _pool(root, stylesheets)
        try:
            futures = {pool.submit(*task): i for i, task in enumerate(tasks) if results[i] is None}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                if progress:
                    progress(sum(r is not None for r in results))
            break
        except BrokenProcessPool:
            shutdown_pool()
            if attempt == 2:
                raise
    return [r for r in results if r is not None]


def render_parallel(parts: list[str], *, footer: Footer | None = None, static_root: str | None = None,
                    stylesheets: tuple[str, ...] = STYLESHEETS,
                    progress: Callable[[int, int], None] | None = None) -> bytes:
    """Several HTML documents rendered at once (a process pool, one process per core), merged in
    order; with ``footer`` every page but the first is stamped "Halaman X dari Y" over the whole
    (the stamps rendered in the pool too, one range of pages per process).  ``progress(done, total)``
    is called as each part finishes (the stamps count as one more step)."""
    root = static_root or app_static_root()
    steps = len(parts) + (1 if footer is not None else 0)
    done = (lambda n: progress(n, steps)) if progress else None
    pdfs = _run([(_render_in_worker, html, root, stylesheets) for html in parts], root, stylesheets, done)

    def stamps(stamped: list[tuple[int, float, float]], total: int) -> list[bytes]:
        share = -(-len(stamped) // worker_count())
        ranges = [stamped[i:i + share] for i in range(0, len(stamped), share)]
        return _run([(_stamp_in_worker, r, total, footer, root) for r in ranges], root, stylesheets)

    return _merge_and_stamp(pdfs, footer, stamps, lambda: progress(steps, steps) if progress else None)


def render_sequential(parts: list[str], *, footer: Footer | None = None, static_root: str | None = None,
                      stylesheets: tuple[str, ...] = STYLESHEETS,
                      progress: Callable[[int, int], None] | None = None) -> bytes:
    """The same as ``render_parallel``, one part after the other in this process: what a one-core
    machine does with a long report, its memory bounded by the largest part, not by the whole."""
    root = static_root or app_static_root()
    steps = len(parts) + (1 if footer is not None else 0)
    pdfs = []
    for html in parts:
        pdfs.append(render_pdf(html, static_root=root, stylesheets=stylesheets))
        if progress:
            progress(len(pdfs), steps)

    def stamps(stamped: list[tuple[int, float, float]], total: int) -> list[bytes]:
        return [render_stamp(stamped, total, footer, static_root=root)]

    return _merge_and_stamp(pdfs, footer, stamps, lambda: progress(steps, steps) if progress else None)


def _merge_and_stamp(pdfs: list[bytes], footer: Footer | None, stamps, finished) -> bytes:
    writer = pdf_merge.merge(pdfs)
    if footer is not None and len(writer.pages) > 1:
        sizes = [(n, float(p.mediabox.width), float(p.mediabox.height)) for n, p in enumerate(writer.pages, start=1)]
        pdf_merge.overlay(writer, stamps(sizes[1:], len(sizes)), 1)
        finished()
    return pdf_merge.to_bytes(writer)


def merge_pdfs(pdfs: list[bytes]) -> bytes:
    return pdfs[0] if len(pdfs) == 1 else pdf_merge.to_bytes(pdf_merge.merge(pdfs))


page_sizes = pdf_merge.page_sizes
