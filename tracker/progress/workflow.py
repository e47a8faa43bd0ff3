"""Who may move a quarterly report through the shared review machine (``tracker.review``): the one
place pages, API and Excel import ask.

Every action is refused, in this order, with: 403 for a role without the permission, 404 for another
OPD's activity, 423 when the quarter is locked, 409 for the wrong state.
"""

from __future__ import annotations

from flask_babel import gettext as _

from tracker.audit import services as audit
from tracker.authz import can, ensure_agency_access, may_see_agency
from tracker.errors import AppError, ValidationFailed
from tracker.extensions import db
from tracker.periods.services import ensure_unlocked, quarter_label
from tracker.progress.models import ProgressEvent
from tracker.review import (  # noqa: F401  (the machine's names, as progress code has always used them)
    ACTION_LABELS,
    ACTIONS,
    EDITABLE,
    MAX_COMMENT,
    RETURN,
    SAVE,
    STATUS_BADGES,
    STATUS_LABELS,
    SUBMIT,
    TRANSITIONS,
    VERIFY,
    check_state,
    clean_comment,
    next_status,
    status_label,
)
from tracker.types import utcnow

PERMISSION = {
    SAVE: "progress.edit",
    SUBMIT: "progress.submit",
    VERIFY: "progress.review",
    RETURN: "progress.review",
}


def _noun() -> str:
    return _("Laporan")


def check(action: str, status: str | None, agency_id: int, period, user) -> None:
    """Raise what the caller must show if ``user`` may not do ``action`` now; return quietly otherwise."""
    ensure_agency_access(agency_id, PERMISSION[action], user)
    ensure_unlocked(period)
    check_state(action, status, _noun())


def allowed(action: str, status: str | None, agency_id: int, period, user) -> bool:
    try:
        check(action, status, agency_id, period, user)
    except AppError:
        return False
    return True


def allowed_actions(status: str | None, agency_id: int, period, user) -> set[str]:
    """What the buttons on a page offer; the routes call ``check`` with the same arguments."""
    if not may_see_agency(agency_id, user) or period.locked:
        return set()
    return {a for a in ACTIONS if can(user, PERMISSION[a]) and allowed(a, status, agency_id, period, user)}


def missing_for_submit(report, indicators) -> dict[str, str]:
    """Fields a report still lacks before it may be submitted (empty dict: complete)."""
    missing: dict[str, str] = {}
    if report.budget_realized is None:
        missing["budget_realized"] = _("Realisasi anggaran triwulan ini wajib diisi.")
    if report.physical_progress is None:
        missing["physical_progress"] = _("Progres fisik wajib diisi.")
    if report.beneficiaries_reached is None:
        missing["beneficiaries_reached"] = _("Jumlah penerima manfaat wajib diisi.")
    have = {v.indicator_id for v in report.values}
    for indicator in indicators:
        if indicator.id not in have:
            missing[f"indicator_values.{indicator.id}"] = _("Capaian indikator \"%(n)s\" wajib diisi.", n=indicator.name)
    return missing


def record_event(report, user, action: str, from_status: str | None, to_status: str | None, comment: str = ""):
    event = ProgressEvent(report_id=report.id, user_id=getattr(user, "id", None), action=action,
                          from_status=from_status, to_status=to_status, comment=comment or "")
    db.session.add(event)
    return event


def transition(ctx, action: str, user, comment: str = ""):
    """Submit, verify or return the report of ``ctx`` (an ``ItemContext``); adds history and audit rows."""
    if action not in (SUBMIT, VERIFY, RETURN):
        raise ValueError(action)
    report = ctx.report
    activity = ctx.activity
    check(action, report.status if report is not None else None, activity.agency_id, ctx.period, user)
    comment = clean_comment(action, comment, _noun())
    if action == SUBMIT:
        missing = missing_for_submit(report, activity.indicators)
        if missing:
            raise ValidationFailed(_("Laporan belum lengkap; lengkapi dulu sebelum diajukan."), missing)
    before_status = report.status
    now = utcnow()
    report.status = next_status(before_status, action)
    report.updated_by_id = user.id
    if action == SUBMIT:
        report.submitted_at = now
        report.submitted_by_id = user.id
        if report.first_submitted_at is None:
            report.first_submitted_at = now
    elif action == VERIFY:
        report.verified_at = now
        report.verified_by_id = user.id
        if comment:
            report.review_comment = comment
    else:
        report.returned_at = now
        report.returned_by_id = user.id
        report.review_comment = comment
    db.session.flush()
    record_event(report, user, action, before_status, report.status, comment)
    audit.record(
        action, "progress_report", report.id,
        before={"status": before_status},
        after={"status": report.status, **({"comment": comment} if comment else {})},
        agency_id=activity.agency_id, actor=user,
        summary=f"Laporan Triwulan {quarter_label(ctx.quarter)} {ctx.year} {activity.code}: "
                f"{status_label(before_status)} → {status_label(report.status)}",
    )
    return report
