"""The Rakor report as one print-ready A4 PDF (kind "evaluation", format "pdf").

Built from ``rakor_content`` (the same content as the workbook) with ``templates/reports/pdf/rakor.html``:
cover, contents with page numbers, summary, poverty context, realisation per OPD and per strategy,
the Permendagri 86/2017 table per OPD (landscape), CSR, problems and follow-ups, agreements, closing
with the signature block, and the annex with every activity.

Two paths for the same content (``mode``):

- "single": one HTML document, one WeasyPrint rendering in this process; page numbers by CSS.
- "chunked": the main part (cover .. the annex's title page, the last page of the main part, so the
  contents can point at it) and the annex rows cut into chunks, each its own HTML document
  (``rakor_annex.html``), rendered at once in a process pool (``pdf.render_parallel``: one process
  per core), merged with pypdf in order, then every page but the cover stamped "Halaman X dari Y"
  with the merged total — so numbers run on across chunks and the contents' numbers stay true.
- "sequential": the same documents as "chunked", rendered one after the other in this process
  (``pdf.render_sequential``): its memory is that of the largest chunk, not of the whole report
  (one document of the large year's annex took 1.4 GB).
- "auto" (the registered renderer): for an annex long enough to gain from it (``CHUNK_MIN_ROWS``)
  chunked with more than one core, sequential with one; else single.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import partial

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from tracker.beneficiaries.charts import coverage_chart
from tracker.charts import Series, compact_rupiah, grouped_bar_chart
from tracker.evaluation import dashboard_charts
from tracker.extensions import db
from tracker.formatting import date_id, number, percent, rupiah, short_number
from tracker.i18n import N_
from tracker.periods.services import quarter_label
from tracker.reference.models import Agency
from tracker.reports import pdf, rakor_content
from tracker.reports.registry import Progress, ReportKind, ReportParams, register

CHUNK_MIN_ROWS = 300      # a shorter annex renders with the main part (a pool start costs more than it saves)
MIN_CHUNK_ROWS = 120      # rows per chunk at least (each chunk costs a fixed start-up)
CHUNKS_PER_WORKER = 4     # more chunks than workers: they finish evenly
# The full Permendagri table, indicator by indicator, is printed for one OPD, or for a kabupaten of at
# most this many activities (above it the recap per OPD stands in; the workbook has every row).
DETAIL_MAX_ACTIVITIES = 150
# Problems and follow-ups are listed in full in chapter 6 up to this many activities; above it chapter 6
# summarises them per OPD (the most frequent texts) and the annex carries each activity's own.
PROBLEMS_MAX_ITEMS = 120
DIGEST_TEXTS = 3
CHART_COMPANIES = 15


def filename(params: ReportParams) -> str:
    name = f"laporan-rakor-{params.year}-tw{params.quarter}"
    if params.agency_id is not None:
        code = db.session.scalar(db.select(Agency.code).where(Agency.id == params.agency_id))
        slug = re.sub(r"[^a-z0-9]+", "-", (code or str(params.agency_id)).lower()).strip("-")
        name += f"-{slug or params.agency_id}"
    return name + ".pdf"


def footer(content: dict) -> pdf.Footer:
    cover = content["cover"]
    title = _("Laporan Rakor TKPK Triwulan %(q)s Tahun %(y)d", q=cover["quarter_label"], y=cover["year"])
    if cover["agency"] is not None:
        title += " · " + cover["agency"]["name"]
    elif cover["region_name"]:
        title += " · " + cover["region_name"]
    return pdf.Footer(title=title, page_label=_("Halaman {page} dari {pages}"))


# ---- charts --------------------------------------------------------------------------------------------

def charts(content: dict) -> dict:
    """The SVG charts of the report (``None`` where there is nothing to draw)."""
    r = content["realisation"]
    rows = [{"agency_id": a["agency_id"], "agency_name": a["name"], "realization_pct": a["realization_pct"]}
            for a in r["agencies"]]
    counted = sorted((a for a in rows if a["realization_pct"] is not None), key=lambda a: a["realization_pct"])
    lowest = {a["agency_id"] for a in counted[:3]} if len(counted) > 3 else set()
    strategies = r["strategies"]
    out = {
        "realisation": dashboard_charts.realisation_chart(rows, lowest) if len(rows) > 1 else None,
        "ratings": dashboard_charts.rating_chart(r["rating_counts"]),
        "strategies": grouped_bar_chart(
            _("Pagu dan realisasi per strategi"), [s["code"] + " " + s["name"] for s in strategies],
            [Series(_("Pagu"), [s["budget"] for s in strategies]),
             Series(_("Realisasi kumulatif"), [s["realized_cumulative"] for s in strategies])],
            value_format=compact_rupiah, width=640, key="rakor-strategies") if any(
                s["budget"] for s in strategies) else None,
        "poverty": None, "csr": None, "beneficiaries": None,
    }
    if content["beneficiaries"] is not None:
        out["beneficiaries"] = coverage_chart(content["beneficiaries"]["kecamatan"], key="rakor-coverage")
    if content["poverty"] is not None:
        out["poverty"] = dashboard_charts.poverty_chart(content["poverty"]["rows"])
    csr = content["csr"]
    if csr is not None and csr["companies"]:
        top = csr["companies"][:CHART_COMPANIES]  # largest commitments first
        title = (_("Komitmen dan kontribusi CSR per perusahaan") if len(csr["companies"]) <= CHART_COMPANIES else
                 _("Komitmen dan kontribusi CSR: %(n)d perusahaan dengan komitmen terbesar", n=CHART_COMPANIES))
        out["csr"] = grouped_bar_chart(
            title, [c["name"] for c in top],
            [Series(_("Komitmen"), [c["committed"] for c in top]),
             Series(_("Kontribusi terverifikasi"), [c["verified"] for c in top])],
            value_format=compact_rupiah, width=640, key="rakor-csr")
    return out


# ---- HTML ------------------------------------------------------------------------------------------------

def _helpers() -> dict:
    return {"rp": rupiah, "pc": percent, "num": number, "k": short_number, "date_id": date_id,
            "quarter_label": quarter_label}


def detail_table(content: dict) -> bool:
    """Whether the PDF prints the full Permendagri table (see ``DETAIL_MAX_ACTIVITIES``)."""
    return (content["params"].get("agency_id") is not None
            or content["summary"]["figures"]["activity_count"] <= DETAIL_MAX_ACTIVITIES)


def problems_count(content: dict) -> int:
    return sum(len(g["items"]) for g in content["problems"])


def problem_digest(content: dict) -> list[dict] | None:
    """Per OPD the most frequent problems and follow-ups (``None``: few enough to list them all)."""
    if problems_count(content) <= PROBLEMS_MAX_ITEMS:
        return None

    def top(items: list[dict], key: str) -> tuple[list[dict], int]:
        counts = Counter(i[key] for i in items if i[key])
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [{"text": t, "count": n} for t, n in ordered[:DIGEST_TEXTS]], max(0, len(ordered) - DIGEST_TEXTS)

    out = []
    for g in content["problems"]:
        problems, more_problems = top(g["items"], "problems")
        follow_ups, more_follow_ups = top(g["items"], "follow_up")
        out.append({"name": g["full_name"], "activities": len(g["items"]), "problems": problems,
                    "more_problems": more_problems, "follow_ups": follow_ups, "more_follow_ups": more_follow_ups})
    return out


def main_html(content: dict, *, annex_rows: list[dict] | None = None) -> str:
    """The main part; with ``annex_rows`` the annex table follows its title page in the same document."""
    digest = problem_digest(content)
    return render_template("reports/pdf/rakor.html", c=content, charts=charts(content), annex_rows=annex_rows,
                           detail=detail_table(content), problems_digest=digest,
                           problems_count=problems_count(content), annex_problems=digest is not None,
                           report_locale=content["params"].get("locale", "id"), **_helpers())


def annex_html(content: dict, rows: list[dict], *, first: int, continued: bool) -> str:
    """One chunk of the annex: ``rows`` numbered from ``first``; ``continued`` when the chunk starts in
    the middle of an OPD (its heading row is repeated, marked "lanjutan")."""
    return render_template("reports/pdf/rakor_annex.html", c=content, rows=rows, first=first, continued=continued,
                           annex_problems=problems_count(content) > PROBLEMS_MAX_ITEMS,
                           report_locale=content["params"].get("locale", "id"), **_helpers())


def chunk(rows: list[dict], workers: int, size: int | None = None) -> list[tuple[int, list[dict]]]:
    """[(index of the first row, rows)] — about ``CHUNKS_PER_WORKER`` chunks per worker, each at
    least ``MIN_CHUNK_ROWS`` rows (``size`` forces a size)."""
    if not rows:
        return []
    size = size or max(MIN_CHUNK_ROWS, math.ceil(len(rows) / (workers * CHUNKS_PER_WORKER)))
    return [(i, rows[i:i + size]) for i in range(0, len(rows), size)]


# ---- rendering ---------------------------------------------------------------------------------------------

def auto_mode(annex_rows: int, workers: int) -> str:
    """A short annex with the main part; a long one in chunks, in the pool with more than one core."""
    if annex_rows < CHUNK_MIN_ROWS:
        return "single"
    return "chunked" if workers > 1 else "sequential"


def render_content(content: dict, progress: Progress | None = None, *, mode: str = "auto",
                   chunk_rows: int | None = None) -> bytes:
    """The PDF of already assembled content.  ``mode``: "auto" | "single" | "sequential" | "chunked"."""
    progress = progress or (lambda pct: None)
    rows = content["annex"] or []
    workers = pdf.worker_count()
    if mode == "auto":
        mode = auto_mode(len(rows), workers)
    foot = footer(content)
    if mode == "single" or not rows:
        html = main_html(content, annex_rows=rows or None)
        progress(15)
        data = pdf.render_pdf(html, footer=foot)
        progress(100)
        return data
    parts = [main_html(content, annex_rows=None)]
    previous_agency = None
    for first, part in chunk(rows, workers, chunk_rows):
        continued = previous_agency is not None and part[0]["agency_id"] == previous_agency
        parts.append(annex_html(content, part, first=first + 1, continued=continued))
        previous_agency = part[-1]["agency_id"]
    progress(15)
    render_parts = pdf.render_parallel if mode == "chunked" else pdf.render_sequential
    data = render_parts(parts, footer=foot, progress=lambda done, total: progress(15 + int(80 * done / total)))
    progress(100)
    return data


def render(params: ReportParams, progress: Progress | None = None, *, mode: str = "auto",
           chunk_rows: int | None = None) -> bytes:
    """The renderer of kind "evaluation", format "pdf" (an app context, no request needed)."""
    progress = progress or (lambda pct: None)
    with force_locale(params.locale or "id"):
        content = rakor_content.build(params)
        progress(5)
        return render_content(content, progress, mode=mode, chunk_rows=chunk_rows)


KIND = register(ReportKind(
    kind="evaluation", fmt="pdf", render=partial(render, mode="auto"), sources=rakor_content.SOURCES,
    filename=filename, label=N_("Laporan Rakor (evaluasi triwulan)"),
))
