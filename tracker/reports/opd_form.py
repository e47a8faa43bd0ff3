"""An OPD's own quarterly form (*formulir laporan triwulan*): what it reported for a year and quarter,
for the Kepala OPD's signature; kind ``opd_form``, PDF and Excel.

One row per activity of the OPD's plan for the year, whatever the state of its report (the status is
printed beside it: a form may be signed before or after it is submitted): the SIPD code and name,
the pagu (APBD-P when set), realised this quarter and up to this quarter (with its share of the pagu),
the cumulative physical progress, the beneficiaries reached, each indicator's annual and quarter
target, this quarter's value, the value up to this quarter and its achievement, the problems and
the follow-up.  ``ReportParams.agency_id`` is required.
"""

from __future__ import annotations

from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import select

from tracker.errors import NotFound, ValidationFailed
from tracker.evaluation.ratings import pct, rating, rating_label
from tracker.extensions import db
from tracker.formatting import date_id
from tracker.i18n import N_
from tracker.periods.models import Period
from tracker.periods.services import MAX_YEAR, MIN_YEAR, quarter_label
from tracker.periods.services import today as jakarta_today
from tracker.plans.models import Activity, Indicator
from tracker.progress.context import ItemContext, quarter_contexts
from tracker.progress.models import IndicatorValue, ProgressReport
from tracker.reference.models import Agency, FundingSource, Strategy
from tracker.reports import documents
from tracker.reports.registry import Progress, ReportKind, ReportParams, register
from tracker.reports.settings import report_settings
from tracker.reports.xlsx_layout import MONEY, NUMBER, PERCENT, Col, pct_fraction, save, signature_rows
from tracker.reports.xlsx_layout import table_sheet
from tracker.review import status_label

SOURCES = (Activity, Indicator, ProgressReport, IndicatorValue, Agency, Period, Strategy, FundingSource)


def check_params(params: ReportParams) -> Agency:
    """The OPD of the form, after checking year, quarter and OPD (``ValidationFailed`` / ``NotFound``)."""
    problems = {}
    if params.agency_id is None:
        problems["agency_id"] = _("Pilih OPD: formulir laporan triwulan dibuat untuk satu OPD.")
    if params.year is None or not MIN_YEAR <= params.year <= MAX_YEAR:
        problems["year"] = _("Tahun harus antara %(a)d dan %(b)d.", a=MIN_YEAR, b=MAX_YEAR)
    if params.quarter not in (1, 2, 3, 4):
        problems["quarter"] = _("Triwulan harus 1 sampai 4.")
    if problems:
        raise ValidationFailed(next(iter(problems.values())), problems)
    agency = db.session.get(Agency, params.agency_id)
    if agency is None:
        raise NotFound(_("OPD tidak ditemukan."))
    return agency


def _indicator(ctx: ItemContext, ind: Indicator, current: dict[int, float]) -> dict:
    cumulative = ctx.indicator_cumulative(ind)
    achievement = pct(cumulative, ind.target)
    return {"name": ind.name, "unit": ind.unit, "aggregation": ind.aggregation, "target": ind.target,
            "quarter_target": ind.quarter_targets[ctx.quarter - 1], "value": current.get(ind.id),
            "cumulative": cumulative, "achievement_pct": achievement, "rating": rating_label(rating(achievement))}


def _activity(ctx: ItemContext, strategies: dict, funding: dict) -> dict:
    a, r = ctx.activity, ctx.report
    current = {v.indicator_id: v.value for v in r.values} if r is not None else {}
    cumulative = ctx.budget_cumulative()
    budget = a.effective_budget
    return {
        "activity_id": a.id, "code": a.code, "name": a.name, "program": a.program, "kegiatan": a.kegiatan,
        "strategy": a.strategy, "strategy_name": strategies.get(a.strategy, a.strategy),
        "funding": funding.get(a.funding_source, a.funding_source), "budget": budget,
        "budget_original": a.budget, "revised": a.budget_revised is not None,
        "realized_quarter": r.budget_realized if r is not None else None, "realized_cumulative": cumulative,
        "realization_pct": pct(cumulative, budget), "physical": r.physical_progress if r is not None else None,
        "beneficiaries": r.beneficiaries_reached if r is not None else None,
        "target_beneficiaries": a.target_beneficiaries, "beneficiary_unit": a.beneficiary_unit,
        "problems": r.problems if r is not None else "", "follow_up": r.follow_up if r is not None else "",
        "drop_reason": r.progress_drop_reason if r is not None else "",
        "status": r.status if r is not None else None,
        "status_label": status_label(r.status if r is not None else None),
        "review_comment": r.review_comment if r is not None else "",
        "indicators": [_indicator(ctx, ind, current) for ind in ctx.indicators],
    }


def form_data(params: ReportParams, progress: Progress | None = None) -> dict:
    """Everything the form shows: ``{agency, year, quarter, quarter_label, activities: [...],
    totals: {budget, realized_quarter, realized_cumulative, realization_pct, activities, by_status},
    settings, today}``."""
    agency = check_params(params)
    strategies = dict(db.session.execute(select(Strategy.code, Strategy.name)).all())
    funding = dict(db.session.execute(select(FundingSource.code, FundingSource.name)).all())
    contexts = quarter_contexts(params.year, params.quarter, agency_id=agency.id)
    if progress:
        progress(30)
    activities = [_activity(ctx, strategies, funding) for ctx in contexts]
    by_status: dict[str, int] = {}
    for a in activities:
        by_status[a["status_label"]] = by_status.get(a["status_label"], 0) + 1
    budget = sum(a["budget"] for a in activities)
    cumulative = sum(a["realized_cumulative"] for a in activities)
    totals = {"activities": len(activities), "budget": budget,
              "realized_quarter": sum(a["realized_quarter"] or 0 for a in activities),
              "realized_cumulative": cumulative, "realization_pct": pct(cumulative, budget),
              "indicators": sum(len(a["indicators"]) for a in activities), "by_status": by_status}
    return {"agency": agency, "year": params.year, "quarter": params.quarter,
            "quarter_label": quarter_label(params.quarter), "activities": activities, "totals": totals,
            "settings": report_settings(), "today": jakarta_today()}


