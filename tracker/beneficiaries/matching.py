"""Matching beneficiaries to the target list (*pemadanan*).

1. **By number** (``exact``), in SQL: the beneficiary's NIK hash equals an active target household's;
   for household programs reported by KK number only, the KK hash (the lowest-numbered household of
   that KK).  A hash is a keyed HMAC, so this joins without any number in the clear.
2. **By name** (``probable``): a beneficiary without a matching number (none given, a typo, a NIK
   from the civil registry that the list spells differently) is compared with the active
   households of the same desa born the same day; the best name similarity (rapidfuzz
   ``token_sort_ratio`` on the normalised names, so word order and titles do not count) at or above
   ``BENEFICIARY_NAME_THRESHOLD`` (default 85) is proposed.  A person confirms (``confirmed``) or
   rejects (``rejected``) it; only exact and confirmed matches count as reached.
3. Nothing found: ``unmatched`` (outside the target list, a possible inclusion error).

``rematch`` runs both steps again for every beneficiary no person has decided on (after a new
target list, or for just-uploaded rows); confirmations and rejections stay as people made them.
Candidate pairs come from one streamed join, so memory follows a batch, not the lists.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from rapidfuzz import fuzz
from sqlalchemy import and_, bindparam, func, or_, select, update

from tracker.beneficiaries.models import CONFIRMED, EXACT, PROBABLE, REJECTED, UNMATCHED, Beneficiary, TargetHousehold
from tracker.extensions import db

DECIDED = (CONFIRMED, REJECTED)
BATCH = 5000


def _threshold() -> int:
    return int(current_app.config.get("BENEFICIARY_NAME_THRESHOLD", 85))


def _open(ids: Iterable[int] | None):
    """Beneficiaries no person has decided on (of ``ids`` when given)."""
    condition = Beneficiary.match_status.not_in(DECIDED)
    if ids is not None:
        condition = and_(condition, Beneficiary.id.in_(list(ids)))
    return condition


def rematch(ids: Iterable[int] | None = None) -> dict[str, int]:
    """Match again; returns how many ended exact, probable and unmatched (of those matched now)."""
    ids = list(ids) if ids is not None else None
    if ids is not None and not ids:
        return {EXACT: 0, PROBABLE: 0, UNMATCHED: 0}
    table = Beneficiary.__table__
    chunks = [ids[i:i + BATCH] for i in range(0, len(ids), BATCH)] if ids is not None else [None]
    for chunk in chunks:
        db.session.execute(update(Beneficiary).where(_open(chunk)).values(
            match_status=UNMATCHED, target_household_id=None, match_score=None)
            .execution_options(synchronize_session=False))
        by_nik = select(TargetHousehold.id).where(TargetHousehold.nik_hash == table.c.nik_hash,
                                                  TargetHousehold.active.is_(True)).scalar_subquery()
        db.session.execute(update(Beneficiary).where(_open(chunk), Beneficiary.nik_hash.is_not(None),
                                                     by_nik.is_not(None))
                           .values(match_status=EXACT, target_household_id=by_nik)
                           .execution_options(synchronize_session=False))
        by_kk = select(func.min(TargetHousehold.id)).where(TargetHousehold.kk_hash == table.c.kk_hash,
                                                           TargetHousehold.active.is_(True)).scalar_subquery()
        db.session.execute(update(Beneficiary).where(_open(chunk), Beneficiary.match_status == UNMATCHED,
                                                     Beneficiary.nik_hash.is_(None), Beneficiary.kk_hash.is_not(None),
                                                     by_kk.is_not(None))
                           .values(match_status=EXACT, target_household_id=by_kk)
                           .execution_options(synchronize_session=False))
        _match_names(chunk)
    return counts(ids)


def _match_names(chunk: list[int] | None) -> None:
    threshold = _threshold()
    pairs = (select(Beneficiary.id, Beneficiary.name_key, TargetHousehold.id, TargetHousehold.name_key)
             .join(TargetHousehold, and_(TargetHousehold.region_id == Beneficiary.region_id,
                                         TargetHousehold.birth_date == Beneficiary.birth_date,
                                         TargetHousehold.active.is_(True)))
             .where(_open(chunk), Beneficiary.match_status == UNMATCHED, Beneficiary.birth_date.is_not(None))
             .order_by(Beneficiary.id))
    best: dict[int, tuple[int, int]] = {}
    proposals: list[dict] = []
    for beneficiary_id, name, household_id, household_name in db.session.execute(
            pairs.execution_options(yield_per=BATCH)):
        score = round(fuzz.token_sort_ratio(name, household_name))
        if score >= threshold and score > best.get(beneficiary_id, (-1, 0))[0]:
            best[beneficiary_id] = (score, household_id)
        if len(best) >= BATCH:
            proposals += _flush(best, keep_last=True)
    proposals += _flush(best, keep_last=False)
    if proposals:
        table = Beneficiary.__table__
        db.session.connection().execute(
            update(table).where(table.c.id == bindparam("b_id"))
            .values(match_status=PROBABLE, target_household_id=bindparam("h_id"), match_score=bindparam("score")),
            proposals)


def _flush(best: dict[int, tuple[int, int]], keep_last: bool) -> list[dict]:
    """The settled proposals; rows come ordered by beneficiary, so only the last one may still grow."""
    last = max(best) if keep_last and best else None
    out = [{"b_id": b, "h_id": h, "score": s} for b, (s, h) in best.items() if b != last]
    kept = best.get(last) if last is not None else None
    best.clear()
    if kept is not None:
        best[last] = kept
    return out


def counts(ids: list[int] | None = None) -> dict[str, int]:
    query = select(Beneficiary.match_status, func.count()).group_by(Beneficiary.match_status)
    if ids is not None:
        query = query.where(or_(*[Beneficiary.id.in_(ids[i:i + BATCH]) for i in range(0, len(ids), BATCH)]))
    found = dict(db.session.execute(query).all())
    return {EXACT: found.get(EXACT, 0), PROBABLE: found.get(PROBABLE, 0), UNMATCHED: found.get(UNMATCHED, 0)}
