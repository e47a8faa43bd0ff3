"""Where the money goes against where the poor are, for one year: per kecamatan, its share of the
kabupaten's poor households beside its share of the OPD budget and of CSR committed.

* **Poor households**: the kecamatan ranking of ``queries.kecamatan_ranking`` (desil 1–4, one
  source: DTSEN if present for the year, else P3KE), with its poverty pockets.
* **OPD budget**: each activity of the year counts with its effective pagu (the APBD-P figure when
  set, else the original budget), split evenly over the kecamatan it is located in (a desa location
  counts for its kecamatan; several locations in one kecamatan count once), in whole Rupiah with the
  remainder on the first kecamatan by code, so the kecamatan add up to the total.  An activity with no
  location, or located at the kabupaten itself (anywhere among its locations), reaches the whole
  kabupaten: it goes to the separate bucket ``budget_unlocated`` ("seluruh kabupaten / tidak
  berlokasi") and is NOT in the denominator of the kecamatan's budget shares, which are shares of
  the budget that has a kecamatan.
* **CSR**: ``tracker.csr.queries.by_kecamatan`` (commitments of the year split equally over their
  kecamatan the same way); committed amounts without a kecamatan form ``csr_unlocated``.
* **Pockets that receive little** (``receives_little``): a pocket whose budget share, or CSR share,
  is below ``LITTLE_FACTOR`` (half) of its share of the poor households.  With no located budget (or
  CSR) in the year there is no share and no flag for it.

A handful of queries whatever the number of activities: activities, their locations, the household
counts, the kecamatan, and CSR's own few.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select

from tracker.csr.queries import CsrFilters
from tracker.csr.queries import by_kecamatan as csr_by_kecamatan
from tracker.csr.queries import totals as csr_totals
from tracker.extensions import db
from tracker.plans.models import Activity, activity_region
from tracker.poverty.queries import kecamatan_list, kecamatan_ranking, pct2
from tracker.reference.models import Region

LITTLE_FACTOR = Decimal("0.5")


def split_evenly(amount: int, targets: list[int]) -> dict[int, int]:
    """``amount`` over ``targets`` (already in code order): whole Rupiah, the remainder on the first."""
    share, rest = divmod(int(amount), len(targets))
    return {t: share + (rest if i == 0 else 0) for i, t in enumerate(targets)}


def budget_by_kecamatan(year: int) -> tuple[dict[int, int], int, int]:
    """({kecamatan id: Rp}, unlocated Rp, total Rp) of the OPD activities of ``year`` (module note)."""
    budgets = dict(db.session.execute(
        select(Activity.id, Activity.effective_budget).where(Activity.year == year)).all())
    places: dict[int, set[int]] = defaultdict(set)
    kabupaten_wide: set[int] = set()
    located = (select(activity_region.c.activity_id, Region.id, Region.level, Region.parent_id)
               .join(Region, Region.id == activity_region.c.region_id)
               .join(Activity, Activity.id == activity_region.c.activity_id).where(Activity.year == year))
    for activity_id, region_id, level, parent_id in db.session.execute(located):
        if level == "kecamatan":
            places[activity_id].add(region_id)
        elif level == "desa" and parent_id is not None:
            places[activity_id].add(parent_id)
        else:
            kabupaten_wide.add(activity_id)
    codes = dict(db.session.execute(select(Region.id, Region.code).where(Region.level == "kecamatan")).all())
    out: dict[int, int] = defaultdict(int)
    unlocated = 0
    for activity_id, amount in budgets.items():
        amount = int(amount or 0)
        targets = sorted((k for k in places.get(activity_id, ()) if k in codes), key=lambda k: codes[k])
        if activity_id in kabupaten_wide or not targets:
            unlocated += amount
            continue
        for kecamatan_id, part in split_evenly(amount, targets).items():
            out[kecamatan_id] += part
    return dict(out), unlocated, sum(int(v or 0) for v in budgets.values())


def _flag(pocket: bool, money_share: Decimal | None, poor_share: Decimal | None) -> bool:
    return bool(pocket and money_share is not None and poor_share is not None
                and money_share < poor_share * LITTLE_FACTOR)


def _share(part: int | None, total: int | None) -> Decimal | None:
    return Decimal(part) * 100 / Decimal(total) if part is not None and total else None


def money_vs_poverty(year: int, source: str | None = None) -> dict:
    """``{year, source, sources, little_factor, totals: {poor_households, budget_total, budget_located,
    budget_unlocated, csr_committed, csr_located, csr_unlocated}, rows: [{region_id, code, name,
    poor_households, poor_share_pct, rank, pocket, budget, budget_share_pct, csr_committed,
    csr_share_pct, little_budget, little_csr, receives_little}]}``: every kecamatan, the ranking's
    order (most poor households first, kecamatan without figures last by code).  Shares are
    percentages rounded to two decimals (``None`` when there is nothing to divide by); the flags are
    computed before rounding."""
    ranking = kecamatan_ranking(year, source)
    budget, unlocated, budget_total = budget_by_kecamatan(year)
    csr_rows = {r["region_id"]: r["committed"] for r in csr_by_kecamatan(CsrFilters(year=year))}
    csr_total = csr_totals(CsrFilters(year=year))["committed"]
    budget_located, csr_located = sum(budget.values()), sum(csr_rows.values())
    poor_total = ranking["total_households"]
    by_id = {r["region_id"]: r for r in ranking["rows"]}
    names = {k.id: k for k in kecamatan_list()}
    order = [r["region_id"] for r in ranking["rows"]] + [k for k in names if k not in by_id]
    rows = []
    for kecamatan_id in order:
        region = names[kecamatan_id]
        ranked = by_id.get(kecamatan_id, {})
        poor = ranked.get("total_households")
        poor_share = _share(poor, poor_total)
        budget_share = _share(budget.get(kecamatan_id, 0), budget_located)
        csr_share = _share(csr_rows.get(kecamatan_id, 0), csr_located)
        pocket = bool(ranked.get("pocket"))
        little_budget, little_csr = _flag(pocket, budget_share, poor_share), _flag(pocket, csr_share, poor_share)
        rows.append({"region_id": region.id, "code": region.code, "name": region.name, "poor_households": poor,
                     "poor_share_pct": pct2(poor_share), "rank": ranked.get("rank"), "pocket": pocket,
                     "budget": budget.get(kecamatan_id, 0), "budget_share_pct": pct2(budget_share),
                     "csr_committed": csr_rows.get(kecamatan_id, 0), "csr_share_pct": pct2(csr_share),
                     "little_budget": little_budget, "little_csr": little_csr,
                     "receives_little": little_budget or little_csr})
    return {"year": year, "source": ranking["source"], "sources": ranking["sources"],
            "little_factor": float(LITTLE_FACTOR), "pocket_factor": ranking["pocket_factor"],
            "totals": {"poor_households": poor_total, "budget_total": budget_total, "budget_located": budget_located,
                       "budget_unlocated": unlocated, "csr_committed": csr_total, "csr_located": csr_located,
                       "csr_unlocated": csr_total - csr_located},
            "rows": rows}
