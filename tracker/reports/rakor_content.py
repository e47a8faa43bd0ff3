"""The Rakor report's content as plain data, one item per section: the PDF (``rakor_pdf``) and the
Excel workbook (``rakor_xlsx``) are both built from it.  The contract (every key, type and unit) is
written out in /tmp/brief/rakor_content.md; in short:

- money: ``int`` Rupiah; percentages: ``float`` 0–100 (rounded to two decimals) or ``None`` where
  there is nothing to divide; dates: ``datetime.date``; labels already translated (``str``).
- Sections, in the report's order: ``cover``, ``summary``, ``poverty`` (``None`` without data or
  for one OPD), ``realisation``, ``performance``, ``csr`` (``None`` without commitments),
  ``beneficiaries`` (``None`` without a target list; ``tracker.beneficiaries.report``), ``problems``,
  ``agreements``, ``annex`` (``None`` unless asked), ``signature``.

Runs in an app context with no request and no signed-in user (the report worker): the scope (one OPD)
comes in ``ReportParams.agency_id``.  A fixed number of queries whatever the data size.

    content = build(params)                 # params: registry.ReportParams
    content["realisation"]["agencies"][0]["realization_pct"]
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from tracker.authz import Role
from tracker.beneficiaries import report as beneficiary_report
from tracker.csr import queries as csr_queries
from tracker.csr.models import CsrCommitment, CsrContribution, commitment_region
from tracker.evaluation import figures as eval_figures
from tracker.evaluation.ratings import pct, rating_label
from tracker.evaluation.summary import ringkasan
from tracker.evaluation.views_table import has_renstra, table_groups
from tracker.extensions import db
from tracker.meetings import queries as meeting_queries
from tracker.meetings.labels import kind_label, party_label
from tracker.meetings.labels import status_label as agreement_status_label
from tracker.meetings.models import RAKOR, Agreement, AgreementEvent, Meeting
from tracker.periods.services import quarter_end, quarter_label
from tracker.periods.services import today as jakarta_today
from tracker.plans.models import Activity, activity_region
from tracker.periods.models import Period
from tracker.plans.models import Indicator
from tracker.poverty import queries as poverty_queries
from tracker.poverty.models import HouseholdCount, PovertyStat, PovertyTarget
from tracker.progress.models import IndicatorValue, ProgressReport
from tracker.reference.models import Agency, Company, Region, Strategy
from tracker.reports.models import ReportSettings
from tracker.reports.registry import ReportParams
from tracker.reports.settings import report_settings
from tracker.review import SUBMITTED, VERIFIED
from tracker.review import status_label as report_status_label

SECTIONS = ("cover", "summary", "poverty", "realisation", "performance", "csr", "beneficiaries", "problems",
            "agreements", "annex", "signature")
# Every model the content reads (the cache key of the PDF and the workbook built from it).
SOURCES = (Activity, activity_region, Indicator, ProgressReport, IndicatorValue, Agency, Strategy, Region, Company,
           CsrCommitment, CsrContribution, commitment_region, PovertyStat, PovertyTarget, HouseholdCount, Meeting,
           Agreement, AgreementEvent, Period, ReportSettings, *beneficiary_report.SOURCES)
# The worker has no signed-in user: the meetings queries scope by role, and Bappeda sees every agreement.
_READER = SimpleNamespace(role=Role.COORDINATOR, agency_id=None, company_id=None)
_LATER_THAN_ANY_ID = 2**31 - 1  # the largest INTEGER PostgreSQL takes


def build(params: ReportParams, *, today: date | None = None) -> dict:
    """Every section of the Rakor report of ``params.year``/``params.quarter`` (see the module)."""
    year, quarter = params.year, params.quarter
    eval_figures.check_quarter(quarter, year)
    today = today or jakarta_today()
    agency = _agency(params.agency_id)
    e = eval_figures.evaluation(year, quarter, agency_id=params.agency_id,
                                include_unverified=params.include_unverified, detail=True, today=today)
    summary = ringkasan(year, quarter, agency_id=params.agency_id, include_unverified=params.include_unverified,
                        today=today, figures=e)
    meeting = _quarter_meeting(year, quarter)
    settings = report_settings()
    return {
        "params": params.as_dict(),
        "cover": _cover(params, agency, meeting, settings, today),
        "summary": _summary(e, summary),
        "poverty": _poverty(year) if params.agency_id is None else None,
        "realisation": _realisation(e),
        "performance": _performance(e),
        "csr": _csr(year, quarter, params.agency_id, e["csr"]),
        "beneficiaries": beneficiary_report.rakor_section(year, params.agency_id),
        "problems": _problems(e),
        "agreements": _agreements(meeting, params.agency_id, today),
        "annex": _annex(e) if params.annex else None,
        "signature": {"region_name": settings.region_name, "place": settings.place, "date": today,
                      "signer_title": settings.signer_title, "signer_name": settings.signer_name,
                      "signer_nip": settings.signer_nip},
    }


def _agency(agency_id: int | None) -> Agency | None:
    if agency_id is None:
        return None
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        raise eval_figures.NoSuchQuarter(_("OPD tidak ditemukan."))
    return agency


def _quarter_meeting(year: int, quarter: int) -> Meeting | None:
    """The Rakor evaluating this quarter (any kind of meeting for it when there is no Rakor), latest first."""
    return db.session.scalar(select(Meeting).where(Meeting.year == year, Meeting.quarter == quarter)
                             .order_by(case((Meeting.kind == RAKOR, 0), else_=1), Meeting.date.desc(),
                                       Meeting.id.desc()).limit(1))


def _meeting_dict(m: Meeting | None) -> dict | None:
    if m is None:
        return None
    return {"id": m.id, "date": m.date, "title": m.title, "kind": m.kind, "kind_label": kind_label(m.kind),
            "place": m.place, "chair": m.chair}


# ---- cover and summary -------------------------------------------------------------------------------

def _cover(params: ReportParams, agency: Agency | None, meeting: Meeting | None, settings, today: date) -> dict:
    return {
        "region_name": settings.region_name, "year": params.year, "quarter": params.quarter,
        "quarter_label": quarter_label(params.quarter), "quarter_end": quarter_end(params.year, params.quarter),
        "title": _("Laporan Evaluasi Pelaksanaan Rencana Aksi Penanggulangan Kemiskinan Daerah"),
        "scope": agency.name if agency is not None else _("Seluruh Perangkat Daerah"),
        "agency": None if agency is None else {"agency_id": agency.id, "code": agency.code, "name": agency.short_name,
                                                "full_name": agency.name},
        "meeting": _meeting_dict(meeting), "logo_data_uri": settings.logo_data_uri,
        "include_unverified": params.include_unverified, "generated_on": today,
    }


def _summary(e: dict, summary: dict) -> dict:
    csr = e["csr"]
    return {
        "paragraphs": [list(p) for p in summary["paragraphs"]], "sentences": list(summary["sentences"]),
        "figures": {
            "activity_count": e["activity_count"], "agency_count": len(e["agencies"]),
            "budget": e["budget"], "budget_original": e["budget_original"],
            "realized_quarter": e["realized_quarter"], "realized_cumulative": e["realized_cumulative"],
            "realization_pct": e["realization_pct"], "previous_realization_pct": e["previous_realization_pct"],
            "achievement_pct": e["achievement_pct"], "rating": e["rating"], "rating_label": rating_label(e["rating"]),
            "indicator_count": e["indicator_count"], "rated_indicator_count": e["rated_indicator_count"],
            "rating_counts": dict(e["rating_counts"]), "completeness": dict(e["completeness"]),
            "unverified_included": e["unverified_included"],
            "csr_committed": csr["committed"], "csr_contributed_verified": csr["contributed_verified"],
        },
        "at_risk": [{"activity_id": r["activity_id"], "code": r["code"], "name": r["name"],
                     "agency_name": r["agency_name"], "achievement_pct": r["achievement_pct"],
                     "projected_achievement_pct": r["projected_achievement_pct"]}
                    for r in (summary["at_risk"] or summary["below_target"])],
        "projection_rule": summary["projection_rule"],
    }


# ---- poverty ------------------------------------------------------------------------------------------

POVERTY_FIELDS = ("year", "poor_count", "poor_pct", "extreme_poor_count", "extreme_pct", "p1", "p2", "poverty_line",
                  "target_poor_pct", "target_extreme_pct", "source_document")


def _poverty(year: int) -> dict | None:
    kabupaten = poverty_queries.kabupaten_region()
    rows = poverty_queries.trend(kabupaten.id) if kabupaten is not None else []
    rows = [r for r in rows if r["year"] <= year]
    if not any(r["poor_pct"] is not None or r["poor_count"] is not None for r in rows):
        return None
    change = poverty_queries.change_since_last_year(year, rows=rows)
    if change is None and rows:  # the newest year with figures against its previous one
        latest = max(r["year"] for r in rows if r["poor_pct"] is not None or r["poor_count"] is not None)
        change = poverty_queries.change_since_last_year(latest, rows=rows)
    pockets = [{"rank": r["rank"], "code": r["code"], "name": r["name"], "total_households": r["total_households"],
                "total_people": r["total_people"], "share_pct": r["share_pct"]}
               for r in poverty_queries.pockets(year)]
    return {"rows": [{k: r[k] for k in POVERTY_FIELDS} for r in rows],
            "change": None if change is None else {k: change[k] for k in (
                "year", "previous_year", "poor_count", "previous_poor_count", "poor_count_change", "poor_pct",
                "previous_poor_pct", "poor_pct_change", "sentence")},
            "pockets": pockets}


# ---- realisation and the Permendagri table ------------------------------------------------------------

def _agency_row(a: dict) -> dict:
    return {"agency_id": a["agency_id"], "code": a["agency_code"], "name": a["agency_name"],
            "full_name": a["agency_full_name"], "activities": a["activities"], "budget": a["budget"],
            "realized_quarter": a["realized_quarter"], "realized_cumulative": a["realized_cumulative"],
            "realization_pct": a["realization_pct"], "previous_realization_pct": a["previous_realization_pct"],
            "achievement_pct": a["achievement_pct"], "rating": a["rating"], "rating_label": rating_label(a["rating"]),
            "indicator_count": a["indicator_count"], "reported": a["reported"], "verified": a["verified"],
            "missing": a["missing"], "late": a["late"]}


def _realisation(e: dict) -> dict:
    return {
        "agencies": [_agency_row(a) for a in e["agencies"]],
        "strategies": [{"code": s["strategy"], "name": s["name"], "activities": s["activities"], "budget": s["budget"],
                        "realized_quarter": s["realized_quarter"], "realized_cumulative": s["realized_cumulative"],
                        "realization_pct": s["realization_pct"]} for s in e["strategies"]],
        "total": {"activities": e["activity_count"], "budget": e["budget"], "realized_quarter": e["realized_quarter"],
                  "realized_cumulative": e["realized_cumulative"], "realization_pct": e["realization_pct"],
                  "achievement_pct": e["achievement_pct"], "rating": e["rating"],
                  "rating_label": rating_label(e["rating"])},
        "rating_counts": dict(e["rating_counts"]),
    }


def _table_row(row: dict) -> dict:
    if row["kind"] in ("program", "kegiatan"):
        return {"kind": row["kind"], "code": row["code"], "name": row["name"]}
    a = row["activity"]
    if row["kind"] == "activity":
        return {"kind": "activity", "activity_id": a["activity_id"], "code": a["code"], "name": a["name"],
                "budget": a["budget"], "realized_quarters": list(a["realized_quarters"]),
                "realized_cumulative": a["realized_cumulative"], "realization_pct": a["realization_pct"],
                "agency_name": a["agency_name"], "problems": a["problems"], "follow_up": a["follow_up"],
                "unverified_included": a["unverified_included"]}
    i = row["indicator"]
    return {"kind": "indicator", "indicator_id": i["indicator_id"], "activity_id": i["activity_id"],
            "name": i["name"], "unit": i["unit"], "aggregation": i["aggregation"], "target": i["target"],
            "quarters": list(i["quarters"]), "cumulative": i["cumulative"], "achievement_pct": i["achievement_pct"],
            "rating": i["rating"], "rating_label": rating_label(i["rating"]) if i["rating"] else "",
            "target_end": i["target_end"], "achieved_before": i["achieved_before"],
            "renstra_realized": i["renstra_realized"], "renstra_pct": i["renstra_pct"],
            "unverified_included": i["unverified_included"]}


def _performance(e: dict) -> dict:
    """The Permendagri table: one recap row per OPD (``agencies``: AGENCY with the realisation of each
    quarter) and the full table, indicator by indicator, per OPD (``groups``)."""
    per_quarter: dict[int, list[int | None]] = defaultdict(lambda: [None] * 4)
    for a in e["activities"]:
        sums = per_quarter[a["agency_id"]]
        for k, v in enumerate(a["realized_quarters"]):
            if v is not None:
                sums[k] = (sums[k] or 0) + v
    agencies = [{**_agency_row(a), "realized_quarters": list(per_quarter[a["agency_id"]]),
                 "rated_indicator_count": a["rated_indicator_count"]} for a in e["agencies"]]
    return {"quarter": e["quarter"], "renstra": has_renstra(e["indicators"]), "agencies": agencies,
            "groups": [{"agency": _agency_row(g["agency"]), "rows": [_table_row(r) for r in g["rows"]]}
                       for g in table_groups(e)]}


# ---- CSR ----------------------------------------------------------------------------------------------

def _csr(year: int, quarter: int, agency_id: int | None, figures: dict) -> dict | None:
    """Committed (the year's commitments) against contributed (verified, dated up to the quarter's end;
    submitted ones pending) per company and per strategy, as ``figures.csr_figures`` counts them."""
    if not figures["commitments"]:
        return None
    C, X = CsrCommitment, CsrContribution
    cut_off = quarter_end(year, quarter)
    per = (select(X.commitment_id.label("cid"),
                  func.sum(case((and_(X.status == VERIFIED, X.date <= cut_off), X.amount), else_=0)).label("verified"),
                  func.sum(case((and_(X.status == SUBMITTED, X.date <= cut_off), X.amount), else_=0)).label("pending"))
           .group_by(X.commitment_id).subquery("x"))
    stmt = (select(C.company_id, Company.name, Company.sector, C.strategy, func.count(C.id).label("n"),
                   func.coalesce(func.sum(C.amount), 0).label("committed"),
                   func.coalesce(func.sum(per.c.verified), 0).label("verified"),
                   func.coalesce(func.sum(per.c.pending), 0).label("pending"))
            .join(Company, Company.id == C.company_id).outerjoin(per, per.c.cid == C.id)
            .where(C.year == year).group_by(C.company_id, Company.name, Company.sector, C.strategy))
    if agency_id is not None:
        stmt = stmt.where(C.activity_id.in_(select(Activity.id).where(Activity.agency_id == agency_id,
                                                                      Activity.year == year)))
    companies: dict[int, dict] = {}
    strategies: dict[str, dict] = defaultdict(lambda: {"commitments": 0, "committed": 0, "verified": 0, "pending": 0})
    for r in db.session.execute(stmt):
        c = companies.setdefault(r.company_id, {"company_id": r.company_id, "name": r.name, "sector": r.sector or "",
                                                "commitments": 0, "committed": 0, "verified": 0, "pending": 0})
        for target in (c, strategies[r.strategy]):
            target["commitments"] += int(r.n)
            target["committed"] += int(r.committed)
            target["verified"] += int(r.verified)
            target["pending"] += int(r.pending)
    names = dict(db.session.execute(select(Strategy.code, Strategy.name).order_by(Strategy.sort_order)).all())

    def with_pct(d: dict) -> dict:
        return {**d, "verified_pct": pct(d["verified"], d["committed"])}

    kecamatan = []
    if agency_id is None:  # the kecamatan split of csr.queries (contributions of the whole year)
        kecamatan = [{"code": k["code"], "name": k["name"], "commitments": k["commitments"],
                      "committed": k["committed"], "verified": k["verified"], "pending": k["pending"]}
                     for k in csr_queries.by_kecamatan(csr_queries.CsrFilters(year=year))]
    return {
        "cut_off": cut_off,
        "totals": {"commitments": figures["commitments"], "committed": figures["committed"],
                   "verified": figures["contributed_verified"], "pending": figures["contributed_submitted"],
                   "verified_year": figures["contributed_verified_year"],
                   "verified_pct": pct(figures["contributed_verified"], figures["committed"])},
        "companies": [with_pct(c) for c in sorted(companies.values(), key=lambda c: (-c["committed"], c["name"]))],
        "strategies": [with_pct({"code": code, "name": names.get(code, code), **strategies[code]})
                       for code in [*names, *sorted(set(strategies) - set(names))] if code in strategies],
        "kecamatan": kecamatan,
    }


# ---- problems, agreements, annex ----------------------------------------------------------------------

def _problems(e: dict) -> list[dict]:
    """The problems (kendala) and follow-ups (tindak lanjut) of the quarter's counted reports, per OPD."""
    by_agency: dict[int, list[dict]] = defaultdict(list)
    for a in e["activities"]:
        if a["problems"].strip() or a["follow_up"].strip():
            by_agency[a["agency_id"]].append({"activity_id": a["activity_id"], "code": a["code"], "name": a["name"],
                                              "problems": a["problems"].strip(), "follow_up": a["follow_up"].strip(),
                                              "status": a["status"], "status_label": report_status_label(a["status"])})
    return [{"agency_id": g["agency_id"], "name": g["agency_name"], "full_name": g["agency_full_name"],
             "items": by_agency[g["agency_id"]]} for g in e["agencies"] if by_agency.get(g["agency_id"])]


