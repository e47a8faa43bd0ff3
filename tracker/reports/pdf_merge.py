"""Merging PDF parts and laying page-number stamps over them, with pypdf (no WeasyPrint here).

- ``open_pdf``: a ``PdfReader`` whose object streams are parsed once.  WeasyPrint packs a document's
  small objects (a chart's hundreds of forms and patterns) into one object stream, and pypdf reads
  that stream's whole index again for every object it fetches from it — quadratic; a report's main
  part took seconds to merge.  Reading each stream's index once makes it linear.
- ``merge``: the parts one after another (links and outline kept by ``PdfWriter.append``).
- ``overlay``: each stamp page drawn over its page as a form XObject.  The page's own content is not
  parsed or rewritten (pypdf's ``merge_page`` parses it: slow on table pages), only bracketed by
  ``q``/``Q`` so the stamp starts from the default graphics state.
"""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    read_object,
)

STAMP_NAME = "/TkpkPageNo"


def open_pdf(data: bytes) -> PdfReader:
    reader = PdfReader(io.BytesIO(data))
    in_stream: dict[int, set[int]] = {}
    for objnum, (stream_num, _index) in reader.xref_objStm.items():
        in_stream.setdefault(stream_num, set()).add(objnum)
    for stream_num, wanted in in_stream.items():
        stream = reader.get_object(stream_num)
        data_ = stream.get_data()
        first, count = int(stream["/First"]), int(stream["/N"])
        header = data_[:first].split()
        buffer = io.BytesIO(data_)
        for i in range(count):
            objnum, offset = int(header[2 * i]), int(header[2 * i + 1])
            if objnum not in wanted or reader.cache_get_indirect_object(0, objnum) is not None:
                continue
            buffer.seek(first + offset)
            reader.cache_indirect_object(0, objnum, read_object(buffer, reader))
    return reader


def page_sizes(data: bytes) -> list[tuple[float, float]]:
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in open_pdf(data).pages]


def merge(parts: list[bytes]) -> PdfWriter:
    writer = PdfWriter()
    for data in parts:
        writer.append(open_pdf(data), import_outline=True)
    return writer


def to_bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _stream(writer: PdfWriter, data: bytes):
    s = DecodedStreamObject()
    s.set_data(data)
    return writer._add_object(s)


def overlay(writer: PdfWriter, stamps: list[bytes], first_page: int) -> None:
    """Lay the pages of the ``stamps`` documents, in order, over the writer's pages from index
    ``first_page`` on (one stamp page per page)."""
    pages = list(writer.pages)[first_page:]
    stamp_pages = [page for data in stamps for page in open_pdf(data).pages]
    if len(stamp_pages) != len(pages):
        raise RuntimeError(f"{len(stamp_pages)} stamp pages for {len(pages)} pages")
    opening = _stream(writer, b"q\n")
    for n, (page, stamp) in enumerate(zip(pages, stamp_pages)):
        form = DecodedStreamObject()
        form.set_data(stamp.get_contents().get_data() if stamp.get_contents() is not None else b"")
        form.update({
            NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(stamp.mediabox),
            NameObject("/Resources"): stamp["/Resources"].clone(writer),
        })
        form_ref = writer._add_object(form.flate_encode())
        # The name goes into the page's own XObject dictionary, in place: WeasyPrint shares one resource
        # dictionary (hundreds of chart forms) between a document's pages, and a copy per page would
        # repeat it on every page of the file.  The names differ per page, so sharing is harmless.
        if "/Resources" not in page:
            page[NameObject("/Resources")] = DictionaryObject()
        resources = page["/Resources"].get_object()
        if "/XObject" not in resources:
            resources[NameObject("/XObject")] = DictionaryObject()
        name = NameObject(f"{STAMP_NAME}{n}")
        resources["/XObject"].get_object()[name] = form_ref
        raw = page.raw_get("/Contents") if "/Contents" in page else None  # the reference, not the stream
        contents = raw.get_object() if raw is not None else None
        original = list(contents) if isinstance(contents, ArrayObject) else ([raw] if raw is not None else [])
        closing = _stream(writer, b"\nQ q " + name.encode() + b" Do Q\n")
        page[NameObject("/Contents")] = ArrayObject([opening, *original, closing])
