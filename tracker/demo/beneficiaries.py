"""Demo data of the by-name lists (BNBA): the DTSEN target list imported twice, the people some activities
reached in their verified quarters, matched as the app matches them.

The first list (January of the previous demo year) has about 2,500 households (20,000 at the large
scale) in desil 1–4, spread over the 17 kecamatan as the poverty section's DTSEN counts are, more in the
pockets.  The September data verval found some households still poor, moved, died or no longer poor;
the second list (January of this year, or July of last year early in January) drops most of those,
adds new households, moves some desil and a few desa, so the history page has content.  Both go
through ``target_import.import_list``.  Some Dinsos, Dinkes, Disperkim, DPMD, DKP, Distan, Diskop UKM
and PUPR activities then have a list in each verified quarter, drawn from the desa they cover: most
people by exact NIK, some with one NIK digit wrong, a misspelt name, no NIK but a birth date, a few
household rows by KK only, people not on the target list (one a namesake the OPD rejected), the same
person twice in one list, and people two OPDs both counted under the same strategy.  Rows go in
directly (the quarters are locked by now; ``services.add_people`` would refuse) and
``matching.rematch`` matches them; Bappeda has confirmed some of last year's probable matches.
"""

from __future__ import annotations

import csv
import io
import time as time_module
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import bindparam, func, insert, select, text, update

from tracker.audit.models import AuditLog
from tracker.auth.models import User
from tracker.beneficiaries import coverage, identity, matching, target_import
from tracker.beneficiaries.models import CONFIRMED, PROBABLE, REJECTED, Beneficiary, TargetHousehold
from tracker.beneficiaries.people import identity_fields, name_key
from tracker.demo.beneficiaries_people import HEADER, Registry, csv_row, misspell, typo
from tracker.extensions import db
from tracker.formatting import number
from tracker.periods.services import quarter_end
from tracker.plans.models import Activity, activity_region
from tracker.poverty.models import HouseholdCount
from tracker.progress.models import VERIFIED, ProgressReport
from tracker.reference.models import Region
from tracker.types import JAKARTA

TARGETS = {"small": 2500, "large": 20_000}
LIST_CAP = {"small": 60, "large": 90}  # people on one activity's list in one quarter
POCKET_HOUSEHOLDS = 19_900  # the poverty section's desil 1–4 households: the list's scale against it
# sub-kegiatan -> (recurring: the same people each quarter, household program: KK-only rows possible,
# who: "elderly" or anyone)
PROGRAMS = {
    "1.06.04.2.02.0001": (True, False, "elderly"),  # Dinsos, permakanan lansia
    "1.06.05.2.02.0003": (True, True, ""),  # Dinsos, sembako miskin ekstrem
    "1.06.06.2.01.0002": (False, True, ""),  # Dinsos, korban banjir
    "1.02.02.2.02.0020": (True, False, ""),  # Dinkes, PBI daerah
    "1.04.02.2.01.0003": (False, True, ""),  # Disperkim, bedah RTLH
    "2.13.04.2.01.0006": (True, True, ""),  # DPMD, BLT Dana Desa
    "2.09.02.2.01.0002": (False, True, ""),  # DKP, cadangan pangan
    "3.27.03.2.01.0002": (False, True, ""),  # Distan, benih padi
    "2.17.07.2.01.0002": (False, False, ""),  # Diskop UKM, pelatihan usaha mikro
    "1.03.03.2.01.0012": (False, True, ""),  # PUPR, SPAM perdesaan
}
LARGE_PER_AGENCY = 3  # large demo: the first activities (KK or jiwa) of each named OPD and year
VERVAL = [("still_poor", 0.55, "Masih layak menerima bantuan."), ("moved", 0.13, "Pindah domisili."),
          ("died", 0.12, "Kepala keluarga meninggal dunia; diusulkan diganti anggota keluarga."),
          ("not_poor", 0.20, "Sudah bekerja tetap di perkebunan; tidak miskin lagi.")]
TITLES = ["Bpk. ", "Ibu ", "H. ", "Hj. "]


def _at(day: date, hour: int, rng) -> datetime:
    return datetime.combine(day, time(hour, rng.randint(0, 59)), JAKARTA)


