"""Demo data of the plans feature: Rencana Aksi of the Kotawaringin Timur OPDs.

Rows go in with bulk inserts (``insert(...).returning``), so the large demo (60 OPDs, 3,000
activities a year, 5 years) loads in seconds.  The current year's plans are agreed for most OPDs;
earlier years are all agreed.  Each plan was drafted in November and agreed in December of the year
before; the APBD-P revisions are dated mid-September, so they appear once that date has passed (the
small demo's named revisions go to the latest demo year whose APBD-P is behind ``today``).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select

from tracker.demo.plans_catalogue import CATALOGUE
from tracker.extensions import db
from tracker.plans.models import Activity, BudgetRevision, Indicator, Plan, activity_region
from tracker.reference.models import Agency, Region

JUTA = 1_000_000

# Plans of the current year left in draft (the others are agreed), and the APBD-P revisions (in the
# latest demo year whose APBD-P date has passed).
DRAFT_IN_CURRENT_YEAR = {"Disperindag", "Diskan"}
REVISIONS = [
    ("Dinsos", "1.06.05.2.02.0003", 1.2, "APBD-P: tambahan alokasi bantuan sembako akibat kenaikan harga beras."),
    ("Disperkim", "1.04.02.2.01.0003", 1.15, "APBD-P: tambahan 15 unit RTLH dari hasil verifikasi lapangan."),
    ("Dinas PUPR", "1.03.10.2.01.0027", 0.8, "APBD-P: efisiensi anggaran dan penyesuaian volume pekerjaan."),
]
# Kecamatan (1-based position in the demo list) where most poverty pockets are.
POCKETS = [9, 8, 11, 1, 4, 10, 15, 16]

LARGE_PROGRAMS = [
    ("Program Pemberdayaan Ekonomi Masyarakat", "S2"), ("Program Perlindungan Sosial", "S1"),
    ("Program Infrastruktur Dasar Perdesaan", "S3"), ("Program Peningkatan Layanan Dasar", "S1"),
    ("Program Peningkatan Pendapatan Keluarga", "S2"), ("Program Penanganan Kawasan Kantong Kemiskinan", "S3"),
]
LARGE_ACTIONS = ["Bantuan", "Pelatihan", "Pembangunan", "Pendampingan", "Penyediaan", "Fasilitasi", "Rehabilitasi"]
LARGE_OBJECTS = ["Rumah Tidak Layak Huni", "Air Bersih", "Usaha Mikro", "Kelompok Tani", "Nelayan Kecil",
                 "Jamban Sehat", "Balita Stunting", "Lansia Terlantar", "Siswa Miskin", "Jalan Desa",
                 "Pangan Keluarga Miskin", "BUMDes"]
FUNDING_WEIGHTS = [("APBD_KAB", 60), ("DAK", 12), ("APBD_PROV", 10), ("APBN", 6), ("DANA_DESA", 7), ("CSR", 4),
                   ("OTHER", 1)]


def _quarters(rng, target: float, aggregation: str) -> list[float]:
    if aggregation == "last":
        return [round(target * f, 2) for f in (0.25, 0.5, 0.75, 1.0)]
    if float(target).is_integer() and target >= 4:
        shares = [rng.randint(15, 35) for _ in range(4)]
        parts = [int(target * s / sum(shares)) for s in shares]
        parts[-1] += int(target) - sum(parts)
        return [float(p) for p in parts]
    return [round(target / 4, 2)] * 3 + [round(target - 3 * round(target / 4, 2), 2)]


class _Batch:
    """Rows collected for one bulk insert per table."""

    def __init__(self):
        self.activities: list[dict] = []
        self.indicators: list[list[dict]] = []
        self.regions: list[list[int]] = []
        self.revisions: list[list[dict]] = []

    def add(self, activity: dict, indicators: list[dict], regions: list[int], revisions: list[dict] | None = None):
        self.activities.append(activity)
        self.indicators.append(indicators)
        self.regions.append(regions)
        self.revisions.append(revisions or [])

    def write(self) -> list[int]:
        if not self.activities:
            return []
        ids = list(db.session.scalars(
            insert(Activity).returning(Activity.id, sort_by_parameter_order=True), self.activities))
        indicator_rows, region_rows, revision_rows = [], [], []
        for activity_id, inds, regs, revs in zip(ids, self.indicators, self.regions, self.revisions):
            indicator_rows += [{**ind, "activity_id": activity_id} for ind in inds]
            region_rows += [{"activity_id": activity_id, "region_id": r} for r in regs]
            revision_rows += [{**rev, "activity_id": activity_id} for rev in revs]
        if indicator_rows:
            db.session.execute(insert(Indicator), indicator_rows)
        if region_rows:
            db.session.execute(insert(activity_region), region_rows)
        if revision_rows:
            db.session.execute(insert(BudgetRevision), revision_rows)
        return ids


def _regions(ctx, rng, beneficiaries: int) -> list[int]:
    kecamatan = ctx.data["kecamatan_ids"]
    desa_by_kec = ctx.data.setdefault("_desa_by_kec", _desa_by_kecamatan(ctx))
    pockets = [kecamatan[i - 1] for i in POCKETS if i - 1 < len(kecamatan)] or kecamatan
    pool = pockets if rng.random() < 0.7 else kecamatan
    picked = rng.sample(pool, k=min(len(pool), rng.choice([1, 1, 2, 3])))
    out = []
    for kec in picked:
        desa = desa_by_kec.get(kec, [])
        if desa and rng.random() < 0.4:
            out += rng.sample(desa, k=min(len(desa), rng.choice([1, 2])))
        else:
            out.append(kec)
    return sorted(set(out))


def _desa_by_kecamatan(ctx) -> dict[int, list[int]]:
    rows = db.session.execute(select(Region.id, Region.parent_id).where(Region.id.in_(ctx.data["desa_ids"]))
                              .order_by(Region.code))  # the same lists in the same order on every database
    out: dict[int, list[int]] = {}
    for region_id, parent_id in rows:
        out.setdefault(parent_id, []).append(region_id)
    return out


def _indicator(rng, name, unit, aggregation, target) -> dict:
    q = _quarters(rng, float(target), aggregation)
    return {"position": 0, "name": name, "unit": unit, "aggregation": aggregation, "target": float(target),
            "target_q1": q[0], "target_q2": q[1], "target_q3": q[2], "target_q4": q[3]}


def _with_renstra(indicators: list[dict], key: str, years_before: int) -> list[dict]:
    """The Renstra figures (end-of-period target, achieved before this year) of most indicators; about a
    quarter left empty.  Drawn from a generator seeded by the activity, so an indicator gets the same draws
    every year and the demo's main random sequence (progress, CSR...) is untouched."""
    out = []
    for ind in indicators:
        rng = random.Random(f"{key}|{ind['position']}|{ind['name']}")
        target, end, before = ind["target"], None, None
        digits = 0 if float(target).is_integer() else 1  # counts stay whole numbers
        recorded = rng.random() >= 0.25
        if recorded and ind["aggregation"] == "sum":
            end = round(target * rng.choice((4, 4.5, 5)), digits)
            before = round(target * years_before * rng.uniform(0.75, 1.0), digits)
        elif recorded:  # a level: the end-of-period level, and where it stood at the end of last year
            end = round(min(target * rng.uniform(1.0, 1.1), 100.0) if ind["unit"] == "%" else target * 1.1, digits)
            before = round(target * rng.uniform(0.8, 0.97), digits)
        out.append({**ind, "target_end": None if end is None else float(end),
                    "achieved_before": None if before is None else float(before)})
    return out


