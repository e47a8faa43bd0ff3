"""Action plans: create, change and delete activities, agree a plan, record APBD-P revisions.

Pages, the JSON API and the Excel import all go through these functions, so the rules
(``tracker.plans.validation``), the scoping and the audit trail are the same everywhere.  Functions
flush and add audit rows; the caller commits once.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.audit import services as audit
from tracker.authz import agency_scope, ensure_agency_access
from tracker.errors import Conflict, Forbidden, NotFound, ValidationFailed, check_version
from tracker.extensions import db
from tracker.periods.services import check_year
from tracker.plans.models import Activity, BudgetRevision, Indicator, Plan
from tracker.plans.validation import SCALAR_FIELDS, Cleaned, RegionIndex, clean_activity
from tracker.reference.models import Agency
from tracker.types import utcnow

NEW_IN_REVISION = "Kegiatan baru setelah rencana aksi disepakati (APBD-P)."


# ---- what hangs on an activity ----------------------------------------------------------------------
# Features that record things against an activity (progress reports, later beneficiaries...) register a
# finder when the app starts, so plans can refuse to delete such an activity or drop its indicators
# without importing them.

DependentsFinder = Callable[[list[int]], set[int]]
_dependents: dict[str, DependentsFinder] = {}


def register_activity_dependents(name: str, finder: DependentsFinder) -> None:
    """``finder(activity_ids)`` returns the ids among them that have ``name`` records."""
    _dependents[name] = finder


def activities_with_progress(activity_ids) -> set[int]:
    """The ids among ``activity_ids`` that have records of another feature (one query per feature)."""
    ids = sorted(set(activity_ids))
    found: set[int] = set()
    if ids:
        for finder in _dependents.values():
            found |= finder(ids)
    return found


def activity_has_progress(activity_id: int) -> bool:
    return bool(activities_with_progress([activity_id]))


# Features that show something on an activity's page (CSR commitments supporting it...) register a
# panel the same way: ``panel(activity)`` returns ``(template name, context)`` or None (nothing to show,
# or not for this user), and the detail page includes each template with its context as ``panel``.

ActivityPanel = Callable[[Activity], "tuple[str, dict] | None"]
_panels: dict[str, ActivityPanel] = {}


def register_activity_panel(name: str, panel: ActivityPanel) -> None:
    _panels[name] = panel


def activity_panels(activity: Activity) -> list[tuple[str, dict]]:
    """The registered panels that have something to show on this activity's page, in registration order."""
    return [shown for shown in (panel(activity) for panel in _panels.values()) if shown is not None]


# ---- loading --------------------------------------------------------------------------------------

def activity_options():
    return (selectinload(Activity.indicators), selectinload(Activity.regions), selectinload(Activity.revisions),
            selectinload(Activity.agency))


def get_activity(activity_id: int, permission: str = "plans.view", user=None) -> Activity:
    """One activity with everything it shows, or 404 (also for another OPD's activity)."""
    activity = db.session.scalar(
        select(Activity).where(Activity.id == activity_id).options(*activity_options())
        .execution_options(populate_existing=True)
    )
    if activity is None:
        raise NotFound(_("Kegiatan tidak ditemukan."))
    ensure_agency_access(activity.agency_id, permission, user)
    return activity


def get_plan(agency_id: int, year: int) -> Plan | None:
    return db.session.scalar(select(Plan).where(Plan.agency_id == agency_id, Plan.year == year))


def plan_statuses(pairs) -> dict[tuple[int, int], Plan]:
    """Plans for many (agency_id, year) pairs in one query."""
    pairs = set(pairs)
    if not pairs:
        return {}
    agencies = {a for a, _y in pairs}
    years = {y for _a, y in pairs}
    rows = db.session.scalars(select(Plan).where(Plan.agency_id.in_(agencies), Plan.year.in_(years)))
    return {(p.agency_id, p.year): p for p in rows}


def ensure_plan(agency_id: int, year: int) -> Plan:
    plan = get_plan(agency_id, year)
    if plan is None:
        plan = Plan(agency_id=agency_id, year=year, status="draft", note="")
        db.session.add(plan)
        db.session.flush()
    return plan


def is_agreed(plan: Plan | None) -> bool:
    return plan is not None and plan.status == "agreed"


# ---- audit helpers --------------------------------------------------------------------------------

def activity_snapshot(activity: Activity) -> dict:
    data = audit.snapshot(activity, SCALAR_FIELDS + ("budget_revised",))
    data["region_ids"] = sorted(r.id for r in activity.regions)
    data["indicators"] = [
        {"id": i.id, "name": i.name, "unit": i.unit, "aggregation": i.aggregation, "target": i.target,
         "quarter_targets": i.quarter_targets, "target_end": i.target_end, "achieved_before": i.achieved_before}
        for i in activity.indicators
    ]
    return data