def _title(d: dict) -> str:
    return _("Formulir Laporan Triwulan %(q)s Tahun %(y)s", q=d["quarter_label"], y=d["year"])


# ---- Excel ----------------------------------------------------------------------------------------

ACTIVITY_COLUMNS = [
    Col("no", N_("No"), min_width=3), Col("code", N_("Kode Sub Kegiatan")), Col("name", N_("Sub Kegiatan"), wrap=True),
    Col("program", N_("Program"), wrap=True, max_width=36), Col("kegiatan", N_("Kegiatan"), wrap=True, max_width=36),
    Col("strategy", N_("Strategi")), Col("funding", N_("Sumber Dana"), max_width=24),
    Col("budget", N_("Pagu (Rp)"), MONEY), Col("realized_quarter", N_("Realisasi Triwulan Ini (Rp)"), MONEY),
    Col("realized_cumulative", N_("Realisasi s.d. Triwulan Ini (Rp)"), MONEY),
    Col("realization_pct", N_("Realisasi Keuangan (%)"), PERCENT),
    Col("physical", N_("Progres Fisik Kumulatif (%)"), PERCENT),
    Col("beneficiaries", N_("Penerima Manfaat Tercapai"), NUMBER),
    Col("target_beneficiaries", N_("Target Penerima Manfaat"), NUMBER), Col("beneficiary_unit", N_("Satuan")),
    Col("problems", N_("Kendala"), wrap=True), Col("follow_up", N_("Tindak Lanjut"), wrap=True),
    Col("status", N_("Status Laporan")),
]
INDICATOR_COLUMNS = [
    Col("no", N_("No Kegiatan"), min_width=3), Col("code", N_("Kode Sub Kegiatan")),
    Col("name", N_("Indikator Kinerja"), wrap=True), Col("unit", N_("Satuan")),
    Col("target", N_("Target Tahunan"), NUMBER), Col("quarter_target", N_("Target Triwulan Ini"), NUMBER),
    Col("value", N_("Capaian Triwulan Ini"), NUMBER), Col("cumulative", N_("Capaian s.d. Triwulan Ini"), NUMBER),
    Col("achievement", N_("Tingkat Capaian (%)"), PERCENT), Col("rating", N_("Predikat")),
]


def _heading(d: dict) -> list[str]:
    s = d["settings"]
    return [_title(d), f"{d['agency'].name} · {s.region_name}".strip(" ·"),
            _("Keadaan per %(d)s. Status tiap laporan tertera pada kolom Status Laporan.", d=date_id(d["today"]))]


def _signature(d: dict, column: int) -> list[list]:
    return signature_rows(d["settings"].place, date_id(d["today"]), [_("Kepala %(n)s", n=d["agency"].name)],
                          column=column)


def render_xlsx(params: ReportParams, progress: Progress) -> bytes:
    d = form_data(params, progress)
    rows, indicator_rows = [], []
    for no, a in enumerate(d["activities"], start=1):
        rows.append({**a, "no": no, "realization_pct": pct_fraction(a["realization_pct"]),
                     "physical": pct_fraction(a["physical"]), "status": a["status_label"]})
        for ind in a["indicators"]:
            indicator_rows.append({**ind, "no": no, "code": a["code"],
                                   "achievement": pct_fraction(ind["achievement_pct"])})
    t = d["totals"]
    rows.append({"_style": "total", "name": _("Jumlah (%(n)s kegiatan)", n=t["activities"]), "budget": t["budget"],
                 "realized_quarter": t["realized_quarter"], "realized_cumulative": t["realized_cumulative"],
                 "realization_pct": pct_fraction(t["realization_pct"])})
    wb = Workbook(write_only=True)
    footer = [[], [None, _("Jumlah laporan per status: %(s)s", s=", ".join(
        f"{k} {v}" for k, v in t["by_status"].items()) or "–")]] + _signature(d, column=3)
    table_sheet(wb, _("Kegiatan"), ACTIVITY_COLUMNS, rows, heading=_heading(d), freeze_columns=3, footer=footer)
    progress(70)
    table_sheet(wb, _("Indikator"), INDICATOR_COLUMNS, indicator_rows, heading=_heading(d), freeze_columns=3)
    return save(wb)


# ---- PDF ------------------------------------------------------------------------------------------

def render_pdf(params: ReportParams, progress: Progress) -> bytes:
    d = form_data(params, progress)
    progress(40)
    return documents.render("reports/pdf/opd_form.html", title=_title(d), **d)


def filename(params: ReportParams, ext: str) -> str:
    code = db.session.scalar(select(Agency.code).where(Agency.id == params.agency_id)) if params.agency_id else None
    return f"formulir-tw{params.quarter}-{params.year}-{documents.slug(code or 'opd', keep='.')}.{ext}"


LABEL = N_("Formulir laporan triwulan OPD")
register(ReportKind("opd_form", "pdf", render_pdf, SOURCES, lambda p: filename(p, "pdf"), LABEL))
register(ReportKind("opd_form", "xlsx", render_xlsx, SOURCES, lambda p: filename(p, "xlsx"), LABEL))
