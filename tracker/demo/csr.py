"""Demo data of the CSR feature: companies' commitments for every demo year and their contributions in
every status, as they stand on the demo's ``today``.

Each contribution is dated within its commitment's year and not after ``today``; its state follows its
age: the previous years are verified (a few programs gave more than they promised: flagged for
Bappeda), this year's older contributions mostly verified, recent ones submitted or still drafts, some
returned with Bappeda's comment.  The demo login ``csr.agro`` (the first company) has every status in
the current year.  Some commitments support an OPD activity of the plan.  Rows go in with bulk
inserts, so the large demo (150 companies, five years) stays fast.
"""

from __future__ import annotations

import time as time_module
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select, text

from tracker.auth.models import User
from tracker.csr.models import IN_KIND, CsrCommitment, CsrContribution, CsrEvent, CsrRevision, commitment_region
from tracker.demo.csr_catalogue import (
    EXTRA_COMPANIES,
    LARGE_PROGRAMS,
    PROGRAMS,
    RETURN_COMMENTS,
    REVISION_REASON,
    VERIFY_NOTES,
)
from tracker.demo.progress import _bulk_insert
from tracker.extensions import db
from tracker.plans.models import Activity
from tracker.reference.models import Agency, Company, Region
from tracker.review import DRAFT, RETURNED, SUBMITTED, VERIFIED
from tracker.types import JAKARTA

JUTA = 1_000_000
SHOWCASE = [VERIFIED, RETURNED, SUBMITTED, DRAFT]  # csr.agro's current year, oldest first
OVER = {("PT Agro Mentaya Lestari", 2), ("PT Bank Kalteng Cabang Sampit", 2)}  # gave more, the year before


def _at(day: date, hour: int, rng) -> datetime:
    return datetime.combine(day, time(hour, rng.randint(0, 59)), JAKARTA)


def _chain(times: list, latest: datetime) -> list:
    """The steps in order and none after ``latest`` (a step in the future moves back, and those before)."""
    out, limit = list(times), latest
    for i in range(len(out) - 1, -1, -1):
        if out[i] is not None:
            out[i] = min(out[i], limit)
            limit = out[i] - timedelta(minutes=30)
    return out


def _status(age: int, rng) -> str:
    """A contribution's state by its age in days on ``today``."""
    roll = rng.random()
    if age > 150:  # long done: Bappeda has verified it
        return VERIFIED
    if age > 75:
        return VERIFIED if roll < 0.92 else (SUBMITTED if roll < 0.97 else RETURNED)
    if age > 25:
        return VERIFIED if roll < 0.5 else (SUBMITTED if roll < 0.8 else RETURNED if roll < 0.92 else DRAFT)
    return SUBMITTED if roll < 0.45 else (DRAFT if roll < 0.9 else RETURNED)


def _dates(year: int, today: date, n: int, rng) -> list[date]:
    """``n`` dates spread over the year, none after ``today``."""
    start, end = date(year, 1, 1), min(date(year, 12, 31), today)
    span = (end - start).days
    return sorted(start + timedelta(days=min(span, max(0, int(span * (i + rng.uniform(0.1, 0.9)) / n))))
                  for i in range(n))