def _label(activity: Activity) -> str:
    return f"{activity.code} {activity.name}"[:200]


# ---- create ---------------------------------------------------------------------------------------

def resolve_agency(agency_id, user) -> Agency:
    """The OPD an activity is created for: an agency user's own, whatever the payload says."""
    scope = agency_scope(user)
    if scope is not None:
        if agency_id not in (None, "", scope):
            raise Forbidden(_("Anda hanya dapat mengelola rencana aksi OPD Anda sendiri."))
        agency_id = scope
    if agency_id in (None, ""):
        raise ValidationFailed(_("Data kegiatan tidak valid."), {"agency_id": _("Wajib diisi.")})
    agency = db.session.get(Agency, agency_id) if isinstance(agency_id, int) else None
    if agency is None:
        raise ValidationFailed(_("Data kegiatan tidak valid."), {"agency_id": _("OPD tidak ditemukan.")})
    ensure_agency_access(agency.id, "plans.edit", user)
    return agency


def _check_year(year) -> int:
    if isinstance(year, bool) or not isinstance(year, int):
        raise ValidationFailed(_("Data kegiatan tidak valid."), {"year": _("Tahun harus bilangan bulat.")})
    check_year(year)
    return year


def _indicator_rows(indicators: list[dict]) -> list[Indicator]:
    return [Indicator(position=pos, name=d["name"], unit=d["unit"], aggregation=d["aggregation"], target=d["target"],
                      target_q1=d["quarter_targets"][0], target_q2=d["quarter_targets"][1],
                      target_q3=d["quarter_targets"][2], target_q4=d["quarter_targets"][3],
                      target_end=d.get("target_end"), achieved_before=d.get("achieved_before"))
            for pos, d in enumerate(indicators)]


def new_activity(cleaned: Cleaned, agency_id: int, year: int, plan: Plan, user) -> Activity:
    """Add (not flush) an activity from checked values; in an agreed plan its pagu is an APBD-P addition."""
    values = dict(cleaned.values)
    activity = Activity(agency_id=agency_id, year=year, **values)
    activity.regions = list(cleaned.regions or [])
    activity.indicators = _indicator_rows(cleaned.indicators or [])
    if is_agreed(plan):
        activity.budget = 0
        activity.budget_revised = values["budget"]
        activity.revisions = [BudgetRevision(old_budget=0, new_budget=values["budget"],
                                             reason=cleaned.revision_reason or NEW_IN_REVISION,
                                             created_by_id=getattr(user, "id", None))]
    else:
        activity.revisions = []
    db.session.add(activity)
    return activity


def audit_created(activity: Activity, user, via: str = "") -> None:
    audit.record("create", "activity", activity.id, after=activity_snapshot(activity), agency_id=activity.agency_id,
                 summary=f"Kegiatan {_label(activity)} ditambahkan{via}", actor=user)


def create_activity(data: dict, user, regions: RegionIndex | None = None) -> Activity:
    errors: dict[str, str] = {}
    results = []
    for step in (lambda: resolve_agency(data.get("agency_id"), user), lambda: _check_year(data.get("year")),
                 lambda: clean_activity(data, regions=regions or RegionIndex.load())):
        try:
            results.append(step())
        except ValidationFailed as err:  # collect every field's message, not only the first step's
            errors.update(err.fields or {})
            results.append(None)
    if errors:
        raise ValidationFailed(_("Data kegiatan tidak valid. Periksa isian yang ditandai."), errors)
    agency, year, cleaned = results
    plan = ensure_plan(agency.id, year)
    activity = new_activity(cleaned, agency.id, year, plan, user)
    db.session.flush()
    audit_created(activity, user)
    return activity


# ---- update ---------------------------------------------------------------------------------------

def _apply_indicators(activity: Activity, wanted: list[dict], has_progress: bool) -> None:
    existing = {ind.id: ind for ind in activity.indicators}
    kept_ids = {d["id"] for d in wanted if d.get("id") is not None}
    if has_progress and set(existing) - kept_ids:
        raise ValidationFailed(_("Data kegiatan tidak valid."), {
            "indicators": _("Kegiatan ini sudah memiliki laporan realisasi; indikatornya tidak dapat dihapus.")})
    result = []
    for pos, d in enumerate(wanted):
        ind = existing.get(d.get("id")) if d.get("id") is not None else None
        if ind is None:
            ind = Indicator()
        ind.position, ind.name, ind.unit = pos, d["name"], d["unit"]
        ind.aggregation, ind.target = d["aggregation"], d["target"]
        ind.target_q1, ind.target_q2, ind.target_q3, ind.target_q4 = d["quarter_targets"]
        ind.target_end, ind.achieved_before = d.get("target_end"), d.get("achieved_before")
        result.append(ind)
    activity.indicators = result


