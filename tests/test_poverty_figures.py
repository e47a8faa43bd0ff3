"""The poverty figures (``tracker.poverty.queries`` and ``money``): the kabupaten trend and its headline
choice, the change from last year in words, the kecamatan ranking with its pockets, source
disagreements, and money against poverty, checked against plain-Python references over random data."""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select

from tests.conftest import count_queries
from tracker.csr.models import CsrCommitment
from tracker.extensions import db
from tracker.plans.models import Activity
from tracker.poverty import queries
from tracker.poverty.models import HouseholdCount, PovertyStat, PovertyTarget
from tracker.poverty.money import LITTLE_FACTOR, money_vs_poverty
from tracker.reference.models import Agency, Company, Region


def _stat(region, year, poor_count=None, poor_pct=None, source="BPS", month=3, **more):
    db.session.add(PovertyStat(region_id=region.id, year=year, month=month, source=source, poor_count=poor_count,
                               poor_pct=poor_pct, **more))


def _households(region, year, source, households, people=(None,) * 4, **more):
    db.session.add(HouseholdCount(region_id=region.id, year=year, source=source,
                                  **{f"households_d{d}": households[d - 1] for d in (1, 2, 3, 4)},
                                  **{f"people_d{d}": people[d - 1] for d in (1, 2, 3, 4)}, **more))


# ---- trend and change -------------------------------------------------------------------------

def test_trend_takes_bps_march_then_annual_then_september_and_the_targets(app, kabupaten):
    kab = kabupaten["kabupaten"]
    _stat(kab, 2022, 8420, 6.59, month=None)
    _stat(kab, 2022, 8500, 6.61, month=9)
    _stat(kab, 2023, 8590, 6.63, month=9)
    _stat(kab, 2024, 8740, 6.66, month=3, extreme_pct=None)
    _stat(kab, 2024, 8700, 6.65, month=9)
    _stat(kab, 2024, 9100, 6.90, source="DTSEN", month=None)  # never the headline
    _stat(kabupaten["kecamatan"][0], 2024, 900, 9.1)  # another region
    db.session.add(PovertyTarget(region_id=kab.id, year=2024, measure="poor_pct", value=6.5))
    db.session.add(PovertyTarget(region_id=kab.id, year=2026, measure="extreme_pct", value=0.0))
    db.session.commit()
    rows = queries.trend()
    assert [r["year"] for r in rows] == [2022, 2023, 2024, 2026]
    by_year = {r["year"]: r for r in rows}
    assert (by_year[2022]["poor_count"], by_year[2022]["month"]) == (8420, None)
    assert (by_year[2023]["poor_count"], by_year[2023]["month"]) == (8590, 9)
    assert (by_year[2024]["poor_count"], by_year[2024]["source"], by_year[2024]["target_poor_pct"]) == (8740, "BPS", 6.5)
    assert by_year[2024]["extreme_pct"] is None and by_year[2024]["target_extreme_pct"] is None
    assert by_year[2026]["poor_count"] is None and by_year[2026]["target_extreme_pct"] == 0.0
    assert queries.trend(kabupaten["kecamatan"][0].id)[0]["poor_count"] == 900


def test_change_since_last_year_in_words(app, kabupaten):
    kab = kabupaten["kabupaten"]
    for year, count, pct in ((2022, 8420, 6.59), (2023, 8590, 6.63), (2024, 8740, 6.66), (2025, 8740, 6.66)):
        _stat(kab, year, count, pct)
    _stat(kab, 2027, 8000, None)
    db.session.commit()
    change = queries.change_since_last_year(2024)
    assert change["sentence"] == "naik 150 jiwa, +0,03 poin"
    assert (change["poor_count_change"], change["poor_pct_change"], change["previous_year"]) == (150, 0.03, 2023)
    assert queries.change_since_last_year(2023)["sentence"] == "naik 170 jiwa, +0,04 poin"
    assert queries.change_since_last_year(2025)["sentence"] == "tetap"
    assert queries.change_since_last_year(2022) is None  # no 2021
    assert queries.change_since_last_year(2027) is None  # no 2026
    assert queries.change_since_last_year(2026) is None  # no figures at all


