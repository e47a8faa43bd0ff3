"""The verification list per desa (*daftar verval*): printed and sent through the camat, and the desa's
findings entered back (still poor, moved, died, no longer poor), each audited."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker.audit import services as audit
from tracker.authz import require
from tracker.beneficiaries.models import VERVAL_RESULTS, TargetHousehold
from tracker.errors import Conflict, ValidationFailed, check_version
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


def desa_summary(scope=None) -> list[dict]:
    """Per desa: active households, how many the desa has checked, and the count per result, in one query."""
    query = (select(TargetHousehold.region_id, TargetHousehold.verval_result, func.count())
             .where(TargetHousehold.active.is_(True)).group_by(TargetHousehold.region_id, TargetHousehold.verval_result))
    if scope is not None:
        query = query.where(TargetHousehold.region_id.in_(scope))
    found: dict[int, dict] = {}
    for region_id, result, n in db.session.execute(query):
        row = found.setdefault(region_id, {"region_id": region_id, "households": 0, "checked": 0,
                                           **{r: 0 for r in VERVAL_RESULTS}})
        row["households"] += n
        if result is not None:
            row["checked"] += n
            row[result] += n
    return list(found.values())


def record_many(desa_id: int, entries: list[dict], actor) -> dict:
    """A page of the desa's findings (``household_id``, ``result``, ``note``, ``version``): all of them or
    none.  A household another person changed since the page was read stops the page (``Conflict``
    naming them); one outside the desa or no longer active is refused; an unchanged row writes nothing."""
    require("verval.record", actor)
    ids = [e["household_id"] for e in entries]
    households = {h.id: h for h in db.session.scalars(
        select(TargetHousehold).where(TargetHousehold.id.in_(ids), TargetHousehold.region_id == desa_id,
                                      TargetHousehold.active.is_(True)))} if ids else {}
    stale = [households[e["household_id"]].name for e in entries
             if e["household_id"] in households and households[e["household_id"]].version != e["version"]]
    if stale:
        raise Conflict(_("Data %(n)s sudah diubah orang lain sejak halaman ini dibuka; tidak ada yang disimpan. "
                         "Periksa isiannya sekarang lalu simpan lagi.", n=", ".join(stale[:5])
                         + (_(" dan %(k)d lainnya", k=len(stale) - 5) if len(stale) > 5 else "")))
    if any(e["household_id"] not in households for e in entries):
        raise ValidationFailed(_("Ada rumah tangga yang tidak ada di daftar desa ini; muat ulang halaman."))
    changed = 0
    for e in entries:
        household = households[e["household_id"]]
        version = household.version
        record(household, e["result"], e["note"], e["version"], actor)
        changed += household.version != version
    return {"changed": changed}
