"""The demo's CSR section: 6–8 companies with commitments in both years and contributions in every status
(the demo login csr.agro too, in the current year, whatever the date), dated by the rules, a history that
matches each status, figures that add up; the large demo's 150 companies load fast."""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from datetime import date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.auth.models import User
from tracker.csr import queries
from tracker.csr.models import BENEFICIARY_UNITS, IN_KIND, CsrCommitment, CsrContribution, CsrEvent, CsrRevision
from tracker.csr.validation import clean_commitment, clean_contribution
from tracker.demo import DemoContext, demo_years, load_demo
from tracker.extensions import db
from tracker.plans.models import Activity
from tracker.reference.models import Company
from tracker.review import TRANSITIONS
from tracker.types import JAKARTA

STATUSES = {"draft", "submitted", "returned", "verified"}


def load(today: date) -> None:
    load_demo(scale="small", echo=lambda *_: None, today=today)
    db.session.expire_all()


def contributions() -> list[CsrContribution]:
    return db.session.scalars(select(CsrContribution).order_by(CsrContribution.id)).all()


@pytest.mark.parametrize("today", [date(2026, 12, 3), date(2027, 1, 2), date(2026, 6, 15)])
def test_every_status_and_the_rules(app, today):
    load(today)
    start_of_today = datetime.combine(today, datetime.min.time(), JAKARTA)
    companies = db.session.execute(select(CsrCommitment.company_id, CsrCommitment.year).distinct()).all()
    by_company = defaultdict(set)
    for company_id, year in companies:
        by_company[company_id].add(year)
    assert 6 <= len(by_company) <= 8 == db.session.scalar(select(func.count()).select_from(Company))
    assert all(years == {today.year - 1, today.year} for years in by_company.values()), by_company

    rows = contributions()
    assert set(Counter(x.status for x in rows)) == STATUSES
    agro = db.session.scalar(select(User).where(User.username == "csr.agro"))
    mine = [x for x in rows if x.commitment.company_id == agro.company_id and x.commitment.year == today.year]
    assert {x.status for x in mine} == STATUSES, Counter(x.status for x in mine)

    for x in rows:
        # as if typed in through the app on that day: the same rules pass
        clean_contribution({k: getattr(x, k) for k in ("date", "kind", "amount", "description", "beneficiaries",
                                                       "beneficiary_unit")}, x.commitment.year, today=today)
        assert x.date.year == x.commitment.year and x.date <= today
        assert x.amount > 0 and x.beneficiaries >= 0 and x.beneficiary_unit in BENEFICIARY_UNITS
        if x.kind == IN_KIND:
            assert x.description.strip()
        if x.status == "returned":
            assert x.review_comment and x.returned_at and x.returned_by_id
        if x.status in ("submitted", "verified", "returned"):
            assert x.first_submitted_at and x.submitted_at and x.first_submitted_at <= x.submitted_at
        else:
            assert x.submitted_at is None
        if x.status == "verified":
            assert x.verified_at and x.verified_by_id and x.submitted_at <= x.verified_at
        for stamp in (x.created_at, x.updated_at, x.submitted_at, x.verified_at, x.returned_at):
            assert stamp is None or stamp < start_of_today
    commitments = db.session.scalars(select(CsrCommitment).options(selectinload(CsrCommitment.regions))).all()
    for c in commitments:
        clean_commitment({"company_id": c.company_id, "year": c.year, "title": c.title,
                          "description": c.description, "strategy": c.strategy, "amount": c.amount,
                          "region_ids": [r.id for r in c.regions], "activity_id": c.activity_id})
        assert c.created_at < start_of_today
    supported = [c for c in commitments if c.activity_id]
    assert supported and all(db.session.get(Activity, c.activity_id).year == c.year for c in supported)
    # some programs gave more than they promised (verified above the commitment)
    sums = queries.contributed_by_commitment(c.id for c in commitments)
    assert any(sums[c.id]["verified"] > c.amount for c in commitments)


