"""Poverty figures, as plain functions over the stored rows: the lists, the kabupaten trend against
target, the change from last year in words, the kecamatan ranked by poor households with the
poverty pockets, and where two sources disagree.  Where the money goes against where the poor are is
``tracker.poverty.money``.

**The headline figure of a year** (trend, change): the kabupaten's BPS figure, March round if there
is one, else BPS's annual figure (no month), else the September round (``HEADLINE_ORDER``).  Other
sources (DTSEN, P3KE, Disdukcapil...) never stand in for it: they appear side by side in
``source_disagreements``, never merged.  A measure the chosen row leaves empty stays empty.

**Kecamatan poor households** (ranking): the total of desil 1–4 households of one source and year.
A kecamatan's own row counts; a kecamatan without one gets the sum of its desa's rows.  The source is
the one asked for, else DTSEN when it has that year, else P3KE, else OTHER (``HOUSEHOLD_PREFERENCE``).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select, union
from sqlalchemy.sql import Select

from tracker.extensions import db
from tracker.formatting import number
from tracker.poverty.models import (
    BPS,
    DESILS,
    DTSEN,
    EXTREME_PCT,
    OTHER,
    P3KE,
    POOR_PCT,
    HouseholdCount,
    PovertyStat,
    PovertyTarget,
)
from tracker.reference.models import Region

HEADLINE_ORDER = ((BPS, 3), (BPS, None), (BPS, 9))
HOUSEHOLD_PREFERENCE = (DTSEN, P3KE, OTHER)
# A poverty pocket (kantong kemiskinan): a kecamatan whose share of the kabupaten's poor households is
# at least 1.5 times the average kecamatan's share (100 % / number of kecamatan with figures).
POCKET_FACTOR = Decimal("1.5")
MINUS = "\u2212"
HEADLINE_FIELDS = ("poor_count", "poor_pct", "extreme_poor_count", "extreme_pct", "p1", "p2", "poverty_line")


# ---- regions ----------------------------------------------------------------------------------

def kabupaten_region() -> Region | None:
    """The deployment's kabupaten (the one region of level kabupaten; the first by code if several)."""
    return db.session.scalar(select(Region).where(Region.level == "kabupaten").order_by(Region.code).limit(1))


def kecamatan_list() -> list[Region]:
    return list(db.session.scalars(select(Region).where(Region.level == "kecamatan").order_by(Region.code)))


# ---- lists (the API and the pages page through these) -------------------------------------------

def stat_list(region_id: int | None = None, year: int | None = None, source: str | None = None) -> Select:
    stmt = select(PovertyStat).join(Region, Region.id == PovertyStat.region_id)
    if region_id is not None:
        stmt = stmt.where(PovertyStat.region_id == region_id)
    if year is not None:
        stmt = stmt.where(PovertyStat.year == year)
    if source:
        stmt = stmt.where(PovertyStat.source == source)
    return stmt.order_by(PovertyStat.year.desc(), Region.code, func.coalesce(PovertyStat.month, 0),
                         PovertyStat.source, PovertyStat.id)


def target_list(region_id: int | None = None, year: int | None = None, measure: str | None = None) -> Select:
    stmt = select(PovertyTarget).join(Region, Region.id == PovertyTarget.region_id)
    if region_id is not None:
        stmt = stmt.where(PovertyTarget.region_id == region_id)
    if year is not None:
        stmt = stmt.where(PovertyTarget.year == year)
    if measure:
        stmt = stmt.where(PovertyTarget.measure == measure)
    return stmt.order_by(PovertyTarget.year, Region.code, PovertyTarget.measure, PovertyTarget.id)


def household_list(region_id: int | None = None, year: int | None = None, source: str | None = None) -> Select:
    """``region_id`` of a kecamatan includes its desa."""
    stmt = select(HouseholdCount).join(Region, Region.id == HouseholdCount.region_id)
    if region_id is not None:
        stmt = stmt.where((HouseholdCount.region_id == region_id) | (Region.parent_id == region_id))
    if year is not None:
        stmt = stmt.where(HouseholdCount.year == year)
    if source:
        stmt = stmt.where(HouseholdCount.source == source)
    return stmt.order_by(HouseholdCount.year.desc(), Region.code, HouseholdCount.source, HouseholdCount.id)


def years() -> list[int]:
    """Every year with a statistic, a target or a household count, newest first."""
    stmt = union(select(PovertyStat.year), select(PovertyTarget.year), select(HouseholdCount.year))
    return sorted({y for (y,) in db.session.execute(stmt)}, reverse=True)


