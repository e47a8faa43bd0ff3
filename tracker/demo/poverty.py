"""Demo data of the poverty feature: five years of BPS figures for the kabupaten, its RPJMD targets, and
the kecamatan household counts by desil (P3KE, then DTSEN) that show the poverty pockets.

The years do not follow the demo's scale (statistics history is not a plan year): the five years ending
with the latest March figure published on ``today``.  The demo has BPS publish a March figure in July
of the same year, so from August on the current year's figure is there, before that the latest is last
year's.  The figures hang together: the number of poor is P0 times a slowly growing population
(~405,000 to ~427,000), P0 falls slowly but rises once (so the page says both "naik" and "turun"), P1,
P2 and the extreme poor move with it, the poverty line rises 4–6 % a year from about Rp 520.000.  The
year before the latest also has a September figure.  BPS publishes no kecamatan figures: the kecamatan
have the P3KE/DTSEN household counts only (P3KE for the first three years, DTSEN after it replaced
DTKS), Pulau Hanaut first, then Mentaya Hilir Selatan and Teluk Sampit, the town kecamatan (Baamang,
Mentawa Baru Ketapang) many households but a small share.  The latest year's DTSEN desil-1 count is
also recorded as a kabupaten figure beside BPS's: the two sources disagree and are shown side by side.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from tracker.auth.models import User
from tracker.demo.reference import KABUPATEN
from tracker.extensions import db
from tracker.formatting import number, percent
from tracker.poverty.models import BPS, DTSEN, EXTREME_PCT, P3KE, POOR_PCT, HouseholdCount, PovertyStat, PovertyTarget
from tracker.reference.models import Region
from tracker.types import JAKARTA

YEARS = 5
PUBLISHED_FROM = (8, 1)  # (month, day) from which BPS's March figure of the year is out
POPULATION, GROWTH = 405_000, 0.013  # the first year's population and its yearly growth
# P0 and the extreme-poverty percentage year by year (then a small jitter): down, down, up, down, down
P0 = [6.48, 6.31, 6.39, 6.12, 5.96]
EXTREME = [1.88, 1.66, 1.52, 1.30, 1.08]
POVERTY_LINE = 520_000
# RPJMD targets: the old plan's first three years, the new plan's five (extreme poverty 0 from its third)
OLD_TARGETS = {POOR_PCT: [6.45, 6.35, 6.25], EXTREME_PCT: [1.50, 1.00, 0.50]}
NEW_TARGETS = {POOR_PCT: [6.05, 5.85, 5.65, 5.45, 5.25], EXTREME_PCT: [0.75, 0.25, 0.0, 0.0, 0.0]}

# kecamatan -> (households in desil 1–4 in the first year, how poor: 0 the town … 1 the deepest pocket)
POCKETS = {
    "Pulau Hanaut": (2150, 1.0), "Mentaya Hilir Selatan": (1950, 0.9), "Teluk Sampit": (1800, 0.85),
    "Baamang": (1600, 0.0), "Mentawa Baru Ketapang": (1500, 0.05), "Mentaya Hilir Utara": (1250, 0.6),
    "Kota Besi": (1200, 0.45), "Parenggean": (1150, 0.35), "Cempaga": (1100, 0.4), "Mentaya Hulu": (1050, 0.55),
    "Cempaga Hulu": (950, 0.4), "Antang Kalang": (900, 0.6), "Telawang": (800, 0.45), "Tualan Hulu": (750, 0.35),
    "Seranau": (700, 0.5), "Bukit Santuai": (550, 0.65), "Telaga Antang": (500, 0.5),
}
# the registers year by year: P3KE shrinks slowly as households graduate; DTSEN counts more at first
HOUSEHOLD_TREND = [(P3KE, 1.0), (P3KE, 0.985), (P3KE, 0.965), (DTSEN, 1.07), (DTSEN, 1.045)]
PEOPLE_PER_HOUSEHOLD = [4.05, 3.85, 3.65, 3.45]  # desil 1..4, a little more in the rural pockets
DTSEN_POPULATION = 1.03  # DTSEN counts more residents than BPS's projection (the seed: 459,000 vs 454,000)

NAME = KABUPATEN[1]


def latest_year(current_year: int, today: date) -> int:
    """The latest year whose March figure BPS has published on ``today`` (not after ``current_year``)."""
    year = current_year
    while date(year, *PUBLISHED_FROM) > today:
        year -= 1
    return year


def _at(day: date, hour: int, rng) -> datetime:
    return datetime.combine(day, time(hour, rng.randint(0, 59)), JAKARTA)


class _Writer:
    def __init__(self, ctx):
        self.rng, self.latest = ctx.rng, ctx.now - timedelta(minutes=5)
        self.coordinator = db.session.scalar(select(User.id).where(User.role == "coordinator").order_by(User.id))

    def stamp(self, published: date) -> dict:
        """Entered by Bappeda a few days after the source came out, never after the demo's now."""
        at = min(_at(published + timedelta(days=self.rng.randint(2, 12)), 10, self.rng), self.latest)
        return {"created_at": at, "updated_at": at, "created_by_id": self.coordinator}