def test_history_matches_each_status(app):
    load(date(2026, 12, 3))
    events = defaultdict(list)
    for e in db.session.scalars(select(CsrEvent).order_by(CsrEvent.at, CsrEvent.id)):
        events[e.contribution_id].append(e)
    for x in contributions():
        steps = events[x.id]
        assert steps[0].action == "create" and steps[0].to_status == "draft"
        status = "draft"
        for e in steps[1:]:
            assert e.from_status == status and TRANSITIONS[(status, e.action)] == e.to_status, (x.id, e.action)
            status = e.to_status
            if e.action == "return":
                assert e.comment
        assert status == x.status
        assert [e.at for e in steps] == sorted(e.at for e in steps)
    revision = db.session.scalars(select(CsrRevision)).one()
    commitment = db.session.get(CsrCommitment, revision.commitment_id)
    assert commitment.amount == revision.new_amount != revision.old_amount and revision.reason


def test_figures_add_up(app):
    load(date(2026, 12, 3))
    rows = contributions()
    commitments = db.session.scalars(select(CsrCommitment)).all()
    for year in (2025, 2026, None):
        f = queries.CsrFilters(year=year)
        mine = [c for c in commitments if year in (None, c.year)]
        ids = {c.id for c in mine}
        expected = {"commitments": len(mine), "committed": sum(c.amount for c in mine),
                    "verified": sum(x.amount for x in rows if x.commitment_id in ids and x.status == "verified"),
                    "pending": sum(x.amount for x in rows if x.commitment_id in ids and x.status == "submitted")}
        assert queries.totals(f) == expected
        for rollup in (queries.by_company, queries.by_sector, queries.by_strategy, queries.by_year,
                       queries.by_kecamatan):
            figures = rollup(f)
            for key in ("committed", "verified", "pending"):
                assert sum(r[key] for r in figures) == expected[key], (rollup.__name__, key)
    # the demo login's company page has figures for this year
    agro = db.session.scalar(select(User).where(User.username == "csr.agro"))
    own = queries.totals(queries.CsrFilters(year=2026, company_id=agro.company_id))
    assert own["committed"] > 0 and own["verified"] > 0 and own["pending"] > 0


def test_the_demo_is_the_same_for_the_same_date(app):
    from tests.conftest import empty_tables

    def snapshot():
        return sorted(db.session.execute(select(CsrCommitment.title, CsrCommitment.year, CsrCommitment.amount,
                                                CsrContribution.date, CsrContribution.amount, CsrContribution.status)
                                         .join(CsrCommitment, CsrCommitment.id == CsrContribution.commitment_id)).all())

    load(date(2026, 12, 3))
    first = snapshot()
    db.session.remove()
    empty_tables(app)
    load(date(2026, 12, 3))
    assert snapshot() == first and first


def test_large_csr_section_is_fast(app):
    """Only the sections CSR builds on (regions, companies, users): 150 companies over five years."""
    from tracker.demo import csr, people, reference

    today = date(2026, 12, 3)
    ctx = DemoContext(scale="large", rng=random.Random(2025), echo=lambda *_: None,
                      years=demo_years("large", today.year), current_year=today.year, today=today)
    reference.load(ctx)
    people.load(ctx)
    started = time.perf_counter()
    csr.load(ctx)
    db.session.commit()
    elapsed = time.perf_counter() - started
    companies = db.session.execute(select(CsrCommitment.company_id, func.count(func.distinct(CsrCommitment.year)))
                                   .group_by(CsrCommitment.company_id)).all()
    assert len(companies) == 150 and all(n == 5 for _c, n in companies)
    statuses = set(db.session.scalars(select(CsrContribution.status).distinct()))
    assert statuses == STATUSES
    latest = db.session.scalar(select(func.max(CsrContribution.date)))
    assert latest <= today and db.session.scalar(select(func.min(CsrContribution.date))) >= date(today.year - 4, 1, 1)
    print(f"large CSR section: {elapsed:.2f} s, "
          f"{db.session.scalar(select(func.count()).select_from(CsrContribution))} contributions")
