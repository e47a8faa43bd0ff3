"""The Permendagri 86/2017 evaluation table (domain.md, "The quarterly evaluation table"): one row per
indicator, grouped by OPD and then program / kegiatan / sub-kegiatan, the regulation's 17 columns in
its order plus the rating (*predikat*).

Layout choices.  Each sub-kegiatan (an activity) has its own row carrying the money columns (Rp:
pagu, realisation per quarter, cumulative, %), the responsible OPD and the remarks; its indicators
follow, one row each, with the performance columns (K).  Program and kegiatan rows show the code and
name only (their codes are the leading segments of the SIPD sub-kegiatan code).  Each OPD ends with
its totals (from the SQL roll-up).  Columns 5, 6, 14 and 15 (Renstra) are left out when no
indicator in the table has an end-of-period target or an earlier achievement.

For the whole kabupaten the table comes one OPD per page (``?page=``, the OPDs in name order, each
page named after its OPD): one OPD's table is the unit the regulation prints, and a page then costs
one OPD's evaluation whatever the number of OPDs (the whole year at once was 12,000 rows, 7 MB).
The Renstra columns are then decided for the whole kabupaten, so every page has the same columns.
"""

from __future__ import annotations

from collections import defaultdict

from flask import render_template
from sqlalchemy import exists, or_, select

from tracker.authz import permission_required
from tracker.evaluation import bp, figures
from tracker.evaluation.views_common import agency_choices, ignored_message, int_arg, read_choice
from tracker.extensions import db
from tracker.plans.models import Activity, Indicator
from tracker.reference.models import Agency


def split_code(code: str) -> tuple[str, str]:
    """(program code, kegiatan code) of a sub-kegiatan code "1.06.05.2.02.0003" -> ("1.06.05",
    "1.06.05.2.02"); a code of another shape gives itself for both."""
    parts = (code or "").split(".")
    if len(parts) < 6:
        return code, code
    return ".".join(parts[:3]), ".".join(parts[:5])


def has_renstra(indicators: list[dict]) -> bool:
    return any(i["target_end"] is not None or i["achieved_before"] is not None for i in indicators)


def table_groups(e: dict) -> list[dict]:
    """[{agency, rows: [{kind: program|kegiatan|activity|indicator, ...}]}] in the evaluation's order."""
    indicators = defaultdict(list)
    for ind in e["indicators"]:
        indicators[ind["activity_id"]].append(ind)
    activities = defaultdict(list)
    for act in e["activities"]:
        activities[act["agency_id"]].append(act)
    groups = []
    for agency in e["agencies"]:
        rows, program, kegiatan = [], None, None
        for act in activities.get(agency["agency_id"], []):
            program_code, kegiatan_code = split_code(act["code"])
            if (program_code, act["program"]) != program:
                program = (program_code, act["program"])
                rows.append({"kind": "program", "code": program_code, "name": act["program"]})
                kegiatan = None
            if (kegiatan_code, act["kegiatan"]) != kegiatan:
                kegiatan = (kegiatan_code, act["kegiatan"])
                rows.append({"kind": "kegiatan", "code": kegiatan_code, "name": act["kegiatan"]})
            rows.append({"kind": "activity", "activity": act})
            rows += [{"kind": "indicator", "indicator": ind, "activity": act} for ind in indicators[act["activity_id"]]]
        groups.append({"agency": agency, "rows": rows})
    return groups


def year_has_renstra(year: int) -> bool:
    """Whether any indicator of ``year`` records a Renstra figure (the kabupaten table's columns)."""
    recorded = or_(Indicator.target_end.is_not(None), Indicator.achieved_before.is_not(None))
    found = (select(Indicator.id).join(Activity, Activity.id == Indicator.activity_id)
             .where(Activity.year == year, recorded))
    return bool(db.session.scalar(select(exists(found))))


def agency_pages(year: int) -> list:
    """(id, short name) of the OPDs with activities in ``year``, in the evaluation's OPD order."""
    planned = select(Activity.agency_id).where(Activity.year == year)
    return db.session.execute(select(Agency.id, Agency.short_name).where(Agency.id.in_(planned))
                              .order_by(Agency.short_name, Agency.id)).all()


@bp.route("/table")
@permission_required("evaluation.view")
def table():
    choice = read_choice()
    pages, page, shown = [], None, choice.agency_id
    if choice.agency_id is None:  # the kabupaten: one OPD per page
        pages = agency_pages(choice.year)
        page = min(int_arg("page", 1, 100_000, []) or 1, max(1, len(pages)))
        shown = pages[page - 1].id if pages else None
    e = figures.evaluation(choice.year, choice.quarter, agency_id=shown,
                           include_unverified=choice.include_unverified, today=choice.today)
    renstra = has_renstra(e["indicators"]) if choice.agency_id is not None else year_has_renstra(choice.year)
    return render_template("evaluation/table.html", choice=choice, e=e, groups=table_groups(e),
                           renstra=renstra, agencies=agency_choices(choice),
                           opd_pages=pages, opd_page=page, warning=ignored_message(choice.ignored))
