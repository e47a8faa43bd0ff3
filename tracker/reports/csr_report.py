"""The CSR (TJSL) report for a year; kind ``csr``, PDF and Excel.

Commitments and contributions per company, per strategy and per kecamatan, and the list of
commitments, with the figures of ``tracker.csr.queries``: *terverifikasi* = contributions Bappeda
verified, *belum diverifikasi* = submitted and waiting (drafts and returned ones are not counted).
Per kecamatan, CSR committed stands beside the kecamatan's share of the kabupaten's poor households
(``tracker.poverty.queries.kecamatan_ranking``: desil 1–4, DTSEN else P3KE), the way
``tracker.poverty.money`` sets money against poverty: a poverty pocket whose CSR share is below half
its share of the poor is flagged.  ``company_id`` given: that company only (its shares are of its own
located commitments).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import select

from tracker.csr import queries
from tracker.csr.models import CsrCommitment, CsrContribution, commitment_region
from tracker.errors import NotFound, ValidationFailed
from tracker.evaluation.ratings import pct
from tracker.extensions import db
from tracker.formatting import date_id
from tracker.i18n import N_
from tracker.periods.services import MAX_YEAR, MIN_YEAR
from tracker.periods.services import today as jakarta_today
from tracker.poverty.models import HouseholdCount
from tracker.poverty.money import LITTLE_FACTOR
from tracker.poverty.queries import kecamatan_list, kecamatan_ranking
from tracker.reference.models import Company, Region, Strategy
from tracker.reports import documents
from tracker.reports.registry import Progress, ReportKind, ReportParams, register
from tracker.reports.settings import report_settings
from tracker.reports.xlsx_layout import COUNT, MONEY, PERCENT, Col, pct_fraction, save, table_sheet

SOURCES = (CsrCommitment, CsrContribution, commitment_region, Company, Region, Strategy, HouseholdCount)
FIGURES = ("commitments", "committed", "verified", "pending")


def check_params(params: ReportParams) -> Company | None:
    if params.year is None or not MIN_YEAR <= params.year <= MAX_YEAR:
        message = _("Tahun harus antara %(a)d dan %(b)d.", a=MIN_YEAR, b=MAX_YEAR)
        raise ValidationFailed(message, {"year": message})
    if params.company_id is None:
        return None
    company = db.session.get(Company, params.company_id)
    if company is None:
        raise NotFound(_("Perusahaan tidak ditemukan."))
    return company


def _with_achievement(row: dict) -> dict:
    return {**row, "achievement_pct": pct(row["verified"], row["committed"])}


def _total(rows: list[dict], count: bool = True) -> dict:
    total = {k: sum(r.get(k) or 0 for r in rows) for k in FIGURES}
    if not count:
        total["commitments"] = None  # a commitment in several kecamatan counts in each
    return _with_achievement(total)


def _share(part: int | None, whole: int | None) -> Decimal | None:
    return Decimal(part) * 100 / Decimal(whole) if part is not None and whole else None


def _pct2(value: Decimal | None) -> float | None:
    return float(value.quantize(Decimal("0.01"))) if value is not None else None


def kecamatan_rows(f: queries.CsrFilters, year: int) -> tuple[list[dict], int, str | None]:
    """(every kecamatan with its CSR figures and poverty share, most poor households first; located
    committed total; the household source used)."""
    csr = {r["region_id"]: r for r in queries.by_kecamatan(f)}
    ranking = kecamatan_ranking(year)
    ranked = {r["region_id"]: r for r in ranking["rows"]}
    located = sum(r["committed"] for r in csr.values())
    poor_total = ranking["total_households"]
    order = [r["region_id"] for r in ranking["rows"]] + [k.id for k in kecamatan_list() if k.id not in ranked]
    names = {k.id: k for k in kecamatan_list()}
    rows = []
    for region_id in order:
        region, c, p = names[region_id], csr.get(region_id), ranked.get(region_id, {})
        figures = {k: (c[k] if c else 0) for k in FIGURES}
        poor_share = _share(p.get("total_households"), poor_total)
        csr_share = _share(figures["committed"], located)
        little = bool(p.get("pocket") and poor_share is not None and csr_share is not None
                      and csr_share < poor_share * LITTLE_FACTOR)
        rows.append(_with_achievement({
            "region_id": region_id, "code": region.code, "name": region.name, **figures,
            "poor_households": p.get("total_households"), "poor_share_pct": _pct2(poor_share),
            "pocket": bool(p.get("pocket")), "csr_share_pct": _pct2(csr_share), "little": little}))
    return rows, located, ranking["source"]


def _regions(commitment_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    if not commitment_ids:
        return out
    rows = db.session.execute(
        select(commitment_region.c.commitment_id, Region.name).join(Region, Region.id == commitment_region.c.region_id)
        .where(commitment_region.c.commitment_id.in_(commitment_ids)).order_by(Region.code))
    for commitment_id, name in rows:
        out[commitment_id].append(name)
    return out


def commitment_rows(f: queries.CsrFilters) -> list[dict]:
    commitments = list(db.session.scalars(queries.commitment_list(f)))
    figures = queries.contributed_by_commitment(c.id for c in commitments)
    regions = _regions([c.id for c in commitments])
    return [_with_achievement({"id": c.id, "company": c.company.name, "title": c.title, "strategy": c.strategy,
                               "regions": ", ".join(regions.get(c.id, [])) or _("(tanpa lokasi)"),
                               "committed": c.amount, **figures[c.id]}) for c in commitments]


def csr_data(params: ReportParams, progress: Progress | None = None) -> dict:
    company = check_params(params)
    f = queries.CsrFilters(year=params.year, company_id=params.company_id)
    companies = [_with_achievement(r) for r in queries.by_company(f)]
    strategies = [_with_achievement(r) for r in queries.by_strategy(f)]
    if progress:
        progress(25)
    kecamatan, located, source = kecamatan_rows(f, params.year)
    commitments = commitment_rows(f)
    totals = _with_achievement(queries.totals(f))
    totals["companies"] = len(companies)
    totals["located"], totals["unlocated"] = located, totals["committed"] - located
    if progress:
        progress(50)
    return {"year": params.year, "company": company, "totals": totals, "companies": companies,
            "companies_total": _total(companies), "strategies": strategies, "strategies_total": _total(strategies),
            "kecamatan": kecamatan, "kecamatan_total": _total(kecamatan, count=False), "household_source": source,
            "little_factor": float(LITTLE_FACTOR), "commitments": commitments, "settings": report_settings(),
            "today": jakarta_today()}


def _title(d: dict) -> str:
    return _("Laporan CSR (TJSL) Tahun %(y)s", y=d["year"])


def _subtitle(d: dict) -> str:
    who = d["company"].name if d["company"] else _("Semua perusahaan")
    return " · ".join(x for x in (d["settings"].region_name, who) if x)


# ---- Excel ----------------------------------------------------------------------------------------

def _figure_columns(count: bool = True) -> list[Col]:
    columns = [Col("commitments", N_("Jumlah Komitmen"), COUNT)] if count else []
    return columns + [Col("committed", N_("Komitmen (Rp)"), MONEY),
                      Col("verified", N_("Kontribusi Terverifikasi (Rp)"), MONEY),
                      Col("pending", N_("Kontribusi Belum Diverifikasi (Rp)"), MONEY),
                      Col("achievement", N_("Capaian Terverifikasi (%)"), PERCENT)]


COMPANY_COLUMNS = [Col("no", N_("No"), min_width=3), Col("company_name", N_("Perusahaan"), max_width=40),
                   Col("sector", N_("Sektor"), max_width=28)] + _figure_columns()
STRATEGY_COLUMNS = ([Col("strategy", N_("Kode")), Col("name", N_("Strategi"), wrap=True, max_width=60)]
                    + _figure_columns())
KECAMATAN_COLUMNS = [Col("code", N_("Kode Wilayah")), Col("name", N_("Kecamatan")),
                     Col("poor_households", N_("Rumah Tangga Miskin (Desil 1–4)"), COUNT),
                     Col("poor_share", N_("Porsi Rumah Tangga Miskin (%)"), PERCENT),
                     Col("pocket", N_("Kantong Kemiskinan"))] + _figure_columns(count=False) + [
                     Col("csr_share", N_("Porsi Komitmen CSR (%)"), PERCENT),
                     Col("little", N_("Kantong yang Menerima Sedikit"))]
COMMITMENT_COLUMNS = [Col("no", N_("No"), min_width=3), Col("company", N_("Perusahaan"), max_width=36),
                      Col("title", N_("Program"), wrap=True, max_width=44), Col("strategy", N_("Strategi")),
                      Col("regions", N_("Lokasi"), wrap=True, max_width=40)] + _figure_columns(count=False)


def _rows(rows: list[dict], total: dict | None, label_key: str, **extra) -> list[dict]:
    out = [{**r, **{k: f(r) for k, f in extra.items()}, "no": i,
            "achievement": pct_fraction(r["achievement_pct"])} for i, r in enumerate(rows, start=1)]
    if total is not None:
        out.append({**total, "_style": "total", label_key: _("Jumlah"),
                    "achievement": pct_fraction(total["achievement_pct"])})
    return out


def render_xlsx(params: ReportParams, progress: Progress) -> bytes:
    d = csr_data(params, progress)
    heading = [_title(d), _subtitle(d), _("Keadaan per %(d)s. Terverifikasi: diverifikasi Bappeda; belum "
                                          "diverifikasi: diajukan perusahaan, menunggu verifikasi.",
                                          d=date_id(d["today"]))]
    wb = Workbook(write_only=True)
    t = d["totals"]
    money = [(_("Nilai komitmen (Rp)"), t["committed"]), (_("Kontribusi terverifikasi (Rp)"), t["verified"]),
             (_("Kontribusi belum diverifikasi (Rp)"), t["pending"]),
             (_("Komitmen tanpa lokasi kecamatan (Rp)"), t["unlocated"])]
    ws_rows = ([{"label": _("Perusahaan"), "value": t["companies"]},
                {"label": _("Komitmen"), "value": t["commitments"]}]
               + [{"label": label, "value": value} for label, value in money]
               + [{"label": _("Capaian terverifikasi"), "share": pct_fraction(t["achievement_pct"])}])
    table_sheet(wb, _("Ringkasan"), [Col("label", N_("Uraian"), max_width=44), Col("value", N_("Nilai"), MONEY),
                                     Col("share", N_("Persentase"), PERCENT)], ws_rows, heading=heading)
    table_sheet(wb, _("Perusahaan"), COMPANY_COLUMNS, _rows(d["companies"], d["companies_total"], "company_name"),
                heading=heading, freeze_columns=2)
    table_sheet(wb, _("Strategi"), STRATEGY_COLUMNS, _rows(d["strategies"], d["strategies_total"], "name"),
                heading=heading, freeze_columns=2)
    progress(70)
    yes = _("Ya")
    kec = _rows(d["kecamatan"], d["kecamatan_total"], "name", poor_share=lambda r: pct_fraction(r["poor_share_pct"]),
                csr_share=lambda r: pct_fraction(r["csr_share_pct"]), pocket=lambda r: yes if r["pocket"] else "",
                little=lambda r: yes if r["little"] else "")
    note = [[], [None, _("Sumber data rumah tangga miskin: %(s)s. Komitmen di beberapa kecamatan dibagi rata. "
                         "Kantong yang menerima sedikit: porsi komitmen CSR kurang dari %(f)s kali porsi rumah "
                         "tangga miskinnya.",
                         s=d["household_source"] or "–", f=str(d["little_factor"]).replace(".", ","))]]
    table_sheet(wb, _("Kecamatan"), KECAMATAN_COLUMNS, kec, heading=heading, freeze_columns=2, footer=note)
    commitments = _rows(d["commitments"], _total(d["commitments"], count=False), "company")
    table_sheet(wb, _("Komitmen"), COMMITMENT_COLUMNS, commitments, heading=heading, freeze_columns=3)
    return save(wb)


def render_pdf(params: ReportParams, progress: Progress) -> bytes:
    d = csr_data(params, progress)
    return documents.render("reports/pdf/csr.html", title=_title(d), subtitle=_subtitle(d), **d)


def filename(params: ReportParams, ext: str) -> str:
    suffix = ""
    if params.company_id:
        name = db.session.scalar(select(Company.name).where(Company.id == params.company_id))
        suffix = "-" + documents.slug(name or str(params.company_id))
    return f"laporan-csr-{params.year}{suffix}.{ext}"


LABEL = N_("Laporan CSR tahunan")
register(ReportKind("csr", "pdf", render_pdf, SOURCES, lambda p: filename(p, "pdf"), LABEL))
register(ReportKind("csr", "xlsx", render_xlsx, SOURCES, lambda p: filename(p, "xlsx"), LABEL))