# ---- the kabupaten trend ----------------------------------------------------------------------

def headline(stats: list[PovertyStat]) -> PovertyStat | None:
    """The row that speaks for a year (``HEADLINE_ORDER``) among one region's rows of that year."""
    by_key = {(s.source, s.month): s for s in stats}
    return next((by_key[k] for k in HEADLINE_ORDER if k in by_key), None)


def trend(region_id: int | None = None) -> list[dict]:
    """Per year, oldest first: the headline figures and the targets of the region (default: the
    kabupaten).  Each item: ``{year, stat_id, source, month, source_document, source_date, poor_count,
    poor_pct, extreme_poor_count, extreme_pct, p1, p2, poverty_line, target_poor_pct,
    target_extreme_pct}`` (``None`` where unknown).  Years with only a target are included."""
    if region_id is None:
        kabupaten = kabupaten_region()
        if kabupaten is None:
            return []
        region_id = kabupaten.id
    stats: dict[int, list[PovertyStat]] = defaultdict(list)
    for s in db.session.scalars(select(PovertyStat).where(PovertyStat.region_id == region_id,
                                                          PovertyStat.source == BPS)):
        stats[s.year].append(s)
    targets: dict[int, dict[str, float]] = defaultdict(dict)
    for t in db.session.scalars(select(PovertyTarget).where(PovertyTarget.region_id == region_id)):
        targets[t.year][t.measure] = t.value
    out = []
    for year in sorted(set(stats) | set(targets)):
        chosen = headline(stats.get(year, []))
        item = {"year": year, "stat_id": getattr(chosen, "id", None), "source": getattr(chosen, "source", None),
                "month": getattr(chosen, "month", None),
                "source_document": getattr(chosen, "source_document", None),
                "source_date": getattr(chosen, "source_date", None)}
        item.update({name: getattr(chosen, name, None) for name in HEADLINE_FIELDS})
        item["target_poor_pct"] = targets[year].get(POOR_PCT) if year in targets else None
        item["target_extreme_pct"] = targets[year].get(EXTREME_PCT) if year in targets else None
        out.append(item)
    return out


def _pct_diff(a: float, b: float) -> Decimal:
    """b − a in points, to two decimals, without float noise (6,66 − 6,63 = 0,03)."""
    return (Decimal(str(b)) - Decimal(str(a))).quantize(Decimal("0.01"))


def change_words(count_change: int | None, pct_change: Decimal | None) -> str | None:
    """"naik 150 jiwa, +0,03 poin" · "turun 9.730 jiwa, −0,33 poin" · "tetap" · "naik 0,03 poin" ·
    "naik 150 jiwa" · "jumlah tetap, +0,03 poin" · "naik 150 jiwa, persentase tetap"; None when
    neither is known."""
    if count_change is None and pct_change is None:
        return None
    if (count_change or 0) == 0 and (pct_change or 0) == 0:
        return _("tetap")
    points = None
    if pct_change is not None:
        sign = "+" if pct_change > 0 else MINUS if pct_change < 0 else ""
        points = f"{sign}{number(abs(pct_change), 2)}"
    if count_change is None:
        word = _("naik %(p)s poin", p=points[1:]) if pct_change > 0 else _("turun %(p)s poin", p=points[1:])
        return word
    if count_change > 0:
        people = _("naik %(n)s jiwa", n=number(count_change))
    elif count_change < 0:
        people = _("turun %(n)s jiwa", n=number(-count_change))
    else:
        people = _("jumlah tetap")
    if pct_change is None:
        return people
    if pct_change == 0:
        return _("%(a)s, persentase tetap", a=people)
    return _("%(a)s, %(p)s poin", a=people, p=points)


def change_since_last_year(year: int, region_id: int | None = None, *, rows: list[dict] | None = None) -> dict | None:
    """The headline of ``year`` against the year before (from ``trend``; pass ``rows`` to reuse one):
    ``{year, previous_year, poor_count, previous_poor_count, poor_count_change, poor_pct,
    previous_poor_pct, poor_pct_change (float, points), sentence}``.  None when either year or both
    figures are missing (no sentence about missing data)."""
    rows = trend(region_id) if rows is None else rows
    by_year = {r["year"]: r for r in rows}
    now, before = by_year.get(year), by_year.get(year - 1)
    if now is None or before is None:
        return None
    count = (now["poor_count"] - before["poor_count"]
             if now["poor_count"] is not None and before["poor_count"] is not None else None)
    pct = (_pct_diff(before["poor_pct"], now["poor_pct"])
           if now["poor_pct"] is not None and before["poor_pct"] is not None else None)
    sentence = change_words(count, pct)
    if sentence is None:
        return None
    return {"year": year, "previous_year": year - 1, "poor_count": now["poor_count"],
            "previous_poor_count": before["poor_count"], "poor_count_change": count, "poor_pct": now["poor_pct"],
            "previous_poor_pct": before["poor_pct"], "poor_pct_change": float(pct) if pct is not None else None,
            "sentence": sentence}