def _bps(ctx, writer: _Writer, kab: int, years: list[int]) -> dict[int, dict]:
    rng, out = ctx.rng, {}
    line = POVERTY_LINE * rng.uniform(0.995, 1.01)
    for i, year in enumerate(years):
        population = POPULATION * (1 + GROWTH) ** i
        p0 = round(P0[i] + rng.uniform(-0.03, 0.03), 2)
        extreme = round(EXTREME[i] + rng.uniform(-0.03, 0.03), 2)
        if i:
            line *= rng.uniform(1.04, 1.06)
        published = date(year, 7, rng.randint(10, 28))
        row = {"poor_count": round(p0 / 100 * population / 10) * 10, "poor_pct": p0,
               "p1": round(0.90 + (p0 - 6.2) * 0.25 + rng.uniform(-0.03, 0.03), 2),
               "p2": round(0.20 + (p0 - 6.2) * 0.08 + rng.uniform(-0.015, 0.015), 2),
               "poverty_line": int(line), "extreme_poor_count": round(extreme / 100 * population / 10) * 10,
               "extreme_pct": extreme, "source_date": published}
        db.session.add(PovertyStat(
            region_id=kab, year=year, month=3, source=BPS, **row, **writer.stamp(published),
            source_document=f"BPS Kabupaten {NAME}, Profil Kemiskinan Maret {year}"))
        out[year] = {**row, "population": population}
    # the September round of the year before the latest (published in January; BPS gives no extreme figure)
    year = years[-2]
    march, following = out[year], out[years[-1]]
    p0 = round((march["poor_pct"] * 2 + following["poor_pct"]) / 3, 2)
    population = march["population"] * (1 + GROWTH / 2)
    published = date(year + 1, 1, rng.randint(10, 25))
    db.session.add(PovertyStat(
        region_id=kab, year=year, month=9, source=BPS, poor_count=round(p0 / 100 * population / 10) * 10,
        poor_pct=p0, p1=round((march["p1"] + following["p1"]) / 2, 2), p2=round((march["p2"] + following["p2"]) / 2, 2),
        poverty_line=int(march["poverty_line"] * rng.uniform(1.015, 1.025)), extreme_poor_count=None,
        extreme_pct=None, source_date=published, **writer.stamp(published),
        source_document=f"BPS Kabupaten {NAME}, Profil Kemiskinan September {year}"))
    return out


def _targets(writer: _Writer, kab: int, years: list[int]) -> int:
    new_start = years[-1] - 1
    plans = [(f"RPJMD Kabupaten {NAME} {new_start - 4}–{new_start + 1}", OLD_TARGETS,
              range(new_start - len(OLD_TARGETS[POOR_PCT]), new_start)),
             (f"RPJMD Kabupaten {NAME} {new_start}–{new_start + 4}", NEW_TARGETS, range(new_start, new_start + 5))]
    n, entered = 0, date(new_start, 8, 1)  # Bappeda entered both plans' targets once the new one was adopted
    for document, values, span in plans:
        for measure, series in values.items():
            for year, value in zip(span, series):
                db.session.add(PovertyTarget(region_id=kab, year=year, measure=measure, value=value,
                                             source_document=f"{document}, indikator kinerja daerah",
                                             **writer.stamp(entered)))
                n += 1
    return n


