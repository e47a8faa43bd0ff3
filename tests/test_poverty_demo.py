"""The demo's poverty data: five years of BPS figures for the kabupaten that hang together (count = P0 ×
a slowly growing population, a trend that falls but rises once, a poverty line rising a few percent a
year), RPJMD targets reaching zero extreme poverty, a second source disagreeing with BPS, and the 17
kecamatan's P3KE/DTSEN household counts with Pulau Hanaut, Mentaya Hilir Selatan and Teluk Sampit
the largest pockets — the same for the same seed and date."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from itertools import pairwise

import pytest
from sqlalchemy import select

from tests.conftest import empty_tables
from tracker.extensions import db
from tracker.poverty.models import HouseholdCount, PovertyStat, PovertyTarget
from tracker.poverty.validation import (
    clean_household,
    clean_stat,
    clean_target,
    household_warnings,
    stat_warnings,
)
from tracker.reference.models import Region
from tracker.types import JAKARTA

TOP = ["Pulau Hanaut", "Mentaya Hilir Selatan", "Teluk Sampit"]
TOWN = {"Baamang", "Mentawa Baru Ketapang"}


def load(runner, today: str, seed: str = "2025") -> None:
    result = runner.invoke(args=["demo", "--today", today, "--seed", seed])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "Data kemiskinan: BPS" in result.output
    db.session.expire_all()


def kabupaten() -> Region:
    return db.session.scalars(select(Region).where(Region.level == "kabupaten")).one()


def stats(source: str = "BPS", month: int | None = 3) -> dict[int, PovertyStat]:
    rows = db.session.scalars(select(PovertyStat).where(PovertyStat.source == source)).all()
    return {r.year: r for r in rows if r.month == month}


def households() -> dict[tuple[str, int], HouseholdCount]:
    rows = db.session.scalars(select(HouseholdCount)).all()
    return {(r.region.name, r.year): r for r in rows}


@pytest.mark.parametrize(("today", "latest"), [("2026-12-03", 2026), ("2026-08-01", 2026), ("2026-07-31", 2025),
                                               ("2027-01-02", 2026), ("2031-05-20", 2030)])
def test_five_years_up_to_the_latest_published_march(app, runner, today, latest):
    load(runner, today)
    years = list(range(latest - 4, latest + 1))
    march = stats()
    assert sorted(march) == years
    kab = kabupaten()
    # BPS publishes no kecamatan figures: every statistic is the kabupaten's
    assert {r.region_id for r in db.session.scalars(select(PovertyStat))} == {kab.id}
    day = date.fromisoformat(today)
    start_of_today = datetime.combine(day, time(0), JAKARTA)
    for row in db.session.scalars(select(PovertyStat)):
        assert row.source_date <= day and row.created_at < start_of_today and row.created_by_id
    assert sorted({y for _n, y in households()}) == years


def test_the_kabupaten_figures_hang_together(app, runner):
    load(runner, "2026-12-03")
    march = stats()
    years = sorted(march)
    population = []
    for year in years:
        r = march[year]
        assert r.source_document == f"BPS Kabupaten Kotawaringin Timur, Profil Kemiskinan Maret {year}"
        assert 24_000 <= r.poor_count <= 27_000 and 5.8 <= r.poor_pct <= 6.6, (year, r.poor_count, r.poor_pct)
        assert 0.8 <= r.p1 <= 1.0 and 0.15 <= r.p2 <= 0.25 and r.p2 < r.p1
        assert 1.0 <= r.extreme_pct <= 2.0 and r.extreme_pct < r.poor_pct
        assert 0 < r.extreme_poor_count < r.poor_count
        assert isinstance(r.poverty_line, int) and r.poverty_line > 0
        assert r.source_date.year == year and r.source_date.month == 7
        population.append(r.poor_count / (r.poor_pct / 100))
        # the extreme poor come from the same population
        assert abs(r.extreme_poor_count / (r.extreme_pct / 100) - population[-1]) < 0.02 * population[-1]
    # a population of about 405,000–430,000, growing slowly
    assert all(400_000 <= p <= 440_000 for p in population), population
    assert all(0.99 < b / a < 1.03 for a, b in pairwise(population)), population
    # P0 falls over the five years but rises once; the number of poor moves with it
    changes = [march[b].poor_pct - march[a].poor_pct for a, b in pairwise(years)]
    assert sum(c > 0 for c in changes) == 1 and sum(c < 0 for c in changes) == 3, changes
    counts = [march[b].poor_count - march[a].poor_count for a, b in pairwise(years)]
    assert [c > 0 for c in counts] == [c > 0 for c in changes], (counts, changes)
    assert march[years[-1]].poor_pct < march[years[0]].poor_pct
    assert [march[y].extreme_pct for y in years] == sorted((march[y].extreme_pct for y in years), reverse=True)
    # the poverty line: about Rp 520.000 in the first year, 4–6 % more every year
    assert 510_000 <= march[years[0]].poverty_line <= 530_000
    for a, b in pairwise(years):
        assert 1.039 <= march[b].poverty_line / march[a].poverty_line <= 1.061
    # one September round, for the year before the latest, between its March and the next
    september = stats(month=9)
    assert list(september) == [years[-2]]
    sep = september[years[-2]]
    low, high = sorted((march[years[-2]].poor_pct, march[years[-1]].poor_pct))
    assert low <= sep.poor_pct <= high and "September" in sep.source_document
    assert sep.extreme_pct is None and sep.extreme_poor_count is None  # not published: empty, never 0
    assert sep.poverty_line > march[years[-2]].poverty_line and sep.source_date.year == years[-1]


def test_targets_from_the_two_rpjmd(app, runner):
    load(runner, "2026-12-03")
    targets = defaultdict(dict)
    documents = {}
    for t in db.session.scalars(select(PovertyTarget)):
        assert t.region_id == kabupaten().id and 0 <= t.value <= 100 and t.created_at
        targets[t.measure][t.year] = t.value
        documents[(t.measure, t.year)] = t.source_document
    assert sorted(targets["poor_pct"]) == sorted(targets["extreme_pct"]) == list(range(2022, 2030))
    # each plan lowers its targets year by year; the new plan starts from where the figures stood
    poor = [targets["poor_pct"][y] for y in range(2022, 2030)]
    assert poor == sorted(poor, reverse=True) and len(set(poor)) == len(poor)
    for span in (range(2022, 2025), range(2025, 2030)):
        extreme = [targets["extreme_pct"][y] for y in span]
        assert extreme == sorted(extreme, reverse=True)
    for (measure, year), document in documents.items():
        plan = "2021–2026" if year < 2025 else "2025–2029"
        assert document.startswith(f"RPJMD Kabupaten Kotawaringin Timur {plan}"), (measure, year, document)
    # zero extreme poverty from 2027 on, always below the poverty target
    assert targets["extreme_pct"][2026] > 0 and all(targets["extreme_pct"][y] == 0 for y in (2027, 2028, 2029))
    assert all(targets["extreme_pct"][y] < targets["poor_pct"][y] for y in range(2022, 2030))


def test_kecamatan_pockets_from_p3ke_then_dtsen(app, runner):
    load(runner, "2026-12-03")
    rows = households()
    kecamatan = db.session.scalars(select(Region.name).where(Region.level == "kecamatan")).all()
    assert len(kecamatan) == 17 and {n for n, _y in rows} == set(kecamatan)
    assert len(rows) == 17 * 5
    years = sorted({y for _n, y in rows})
    assert years == list(range(2022, 2027))
    for (name, year), r in rows.items():
        assert r.source == ("P3KE" if year <= 2024 else "DTSEN"), (name, year, r.source)
        assert r.source in r.source_document and str(year) in r.source_document and r.source_date.year == year
        assert all(v is not None and v > 0 for v in r.households() + r.people())
        assert 3.3 <= r.total_people / r.total_households <= 4.3
        assert r.households_d1 > r.households_d4  # the registers hold the poorest most
    for year in years:
        mine = [rows[(n, year)] for n in kecamatan]
        total = sum(r.total_households for r in mine)
        assert 18_000 <= total <= 24_000, (year, total)
        assert 3.5 <= sum(r.total_people for r in mine) / total <= 4.0
        ranking = [r.region.name for r in sorted(mine, key=lambda r: -r.total_households)]
        assert ranking[:3] == TOP, (year, ranking[:5])
        assert set(ranking[3:5]) == TOWN  # many people in the town, a smaller share of them poor
        # the pockets have a larger share of desil 1 than the town
        share = {r.region.name: r.households_d1 / r.total_households for r in mine}
        assert min(share[n] for n in TOP) > max(share[n] for n in TOWN)
    # slow change from year to year; a visible step when DTSEN replaces P3KE
    for name in kecamatan:
        for a, b in pairwise(years):
            ratio = rows[(name, b)].total_households / rows[(name, a)].total_households
            if rows[(name, a)].source == rows[(name, b)].source:
                assert 0.92 < ratio < 1.08, (name, a, b, ratio)
            else:  # DTSEN registered more households than P3KE had left
                assert 1.0 < ratio < 1.2, (name, a, b, ratio)


def test_dtsen_disagrees_with_bps_side_by_side(app, runner):
    load(runner, "2026-12-03")
    bps, dtsen = stats()[2026], stats("DTSEN", None)
    assert list(dtsen) == [2026]
    other = dtsen[2026]
    assert other.region_id == bps.region_id and other.month is None
    desil1 = sum(r.people_d1 for (_n, y), r in households().items() if y == 2026)
    assert other.poor_count == desil1 and abs(other.poor_count - bps.poor_count) > 1_000
    assert other.poor_pct != bps.poor_pct and 0 < other.poor_pct < 100
    assert "DTSEN" in other.source_document and "BPS" in other.notes
    # kept apart: one row per region, year, round and source
    keys = [(r.region_id, r.year, r.month or 0, r.source) for r in db.session.scalars(select(PovertyStat))]
    assert len(keys) == len(set(keys)) == 5 + 1 + 1


STAT_FIELDS = ("region_id", "year", "month", "source", "poor_count", "poor_pct", "p1", "p2", "poverty_line",
               "extreme_poor_count", "extreme_pct", "source_document", "source_date", "notes")
HOUSEHOLD_FIELDS = ("region_id", "year", "source", "source_document", "source_date",
                    *(f"{kind}_d{d}" for kind in ("households", "people") for d in (1, 2, 3, 4)))


def test_every_row_passes_the_apps_rules(app, runner):
    """As if Bappeda had typed the figures in: the feature's validation accepts each row unchanged and
    finds nothing odd to warn about."""
    load(runner, "2026-12-03")
    for row in db.session.scalars(select(PovertyStat)):
        data = {name: getattr(row, name) for name in STAT_FIELDS}
        assert clean_stat(data) == data and stat_warnings(row) == [], (row, stat_warnings(row))
    for row in db.session.scalars(select(PovertyTarget)):
        data = {name: getattr(row, name) for name in ("region_id", "year", "measure", "value", "source_document")}
        assert clean_target(data) == data
    for row in db.session.scalars(select(HouseholdCount)):
        data = {name: getattr(row, name) for name in HOUSEHOLD_FIELDS}
        assert clean_household(data) == data and household_warnings(row) == []


def snapshot() -> list[tuple]:
    stat_rows = db.session.execute(select(PovertyStat.year, PovertyStat.month, PovertyStat.source,
                                          PovertyStat.poor_count, PovertyStat.poor_pct, PovertyStat.p1,
                                          PovertyStat.poverty_line, PovertyStat.extreme_poor_count)).all()
    count_rows = db.session.execute(select(Region.name, HouseholdCount.year, HouseholdCount.households_d1,
                                           HouseholdCount.households_d4, HouseholdCount.people_d2)
                                    .join(Region, Region.id == HouseholdCount.region_id)).all()
    return sorted(map(tuple, stat_rows), key=repr) + sorted(map(tuple, count_rows))


def test_the_same_seed_and_date_give_the_same_figures(app, runner):
    load(runner, "2026-12-03", seed="7")
    first = snapshot()
    db.session.remove()
    empty_tables(app)
    load(runner, "2026-12-03", seed="7")
    assert snapshot() == first and first
    db.session.remove()
    empty_tables(app)
    load(runner, "2026-12-03", seed="8")
    assert snapshot() != first
