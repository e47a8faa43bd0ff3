"""Changing CSR records: commitments, contributions and their review.  Validate (``validation``),
check role, scope, state and version, change, flush, audit; the caller commits.

Scoping: a company user reaches only their own company's records (another company's answers 404);
OPD users and viewers read but change nothing (``csr.edit`` and friends are not theirs).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.audit import services as audit
from tracker.authz import ensure_company_access
from tracker.csr.models import CsrCommitment, CsrContribution, CsrEvent, CsrRevision
from tracker.csr.validation import clean_commitment, clean_contribution
from tracker.errors import NotFound, ValidationFailed, check_version
from tracker.extensions import db
from tracker.formatting import rupiah
from tracker.reference.models import Region
from tracker.review import RETURN, SAVE, SUBMIT, VERIFIED, VERIFY, check_state, clean_comment, next_status, status_label
from tracker.types import utcnow

PERMISSION = {SAVE: "csr.edit", SUBMIT: "csr.submit", VERIFY: "csr.review", RETURN: "csr.review"}
COMMITMENT_FIELDS = ("title", "description", "strategy", "amount", "activity_id")
CONTRIBUTION_FIELDS = ("date", "kind", "amount", "description", "beneficiaries", "beneficiary_unit")


def _noun() -> str:
    return _("Kontribusi")


# ---- loading, after the scope check ---------------------------------------------------------------

def get_commitment(commitment_id: int, permission: str = "csr.view", user=None) -> CsrCommitment:
    commitment = db.session.scalar(
        select(CsrCommitment).where(CsrCommitment.id == commitment_id)
        .options(selectinload(CsrCommitment.regions), selectinload(CsrCommitment.revisions)))
    if commitment is None:
        raise NotFound(_("Komitmen CSR tidak ditemukan."))
    ensure_company_access(commitment.company_id, permission, user)
    return commitment


def get_contribution(contribution_id: int, permission: str = "csr.view", user=None) -> CsrContribution:
    contribution = db.session.scalar(
        select(CsrContribution).where(CsrContribution.id == contribution_id)
        .options(selectinload(CsrContribution.attachments)))
    if contribution is None:
        raise NotFound(_("Kontribusi CSR tidak ditemukan."))
    ensure_company_access(contribution.commitment.company_id, permission, user)
    return contribution


def _label(commitment: CsrCommitment) -> str:
    return f"{commitment.company.name} {commitment.year} \"{commitment.title[:60]}\""


def _snapshot(obj, fields) -> dict:
    data = audit.snapshot(obj, fields)
    if isinstance(obj, CsrCommitment):
        data["region_ids"] = sorted(r.id for r in obj.regions)
    return data


def verified_total(commitment_id: int) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(CsrContribution.amount), 0)).where(
        CsrContribution.commitment_id == commitment_id, CsrContribution.status == VERIFIED)) or 0


# ---- commitments ----------------------------------------------------------------------------------

def create_commitment(data: dict, user) -> CsrCommitment:
    """``data``: company_id, year, title, description, strategy, region_ids, amount, activity_id?"""
    company_id = data.get("company_id")
    if isinstance(company_id, int) and not isinstance(company_id, bool):
        ensure_company_access(company_id, "csr.edit", user)
    values = clean_commitment(data)
    region_ids = values.pop("region_ids")
    values.pop("revision_reason", None)
    commitment = CsrCommitment(**values, created_by_id=getattr(user, "id", None), revisions=[])
    commitment.regions = list(db.session.scalars(select(Region).where(Region.id.in_(region_ids))))
    db.session.add(commitment)
    db.session.flush()
    audit.record("create", "csr_commitment", commitment.id, after=_snapshot(commitment, COMMITMENT_FIELDS),
                 actor=user, summary=f"Komitmen CSR {_label(commitment)} dibuat")
    return commitment


def update_commitment(commitment: CsrCommitment, data: dict, user, expected_version: int | None) -> CsrCommitment:
    """A change of ``amount`` once contributions were verified is a revision: its reason is required
    and the old and new amounts are kept (``CsrRevision``)."""
    ensure_company_access(commitment.company_id, "csr.edit", user)
    check_version(commitment, expected_version, stale=_(
        "Komitmen ini telah diubah oleh pengguna lain (versi %(a)s, sekarang %(b)s). Muat ulang lalu ulangi."))
    values = clean_commitment(data, current=commitment)
    reason = values.pop("revision_reason", "")
    before = _snapshot(commitment, COMMITMENT_FIELDS)
    new_amount = values.get("amount", commitment.amount)
    revised = new_amount != commitment.amount and verified_total(commitment.id) > 0
    if revised:
        if not reason:
            raise ValidationFailed(
                _("Komitmen ini sudah memiliki kontribusi terverifikasi; perubahan nilai dicatat sebagai revisi "
                  "dan alasannya wajib diisi."), {"revision_reason": _("Wajib diisi saat nilai komitmen diubah.")})
        commitment.revisions.append(CsrRevision(old_amount=commitment.amount, new_amount=new_amount, reason=reason,
                                                by_id=getattr(user, "id", None)))
    if "region_ids" in values:
        region_ids = values.pop("region_ids")
        commitment.regions = list(db.session.scalars(select(Region).where(Region.id.in_(region_ids))))
    for name, value in values.items():
        setattr(commitment, name, value)
    after = _snapshot(commitment, COMMITMENT_FIELDS)
    old, new = audit.changed(before, after)
    if not new:
        return commitment
    commitment.updated_at = utcnow()  # bumps ``version`` also when only the regions changed
    db.session.flush()
    audit.record("revise" if revised else "update", "csr_commitment", commitment.id, before=old, after=new, actor=user,
                 summary=f"Komitmen CSR {_label(commitment)} diubah"
                         + (f" ({rupiah(old['amount'])} → {rupiah(new['amount'])})" if "amount" in new else ""))
    return commitment


# ---- contributions --------------------------------------------------------------------------------

def record_event(contribution: CsrContribution, user, action: str, from_status, to_status, comment: str = ""):
    db.session.add(CsrEvent(contribution_id=contribution.id, user_id=getattr(user, "id", None), action=action,
                            from_status=from_status, to_status=to_status, comment=comment or ""))


def create_contribution(commitment: CsrCommitment, data: dict, user, *, today=None) -> CsrContribution:
    ensure_company_access(commitment.company_id, PERMISSION[SAVE], user)
    values = clean_contribution(data, commitment.year, today=today)
    contribution = CsrContribution(commitment_id=commitment.id, commitment=commitment, **values,
                                   created_by_id=getattr(user, "id", None), updated_by_id=getattr(user, "id", None),
                                   attachments=[])
    db.session.add(contribution)
    db.session.flush()
    record_event(contribution, user, "create", None, contribution.status)
    audit.record("create", "csr_contribution", contribution.id, after=_snapshot(contribution, CONTRIBUTION_FIELDS),
                 actor=user, summary=f"Kontribusi CSR {rupiah(contribution.amount)} untuk {_label(commitment)} dicatat")
    return contribution


def update_contribution(contribution: CsrContribution, data: dict, user, expected_version: int | None,
                        *, today=None) -> CsrContribution:
    """Only while draft or returned: a verified contribution is read-only for everyone."""
    ensure_company_access(contribution.commitment.company_id, PERMISSION[SAVE], user)
    check_state(SAVE, contribution.status, _noun())
    check_version(contribution, expected_version, stale=_(
        "Kontribusi ini telah diubah oleh pengguna lain (versi %(a)s, sekarang %(b)s). Muat ulang lalu ulangi."))
    values = clean_contribution(data, contribution.commitment.year, current=contribution, today=today)
    before = _snapshot(contribution, CONTRIBUTION_FIELDS)
    for name, value in values.items():
        setattr(contribution, name, value)
    after = _snapshot(contribution, CONTRIBUTION_FIELDS)
    old, new = audit.changed(before, after)
    if not new:
        return contribution
    contribution.updated_at = utcnow()
    contribution.updated_by_id = getattr(user, "id", None)
    db.session.flush()
    record_event(contribution, user, "update", contribution.status, contribution.status)
    audit.record("update", "csr_contribution", contribution.id, before=old, after=new, actor=user,
                 summary=f"Kontribusi CSR untuk {_label(contribution.commitment)} diubah")
    return contribution


def transition(contribution: CsrContribution, action: str, user, comment: str = "",
               expected_version: int | None = None) -> CsrContribution:
    """Submit, verify or return: the shared review machine, CSR's permissions and company scope."""
    if action not in (SUBMIT, VERIFY, RETURN):
        raise ValueError(action)
    ensure_company_access(contribution.commitment.company_id, PERMISSION[action], user)
    check_state(action, contribution.status, _noun())
    check_version(contribution, expected_version)
    comment = clean_comment(action, comment, _noun())
    before_status, now = contribution.status, utcnow()
    contribution.status = next_status(before_status, action)
    contribution.updated_by_id = getattr(user, "id", None)
    if action == SUBMIT:
        contribution.submitted_at, contribution.submitted_by_id = now, user.id
        contribution.first_submitted_at = contribution.first_submitted_at or now
    elif action == VERIFY:
        contribution.verified_at, contribution.verified_by_id = now, user.id
        if comment:
            contribution.review_comment = comment
    else:
        contribution.returned_at, contribution.returned_by_id = now, user.id
        contribution.review_comment = comment
    db.session.flush()
    record_event(contribution, user, action, before_status, contribution.status, comment)
    audit.record(action, "csr_contribution", contribution.id, before={"status": before_status},
                 after={"status": contribution.status, **({"comment": comment} if comment else {})}, actor=user,
                 summary=f"Kontribusi CSR {_label(contribution.commitment)}: "
                         f"{status_label(before_status)} → {status_label(contribution.status)}")
    return contribution


