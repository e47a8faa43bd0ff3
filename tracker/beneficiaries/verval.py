"""The verification list per desa (*daftar verval*): printed and sent through the camat, and the desa's
findings entered back (still poor, moved, died, no longer poor), each audited."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.audit import services as audit
from tracker.authz import require
from tracker.beneficiaries.models import VERVAL_RESULTS, TargetHousehold
from tracker.errors import ValidationFailed, check_version
from tracker.extensions import db
from tracker.i18n import N_
from tracker.types import utcnow

RESULT_LABELS = {
    "still_poor": N_("Masih miskin"),
    "moved": N_("Pindah"),
    "died": N_("Meninggal"),
    "not_poor": N_("Tidak miskin lagi"),
}


def desa_list(desa_id: int):
    """The desa's active households, by name: what the desa checks."""
    return select(TargetHousehold).where(TargetHousehold.region_id == desa_id, TargetHousehold.active.is_(True)) \
        .order_by(TargetHousehold.desil, TargetHousehold.name_key, TargetHousehold.id)


def record(household: TargetHousehold, result: str | None, note: str, version: int | None, actor) -> TargetHousehold:
    require("verval.record", actor)
    check_version(household, version)
    if result is not None and result not in VERVAL_RESULTS:
        message = _("Hasil verval harus salah satu dari: %(v)s", v=", ".join(VERVAL_RESULTS))
        raise ValidationFailed(message, {"verval_result": message})
    before = {"verval_result": household.verval_result, "verval_note": household.verval_note}
    note = (note or "").strip()[:500]
    if before == {"verval_result": result, "verval_note": note}:
        return household
    household.verval_result, household.verval_note = result, note
    household.verval_at, household.verval_by_id = utcnow(), getattr(actor, "id", None)
    db.session.flush()
    audit.record("verval", "target_household", household.id, actor=actor, before=before,
                 after={"verval_result": result, "verval_note": note})
    return household
