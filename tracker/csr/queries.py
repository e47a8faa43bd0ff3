"""CSR lists and figures, one query per list, shared by the pages, the API and the exports.

Figures per commitment: committed, contributed verified, contributed pending (submitted, waiting for
Bappeda).  Roll-ups per company, sector, strategy and year are SQL GROUP BYs.  Per kecamatan, a
commitment that names several kecamatan (directly, or through their desa) is split equally between
them, in whole Rupiah with the remainder on the first by code, so the kecamatan add up to the total.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.sql import Select

from tracker.csr.models import CsrCommitment, CsrContribution, commitment_region
from tracker.database import text_search
from tracker.extensions import db
from tracker.reference.models import Company, Region, Strategy
from tracker.review import SUBMITTED, VERIFIED


@dataclass
class CsrFilters:
    year: int | None = None
    company_id: int | None = None  # a company user's own, or the one picked
    strategy: str | None = None
    sector: str | None = None
    region_id: int | None = None  # a kecamatan (with its desa) or a desa
    q: str | None = None


def _commitment_clauses(f: CsrFilters) -> list:
    clauses = []
    if f.year is not None:
        clauses.append(CsrCommitment.year == f.year)
    if f.company_id is not None:
        clauses.append(CsrCommitment.company_id == f.company_id)
    if f.strategy:
        clauses.append(CsrCommitment.strategy == f.strategy)
    if f.sector:
        clauses.append(CsrCommitment.company_id.in_(select(Company.id).where(Company.sector == f.sector)))
    if f.region_id is not None:
        inside = select(Region.id).where((Region.id == f.region_id) | (Region.parent_id == f.region_id))
        clauses.append(CsrCommitment.id.in_(
            select(commitment_region.c.commitment_id).where(commitment_region.c.region_id.in_(inside))))
    if f.q:
        clauses.append(text_search(f.q, CsrCommitment.title, CsrCommitment.description))
    return clauses


def commitment_list(f: CsrFilters) -> Select:
    return (select(CsrCommitment).join(Company, Company.id == CsrCommitment.company_id)
            .where(*_commitment_clauses(f)).order_by(CsrCommitment.year.desc(), Company.name, CsrCommitment.id))


def contribution_list(f: CsrFilters, status: str | None = None, commitment_id: int | None = None) -> Select:
    stmt = (select(CsrContribution).join(CsrCommitment, CsrCommitment.id == CsrContribution.commitment_id)
            .where(*_commitment_clauses(f)))
    if status:
        stmt = stmt.where(CsrContribution.status == status)
    if commitment_id is not None:
        stmt = stmt.where(CsrContribution.commitment_id == commitment_id)
    return stmt.order_by(CsrContribution.date.desc(), CsrContribution.id.desc())


def review_queue(company_id: int | None = None) -> Select:
    """Submitted contributions across companies, oldest submission first."""
    stmt = (select(CsrContribution).join(CsrCommitment, CsrCommitment.id == CsrContribution.commitment_id)
            .where(CsrContribution.status == SUBMITTED))
    if company_id is not None:
        stmt = stmt.where(CsrCommitment.company_id == company_id)
    return stmt.order_by(CsrContribution.submitted_at, CsrContribution.id)


def _sums():
    verified = func.coalesce(func.sum(case((CsrContribution.status == VERIFIED, CsrContribution.amount), else_=0)), 0)
    pending = func.coalesce(func.sum(case((CsrContribution.status == SUBMITTED, CsrContribution.amount), else_=0)), 0)
    return verified.label("verified"), pending.label("pending")


def contributed_by_commitment(commitment_ids) -> dict[int, dict[str, int]]:
    """{commitment id: {"verified": Rp, "pending": Rp}} in one query."""
    ids = sorted(set(commitment_ids))
    if not ids:
        return {}
    verified, pending = _sums()
    rows = db.session.execute(select(CsrContribution.commitment_id, verified, pending)
                              .where(CsrContribution.commitment_id.in_(ids))
                              .group_by(CsrContribution.commitment_id)).all()
    found = {r.commitment_id: {"verified": int(r.verified), "pending": int(r.pending)} for r in rows}
    return {i: found.get(i, {"verified": 0, "pending": 0}) for i in ids}


def _per_commitment(f: CsrFilters):
    """One row per commitment: its key columns, amount and contributed sums (a subquery to group on)."""
    verified, pending = _sums()
    contributed = (select(CsrContribution.commitment_id.label("cid"), verified, pending)
                   .group_by(CsrContribution.commitment_id).subquery())
    return (select(CsrCommitment.id, CsrCommitment.company_id, CsrCommitment.year, CsrCommitment.strategy,
                   CsrCommitment.amount, Company.name.label("company_name"), Company.sector,
                   func.coalesce(contributed.c.verified, 0).label("verified"),
                   func.coalesce(contributed.c.pending, 0).label("pending"))
            .join(Company, Company.id == CsrCommitment.company_id)
            .outerjoin(contributed, contributed.c.cid == CsrCommitment.id)
            .where(*_commitment_clauses(f)))


def _grouped(f: CsrFilters, *keys: str) -> list[dict]:
    base = _per_commitment(f).subquery()
    columns = [base.c[k] for k in keys]
    stmt = (select(*columns, func.count().label("commitments"), func.sum(base.c.amount).label("committed"),
                   func.sum(base.c.verified).label("verified"), func.sum(base.c.pending).label("pending"))
            .group_by(*columns).order_by(*columns))
    return [{**{k: getattr(r, k) for k in keys}, "commitments": r.commitments, "committed": int(r.committed or 0),
             "verified": int(r.verified or 0), "pending": int(r.pending or 0)} for r in db.session.execute(stmt)]


def totals(f: CsrFilters) -> dict[str, int]:
    base = _per_commitment(f).subquery()
    row = db.session.execute(select(func.count(), func.coalesce(func.sum(base.c.amount), 0),
                                    func.coalesce(func.sum(base.c.verified), 0),
                                    func.coalesce(func.sum(base.c.pending), 0))).one()
    return {"commitments": row[0], "committed": int(row[1]), "verified": int(row[2]), "pending": int(row[3])}


def by_company(f: CsrFilters) -> list[dict]:
    return _grouped(f, "company_id", "company_name", "sector")


def by_sector(f: CsrFilters) -> list[dict]:
    rows = _grouped(f, "sector")
    for r in rows:
        r["sector"] = r["sector"] or ""
    return rows


def by_strategy(f: CsrFilters) -> list[dict]:
    names = dict(db.session.execute(select(Strategy.code, Strategy.name)).all())
    return [{**r, "name": names.get(r["strategy"], r["strategy"])} for r in _grouped(f, "strategy")]


def by_year(f: CsrFilters) -> list[dict]:
    return _grouped(f, "year")


def by_kecamatan(f: CsrFilters) -> list[dict]:
    """Committed and contributed per kecamatan (see the module's note on commitments in several)."""
    rows = {r.id: r for r in db.session.execute(_per_commitment(f))}
    if not rows:
        return []
    kecamatan_of = (select(commitment_region.c.commitment_id, Region.id, Region.level, Region.parent_id)
                    .join(Region, Region.id == commitment_region.c.region_id)
                    .where(commitment_region.c.commitment_id.in_(list(rows))))
    places: dict[int, set[int]] = defaultdict(set)
    for commitment_id, region_id, level, parent_id in db.session.execute(kecamatan_of):
        places[commitment_id].add(region_id if level == "kecamatan" else parent_id)
    names = {r.id: (r.code, r.name) for r in db.session.execute(
        select(Region.id, Region.code, Region.name).where(Region.level == "kecamatan"))}
    out: dict[int, dict] = {}
    for commitment_id, row in rows.items():
        targets = sorted((k for k in places.get(commitment_id, ()) if k in names), key=lambda k: names[k][0])
        if not targets:
            continue
        for position, kecamatan_id in enumerate(targets):
            cell = out.setdefault(kecamatan_id, {"region_id": kecamatan_id, "code": names[kecamatan_id][0],
                                                 "name": names[kecamatan_id][1], "commitments": 0, "committed": 0,
                                                 "verified": 0, "pending": 0})
            cell["commitments"] += 1
            for key, value in (("committed", row.amount), ("verified", row.verified), ("pending", row.pending)):
                share, rest = divmod(int(value), len(targets))
                cell[key] += share + (rest if position == 0 else 0)
    return sorted(out.values(), key=lambda c: c["code"])


def sectors() -> list[str]:
    return [s for s in db.session.scalars(select(Company.sector).distinct().order_by(Company.sector)) if s]


def years_with_commitments(company_id: int | None = None) -> list[int]:
    stmt = select(CsrCommitment.year).distinct().order_by(CsrCommitment.year.desc())
    if company_id is not None:
        stmt = stmt.where(CsrCommitment.company_id == company_id)
    return list(db.session.scalars(stmt))


def commitments_for_activity(activity_id: int) -> list[CsrCommitment]:
    """The commitments that say they support an OPD activity (shown on the activity's page)."""
    return list(db.session.scalars(select(CsrCommitment).where(CsrCommitment.activity_id == activity_id)
                                   .order_by(CsrCommitment.year, CsrCommitment.id)))