def transition_many(action: str, contribution_ids: list[int], user, comment: str = "") -> tuple[list[int], dict]:
    """Bulk verify (or return, or submit): each on its own rules; returns (done ids, {id: why not})."""
    from tracker.errors import AppError

    done, errors = [], {}
    for contribution_id in sorted(set(contribution_ids)):
        try:
            with db.session.begin_nested():
                transition(get_contribution(contribution_id, PERMISSION[action], user), action, user, comment)
        except AppError as err:
            errors[contribution_id] = err.message
        else:
            done.append(contribution_id)
    return done, errors


def delete_contribution(contribution: CsrContribution, user) -> list[str]:
    """A draft (never submitted) may be deleted; returns the stored names of its files to remove."""
    ensure_company_access(contribution.commitment.company_id, PERMISSION[SAVE], user)
    if contribution.first_submitted_at is not None or not contribution.status == "draft":
        raise ValidationFailed(_("Hanya draf yang belum pernah diajukan yang dapat dihapus."))
    stored = [a.stored_name for a in contribution.attachments]
    audit.record("delete", "csr_contribution", contribution.id, before=_snapshot(contribution, CONTRIBUTION_FIELDS),
                 actor=user, summary=f"Draf kontribusi CSR untuk {_label(contribution.commitment)} dihapus")
    db.session.delete(contribution)
    db.session.flush()
    return stored