def apply_update(activity: Activity, cleaned: Cleaned, user, *, has_progress: bool | None = None) -> dict | None:
    """Apply checked values to a loaded activity (no flush).

    Returns the snapshot from before the change for ``audit_updated``, or None when nothing changed.
    """
    before = activity_snapshot(activity)
    for key, value in cleaned.values.items():
        if getattr(activity, key) != value:
            setattr(activity, key, value)
    if cleaned.regions is not None and sorted(r.id for r in cleaned.regions) != before["region_ids"]:
        activity.regions = list(cleaned.regions)
    if cleaned.indicators is not None:
        wanted = [{**d, "id": d.get("id")} for d in cleaned.indicators]
        if wanted != before["indicators"]:
            if has_progress is None:
                has_progress = activity_has_progress(activity.id)
            _apply_indicators(activity, wanted, has_progress)
    if cleaned.revision_target is not None:
        activity.revisions.append(BudgetRevision(
            old_budget=activity.effective_budget, new_budget=cleaned.revision_target,
            reason=cleaned.revision_reason, created_by_id=getattr(user, "id", None)))
        activity.budget_revised = cleaned.revision_target
    if activity_snapshot(activity) == before:
        return None
    activity.updated_at = utcnow()  # also bumps ``version`` when only indicators or regions changed
    return before


def audit_updated(activity: Activity, before: dict, user, via: str = "") -> None:
    """Call after the flush, so new indicators have their ids in the log."""
    old, new = audit.changed(before, activity_snapshot(activity))
    action = "revise" if "budget_revised" in new else "update"
    audit.record(action, "activity", activity.id, before=old, after=new, agency_id=activity.agency_id,
                 summary=f"Kegiatan {_label(activity)} diubah{via}", actor=user)


def update_activity(activity: Activity, data: dict, user, expected_version: int | None,
                    regions: RegionIndex | None = None) -> Activity:
    ensure_agency_access(activity.agency_id, "plans.edit", user)
    check_version(activity, expected_version, stale=_(
        "Kegiatan ini telah diubah oleh pengguna lain (versi %(a)s, sekarang %(b)s). Muat ulang lalu ulangi."))
    plan = get_plan(activity.agency_id, activity.year)
    cleaned = clean_activity(data, regions=regions or RegionIndex.load(), current=activity, agreed=is_agreed(plan))
    before = apply_update(activity, cleaned, user)
    if before is not None:
        db.session.flush()
        audit_updated(activity, before, user)
    return activity


# ---- delete ---------------------------------------------------------------------------------------

def delete_activity(activity: Activity, user, expected_version: int | None = None) -> None:
    ensure_agency_access(activity.agency_id, "plans.edit", user)
    check_version(activity, expected_version)
    if activity_has_progress(activity.id):
        raise Conflict(_("Kegiatan ini sudah memiliki laporan realisasi triwulan sehingga tidak dapat dihapus."))
    snapshot = activity_snapshot(activity)
    label = _label(activity)
    agency_id, activity_id = activity.agency_id, activity.id
    db.session.delete(activity)
    db.session.flush()
    audit.record("delete", "activity", activity_id, before=snapshot, agency_id=agency_id,
                 summary=f"Kegiatan {label} dihapus", actor=user)


# ---- plan approval --------------------------------------------------------------------------------

def agree_plan(agency_id: int, year: int, user, note: str = "", expected_version: int | None = None) -> Plan:
    """The coordinator agrees an OPD's plan for a year; from now on pagu changes are APBD-P revisions."""
    ensure_agency_access(agency_id, "plans.approve", user)
    if db.session.get(Agency, agency_id) is None:
        raise NotFound(_("OPD tidak ditemukan."))
    check_year(year)
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationFailed(_("Catatan terlalu panjang."), {"note": _("Maksimal %(n)d karakter.", n=500)})
    count = db.session.scalar(select(func.count()).select_from(Activity)
                              .where(Activity.agency_id == agency_id, Activity.year == year))
    if not count:
        raise ValidationFailed(_("Rencana aksi ini belum berisi kegiatan sehingga belum dapat disepakati."),
                               {"activities": _("Belum ada kegiatan.")})
    plan = ensure_plan(agency_id, year)
    check_version(plan, expected_version)
    if plan.status == "agreed":
        raise Conflict(_("Rencana aksi ini sudah disepakati."))
    plan.status = "agreed"
    plan.agreed_at = utcnow()
    plan.agreed_by_id = getattr(user, "id", None)
    plan.note = note
    db.session.flush()
    audit.record("agree", "plan", plan.id, before={"status": "draft"}, after={"status": "agreed", "note": note},
                 agency_id=agency_id, summary=f"Rencana aksi {plan.agency.short_name} {year} disepakati", actor=user)
    return plan