class _Loader:
    def __init__(self, ctx):
        self.ctx, self.rng = ctx, ctx.rng
        self.today, self.latest = ctx.today, ctx.now - timedelta(minutes=5)
        self.coordinator = db.session.scalar(select(User.id).where(User.role == "coordinator").order_by(User.id))
        self.officers = dict(db.session.execute(
            select(User.company_id, User.id).where(User.role == "company").order_by(User.id.desc())).all())
        self.commitments: list[dict] = []
        self.regions: list[list[int]] = []
        self.plans: list[list[dict]] = []  # per commitment: its contributions
        self.revisions: list[tuple[int, dict]] = []

    def commitment(self, company_id: int, year: int, title: str, description: str,
                   strategy: str, amount: int, region_ids: list[int], activity_id, contributions: list[dict]):
        officer = self.officers.get(company_id)
        created = min(_at(date(year, 1, 1) + timedelta(days=self.rng.randint(2, 20)), 10, self.rng), self.latest)
        if year < self.today.year:
            created = min(_at(date(year - 1, 12, 1) + timedelta(days=self.rng.randint(0, 20)), 10, self.rng),
                          self.latest)
        self.commitments.append({"company_id": company_id, "year": year, "title": title, "description": description,
                                 "strategy": strategy, "amount": amount, "activity_id": activity_id,
                                 "created_at": created, "created_by_id": officer, "updated_at": created,
                                 "version": 1})
        self.regions.append(sorted(set(region_ids)))
        self.plans.append(contributions)

    def contributions(self, year: int, amount: int, share: float, unit: str, per: int, in_kind: str | None,
                      showcase: bool = False, verified: bool = False) -> list[dict]:
        """Specs of a commitment's contributions (their sum near ``share`` of the amount); ``showcase``:
        one in each status; ``verified``: all of them verified."""
        rng, today = self.rng, self.today
        if today < date(year, 1, 1):
            return []
        elapsed = 1.0 if year < today.year else max((today - date(year, 1, 1)).days / 365, 0.01)
        n = len(SHOWCASE) if showcase else max(1, round(rng.randint(2, 4) * min(1.0, elapsed + 0.3)))
        total = amount * share * (1.0 if year < today.year else min(1.0, elapsed * rng.uniform(0.8, 1.2)))
        out = []
        for i, day in enumerate(_dates(year, today, n, rng)):
            value = max(100_000, int(total / n * rng.uniform(0.8, 1.2)) // 100_000 * 100_000)
            kind = IN_KIND if in_kind and (i % 2 == 0 or rng.random() < 0.3) else "cash"
            status = SHOWCASE[i] if showcase else VERIFIED if verified else _status((today - day).days, rng)
            out.append({"date": day, "kind": kind, "amount": value, "status": status,
                        "description": in_kind if kind == IN_KIND else "",
                        "beneficiaries": max(0, int(per * rng.uniform(0.7, 1.3))), "beneficiary_unit": unit})
        return out

    def write(self) -> tuple[int, int]:
        if not self.commitments:
            return 0, 0
        ids = list(db.session.scalars(insert(CsrCommitment).returning(CsrCommitment.id, sort_by_parameter_order=True),
                                      self.commitments))
        db.session.execute(insert(commitment_region), [{"commitment_id": c, "region_id": r}
                                                       for c, regions in zip(ids, self.regions) for r in regions])
        if self.revisions:
            db.session.execute(insert(CsrRevision), [{**row, "commitment_id": ids[i]} for i, row in self.revisions])
        rows, steps = [], []
        for commitment_id, row, specs in zip(ids, self.commitments, self.plans):
            officer = row["created_by_id"]
            for spec in specs:
                record, events = self._timeline(spec, officer)
                rows.append({**record, "commitment_id": commitment_id})
                steps.append(events)
        contribution_ids = list(db.session.scalars(
            insert(CsrContribution).returning(CsrContribution.id, sort_by_parameter_order=True), rows))
        _bulk_insert(CsrEvent, [{**e, "contribution_id": cid} for cid, events in zip(contribution_ids, steps)
                                for e in events])
        return len(ids), len(rows)

    def _timeline(self, spec: dict, officer) -> tuple[dict, list[dict]]:
        rng, status, day = self.rng, spec["status"], spec["date"]
        created = _at(day + timedelta(days=rng.randint(0, 3)), 9, rng)
        submitted = created + timedelta(days=rng.randint(1, 8), hours=3) if status != DRAFT else None
        cycle = status == RETURNED or (status in (SUBMITTED, VERIFIED) and rng.random() < 0.12)
        returned = submitted + timedelta(days=rng.randint(2, 6)) if cycle and submitted else None
        again = returned + timedelta(days=rng.randint(1, 4)) if returned and status != RETURNED else None
        verified = (again or submitted) + timedelta(days=rng.randint(2, 12)) if status == VERIFIED else None
        created, submitted, returned, again, verified = _chain([created, submitted, returned, again, verified],
                                                               self.latest)
        comment = rng.choice(RETURN_COMMENTS) if returned else ""
        note = rng.choice(VERIFY_NOTES) if verified and not returned else ""
        coordinator = self.coordinator
        record = {k: spec[k] for k in ("date", "kind", "amount", "description", "beneficiaries", "beneficiary_unit",
                                       "status")}
        record.update(review_comment=comment or note, first_submitted_at=submitted, submitted_at=again or submitted,
                      submitted_by_id=officer if submitted else None, verified_at=verified,
                      verified_by_id=coordinator if verified else None, returned_at=returned,
                      returned_by_id=coordinator if returned else None, created_at=created, created_by_id=officer,
                      updated_at=verified or again or returned or submitted or created,
                      updated_by_id=coordinator if (verified or (returned and not again)) else officer, version=1)
        events = [("create", created, officer, None, DRAFT, "")]
        if submitted:
            events.append(("submit", submitted, officer, DRAFT, SUBMITTED, ""))
        if returned:
            events.append(("return", returned, coordinator, SUBMITTED, RETURNED, comment))
        if again:
            events.append(("submit", again, officer, RETURNED, SUBMITTED, ""))
        if verified:
            events.append(("verify", verified, coordinator, SUBMITTED, VERIFIED, note))
        return record, [{"at": at, "user_id": user, "action": action, "from_status": a, "to_status": b,
                         "comment": text} for action, at, user, a, b, text in events]


def _activities(years) -> dict[tuple[str, str, int], int]:
    rows = db.session.execute(select(Activity.id, Activity.code, Activity.year, Agency.short_name)
                              .join(Agency, Agency.id == Activity.agency_id).where(Activity.year.in_(years)))
    return {(r.short_name, r.code, r.year): r.id for r in rows}


def _places(ctx) -> tuple[list[int], dict[int, list[int]]]:
    kecamatan = ctx.data.get("kecamatan_ids", [])
    desa: dict[int, list[int]] = {}
    for region_id, parent_id in db.session.execute(select(Region.id, Region.parent_id).where(
            Region.level == "desa").order_by(Region.code)):
        desa.setdefault(parent_id, []).append(region_id)
    return kecamatan, desa


def _small(ctx, loader: _Loader) -> None:
    companies = [Company(name=n, sector=s, address=a, contact_name=c, contact_email=f"csr{7 + i}@contoh.co.id")
                 for i, (n, s, a, c) in enumerate(EXTRA_COMPANIES)]
    db.session.add_all(companies)
    db.session.flush()
    ctx.data["company_ids"] = ctx.data.get("company_ids", []) + [c.id for c in companies]
    names = dict(db.session.execute(select(Company.name, Company.id)).all())
    kecamatan, desa = _places(ctx)
    activities = _activities(ctx.years)
    first = ctx.data["company_ids"][0] if ctx.data.get("company_ids") else None
    for year in ctx.years:
        factor = 1.0 if year == ctx.current_year else 0.9
        for company, programs in PROGRAMS.items():
            company_id = names.get(company)
            if company_id is None:
                continue
            for n, (title, description, strategy, juta, unit, per, places, activity, in_kind) in enumerate(programs):
                amount = int(juta * factor * JUTA)
                regions = [desa[kecamatan[k - 1]][d - 1] if d else kecamatan[k - 1] for k, d in places]
                over = (company, n + 1) in OVER and year < ctx.current_year
                share = ctx.rng.uniform(1.1, 1.25) if over else ctx.rng.uniform(0.8, 1.0)
                showcase = company_id == first and year == ctx.current_year and n == 0
                specs = loader.contributions(year, amount, share, unit, per, in_kind, showcase=showcase, verified=over)
                activity_id = activities.get((activity[0], activity[1], year)) if activity else None
                if company_id == first and n == 0 and year == ctx.current_year - 1:
                    revised = int(amount * 1.15) // JUTA * JUTA
                    loader.revisions.append((len(loader.commitments), {
                        "old_amount": amount, "new_amount": revised, "reason": REVISION_REASON, "by_id": None,
                        "at": min(datetime(year, 7, 15, 10, 0, tzinfo=JAKARTA), loader.latest)}))
                    amount = revised
                loader.commitment(company_id, year, title, description, strategy, amount, regions, activity_id,
                                  specs)


def _large(ctx, loader: _Loader) -> None:
    rng = ctx.rng
    kecamatan, desa = _places(ctx)
    activity_ids = ctx.data.get("activity_ids_by_year", {})
    for year in ctx.years:
        pool = activity_ids.get(year, [])
        for position, company_id in enumerate(ctx.data.get("company_ids", [])):
            for k in range(rng.choice((1, 2, 2, 3))):
                title, strategy, unit, in_kind = LARGE_PROGRAMS[(position + k) % len(LARGE_PROGRAMS)]
                amount = rng.randint(5, 120) * 10 * JUTA
                kec = rng.sample(kecamatan, k=min(len(kecamatan), rng.choice((1, 1, 2)))) if kecamatan else []
                regions = [rng.choice(desa[r]) if desa.get(r) and rng.random() < 0.4 else r for r in kec]
                specs = loader.contributions(year, amount, rng.uniform(0.7, 1.15), unit, rng.randint(5, 200),
                                             f"{in_kind} untuk penerima manfaat" if in_kind else None)
                activity_id = rng.choice(pool) if pool and rng.random() < 0.25 else None
                loader.commitment(company_id, year, f"{title} {year}", f"Program {title.lower()}.",
                                  strategy, amount, regions, activity_id, specs)


def load(ctx) -> None:
    started = time_module.perf_counter()
    loader = _Loader(ctx)
    (_large if ctx.large else _small)(ctx, loader)
    commitments, contributions = loader.write()
    if db.session.get_bind().dialect.name == "postgresql":
        for table in ("csr_commitment", "csr_commitment_region", "csr_contribution", "csr_event"):
            db.session.execute(text(f"ANALYZE {table}"))
    ctx.echo(f"CSR contoh: {len({c['company_id'] for c in loader.commitments})} perusahaan, {commitments} "
             f"komitmen, {contributions} kontribusi ({time_module.perf_counter() - started:.1f} detik).")