@dataclass(frozen=True)
class _Dates:
    """When each step of a year's plan happened, never after the demo's ``now``."""

    now: datetime

    def created(self, year: int) -> datetime:
        return min(datetime(year - 1, 11, 3, 2, 0, tzinfo=UTC), self.now)

    def agreed(self, year: int) -> datetime:
        return min(datetime(year - 1, 12, 20, 3, 0, tzinfo=UTC), self.now)

    def apbdp(self, year: int) -> datetime:
        return datetime(year, 9, 15, 2, 0, tzinfo=UTC)

    def revised(self, year: int) -> bool:
        return self.apbdp(year) < self.now


def _small(ctx, dates: _Dates) -> tuple[dict, list[dict]]:
    rng = ctx.rng
    agencies = ctx.data["agencies_by_short"]
    ids_by_year: dict[int, list[int]] = {}
    plans = []
    revision_year = max((y for y in ctx.years if dates.revised(y)), default=None)
    for year in ctx.years:
        batch = _Batch()
        factor = 1.0 if year == ctx.current_year else 0.9
        for short, items in CATALOGUE.items():
            agency_id = agencies.get(short)
            if agency_id is None:
                continue
            current_draft = year == ctx.current_year and short in DRAFT_IN_CURRENT_YEAR
            plans.append({"agency_id": agency_id, "year": year, "status": "draft" if current_draft else "agreed",
                          "agreed_at": None if current_draft else dates.agreed(year), "note": "", "version": 1})
            for (program, kegiatan, code, name, strategy, funding, juta, benef, unit,
                 ind_name, ind_unit, aggregation, target) in items:
                budget = int(round(juta * factor * rng.uniform(0.95, 1.05), 1) * JUTA) // 1000 * 1000
                activity = {"agency_id": agency_id, "year": year, "program": program, "kegiatan": kegiatan,
                            "code": code, "name": name, "strategy": strategy, "funding_source": funding,
                            "budget": budget, "budget_revised": None, "target_beneficiaries": benef,
                            "beneficiary_unit": unit, "created_at": dates.created(year),
                            "updated_at": dates.created(year), "version": 1}
                indicators = [_indicator(rng, ind_name, ind_unit, aggregation, target)]
                if benef and ind_unit != unit:
                    second = _indicator(rng, "Penerima manfaat yang terlayani", unit, "sum", benef)
                    second["position"] = 1
                    indicators.append(second)
                indicators = _with_renstra(indicators, f"{short}|{code}", min(3, 1 + year - ctx.years[0]))
                revisions = []
                for rev_short, rev_code, ratio, reason in REVISIONS:
                    if year == revision_year and rev_short == short and rev_code == code:
                        new = int(budget * ratio) // 1000 * 1000
                        activity["budget_revised"] = new
                        revisions.append({"old_budget": budget, "new_budget": new, "reason": reason,
                                          "created_at": dates.apbdp(year)})
                        activity["updated_at"] = dates.apbdp(year)
                batch.add(activity, indicators, _regions(ctx, rng, benef), revisions)
        ids_by_year[year] = batch.write()
    return ids_by_year, plans


