"""CSR exports for Bappeda (and a company, of its own records): the roll-ups and the lists.

``export_summary``: one sheet per roll-up of ``tracker.csr.queries`` (per company, sector, strategy,
kecamatan, year) with a total row, and a sheet naming the filters.  ``export_contributions``: every
contribution, and every commitment with its figures.  Numbers are numbers (``#,##0``, shown as
1.234.567 by Indonesian Excel), headers frozen with auto-filters, written with openpyxl's write-only
mode; text that a spreadsheet would take for a formula is written as quote-prefixed text
(``excel_layout.cell``).  The caller sets ``filters.company_id`` for a company user.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select

from tracker.csr import queries
from tracker.csr.excel_layout import BOLD, DATE, HEAD_FILL, KIND_LABELS, MONEY, PERCENT, TITLE, WRAP, cell, row
from tracker.csr.models import CsrAttachment, CsrCommitment, CsrContribution, commitment_region
from tracker.extensions import db
from tracker.formatting import date_id
from tracker.i18n import N_
from tracker.plans.models import Activity
from tracker.reference.models import Agency, Company, Region
from tracker.review import status_label
from tracker.types import JAKARTA, jakarta_now

DATETIME = "yyyy-mm-dd hh:mm"
FIGURES = [("commitments", N_("Jumlah komitmen"), 11, None), ("committed", N_("Komitmen (Rp)"), 18, MONEY),
           ("verified", N_("Kontribusi terverifikasi (Rp)"), 18, MONEY),
           ("pending", N_("Kontribusi diajukan (Rp)"), 18, MONEY),
           ("achievement", N_("Capaian terverifikasi"), 12, PERCENT)]


def summary_filename(filters: queries.CsrFilters) -> str:
    return f"csr-ringkasan-{filters.year or 'semua-tahun'}.xlsx"


def contributions_filename(filters: queries.CsrFilters) -> str:
    return f"csr-kontribusi-{filters.year or 'semua-tahun'}.xlsx"


def _save(wb: Workbook) -> bytes:
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet(wb: Workbook, title: str, columns) -> object:
    """A write-only sheet with its widths, frozen header and header row (before any other row)."""
    ws = wb.create_sheet(title)
    for i, (_key, _header, width, _fmt) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.append([cell(ws, _(header), font=BOLD, fill=HEAD_FILL, align=WRAP) for _k, header, _w, _f in columns])
    return ws


def _filter(ws, columns, rows: int) -> None:
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(rows, 1) + 1}"


def _achievement(r: dict) -> float | None:
    return round(r["verified"] / r["committed"], 6) if r.get("committed") else None


def _rollup(wb: Workbook, title: str, keys, rows: list[dict], *, count_total: bool = True) -> None:
    columns = list(keys) + FIGURES
    ws = _sheet(wb, title, columns)
    _filter(ws, columns, len(rows))
    for r in rows:
        values = {**r, "achievement": _achievement(r)}
        ws.append([cell(ws, values.get(k), fmt=fmt) for k, _h, _w, fmt in columns])
    total = {k: sum(r[k] for r in rows) for k in ("commitments", "committed", "verified", "pending")}
    if not count_total:
        total["commitments"] = None  # a commitment in several kecamatan counts in each
    total["achievement"] = _achievement(total)
    label = {keys[0][0]: _("Jumlah")}
    ws.append([cell(ws, label.get(k, total.get(k)), font=BOLD, fmt=fmt) for k, _h, _w, fmt in columns])


def _describe(filters: queries.CsrFilters) -> list[tuple[str, str]]:
    company = db.session.get(Company, filters.company_id) if filters.company_id else None
    region = db.session.get(Region, filters.region_id) if filters.region_id else None
    every = _("semua")
    return [(_("Tahun"), str(filters.year) if filters.year else every),
            (_("Perusahaan"), company.name if company else every),
            (_("Sektor"), filters.sector or every), (_("Strategi"), filters.strategy or every),
            (_("Wilayah"), f"{region.code} {region.name}" if region else every), (_("Pencarian"), filters.q or "-")]


def _notes_sheet(wb: Workbook, filters: queries.CsrFilters, title: str) -> None:
    ws = wb.create_sheet(_("Keterangan"))
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 100
    ws.append([cell(ws, title, font=TITLE)])
    ws.append([cell(ws, _("Dibuat"), font=BOLD), date_id(jakarta_now())])
    for label, value in _describe(filters):
        ws.append([cell(ws, label, font=BOLD), cell(ws, value)])
    ws.append([])
    for line in (
        _("Kontribusi terverifikasi: yang telah diverifikasi Bappeda. Kontribusi diajukan: yang menunggu "
          "verifikasi. Draf dan yang dikembalikan tidak dihitung."),
        _("Per kecamatan: komitmen di beberapa kecamatan (langsung atau melalui desanya) dibagi rata antar "
          "kecamatan dalam Rupiah bulat, sisa pembagian pada kecamatan dengan kode terkecil; komitmen yang sama "
          "terhitung di setiap kecamatannya."),
        _("Capaian terverifikasi = kontribusi terverifikasi / komitmen; di atas 100% berarti perusahaan memberi "
          "lebih dari komitmennya."),
    ):
        ws.append([None, cell(ws, line, align=WRAP)])


def export_summary(filters: queries.CsrFilters) -> bytes:
    """Committed vs contributed per company, sector, strategy, kecamatan and year."""
    wb = Workbook(write_only=True)
    _rollup(wb, _("Perusahaan"), [("company_name", N_("Perusahaan"), 36, None), ("sector", N_("Sektor"), 24, None)],
            queries.by_company(filters))
    _rollup(wb, _("Sektor"), [("sector", N_("Sektor"), 28, None)], queries.by_sector(filters))
    _rollup(wb, _("Strategi"), [("strategy", N_("Kode"), 8, None), ("name", N_("Strategi"), 48, None)],
            queries.by_strategy(filters))
    _rollup(wb, _("Kecamatan"), [("code", N_("Kode wilayah"), 12, None), ("name", N_("Kecamatan"), 28, None)],
            queries.by_kecamatan(filters), count_total=False)
    _rollup(wb, _("Tahun"), [("year", N_("Tahun"), 8, None)], queries.by_year(filters))
    _notes_sheet(wb, filters, _("Ringkasan CSR (TJSL): komitmen dan kontribusi"))
    return _save(wb)


# ---- the lists ------------------------------------------------------------------------------------

CONTRIBUTION_COLUMNS = [
    ("id", N_("ID"), 8, None), ("company", N_("Perusahaan"), 30, None), ("sector", N_("Sektor"), 20, None),
    ("year", N_("Tahun"), 7, None), ("commitment_id", N_("ID komitmen"), 10, None), ("title", N_("Komitmen"), 36, None),
    ("strategy", N_("Strategi"), 8, None), ("date", N_("Tanggal"), 12, DATE), ("kind", N_("Bentuk"), 9, None),
    ("amount", N_("Nilai (Rp)"), 18, MONEY), ("description", N_("Uraian"), 44, None),
    ("beneficiaries", N_("Penerima manfaat"), 12, "#,##0"), ("unit", N_("Satuan"), 9, None),
    ("status", N_("Status"), 13, None),
    ("comment", N_("Catatan Bappeda"), 36, None), ("submitted_at", N_("Diajukan"), 16, DATETIME),
    ("verified_at", N_("Diverifikasi"), 16, DATETIME), ("files", N_("Berkas bukti"), 8, None),
]
COMMITMENT_COLUMNS = [
    ("id", N_("ID"), 8, None), ("company", N_("Perusahaan"), 30, None), ("sector", N_("Sektor"), 20, None),
    ("year", N_("Tahun"), 7, None), ("title", N_("Judul program"), 36, None), ("description", N_("Uraian"), 44, None),
    ("strategy", N_("Strategi"), 8, None), ("regions", N_("Lokasi"), 40, None),
    ("activity", N_("Kegiatan OPD didukung"), 40, None),
    ("committed", N_("Komitmen (Rp)"), 18, MONEY), ("verified", N_("Kontribusi terverifikasi (Rp)"), 18, MONEY),
    ("pending", N_("Kontribusi diajukan (Rp)"), 18, MONEY), ("achievement", N_("Capaian terverifikasi"), 12, PERCENT),
    ("over", N_("Melebihi komitmen"), 10, None),
]


def _local(value: datetime | None) -> datetime | None:
    return value.astimezone(JAKARTA).replace(tzinfo=None) if value is not None else None


def _regions_of(ids_statement) -> dict[int, list[str]]:
    rows = db.session.execute(
        select(commitment_region.c.commitment_id, Region.code, Region.name)
        .join(Region, Region.id == commitment_region.c.region_id)
        .where(commitment_region.c.commitment_id.in_(ids_statement)).order_by(Region.code))
    out: dict[int, list[str]] = defaultdict(list)
    for commitment_id, code, name in rows:
        out[commitment_id].append(f"{code} ({name})")
    return out


def export_contributions(filters: queries.CsrFilters, status: str | None = None) -> bytes:
    """Every contribution of the filtered commitments (optionally of one status), and every commitment
    with its figures; a commitment whose verified contributions exceed it is flagged."""
    wb = Workbook(write_only=True)
    ids = queries.commitment_list(filters).with_only_columns(CsrCommitment.id).order_by(None)
    files = dict(db.session.execute(
        select(CsrAttachment.contribution_id, func.count()).join(
            CsrContribution, CsrContribution.id == CsrAttachment.contribution_id)
        .where(CsrContribution.commitment_id.in_(ids)).group_by(CsrAttachment.contribution_id)).all())
    contributions = db.session.scalars(queries.contribution_list(filters, status)).all()
    ws = _sheet(wb, _("Kontribusi"), CONTRIBUTION_COLUMNS)
    _filter(ws, CONTRIBUTION_COLUMNS, len(contributions))
    for x in contributions:
        c = x.commitment
        values = {"id": x.id, "company": c.company.name, "sector": c.company.sector, "year": c.year,
                  "commitment_id": c.id, "title": c.title, "strategy": c.strategy, "date": x.date,
                  "kind": KIND_LABELS.get(x.kind, x.kind), "amount": x.amount, "description": x.description,
                  "beneficiaries": x.beneficiaries, "unit": x.beneficiary_unit, "status": status_label(x.status),
                  "comment": x.review_comment, "submitted_at": _local(x.submitted_at),
                  "verified_at": _local(x.verified_at), "files": files.get(x.id, 0)}
        ws.append(row(ws, [cell(ws, values[k], fmt=fmt) if fmt else values[k]
                           for k, _h, _w, fmt in CONTRIBUTION_COLUMNS]))

    commitments = db.session.scalars(queries.commitment_list(filters)).all()
    figures = queries.contributed_by_commitment(c.id for c in commitments)
    regions = _regions_of(ids)
    activity_ids = {c.activity_id for c in commitments if c.activity_id}
    activities = {r.id: f"{r.code} {r.name} ({r.short_name})" for r in db.session.execute(
        select(Activity.id, Activity.code, Activity.name, Agency.short_name)
        .join(Agency, Agency.id == Activity.agency_id).where(Activity.id.in_(activity_ids)))} if activity_ids else {}
    ws2 = _sheet(wb, _("Komitmen"), COMMITMENT_COLUMNS)
    _filter(ws2, COMMITMENT_COLUMNS, len(commitments))
    for c in commitments:
        f = figures[c.id]
        values = {"id": c.id, "company": c.company.name, "sector": c.company.sector, "year": c.year,
                  "title": c.title, "description": c.description, "strategy": c.strategy,
                  "regions": "; ".join(regions.get(c.id, [])), "activity": activities.get(c.activity_id, ""),
                  "committed": c.amount, "verified": f["verified"], "pending": f["pending"],
                  "achievement": _achievement({"committed": c.amount, "verified": f["verified"]}),
                  "over": _("Ya") if f["verified"] > c.amount else ""}
        ws2.append(row(ws2, [cell(ws2, values[k], fmt=fmt) if fmt else values[k]
                             for k, _h, _w, fmt in COMMITMENT_COLUMNS]))
    _notes_sheet(wb, filters, _("Daftar kontribusi dan komitmen CSR (TJSL)"))
    return _save(wb)
