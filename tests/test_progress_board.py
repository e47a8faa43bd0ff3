"""The completeness board (OPD × quarter) against a plain-Python computation, and bounded queries."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import pytest

from tests.conftest import count_queries, login
from tests.progress_helpers import make_activity
from tracker.extensions import db
from tracker.periods import services as periods
from tracker.progress import queries
from tracker.progress.models import ProgressReport
from tracker.types import JAKARTA

TODAY = date(2025, 8, 1)  # Q1 and Q2 are past their due dates (10 Apr, 10 Jul); Q3 and Q4 are not


def _seed(make_agency, seed=7, per_agency=(4, 7, 2)):
    rng = random.Random(seed)
    agencies = [make_agency(code=f"1.0{i}.01", name=f"Dinas Uji {i}", short_name=f"OPD-Uji-{i}") for i in range(len(per_agency))]
    due = {q: periods.get_period(2025, q).due_date for q in range(1, 5)}
    db.session.commit()
    for agency, n in zip(agencies, per_agency):
        for _ in range(n):
            activity = make_activity(agency)
            for quarter in range(1, 5):
                status = rng.choice([None, None, "draft", "submitted", "returned", "verified"])
                if status is None:
                    continue
                first = None
                if status != "draft":
                    # around the deadline, including the exact edges (23:59 on the due date / 00:00 the day after)
                    offset = rng.choice([-5, -1, 0, 1, 3])
                    moment = time(23, 59) if offset == 0 else time(0, 0) if offset == 1 else time(10)
                    day = due[quarter] + timedelta(days=offset if offset != 1 else 1)
                    first = datetime.combine(day, moment, JAKARTA)
                db.session.add(ProgressReport(activity_id=activity.id, year=2025, quarter=quarter, status=status,
                                              first_submitted_at=first, submitted_at=first))
    # an activity of another year must not count
    make_activity(agencies[0], year=2024)
    db.session.commit()
    return agencies, due


def reference(agencies, due, today):
    """The board figures the slow, obvious way."""
    from sqlalchemy import select

    from tracker.plans.models import Activity

    expected = {}
    activities = db.session.scalars(select(Activity).where(Activity.year == 2025)).all()
    reports = {(r.activity_id, r.quarter): r for r in db.session.scalars(select(ProgressReport))}
    for activity in activities:
        for quarter in range(1, 5):
            cell = expected.setdefault((activity.agency_id, quarter), dict.fromkeys(queries.BOARD_MEASURES, 0))
            report = reports.get((activity.id, quarter))
            status = report.status if report else None
            cell["activities"] += 1
            cell["reported"] += status in ("submitted", "verified")
            cell["verified"] += status == "verified"
            cell["submitted"] += status == "submitted"
            cell["returned"] += status == "returned"
            cell["draft"] += status == "draft"
            cell["missing"] += status in (None, "draft")
            first = report.first_submitted_at if report else None
            if first is not None:
                cell["late"] += first.astimezone(JAKARTA).date() > due[quarter]
            else:
                cell["late"] += today > due[quarter]
    return expected


def test_board_matches_python(app, make_agency):
    agencies, due = _seed(make_agency)
    got = {(c["agency_id"], c["quarter"]): {m: c[m] for m in queries.BOARD_MEASURES}
           for c in queries.completeness(2025, today=TODAY)}
    want = reference(agencies, due, TODAY)
    assert got == want
    for cell in got.values():
        assert cell["activities"] == cell["reported"] + cell["returned"] + cell["missing"]
    # the late figures depend on the day: before any due date nothing unsubmitted is late
    early = {(c["agency_id"], c["quarter"]): c["late"] for c in queries.completeness(2025, today=date(2025, 3, 1))}
    assert early == {k: v["late"] for k, v in reference(agencies, due, date(2025, 3, 1)).items()}


def test_board_follows_a_changed_due_date(app, make_agency):
    agencies, due = _seed(make_agency, seed=11)
    period = periods.get_period(2025, 2)
    periods.set_due_date(period, date(2025, 7, 31))
    db.session.commit()
    due[2] = date(2025, 7, 31)
    got = {(c["agency_id"], c["quarter"]): c["late"] for c in queries.completeness(2025, today=TODAY)}
    assert got == {k: v["late"] for k, v in reference(agencies, due, TODAY).items()}


def test_board_api_and_scoping(app, make_agency, make_user, api_as):
    agencies, due = _seed(make_agency, seed=3)
    viewer = api_as(make_user(role="viewer"))
    items = viewer.get("/api/v1/progress/completeness?year=2025").get_json()["items"]
    assert len(items) == 3 * 4
    opd = api_as(make_user(role="agency", agency=agencies[1]))
    own = opd.get("/api/v1/progress/completeness?year=2025").get_json()["items"]
    assert {i["agency_id"] for i in own} == {agencies[1].id}
    assert opd.get(f"/api/v1/progress/completeness?year=2025&agency_id={agencies[0].id}").status_code == 404
    assert viewer.get("/api/v1/progress/completeness").status_code == 400


def test_board_page(app, make_agency, make_user):
    agencies, _due = _seed(make_agency, seed=5)
    client = app.test_client()
    login(client, make_user(role="coordinator"))
    page = client.get("/progress/board?year=2025")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert all(a.short_name in text for a in agencies) and "Kunci triwulan" in text
    opd_client = app.test_client()
    login(opd_client, make_user(role="agency", agency=agencies[0]))
    text = opd_client.get("/progress/board?year=2025").get_data(as_text=True)
    assert agencies[0].short_name in text and agencies[1].short_name not in text and "Kunci triwulan" not in text


@pytest.mark.parametrize("url", [
    "/progress/2025/2", "/progress/2025/2?agency_id={a}", "/progress/review", "/progress/board?year=2025",
    "/progress/", "/progress/tasks", "/progress/2025/2/table?agency_id={a}",
    "/api/v1/progress?year=2025", "/api/v1/progress/completeness?year=2025",
])
def test_query_count_does_not_grow_with_data(app, make_agency, make_user, api_as, url):
    agencies, _due = _seed(make_agency, seed=1, per_agency=(2, 1, 1))
    user = make_user(role="coordinator")
    client = app.test_client()
    login(client, user)
    api = api_as(user)
    target = url.format(a=agencies[0].id)
    def get(u):
        with count_queries() as found:
            response = api.get(u) if u.startswith("/api/") else client.get(u)
        assert response.status_code == 200, u
        return len(found)

    get(target)  # warm up (first token use is recorded once)
    small = get(target)
    for agency in agencies:  # many more activities and reports
        for _ in range(8):
            activity = make_activity(agency)
            for quarter in (1, 2):
                db.session.add(ProgressReport(activity_id=activity.id, year=2025, quarter=quarter, status="submitted",
                                              budget_realized=1000, physical_progress=10, beneficiaries_reached=1,
                                              submitted_at=datetime(2025, 7, 1, tzinfo=JAKARTA),
                                              first_submitted_at=datetime(2025, 7, 1, tzinfo=JAKARTA)))
    db.session.commit()
    large = get(target)
    assert large == small, (target, small, large)
    assert large <= 25


def test_totals_over_years_equal_the_board_sums(app, make_agency):
    agencies, due = _seed(make_agency, seed=9)
    totals = queries.completeness_totals([2024, 2025], today=TODAY)
    for year in (2024, 2025):
        for quarter in range(1, 5):
            summed = dict.fromkeys(queries.BOARD_MEASURES, 0)
            for cell in queries.completeness(year, today=TODAY):
                if cell["quarter"] == quarter:
                    for m in queries.BOARD_MEASURES:
                        summed[m] += cell[m]
            assert totals[(year, quarter)] == summed, (year, quarter)
    assert totals[(2024, 1)]["activities"] == 1 and totals[(2024, 1)]["missing"] == 1
    own = queries.completeness_totals([2025], agency_id=agencies[0].id, today=TODAY)
    assert own[(2025, 1)]["activities"] == 4