def _large(ctx, dates: _Dates) -> tuple[dict, list[dict]]:
    rng = ctx.rng
    agency_ids = ctx.data["agency_ids"]
    funding_pool = [code for code, weight in FUNDING_WEIGHTS for _ in range(weight)]
    per_agency = 3000 // len(agency_ids)
    extra = 3000 - per_agency * len(agency_ids)
    prefixes = {i: ".".join(c.split(".")[:2]) for i, c in db.session.execute(select(Agency.id, Agency.code))}
    ids_by_year: dict[int, list[int]] = {}
    plans = []
    for year in ctx.years:
        batch = _Batch()
        for n, agency_id in enumerate(agency_ids):
            prefix = prefixes.get(agency_id, "9.99")
            draft = year == ctx.current_year and n % 6 == 5
            plans.append({"agency_id": agency_id, "year": year, "status": "draft" if draft else "agreed",
                          "agreed_at": None if draft else dates.agreed(year), "note": "", "version": 1})
            for k in range(per_agency + (1 if n < extra else 0)):
                program, strategy = LARGE_PROGRAMS[(n + k) % len(LARGE_PROGRAMS)]
                action, obj = rng.choice(LARGE_ACTIONS), rng.choice(LARGE_OBJECTS)
                budget = rng.randint(50, 2000) * JUTA
                benef = rng.randint(10, 2000)
                unit = rng.choice(("KK", "jiwa", "unit", "kelompok"))
                revised = None
                if not draft and rng.random() < 0.08 and dates.revised(year):
                    revised = int(budget * rng.choice((0.85, 0.9, 1.1, 1.2)))
                activity = {"agency_id": agency_id, "year": year, "program": program,
                            "kegiatan": f"Kegiatan {action} {obj}",
                            "code": f"{prefix}.{k // 10 + 1:02d}.2.{k % 10 + 1:02d}.{k + 1:04d}",
                            "name": f"{action} {obj} Tahap {k % 3 + 1}", "strategy": strategy,
                            "funding_source": rng.choice(funding_pool), "budget": budget, "budget_revised": revised,
                            "target_beneficiaries": benef, "beneficiary_unit": unit,
                            "created_at": dates.created(year),
                            "updated_at": dates.apbdp(year) if revised is not None else dates.created(year),
                            "version": 1}
                indicators = [_indicator(rng, f"{obj} yang ditangani", unit, "sum", benef)]
                if k % 3 == 0:
                    second = _indicator(rng, f"Persentase {obj.lower()} tertangani", "%", "last",
                                        rng.choice((80, 90, 100)))
                    second["position"] = 1
                    indicators.append(second)
                indicators = _with_renstra(indicators, f"{agency_id}|{k}", min(3, 1 + year - ctx.years[0]))
                revisions = [{"old_budget": budget, "new_budget": revised, "reason": "APBD-P: penyesuaian pagu.",
                              "created_at": dates.apbdp(year)}] if revised is not None else []
                batch.add(activity, indicators, _regions(ctx, rng, benef), revisions)
        ids_by_year[year] = batch.write()
    return ids_by_year, plans


def load(ctx) -> None:
    started = time.perf_counter()
    ids_by_year, plans = (_large if ctx.large else _small)(ctx, _Dates(now=ctx.now))
    if plans:
        db.session.execute(insert(Plan), plans)
    ctx.data["activity_ids_by_year"] = ids_by_year
    ctx.data.pop("_desa_by_kec", None)
    total = sum(len(v) for v in ids_by_year.values())
    ctx.echo(f"Rencana aksi: {total} kegiatan dalam {len(plans)} rencana OPD "
             f"({time.perf_counter() - started:.1f} detik).")