def test_change_of_a_province_in_decline(app, make_region):
    prov = make_region("64.01", "Kalimantan Timur (provinsi, contoh)", "kabupaten")
    _stat(prov, 2023, 231070, 6.11)
    _stat(prov, 2024, 221340, 5.78)
    db.session.commit()
    assert queries.change_since_last_year(2024, prov.id)["sentence"] == "turun 9.730 jiwa, \u22120,33 poin"


@pytest.mark.parametrize("count, pct, words", [
    (150, "0.03", "naik 150 jiwa, +0,03 poin"), (-9730, "-0.33", "turun 9.730 jiwa, \u22120,33 poin"),
    (0, "0.00", "tetap"), (None, "0.05", "naik 0,05 poin"), (None, "-1.20", "turun 1,20 poin"),
    (1010, None, "naik 1.010 jiwa"), (0, "0.03", "jumlah tetap, +0,03 poin"),
    (25, "0.00", "naik 25 jiwa, persentase tetap"), (0, None, "tetap"), (None, None, None),
])
def test_change_words(app, count, pct, words):
    assert queries.change_words(count, Decimal(pct) if pct is not None else None) == words


# ---- ranking and pockets ----------------------------------------------------------------------

@pytest.fixture
def seventeen(make_region):
    kab = make_region("62.02", "Kotawaringin Timur", "kabupaten")
    names = ["Mentaya Hilir Selatan", "Teluk Sampit", "Pulau Hanaut", "Mentawa Baru Ketapang", "Baamang",
             "Seranau", "Mentaya Hilir Utara", "Kota Besi", "Cempaga", "Cempaga Hulu", "Parenggean", "Tualan Hulu",
             "Mentaya Hulu", "Bukit Santuai", "Antang Kalang", "Telaga Antang", "Telawang"]
    kecamatan = [make_region(f"62.02.{n:02d}", name, "kecamatan", kab) for n, name in enumerate(names, start=1)]
    return kab, kecamatan


