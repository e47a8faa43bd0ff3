"""The CSR figures of ``tracker.csr.queries`` (totals, per company, sector, strategy, kecamatan and year)
against a plain-Python reference computation over random data: several companies and sectors,
commitments over years with random kecamatan/desa sets (a desa and its own kecamatan, several desa of
one kecamatan, several kecamatan), contributions in random statuses, under every kind of filter."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import select

from tracker.csr import queries
from tracker.csr.models import CsrCommitment, CsrContribution
from tracker.extensions import db
from tracker.reference.models import Company, Region, Strategy

YEARS = (2024, 2025, 2026)
SECTORS = ("Perkebunan kelapa sawit", "Pertambangan", "Perbankan", "")
STATUSES = ("draft", "submitted", "returned", "verified")
WORDS = ("air bersih", "stunting", "beasiswa", "UMKM", "jalan desa", "sembako")
FIGURES = ("commitments", "committed", "verified", "pending")


def _world(seed: int) -> dict:
    rng = random.Random(seed)
    kab = Region(code="62.02", name="Kotawaringin Timur", level="kabupaten")
    db.session.add(kab)
    db.session.flush()
    # codes out of insertion order, so "first by code" is not "first inserted"
    kecamatan = [Region(code=f"62.02.{n:02d}", name=f"Kecamatan {n:02d}", level="kecamatan", parent_id=kab.id)
                 for n in rng.sample(range(1, 30), 6)]
    db.session.add_all(kecamatan)
    db.session.flush()
    desa = [Region(code=f"{k.code}.{2000 + j}", name=f"Desa {k.code[-2:]}-{j}", level="desa", parent_id=k.id)
            for k in kecamatan for j in range(1, 4)]
    db.session.add_all(desa)
    companies = [Company(name=f"PT Uji Angka {n}", sector=SECTORS[n % len(SECTORS)]) for n in range(7)]
    db.session.add_all(companies)
    db.session.flush()
    regions = kecamatan + desa
    commitments = []
    for n in range(rng.randint(40, 60)):
        picked = rng.sample(regions, k=rng.choice((1, 1, 2, 2, 3, 5)))
        if rng.random() < 0.2:  # a desa together with its own kecamatan
            d = rng.choice(desa)
            picked = list({r.id: r for r in picked + [d, next(k for k in kecamatan if k.id == d.parent_id)]}.values())
        word = rng.choice(WORDS)
        c = CsrCommitment(company_id=rng.choice(companies).id, year=rng.choice(YEARS),
                          title=f"Program {word} {n}", description=rng.choice(("", f"uraian {n}", "Kegiatan UMKM")),
                          strategy=rng.choice(("S1", "S2", "S3")),
                          amount=rng.choice((rng.randint(1, 9), rng.randint(1, 10**6), rng.randint(1, 10**10))),
                          regions=picked, revisions=[])
        db.session.add(c)
        commitments.append(c)
    db.session.flush()
    for c in commitments:
        for _ in range(rng.choice((0, 1, 2, 3, 5))):
            db.session.add(CsrContribution(commitment_id=c.id, date=date(c.year, rng.randint(1, 12), 1), kind="cash",
                                           amount=rng.choice((rng.randint(1, 7), rng.randint(1, 10**9))),
                                           status=rng.choice(STATUSES), beneficiaries=0, beneficiary_unit="KK",
                                           attachments=[]))
    db.session.commit()
    return {"kecamatan": kecamatan, "desa": desa, "companies": companies}


# ---- the reference ----------------------------------------------------------------------------------

def _rows() -> list[dict]:
    """Every commitment as plain values, read without any of the queries under test."""
    companies = {c.id: c for c in db.session.scalars(select(Company))}
    regions = {r.id: r for r in db.session.scalars(select(Region))}
    sums = defaultdict(lambda: {"verified": 0, "pending": 0})
    for x in db.session.scalars(select(CsrContribution)):
        if x.status == "verified":
            sums[x.commitment_id]["verified"] += x.amount
        elif x.status == "submitted":
            sums[x.commitment_id]["pending"] += x.amount
    out = []
    for c in db.session.scalars(select(CsrCommitment)):
        region_ids = [rid for (rid,) in db.session.execute(
            select(Region.id).join(CsrCommitment.regions).where(CsrCommitment.id == c.id))]
        out.append({"id": c.id, "company_id": c.company_id, "company_name": companies[c.company_id].name,
                    "sector": companies[c.company_id].sector, "year": c.year, "strategy": c.strategy,
                    "title": c.title, "description": c.description, "amount": c.amount,
                    "regions": [regions[r] for r in region_ids], **sums[c.id]})
    return out


def _keep(row: dict, f: queries.CsrFilters) -> bool:
    if f.year is not None and row["year"] != f.year:
        return False
    if f.company_id is not None and row["company_id"] != f.company_id:
        return False
    if f.strategy and row["strategy"] != f.strategy:
        return False
    if f.sector and row["sector"] != f.sector:
        return False
    if f.region_id is not None and not any(r.id == f.region_id or r.parent_id == f.region_id for r in row["regions"]):
        return False
    return not f.q or any(f.q.lower() in row[k].lower() for k in ("title", "description"))


def _group(rows: list[dict], *keys: str) -> list[dict]:
    cells: dict[tuple, dict] = {}
    for r in rows:
        cell = cells.setdefault(tuple(r[k] for k in keys), {**{k: r[k] for k in keys}, "commitments": 0,
                                                             "committed": 0, "verified": 0, "pending": 0})
        cell["commitments"] += 1
        cell["committed"] += r["amount"]
        cell["verified"] += r["verified"]
        cell["pending"] += r["pending"]
    return [cells[k] for k in sorted(cells)]


def _by_kecamatan(rows: list[dict]) -> list[dict]:
    """Each commitment split equally between its kecamatan (named, or through a desa), whole Rupiah,
    the remainder on the first kecamatan by code."""
    regions = {r.id: r for r in db.session.scalars(select(Region))}
    out: dict[int, dict] = {}
    for row in rows:
        places = {r.id if r.level == "kecamatan" else r.parent_id for r in row["regions"]}
        targets = sorted(places, key=lambda k: regions[k].code)
        for position, k in enumerate(targets):
            cell = out.setdefault(k, {"region_id": k, "code": regions[k].code, "name": regions[k].name,
                                      "commitments": 0, "committed": 0, "verified": 0, "pending": 0})
            cell["commitments"] += 1
            for key, value in (("committed", row["amount"]), ("verified", row["verified"]),
                               ("pending", row["pending"])):
                share = value // len(targets)
                cell[key] += share + (value - share * len(targets) if position == 0 else 0)
    return sorted(out.values(), key=lambda c: c["code"])


def _filters(world: dict, rng: random.Random) -> list[queries.CsrFilters]:
    companies, kecamatan, desa = world["companies"], world["kecamatan"], world["desa"]
    out = [queries.CsrFilters(), *(queries.CsrFilters(year=y) for y in YEARS),
           queries.CsrFilters(year=2099)]  # a year without anything
    out += [queries.CsrFilters(company_id=c.id, year=rng.choice((None, *YEARS))) for c in companies[:4]]
    out += [queries.CsrFilters(strategy=s) for s in ("S1", "S2", "S3")]
    out += [queries.CsrFilters(sector=s, year=rng.choice(YEARS)) for s in SECTORS if s]
    out += [queries.CsrFilters(region_id=r.id) for r in rng.sample(kecamatan, 3) + rng.sample(desa, 3)]
    out += [queries.CsrFilters(q=w) for w in ("umkm", "Beasiswa", "uraian 1", "100%_")]
    out += [queries.CsrFilters(year=rng.choice(YEARS), strategy=rng.choice(("S1", "S2", "S3")),
                               region_id=rng.choice(kecamatan).id, sector=rng.choice(SECTORS) or None)
            for _ in range(4)]
    return out


@pytest.mark.parametrize("seed", [1, 7, 2025])
def test_figures_equal_the_reference(app, seed):
    world = _world(seed)
    rows = _rows()
    names = dict(db.session.execute(select(Strategy.code, Strategy.name)).all())
    checked = 0
    for f in _filters(world, random.Random(seed)):
        kept = [r for r in rows if _keep(r, f)]
        totals = {"commitments": len(kept), "committed": sum(r["amount"] for r in kept),
                  "verified": sum(r["verified"] for r in kept), "pending": sum(r["pending"] for r in kept)}
        assert queries.totals(f) == totals, f
        assert queries.by_company(f) == _group(kept, "company_id", "company_name", "sector"), f
        assert queries.by_sector(f) == _group(kept, "sector"), f
        assert queries.by_strategy(f) == [{**r, "name": names[r["strategy"]]} for r in _group(kept, "strategy")], f
        assert queries.by_year(f) == _group(kept, "year"), f
        kecamatan = _by_kecamatan(kept)
        assert queries.by_kecamatan(f) == kecamatan, f
        # the split never loses or invents a Rupiah
        assert sum(k["committed"] for k in kecamatan) == totals["committed"]
        assert sum(k["verified"] for k in kecamatan) == totals["verified"]
        # the lists agree with the figures
        listed = db.session.scalars(queries.commitment_list(f)).all()
        assert sorted(c.id for c in listed) == sorted(r["id"] for r in kept), f
        per = queries.contributed_by_commitment(r["id"] for r in kept)
        assert all(per[r["id"]] == {"verified": r["verified"], "pending": r["pending"]} for r in kept)
        checked += bool(kept)
    assert checked >= 15  # most filters found something to compare


def test_split_remainder_goes_to_the_first_kecamatan_by_code(app):
    kab = Region(code="62.02", name="Kotawaringin Timur", level="kabupaten")
    db.session.add(kab)
    db.session.flush()
    late, early = (Region(code=c, name=n, level="kecamatan", parent_id=kab.id)
                   for c, n in (("62.02.09", "Pulau Hanaut"), ("62.02.02", "Cempaga")))
    db.session.add_all([late, early])
    db.session.flush()
    company = Company(name="PT Sisa Bagi", sector="Perbankan")
    db.session.add(company)
    db.session.flush()
    c = CsrCommitment(company_id=company.id, year=2025, title="Tiga rupiah", description="", strategy="S1", amount=3,
                      regions=[late, early], revisions=[])
    db.session.add(c)
    db.session.flush()
    db.session.add(CsrContribution(commitment_id=c.id, date=date(2025, 5, 1), kind="cash", amount=5, status="verified",
                                   beneficiaries=0, beneficiary_unit="KK", attachments=[]))
    db.session.commit()
    rows = queries.by_kecamatan(queries.CsrFilters())
    assert [(r["code"], r["committed"], r["verified"], r["commitments"]) for r in rows] == [
        ("62.02.02", 2, 3, 1), ("62.02.09", 1, 2, 1)]