def _households(ctx, writer: _Writer, years: list[int]) -> list[dict]:
    rng = ctx.rng
    names = dict(db.session.execute(select(Region.id, Region.name).where(Region.id.in_(ctx.data["kecamatan_ids"]))).all())
    rows = []
    for year, (source, factor) in zip(years, HOUSEHOLD_TREND):
        published = date(year, 4, 30) if source == P3KE else date(year, 6, 30)
        document = (f"P3KE Kemenko PMK, pemutakhiran April {year}" if source == P3KE
                    else f"DTSEN Kementerian Sosial, posisi Juni {year}")
        for region_id in ctx.data["kecamatan_ids"]:
            base, poorness = POCKETS.get(names[region_id], (800, 0.4))
            total = base * factor * rng.uniform(0.985, 1.015)
            shares = [0.28 + 0.12 * poorness, 0.26 + 0.01 * poorness, 0.24 - 0.05 * poorness]
            shares.append(1 - sum(shares))
            households = [round(total * s * rng.uniform(0.98, 1.02)) for s in shares]
            people = [round(h * (pph + 0.15 * poorness + rng.uniform(-0.05, 0.05)))
                      for h, pph in zip(households, PEOPLE_PER_HOUSEHOLD)]
            row = {"region_id": region_id, "year": year, "source": source, "source_document": document,
                   "source_date": published}
            row.update({f"households_d{d}": v for d, v in enumerate(households, start=1)})
            row.update({f"people_d{d}": v for d, v in enumerate(people, start=1)})
            db.session.add(HouseholdCount(**row, **writer.stamp(published)))
            rows.append(row)
    return rows


def _second_source(writer: _Writer, kab: int, year: int, households: list[dict], bps: dict) -> int:
    """DTSEN's desil 1 as a count of the poor for the latest year: not BPS's figure, shown beside it."""
    desil1 = sum(r["people_d1"] for r in households if r["year"] == year and r["source"] == DTSEN)
    population = round(bps[year]["population"] * DTSEN_POPULATION / 1000) * 1000
    published = date(year, 6, 30)
    db.session.add(PovertyStat(
        region_id=kab, year=year, month=None, source=DTSEN, poor_count=desil1,
        poor_pct=round(desil1 / population * 100, 2), source_date=published, **writer.stamp(published),
        source_document=f"DTSEN Kementerian Sosial, posisi Juni {year}: jiwa pada desil 1",
        notes=f"Jiwa desil 1 DTSEN, jumlah seluruh kecamatan; persentase terhadap {number(population)} jiwa "
              "penduduk dalam DTSEN. Bukan angka kemiskinan resmi BPS."))
    return desil1


def load(ctx) -> None:
    kab = ctx.data["kabupaten_id"]
    latest = latest_year(ctx.current_year, ctx.today)
    years = list(range(latest - YEARS + 1, latest + 1))
    writer = _Writer(ctx)
    bps = _bps(ctx, writer, kab, years)
    targets = _targets(writer, kab, years)
    households = _households(ctx, writer, years)
    dtsen = _second_source(writer, kab, latest, households, bps)
    top = sorted({r["region_id"] for r in households},
                 key=lambda r: -sum(h[f"households_d{d}"] for h in households if h["region_id"] == r and
                                    h["year"] == latest for d in (1, 2, 3, 4)))
    ctx.data["poverty"] = {"years": years, "bps": bps, "dtsen_poor": dtsen, "pockets": top[:3],
                           "household_sources": {y: s for y, (s, _f) in zip(years, HOUSEHOLD_TREND)}}
    ctx.echo(f"Data kemiskinan: BPS {years[0]}–{latest} ({number(bps[latest]['poor_count'])} jiwa miskin, "
             f"{percent(bps[latest]['poor_pct'])}), {targets} target RPJMD, {len(households)} data rumah tangga "
             f"kecamatan (P3KE/DTSEN).")