# ---- kecamatan ranking and pockets -------------------------------------------------------------

def household_sources(year: int) -> list[str]:
    """The sources with household counts in ``year``, in ``HOUSEHOLD_PREFERENCE`` order."""
    found = set(db.session.scalars(select(HouseholdCount.source).where(HouseholdCount.year == year).distinct()))
    return [s for s in HOUSEHOLD_PREFERENCE if s in found]


def default_household_source(year: int) -> str | None:
    found = household_sources(year)
    return found[0] if found else None


def _sum(values) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def kecamatan_households(year: int, source: str) -> dict[int, dict]:
    """{kecamatan id: {"households": [d1..d4], "people": [d1..d4], "from_desa": bool, "source_date",
    "source_document"}} for one year and source (see the module's note on desa rows)."""
    rows = db.session.execute(
        select(HouseholdCount, Region.level, Region.parent_id).join(Region, Region.id == HouseholdCount.region_id)
        .where(HouseholdCount.year == year, HouseholdCount.source == source)).all()
    own: dict[int, HouseholdCount] = {}
    desa: dict[int, list[HouseholdCount]] = defaultdict(list)
    for row, level, parent_id in rows:
        if level == "kecamatan":
            own[row.region_id] = row
        elif parent_id is not None:
            desa[parent_id].append(row)
    out = {}
    for kecamatan_id in set(own) | set(desa):
        parts = [own[kecamatan_id]] if kecamatan_id in own else desa[kecamatan_id]
        out[kecamatan_id] = {
            "households": [_sum(getattr(p, f"households_d{d}") for p in parts) for d in DESILS],
            "people": [_sum(getattr(p, f"people_d{d}") for p in parts) for d in DESILS],
            "from_desa": kecamatan_id not in own,
            "source_date": max((p.source_date for p in parts if p.source_date), default=None),
            "source_document": "; ".join(sorted({p.source_document for p in parts if p.source_document}))[:300],
        }
    return out


def _share(part: int | None, total: int) -> Decimal | None:
    return Decimal(part) * 100 / Decimal(total) if part is not None and total > 0 else None


def pct2(value: Decimal | None) -> float | None:
    return float(value.quantize(Decimal("0.01"))) if value is not None else None


def kecamatan_ranking(year: int, source: str | None = None) -> dict:
    """The kecamatan ranked by poor households (desil 1–4) for one year and source:
    ``{year, source, sources, total_households, total_people, average_share_pct, pocket_factor,
    rows: [{rank, region_id, code, name, households: [d1..d4], people: [d1..d4], total_households,
    total_people, share_pct, pocket, from_desa, source_date, source_document}], missing: [{region_id,
    code, name}]}``.  Shares are of the kabupaten total (the sum over kecamatan with figures), rounded
    to two decimals; ``pocket`` per ``POCKET_FACTOR``.  Kecamatan without figures are in ``missing``."""
    sources = household_sources(year)
    source = source or (sources[0] if sources else None)
    kecamatan = kecamatan_list()
    counts = kecamatan_households(year, source) if source else {}
    rows = []
    for k in kecamatan:
        if k.id not in counts:
            continue
        c = counts[k.id]
        rows.append({"region_id": k.id, "code": k.code, "name": k.name, "households": c["households"],
                     "people": c["people"], "total_households": _sum(c["households"]),
                     "total_people": _sum(c["people"]), "from_desa": c["from_desa"],
                     "source_date": c["source_date"], "source_document": c["source_document"]})
    total = sum(r["total_households"] or 0 for r in rows)
    with_figures = [r for r in rows if r["total_households"] is not None]
    average = Decimal(100) / len(with_figures) if with_figures and total > 0 else None
    rows.sort(key=lambda r: (r["total_households"] is None, -(r["total_households"] or 0), r["code"]))
    for rank, r in enumerate(rows, start=1):
        share = _share(r["total_households"], total)
        r["rank"] = rank if r["total_households"] is not None else None
        r["share_pct"] = pct2(share)
        r["pocket"] = bool(share is not None and average is not None and share >= average * POCKET_FACTOR)
        r["_share"] = share
    for r in rows:
        r.pop("_share")
    return {"year": year, "source": source, "sources": sources, "total_households": total if with_figures else None,
            "total_people": _sum(r["total_people"] for r in rows), "average_share_pct": pct2(average),
            "pocket_factor": float(POCKET_FACTOR), "rows": rows,
            "missing": [{"region_id": k.id, "code": k.code, "name": k.name} for k in kecamatan if k.id not in counts]}