def _agreements(meeting: Meeting | None, agency_id: int | None, today: date) -> dict:
    """What the quarter's meeting reports of earlier meetings' agreements (``previous_agreements``);
    without a meeting for the quarter, as it stands today.  One OPD: only the agreements given to it."""
    reference = meeting if meeting is not None else Meeting(date=today, id=_LATER_THAN_ANY_ID, year=0, title="")
    previous = meeting_queries.previous_meeting(reference, _READER)
    items = []
    for a in meeting_queries.previous_agreements(reference, _READER):
        if agency_id is not None and a.agency_id != agency_id:
            continue
        items.append({"agreement_id": a.id, "meeting_id": a.meeting_id, "meeting_date": a.meeting.date,
                      "meeting_title": a.meeting.title, "text": a.text, "responsible": party_label(a, short=True),
                      "agency_id": a.agency_id, "due_date": a.due_date, "status": a.status,
                      "status_label": agreement_status_label(a.status), "note": a.note or "",
                      "overdue": a.is_overdue(today)})
    return {"meeting": _meeting_dict(meeting), "previous_meeting": _meeting_dict(previous), "items": items}


def _annex(e: dict) -> list[dict]:
    return [{"activity_id": a["activity_id"], "code": a["code"], "name": a["name"], "agency_id": a["agency_id"],
             "agency_name": a["agency_name"], "strategy": a["strategy"], "budget": a["budget"],
             "realized_cumulative": a["realized_cumulative"], "realization_pct": a["realization_pct"],
             "physical_progress": a["physical_progress"], "status": a["status"],
             "status_label": report_status_label(a["status"]), "problems": a["problems"].strip(),
             "follow_up": a["follow_up"].strip()} for a in e["activities"]]