class _World:
    def __init__(self, ctx):
        self.ctx, self.rng = ctx, ctx.rng
        regions = db.session.execute(select(Region.id, Region.code, Region.name, Region.parent_id, Region.level)
                                     .order_by(Region.code)).all()  # an order of its own: PostgreSQL has none
        self.kecamatan = {r.id: (r.name, r.code.replace(".", "")) for r in regions if r.level == "kecamatan"}
        self.desa = {r.id: (r.code, r.name, r.parent_id) for r in regions if r.level == "desa"}
        self.desa_of = defaultdict(list)
        for desa_id, (_c, _n, kec) in sorted(self.desa.items()):
            self.desa_of[kec].append(desa_id)
        self.weights = {d: self.rng.uniform(0.6, 1.4) for d in sorted(self.desa)}
        self.digits = [d for _n, d in self.kecamatan.values()]
        self.registry = Registry(self.rng)
        self.coordinator = db.session.scalar(select(User).where(User.role == "coordinator").order_by(User.id))
        self.operators = {}
        for user_id, agency_id in db.session.execute(select(User.id, User.agency_id).where(User.role == "agency")
                                                     .order_by(User.id)):
            self.operators.setdefault(agency_id, user_id)

    def person(self, year: int, desa_id: int, desil: int, outside_share: float = 0.02):
        code, desa_name, kec = self.desa[desa_id]
        kec_name, digits = self.kecamatan[kec]
        return self.registry.person(year, kec_name, [digits, *self.digits], code, desa_name, desa_id, desil,
                                    outside_share)

    def random_desa(self, kec: int) -> int:
        options = self.desa_of[kec]
        return self.rng.choices(options, weights=[self.weights[d] for d in options])[0]


def _targets(world: _World, n: int, year: int) -> list:
    """The first list: the poverty section's latest DTSEN counts per kecamatan and desil, scaled to ``n``."""
    latest = db.session.scalar(select(func.max(HouseholdCount.year)))
    counts = db.session.execute(select(HouseholdCount).where(HouseholdCount.year == latest)
                                .order_by(HouseholdCount.region_id)).scalars().all()
    by_kec = {c.region_id: [c.households_d1, c.households_d2, c.households_d3, c.households_d4] for c in counts}
    if not by_kec:  # no poverty section: spread evenly
        by_kec = {k: [1, 1, 1, 1] for k in sorted(world.kecamatan)}
    total = sum(sum(v) for v in by_kec.values())
    people = []
    for kec, households in by_kec.items():
        for desil, h in enumerate(households, start=1):
            for _ in range(round(n * h / total)):
                people.append(world.person(year, world.random_desa(kec), desil))
    return people


def _import(world: _World, people: list, as_of: date, label: str):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADER)
    writer.writerows(csv_row(p) for p in people)
    stream = io.BytesIO(out.getvalue().encode("utf-8-sig"))
    result = target_import.import_list(stream, f"dtsen-kotim-{label}.csv", "DTSEN", as_of, world.coordinator)
    at = min(_at(as_of + timedelta(days=world.rng.randint(6, 14)), 10, world.rng), world.ctx.now - timedelta(minutes=5))
    result.target_list.imported_at = at
    db.session.execute(update(AuditLog).where(AuditLog.entity == "target_list",
                                              AuditLog.entity_id == str(result.target_list.id)).values(at=at))
    return result


def _second_list(world: _World, first: list, verval_day: date) -> tuple[list, list[dict]]:
    """The newer list, and the verval findings (on the first list's households) that led to it."""
    rng, findings, second = world.rng, [], []
    when = _at(verval_day, 10, rng)
    for p in first:
        result = None
        if rng.random() < 0.08:
            roll = rng.random()
            for kind, share, note in VERVAL:
                if roll < share:
                    result = kind
                    findings.append({"h": identity.digest(p.nik), "r": kind, "note": note, "at": when})
                    break
                roll -= share
        if result in ("died", "not_poor") or (result is None and rng.random() < 0.012):
            continue
        if result == "moved":
            if rng.random() < 0.5:
                continue  # out of the kabupaten
            kec = world.desa[p.desa_id][2]
            desa_id = world.random_desa(kec if rng.random() < 0.6 else rng.choice(sorted(world.kecamatan)))
            code, desa_name, _kec = world.desa[desa_id]
            p = replace(p, desa_id=desa_id, desa_code=code, address=p.address.rsplit(",", 1)[0] + f", {desa_name}")
        if rng.random() < 0.07:
            p = replace(p, desil=min(4, max(1, p.desil + rng.choice((-1, 1)))))
        second.append(p)
    for _ in range(round(len(first) * 0.05)):
        template = rng.choice(first)
        second.append(world.person(verval_day.year, template.desa_id, rng.choices((1, 2, 3, 4), (4, 3, 2, 1))[0]))
    return second, findings