def pockets(year: int, source: str | None = None) -> list[dict]:
    """The ranking's poverty pockets only, largest first."""
    return [r for r in kecamatan_ranking(year, source)["rows"] if r["pocket"]]



# ---- where sources disagree ---------------------------------------------------------------------

STAT_COMPARED = {"poor_count": "Jumlah penduduk miskin (jiwa)", "poor_pct": "Persentase penduduk miskin (%)",
                 "extreme_poor_count": "Jumlah penduduk miskin ekstrem (jiwa)",
                 "extreme_pct": "Persentase kemiskinan ekstrem (%)", "poverty_line": "Garis kemiskinan (Rp/kapita/bulan)"}
HOUSEHOLD_COMPARED = {"total_households": "Rumah tangga desil 1–4", "total_people": "Jiwa desil 1–4"}


def _disagreement(kind, region, year, measure, label, figures) -> dict | None:
    known = [f for f in figures if f["value"] is not None]
    if len({f["source"] for f in known}) < 2 or len({f["value"] for f in known}) < 2:
        return None
    values = [f["value"] for f in known]
    return {"kind": kind, "region_id": region.id, "code": region.code, "name": region.name, "level": region.level,
            "year": year, "measure": measure, "label": _(label), "figures": known,
            "spread": max(values) - min(values)}


def source_disagreements(year: int | None = None) -> list[dict]:
    """Where two sources give different figures for the same region and year, every figure side by
    side, never merged: ``[{kind: "statistic"|"households", region_id, code, name, level, year,
    measure, label, spread, figures: [{id, source, month, value, source_document, source_date}]}]``,
    newest year first, then by region code.  Rounds of one source (BPS March and September) alone are
    not a disagreement."""
    stat_stmt = select(PovertyStat)
    household_stmt = select(HouseholdCount)
    if year is not None:
        stat_stmt = stat_stmt.where(PovertyStat.year == year)
        household_stmt = household_stmt.where(HouseholdCount.year == year)
    stats: dict[tuple, list[PovertyStat]] = defaultdict(list)
    for s in db.session.scalars(stat_stmt):
        stats[(s.region_id, s.year)].append(s)
    households: dict[tuple, list[HouseholdCount]] = defaultdict(list)
    for h in db.session.scalars(household_stmt):
        households[(h.region_id, h.year)].append(h)
    ids = {k[0] for k in stats} | {k[0] for k in households}
    regions = {r.id: r for r in db.session.scalars(select(Region).where(Region.id.in_(ids)))} if ids else {}
    out = []

    def figure(row, value, month=None):
        return {"id": row.id, "source": row.source, "month": month, "value": value,
                "source_document": row.source_document, "source_date": row.source_date}

    for (region_id, y), rows in stats.items():
        rows.sort(key=lambda s: (s.source, s.month or 0))
        for measure, label in STAT_COMPARED.items():
            found = _disagreement("statistic", regions[region_id], y, measure, label,
                                  [figure(s, getattr(s, measure), s.month) for s in rows])
            if found:
                out.append(found)
    for (region_id, y), rows in households.items():
        rows.sort(key=lambda h: h.source)
        for measure, label in HOUSEHOLD_COMPARED.items():
            found = _disagreement("households", regions[region_id], y, measure, label,
                                  [figure(h, getattr(h, measure)) for h in rows])
            if found:
                out.append(found)
    order = list(STAT_COMPARED) + list(HOUSEHOLD_COMPARED)
    out.sort(key=lambda d: (-d["year"], d["code"], order.index(d["measure"])))
    return out


def summary(year: int) -> dict:
    """Everything the poverty page opens with: ``{year, kabupaten: Region | None, trend, change,
    ranking, disagreements}`` (``change`` may be None)."""
    kabupaten = kabupaten_region()
    rows = trend(kabupaten.id) if kabupaten is not None else []
    return {"year": year, "kabupaten": kabupaten, "trend": rows,
            "change": change_since_last_year(year, rows=rows) if kabupaten is not None else None,
            "ranking": kecamatan_ranking(year), "disagreements": source_disagreements(year)}
