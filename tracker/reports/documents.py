"""What the smaller PDF documents (OPD form, CSR report, agreements list) share: a Jinja template
under ``templates/reports/pdf/`` (extending ``base.html``, autoescaped) turned into PDF bytes by the
report engine (``tracker.reports.pdf.render_pdf``), and the display helpers their templates use."""

from __future__ import annotations

import re

from flask import render_template

from tracker.formatting import date_id, number, percent, rupiah, short_number


def measure(value) -> str:
    """An indicator value as people write it ("120", "45,5"); "–" when empty."""
    return short_number(value) if value is not None else "–"


FORMATS = {"rupiah": rupiah, "number": number, "date": date_id, "measure": measure,
           "percent": lambda v, digits=2: percent(v, digits)}


def render(template: str, **context) -> bytes:
    """Render ``template`` with ``context`` (plus ``fmt``: the display helpers) to PDF bytes."""
    from tracker.reports.pdf import render_pdf  # the engine loads WeasyPrint: only when a PDF is made

    html = render_template(template, fmt=FORMATS, **context)
    return render_pdf(html)


def slug(text: str, keep: str = "") -> str:
    """A file-name part: lower case, runs of other characters as one "-" (``keep``: characters kept)."""
    return re.sub(rf"[^a-z0-9{re.escape(keep)}]+", "-", (text or "").lower()).strip("-.") or "x"