def _activities(ctx, years: list[int]) -> list:
    agencies = set(ctx.data["agencies_by_short"].values())
    query = (select(Activity.id, Activity.agency_id, Activity.year, Activity.code, Activity.strategy,
                    Activity.target_beneficiaries, Activity.beneficiary_unit)
             .where(Activity.year.in_(years), Activity.agency_id.in_(agencies)).order_by(Activity.year, Activity.id))
    chosen, per = [], defaultdict(int)
    for a in db.session.execute(query):
        if not ctx.large and a.code in PROGRAMS:
            chosen.append((a, *PROGRAMS[a.code]))
        elif ctx.large and a.beneficiary_unit in ("KK", "jiwa") and per[(a.agency_id, a.year)] < LARGE_PER_AGENCY:
            per[(a.agency_id, a.year)] += 1
            chosen.append((a, a.strategy == "S1", a.beneficiary_unit == "KK", ""))
    return chosen


class _Lists:
    """Each activity's list per verified quarter, as the OPD typed it."""

    def __init__(self, world: _World, pools: tuple[dict, dict], second_as_of: date):
        self.world, self.rng, self.pools, self.second_as_of = world, world.rng, pools, second_as_of
        self.prefix = "6202"
        self.served: dict[tuple, dict[int, list]] = defaultdict(lambda: defaultdict(list))
        self.rows: list[dict] = []
        self.namesakes: list[str] = []  # NIK hashes of the people the OPD will reject
        self.cap = LIST_CAP[world.ctx.scale]
        self.scale = TARGETS[world.ctx.scale] / POCKET_HOUSEHOLDS

    def activity(self, a, recurring: bool, household: bool, who: str, desa: list[int], quarters: list) -> None:
        cohort, used = [], set()
        for quarter, created in quarters:
            pool = self.pools[1 if quarter_end(a.year, quarter) >= self.second_as_of else 0]
            people = [p for d in desa for p in pool.get(d, [])]
            if who == "elderly":
                people = [p for p in people if a.year - p.born.year >= 60]
            size = min(max(round((a.target_beneficiaries or 40) * self.scale / 4), 10), self.cap, len(people) * 2 // 3)
            if recurring and cohort:
                keep = [p for p in cohort if self.rng.random() < 0.9 and p in people]
                cohort = keep + self._pick(a, people, desa, size - len(keep), {p.nik for p in keep})
            else:
                cohort = self._pick(a, people, desa, size, used)
            used |= {p.nik for p in cohort}
            self._list(a, quarter, created, cohort, household, desa)

    def _pick(self, a, people: list, desa: list[int], k: int, exclude: set) -> list:
        """``k`` people of the pool; some of them on another OPD's list under the same strategy (double counting)."""
        if k <= 0:
            return []
        served = self.served[(a.year, a.strategy)]
        others = list({p.nik: p for d in desa for agency, p in served.get(d, []) if agency != a.agency_id
                       and p.nik not in exclude}.values())
        shared = self.rng.sample(others, min(len(others), round(k * 0.15)))
        taken = exclude | {p.nik for p in shared}
        rest = [p for p in people if p.nik not in taken]
        chosen = shared + self.rng.sample(rest, min(len(rest), k - len(shared)))
        for p in chosen:
            served[p.desa_id].append((a.agency_id, p))
        return chosen

    def _list(self, a, quarter: int, created: datetime, cohort: list, household: bool, desa: list[int]) -> None:
        rng, seen = self.rng, set()
        entries = [self._variant(p, household) for p in cohort]
        if cohort and rng.random() < 0.3:  # the same person twice: once by NIK, once by name
            p = rng.choice(cohort)
            entries.append({"nik": None, "kk": None, "name": p.name, "born": p.born, "person": p})
        for _ in range(max(1, round(len(cohort) * 0.08))):  # not on the target list
            outsider = self.world.person(a.year, rng.choice(desa), 1, outside_share=0.25)
            entries.append({"nik": outsider.nik if rng.random() < 0.85 else None, "kk": None,
                            "name": outsider.name, "born": outsider.born, "person": outsider})
        if cohort and len(self.namesakes) < (2 if not self.world.ctx.large else 10) and rng.random() < 0.1:
            p = rng.choice(cohort)  # another person of the same name, born the same day, in the same desa
            other = self.world.registry.nik(self.world.kecamatan[self.world.desa[p.desa_id][2]][1], p.born, p.sex)
            self.namesakes.append(identity.digest(other))
            entries.append({"nik": other, "kk": None, "name": p.name, "born": p.born, "person": p})
        by = self.world.operators.get(a.agency_id, self.world.coordinator.id)
        for e in entries:
            row = self._row(a, quarter, created, by, e)
            key = (row["nik_hash"] or "", row["kk_hash"] if not row["birth_date"] else "", row["name_key"],
                   row["birth_date"] if not row["nik_hash"] else None, row["region_id"] if not row["nik_hash"] else 0)
            if key not in seen:
                seen.add(key)
                self.rows.append(row)

    def _variant(self, p, household: bool) -> dict:
        rng = self.rng
        roll = rng.random()
        if household and roll < 0.06:  # a household program that wrote down the KK only
            return {"nik": None, "kk": p.kk, "name": p.name, "born": None, "person": p}
        if roll < 0.13:
            return {"nik": typo(rng, p.nik, self.world.registry.niks), "kk": None, "name": p.name, "born": p.born,
                    "person": p}
        if roll < 0.19:
            return {"nik": None, "kk": None, "name": misspell(rng, p.name), "born": p.born, "person": p}
        if roll < 0.24:
            return {"nik": None, "kk": None, "name": p.name, "born": p.born, "person": p}
        written = misspell(rng, p.name) if roll < 0.30 else p.name
        if rng.random() < 0.1:
            written = rng.choice(TITLES[:2] if p.sex == "L" else TITLES[1:2]) + written
        return {"nik": p.nik, "kk": p.kk if rng.random() < 0.5 else None, "name": written,
                "born": p.born if rng.random() < 0.6 else None, "person": p}

    def _row(self, a, quarter: int, created: datetime, by: int, e: dict) -> dict:
        nik = identity.check_nik(e["nik"], self.prefix, today=self.world.ctx.today)
        kk = identity.check_kk(e["kk"], self.prefix)
        p = e["person"]
        return {"activity_id": a.id, "year": a.year, "quarter": quarter, "nik_status": nik.status,
                **identity_fields("nik", nik), **identity_fields("kk", kk), "name": e["name"],
                "name_key": name_key(e["name"]), "birth_date": e["born"] or nik.birth_date, "address": p.address,
                "region_id": p.desa_id, "match_status": "unmatched", "target_household_id": None,
                "match_score": None, "matched_by_id": None, "matched_at": None, "created_at": created,
                "created_by_id": by, "version": 1}


def _verified_quarters(activity_ids: list[int]) -> dict[int, list[tuple[int, datetime]]]:
    found = defaultdict(list)
    for activity_id, quarter, created in db.session.execute(
            select(ProgressReport.activity_id, ProgressReport.quarter, ProgressReport.created_at)
            .where(ProgressReport.activity_id.in_(activity_ids), ProgressReport.status == VERIFIED)
            .order_by(ProgressReport.activity_id, ProgressReport.quarter)):
        found[activity_id].append((quarter, created + timedelta(hours=1)))
    return found


def _covered(activity_ids: list[int], world: _World) -> dict[int, list[int]]:
    out = defaultdict(set)
    for activity_id, region_id in db.session.execute(select(activity_region.c.activity_id, activity_region.c.region_id)
                                                     .where(activity_region.c.activity_id.in_(activity_ids))):
        out[activity_id] |= set(world.desa_of.get(region_id, [region_id] if region_id in world.desa else []))
    return {k: sorted(v) for k, v in out.items()}


def _decide(world: _World, lists: _Lists, current_year: int) -> tuple[int, int]:
    """The namesakes rejected; some of last year's probable matches confirmed (by the OPD, a few days later)."""
    rng, latest = world.rng, world.ctx.now - timedelta(minutes=5)
    table = Beneficiary.__table__
    rows = db.session.execute(select(table.c.id, table.c.nik_hash, table.c.created_at, table.c.created_by_id,
                                     table.c.year).where(table.c.match_status == PROBABLE)
                              .order_by(table.c.id)).all()
    namesakes, changes = set(lists.namesakes), []
    for row in rows:
        at = min(row.created_at + timedelta(days=rng.randint(3, 20), hours=rng.randint(0, 6)), latest)
        if row.nik_hash in namesakes:
            changes.append({"b_id": row.id, "status": REJECTED, "h_id": None, "by": row.created_by_id, "at": at})
        elif row.year < current_year and rng.random() < 0.4:
            changes.append({"b_id": row.id, "status": CONFIRMED, "h_id": "keep", "by": row.created_by_id, "at": at})
    for status in (REJECTED, CONFIRMED):
        batch = [c for c in changes if c["status"] == status]
        if batch:
            household = table.c.target_household_id if status == CONFIRMED else None
            db.session.connection().execute(
                update(table).where(table.c.id == bindparam("b_id")).values(
                    match_status=status, target_household_id=household, matched_by_id=bindparam("by"),
                    matched_at=bindparam("at"), version=table.c.version + 1),
                [{"b_id": c["b_id"], "by": c["by"], "at": c["at"]} for c in batch])
    return (sum(c["status"] == CONFIRMED for c in changes), sum(c["status"] == REJECTED for c in changes))


def load(ctx) -> None:
    started = time_module.perf_counter()
    world = _World(ctx)
    rng, today = ctx.rng, ctx.today
    year = ctx.current_year - 1
    first_as_of = min(date(year, 1, 31), today - timedelta(days=60))
    second_as_of = date(ctx.current_year, 1, 31)
    if second_as_of > today - timedelta(days=14):
        second_as_of = min(date(year, 7, 31), today - timedelta(days=14))
    first = _targets(world, TARGETS[ctx.scale], year)
    one = _import(world, first, first_as_of, f"{first_as_of:%Y%m}")
    verval_day = first_as_of + (second_as_of - first_as_of) * 3 // 5
    second, findings = _second_list(world, first, verval_day)
    if findings:
        table = TargetHousehold.__table__
        db.session.connection().execute(update(table).where(table.c.nik_hash == bindparam("h")).values(
            verval_result=bindparam("r"), verval_note=bindparam("note"), verval_at=bindparam("at"),
            verval_by_id=world.coordinator.id, version=table.c.version + 1), findings)
    two = _import(world, second, second_as_of, f"{second_as_of:%Y%m}")
    pools = []
    for people in (first, second):
        pool = defaultdict(list)
        for p in people:
            pool[p.desa_id].append(p)
        pools.append(pool)
    chosen = _activities(ctx, [year, ctx.current_year])
    ids = [a.id for a, *_rest in chosen]
    quarters, covered = _verified_quarters(ids), _covered(ids, world)
    lists = _Lists(world, (pools[0], pools[1]), second_as_of)
    for a, recurring, household, who in chosen:
        if quarters.get(a.id) and covered.get(a.id):
            lists.activity(a, recurring, household, who, covered[a.id], quarters[a.id])
    for i in range(0, len(lists.rows), 5000):
        db.session.execute(insert(Beneficiary), lists.rows[i:i + 5000])
    found = matching.rematch()
    confirmed, rejected = _decide(world, lists, ctx.current_year)
    if db.session.get_bind().dialect.name == "postgresql":
        for name in ("target_list", "target_household", "target_change", "beneficiary"):
            db.session.execute(text(f"ANALYZE {name}"))
    double = sum(coverage.double_counted(y) for y in (year, ctx.current_year))
    outside = sum(coverage.outside_target(y) for y in (year, ctx.current_year))
    n_lists = len({(r["activity_id"], r["year"], r["quarter"]) for r in lists.rows})
    ctx.data["beneficiaries"] = {"lists": (one.target_list.id, two.target_list.id), "rows": len(lists.rows)}
    ctx.echo(f"Penerima manfaat (BNBA): daftar sasaran DTSEN {first_as_of:%m/%Y} ({number(one.rows)} rumah tangga) "
             f"dan {second_as_of:%m/%Y} ({number(two.rows)}; +{two.added} −{two.removed}, {two.changed} berubah; "
             f"{len(findings)} hasil verval), {number(len(lists.rows))} penerima di {n_lists} daftar kegiatan: "
             f"{number(found['exact'])} cocok NIK/KK, {number(found['probable'])} kemungkinan cocok "
             f"({confirmed} dikonfirmasi, {rejected} ditolak), {number(found['unmatched'])} di luar daftar; "
             f"{double} terhitung ganda, {outside} di luar sasaran ({time_module.perf_counter() - started:.1f} detik).")