def test_ranking_by_poor_households_with_pockets(app, seventeen):
    _kab, kecamatan = seventeen
    totals = [1900, 1700, 2600] + [600] * 14  # Pulau Hanaut, then Mentaya Hilir Selatan and Teluk Sampit
    for k, total in zip(kecamatan, totals):
        _households(k, 2024, "DTSEN", (total // 4, total // 4, total // 4, total - 3 * (total // 4)))
        _households(k, 2024, "P3KE", (1, 1, 1, 1))
    db.session.commit()
    ranking = queries.kecamatan_ranking(2024)
    assert ranking["source"] == "DTSEN" and ranking["sources"] == ["DTSEN", "P3KE"]
    names = [r["name"] for r in ranking["rows"][:3]]
    assert names == ["Pulau Hanaut", "Mentaya Hilir Selatan", "Teluk Sampit"]
    total = sum(totals)
    assert ranking["total_households"] == total
    average = Fraction(100, 17)
    for r in ranking["rows"]:
        share = Fraction(r["total_households"] * 100, total)
        assert r["share_pct"] == pytest.approx(float(share), abs=0.006)
        assert r["pocket"] == (share >= average * Fraction(3, 2))
    assert [r["name"] for r in queries.pockets(2024)] == names
    assert sum(r["share_pct"] for r in ranking["rows"]) == pytest.approx(100, abs=0.1)
    p3ke = queries.kecamatan_ranking(2024, "P3KE")
    assert p3ke["total_households"] == 4 * 17 and not any(r["pocket"] for r in p3ke["rows"])
    assert queries.kecamatan_ranking(2023)["rows"] == [] and queries.kecamatan_ranking(2023)["source"] is None


def test_ranking_sums_desa_unless_the_kecamatan_has_its_own(app, kabupaten):
    kec1, kec2 = kabupaten["kecamatan"]
    d1, d2, d3, _d4 = kabupaten["desa"]
    _households(d1, 2024, "P3KE", (10, 5, None, None), (40, None, None, None))
    _households(d2, 2024, "P3KE", (3, None, None, 2), (12, None, None, None))
    _households(kec2, 2024, "P3KE", (100, 0, 0, 0))
    _households(d3, 2024, "P3KE", (999, 999, 999, 999))  # kec2 has its own row: ignored
    db.session.commit()
    rows = {r["region_id"]: r for r in queries.kecamatan_ranking(2024)["rows"]}
    assert rows[kec1.id]["households"] == [13, 5, None, 2] and rows[kec1.id]["from_desa"]
    assert rows[kec1.id]["people"] == [52, None, None, None] and rows[kec1.id]["total_households"] == 20
    assert rows[kec2.id]["total_households"] == 100 and not rows[kec2.id]["from_desa"]
    assert rows[kec2.id]["rank"] == 1 and rows[kec2.id]["share_pct"] == pytest.approx(83.33)


# ---- disagreements ----------------------------------------------------------------------------

def test_sources_that_disagree_are_listed_side_by_side(app, kabupaten):
    kab, kec = kabupaten["kabupaten"], kabupaten["kecamatan"][0]
    _stat(kab, 2025, 27700, 5.83, source_document="BRS BPS")
    _stat(kab, 2025, 28100, 5.83, source="DTSEN", month=None)
    _stat(kab, 2024, 26690, 5.66)
    _stat(kab, 2024, 26000, 5.50, month=9)  # two BPS rounds alone: no disagreement
    _stat(kec, 2025, 900, 4.0)
    _stat(kec, 2025, 900, 4.0, source="P3KE", month=None)  # the same figure: no disagreement
    _households(kec, 2025, "P3KE", (10, 10, 10, 10))
    _households(kec, 2025, "DTSEN", (12, 10, 10, 10))
    db.session.commit()
    found = queries.source_disagreements()
    assert [(d["name"], d["measure"]) for d in found] == [("Kotawaringin Timur", "poor_count"),
                                                         ("Baamang", "total_households")]
    first = found[0]
    assert [(f["source"], f["value"], f["month"]) for f in first["figures"]] == [("BPS", 27700, 3),
                                                                                 ("DTSEN", 28100, None)]
    assert first["figures"][0]["source_document"] == "BRS BPS" and first["spread"] == 400
    assert found[1]["kind"] == "households" and [f["value"] for f in found[1]["figures"]] == [42, 40]
    assert queries.source_disagreements(2024) == []
    summary = queries.summary(2025)
    assert summary["kabupaten"].id == kab.id and len(summary["disagreements"]) == 2
    assert summary["change"]["sentence"] == "naik 1.010 jiwa, +0,17 poin"


# ---- money against poverty: a random world and its plain-Python reference -----------------------

def _world(seed: int) -> dict:
    rng = random.Random(seed)
    kab = Region(code="62.02", name="Kotawaringin Timur", level="kabupaten")
    db.session.add(kab)
    db.session.flush()
    kecamatan = [Region(code=f"62.02.{n:02d}", name=f"Kecamatan {n:02d}", level="kecamatan", parent_id=kab.id)
                 for n in rng.sample(range(1, 40), 8)]
    db.session.add_all(kecamatan)
    db.session.flush()
    desa = [Region(code=f"{k.code}.{2000 + j}", name=f"Desa {k.code[-2:]}-{j}", level="desa", parent_id=k.id)
            for k in kecamatan for j in range(1, 3)]
    db.session.add_all(desa)
    agency = Agency(code="1.06.01", name="Dinas Sosial", short_name="Dinsos")
    company = Company(name="PT Sawit Uji")
    db.session.add_all([agency, company])
    db.session.flush()
    for k in kecamatan[:-1]:  # the last kecamatan has no figures
        if rng.random() < 0.3:
            for d in (x for x in desa if x.parent_id == k.id):
                _households(d, 2025, "DTSEN", [rng.choice((None, rng.randint(0, 400))) for _ in range(4)])
        else:
            _households(k, 2025, "DTSEN", [rng.randint(0, 2000) for _ in range(4)])
        _households(k, 2025, "P3KE", [rng.randint(0, 9) for _ in range(4)])
    for n in range(60):
        shape = rng.random()
        regions = ([] if shape < 0.1 else [kab] if shape < 0.2 else [kab, rng.choice(kecamatan)] if shape < 0.25
                   else rng.sample(kecamatan + desa, k=rng.choice((1, 1, 2, 3, 5))))
        db.session.add(Activity(agency_id=agency.id, year=rng.choice((2025, 2025, 2024)), program="P", kegiatan="K",
                                code=f"1.06.02.2.01.{n:04d}", name=f"Kegiatan {n}", strategy="S1",
                                funding_source="APBD_KAB", budget=rng.choice((rng.randint(0, 7), rng.randint(1, 10**10))),
                                budget_revised=rng.choice((None, None, rng.randint(0, 10**9))), regions=regions))
    for n in range(15):
        db.session.add(CsrCommitment(company_id=company.id, year=rng.choice((2025, 2024)), title=f"CSR {n}",
                                     strategy="S3", amount=rng.randint(1, 10**9), revisions=[],
                                     regions=rng.sample(kecamatan + desa, k=rng.choice((1, 2, 3)))))
    db.session.commit()
    return {"kabupaten": kab, "kecamatan": kecamatan}


def _split(amount: int, kecamatan_ids: set[int], codes: dict) -> dict[int, int]:
    ordered = sorted(kecamatan_ids, key=lambda k: codes[k])
    out = {k: amount // len(ordered) for k in ordered}
    out[ordered[0]] += amount - sum(out.values())
    return out


def _reference(year: int) -> dict:
    regions = {r.id: r for r in db.session.scalars(select(Region))}
    codes = {r.id: r.code for r in regions.values() if r.level == "kecamatan"}
    poor: dict[int, int] = {}
    own = {h.region_id: h for h in db.session.scalars(select(HouseholdCount).where(
        HouseholdCount.year == year, HouseholdCount.source == "DTSEN")) if regions[h.region_id].level == "kecamatan"}
    for h in db.session.scalars(select(HouseholdCount).where(HouseholdCount.year == year,
                                                             HouseholdCount.source == "DTSEN")):
        region = regions[h.region_id]
        kecamatan_id = h.region_id if region.level == "kecamatan" else region.parent_id
        if region.level == "desa" and kecamatan_id in own:
            continue
        known = [v for v in h.households() if v is not None]
        if known:
            poor[kecamatan_id] = poor.get(kecamatan_id, 0) + sum(known)
    budget, unlocated = defaultdict(int), 0
    activities = db.session.scalars(select(Activity).where(Activity.year == year)).all()
    for a in activities:
        amount = a.budget_revised if a.budget_revised is not None else a.budget
        ids = [r.id for r in db.session.scalars(select(Region).join(Activity.regions).where(Activity.id == a.id))]
        if not ids or any(regions[i].level == "kabupaten" for i in ids):
            unlocated += amount
            continue
        for k, part in _split(amount, {i if regions[i].level == "kecamatan" else regions[i].parent_id
                                       for i in ids}, codes).items():
            budget[k] += part
    csr = defaultdict(int)
    for c in db.session.scalars(select(CsrCommitment).where(CsrCommitment.year == year)):
        ids = [r.id for r in db.session.scalars(select(Region).join(CsrCommitment.regions)
                                                .where(CsrCommitment.id == c.id))]
        for k, part in _split(c.amount, {i if regions[i].level == "kecamatan" else regions[i].parent_id
                                         for i in ids}, codes).items():
            csr[k] += part
    return {"poor": poor, "budget": dict(budget), "unlocated": unlocated, "csr": dict(csr), "codes": codes,
            "budget_total": sum((a.budget_revised if a.budget_revised is not None else a.budget) for a in activities)}


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_money_vs_poverty_matches_a_plain_reference(app, seed):
    _world(seed)
    ref = _reference(2025)
    with count_queries() as statements:
        result = money_vs_poverty(2025)
    assert len(statements) <= 15, len(statements)  # a handful, whatever the number of activities
    totals = result["totals"]
    poor_total = sum(ref["poor"].values())
    budget_located, csr_located = sum(ref["budget"].values()), sum(ref["csr"].values())
    assert (totals["poor_households"], totals["budget_unlocated"], totals["budget_located"], totals["csr_located"]) \
        == (poor_total, ref["unlocated"], budget_located, csr_located)
    assert totals["budget_total"] == ref["budget_total"] == budget_located + ref["unlocated"]
    assert totals["csr_unlocated"] == 0 and result["source"] == "DTSEN"
    assert len(result["rows"]) == len(ref["codes"])
    average = Fraction(100, len(ref["poor"]))
    for row in result["rows"]:
        k = row["region_id"]
        assert row["budget"] == ref["budget"].get(k, 0) and row["csr_committed"] == ref["csr"].get(k, 0)
        poor_share = Fraction(ref["poor"][k] * 100, poor_total) if k in ref["poor"] else None
        budget_share = Fraction(ref["budget"].get(k, 0) * 100, budget_located) if budget_located else None
        csr_share = Fraction(ref["csr"].get(k, 0) * 100, csr_located) if csr_located else None
        for got, want in ((row["poor_share_pct"], poor_share), (row["budget_share_pct"], budget_share),
                          (row["csr_share_pct"], csr_share)):
            assert (got is None) == (want is None) and (want is None or got == pytest.approx(float(want), abs=0.006))
        pocket = poor_share is not None and poor_share >= average * Fraction(3, 2)
        half = Fraction(LITTLE_FACTOR)
        little_budget = pocket and budget_share is not None and budget_share < poor_share * half
        little_csr = pocket and csr_share is not None and csr_share < poor_share * half
        assert (row["pocket"], row["little_budget"], row["little_csr"], row["receives_little"]) == \
            (pocket, little_budget, little_csr, little_budget or little_csr), row
    ranked = [r for r in result["rows"] if r["poor_households"] is not None]
    assert [r["poor_households"] for r in ranked] == sorted((r["poor_households"] for r in ranked), reverse=True)
    assert result["rows"][-1]["poor_households"] is None  # the kecamatan without figures, last


def test_a_pocket_that_receives_little_is_flagged(app, kabupaten, make_agency):
    kec1, kec2 = kabupaten["kecamatan"]
    _households(kec1, 2025, "P3KE", (100, 0, 0, 0))
    _households(kec2, 2025, "P3KE", (900, 0, 0, 0))
    agency = make_agency()
    db.session.add(Activity(agency_id=agency.id, year=2025, program="P", kegiatan="K", code="1.06.02.2.01.0001",
                            name="Bantuan", strategy="S1", funding_source="APBD_KAB", budget=1_000_000_001,
                            regions=[kec1, kabupaten["desa"][3]]))  # Baamang and a desa of Pulau Hanaut
    db.session.add(Activity(agency_id=agency.id, year=2025, program="P", kegiatan="K", code="1.06.02.2.01.0002",
                            name="Sosialisasi", strategy="S1", funding_source="APBD_KAB", budget=3_000_000_000,
                            regions=[kec1]))
    db.session.add(Activity(agency_id=agency.id, year=2025, program="P", kegiatan="K", code="1.06.02.2.01.0003",
                            name="Seluruh kabupaten", strategy="S1", funding_source="APBD_KAB", budget=77,
                            regions=[kabupaten["kabupaten"]]))
    db.session.commit()
    result = money_vs_poverty(2025)
    rows = {r["name"]: r for r in result["rows"]}
    assert rows["Baamang"]["budget"] == 500_000_001 + 3_000_000_000  # the remainder on the first by code
    assert rows["Pulau Hanaut"]["budget"] == 500_000_000
    assert result["totals"]["budget_unlocated"] == 77 and result["totals"]["budget_located"] == 4_000_000_001
    hanaut = rows["Pulau Hanaut"]
    assert hanaut["pocket"] and hanaut["poor_share_pct"] == 90.0 and hanaut["budget_share_pct"] == 12.5
    assert hanaut["little_budget"] and not hanaut["little_csr"] and hanaut["receives_little"]
    assert hanaut["csr_share_pct"] is None  # no CSR in the year: no share, no flag
    assert not rows["Baamang"]["pocket"] and not rows["Baamang"]["receives_little"]
