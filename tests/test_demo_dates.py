"""What a newcomer meets first: a demo that follows today's date, a home page that opens on a year with
data, and a navigation bar that names the role instead of showing its code."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import empty_tables, login
from tests.progress_helpers import make_activity
from tracker.extensions import db
from tracker.periods.models import Period
from tracker.plans.models import Activity
from tracker.progress.models import ProgressReport
from tracker.reference.models import Agency
from tracker.types import JAKARTA, jakarta_now

DEMO_BAPPEDA = ("bappeda", "Bappeda-Mentaya-2025")


def load(runner, *args):
    result = runner.invoke(args=["demo", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    db.session.expire_all()
    return result


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - timedelta(days=1)
    return start, end


def statuses_by_quarter() -> dict[tuple[int, int], Counter]:
    out: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for year, quarter, status in db.session.execute(
            select(ProgressReport.year, ProgressReport.quarter, ProgressReport.status)):
        out[(year, quarter)][status] += 1
    return out


def activities_per_year() -> dict[int, int]:
    return dict(db.session.execute(select(Activity.year, func.count()).group_by(Activity.year)).all())


def snapshot() -> list[tuple]:
    return sorted(db.session.execute(
        select(Agency.code, Activity.code, ProgressReport.year, ProgressReport.quarter, ProgressReport.status,
               ProgressReport.budget_realized, ProgressReport.physical_progress, ProgressReport.first_submitted_at,
               ProgressReport.verified_at)
        .join(Activity, Activity.id == ProgressReport.activity_id).join(Agency, Agency.id == Activity.agency_id)).all())


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# ---- the demo follows the date ---------------------------------------------------------------------

def test_demo_years_are_this_year_and_the_one_before_by_default(app, runner):
    load(runner)
    this_year = jakarta_now().year
    assert set(activities_per_year()) == {this_year - 1, this_year}
    # nothing in a quarter that has not started, nothing stamped after today
    today = jakarta_now().date()
    for (year, quarter), counts in statuses_by_quarter().items():
        assert quarter_bounds(year, quarter)[0] <= today, (year, quarter, counts)
    latest = db.session.scalar(select(func.max(ProgressReport.updated_at)))
    assert latest < datetime.combine(today + timedelta(days=1), time(0), JAKARTA)


@pytest.mark.parametrize("today", [date(2026, 12, 3), date(2031, 5, 20)])
def test_demo_states_follow_the_date(app, runner, today):
    load(runner, "--today", today.isoformat())
    activities = activities_per_year()
    assert set(activities) == {today.year - 1, today.year}
    counts = statuses_by_quarter()
    periods = {(p.year, p.quarter): p for p in db.session.scalars(select(Period))}
    seen = set()
    for year in activities:
        for quarter in range(1, 5):
            start, end = quarter_bounds(year, quarter)
            c, n = counts.get((year, quarter), Counter()), activities[year]
            period = periods[(year, quarter)]
            following = periods[(year + quarter // 4, quarter % 4 + 1)]
            if start > today:
                assert not c, (year, quarter, c)  # quarters after today have no reports
                assert not period.locked
                seen.add("future")
            elif end >= today:
                # the running quarter: a few early drafts and submissions, nothing reviewed yet
                assert c and set(c) <= {"draft", "submitted"} and c["draft"] >= c["submitted"], c
                assert sum(c.values()) < n / 2 and not period.locked
                seen.add("running")
            elif following.due_date < today:
                # long past: evaluated and locked, almost everything verified, nothing left waiting
                assert period.locked and period.lock_reason
                assert c["verified"] >= 0.85 * n and not c["submitted"] and not c["returned"], c
                seen.add("closed")
            elif period.due_date < today:
                # past its due date, under review: mostly verified, some waiting or returned, a few missing
                assert not period.locked
                assert c["verified"] > sum(c.values()) / 2 and c["submitted"] and c["returned"], c
                assert c["draft"] + n - sum(c.values()) > 0  # a few not submitted yet, so late
                seen.add("review")
    assert {"running", "closed", "review"} <= seen
    # some came in late (after the due date, Jakarta time), none is stamped after the date
    late = [r for r in db.session.scalars(select(ProgressReport).where(ProgressReport.first_submitted_at.is_not(None)))
            if r.first_submitted_at >= datetime.combine(periods[(r.year, r.quarter)].due_date + timedelta(days=1),
                                                        time(0), JAKARTA)]
    assert late
    start_of_today = datetime.combine(today, time(0), JAKARTA)
    for column in (ProgressReport.created_at, ProgressReport.updated_at, ProgressReport.verified_at):
        assert db.session.scalar(select(func.max(column))) < start_of_today


def test_demo_is_the_same_for_the_same_seed_and_date(app, runner):
    load(runner, "--today", "2026-12-03", "--seed", "7")
    first = snapshot()
    db.session.remove()
    empty_tables(app)
    load(runner, "--today", "2026-12-03", "--seed", "7")
    assert snapshot() == first and first
    db.session.remove()
    empty_tables(app)
    load(runner, "--today", "2026-08-03", "--seed", "7")
    assert snapshot() != first


def test_an_explicit_demo_year_is_kept(app):
    from tracker.demo import load_demo

    load_demo(scale="small", echo=lambda *_: None, current_year=2025, today=date(2026, 12, 3))
    assert set(activities_per_year()) == {2024, 2025}
    # seen from 2026-12-03 every quarter of 2024 and 2025 is long done
    assert all(p.locked for p in db.session.scalars(select(Period).where(Period.year.in_((2024, 2025)))))


# ---- the home page opens on a year with data ---------------------------------------------------------

def test_home_opens_on_the_latest_year_with_plans(app, runner):
    load(runner, "--today", "2024-06-15")  # a demo of 2023-2024, seen today: the calendar year is empty
    this_year = jakarta_now().year
    assert this_year not in activities_per_year()
    browser = app.test_client()
    assert login(browser, *DEMO_BAPPEDA).status_code in (302, 303)
    html = page(browser.get("/"))
    assert "Triwulan tahun 2024" in html and f"Triwulan tahun {this_year}" not in html
    assert re.search(r'<option value="2023"\s*>2023</option>', html)
    # ?year= still chooses
    html = page(browser.get("/?year=2023"))
    assert "Triwulan tahun 2023" in html and "Terkunci" in html  # 2023's quarters, locked by the demo
    html = page(browser.get(f"/?year={this_year}"))
    assert f"Triwulan tahun {this_year}" in html
    assert "Triwulan tahun 2099" in page(browser.get("/?year=2099"))
    assert "Triwulan tahun 2024" in page(browser.get("/?year=abc"))


def test_home_opens_on_the_calendar_year_when_it_has_plans(app, make_agency, make_user, client_as):
    this_year = jakarta_now().year
    agency = make_agency()
    for year in (this_year - 2, this_year, this_year + 1):
        make_activity(agency, year=year)
    html = page(client_as(make_user(role="viewer")).get("/"))
    assert f"Triwulan tahun {this_year}" in html


def test_home_without_any_plans_shows_the_calendar_year(app, make_user, client_as):
    html = page(client_as(make_user(role="viewer")).get("/"))
    assert f"Triwulan tahun {jakarta_now().year}" in html


def test_home_of_the_default_demo_opens_on_this_year(app, runner):
    load(runner)
    browser = app.test_client()
    login(browser, *DEMO_BAPPEDA)
    html = page(browser.get("/"))
    assert f"Triwulan tahun {jakarta_now().year}" in html


# ---- the navigation names the role ------------------------------------------------------------------

ROLE_NAMES = {
    "admin": ("Administrator", "Administrator"),
    "coordinator": ("Koordinator (Bappeda/TKPK)", "Coordinator (Bappeda/TKPK)"),
    "agency": ("Operator OPD", "OPD operator"),
    "company": ("Perusahaan (CSR)", "Company (CSR)"),
    "viewer": ("Pimpinan / Pemantau", "Leadership / observer"),
}
BADGE = re.compile(r'<span class="badge text-bg-success nav-role">([^<]*)</span>')


@pytest.mark.parametrize("role", sorted(ROLE_NAMES))
def test_nav_shows_the_roles_name_in_the_ui_language(make_user, client_as, role):
    indonesian, english = ROLE_NAMES[role]
    browser = client_as(make_user(role=role))
    badges = BADGE.findall(page(browser.get("/", follow_redirects=True)))
    assert badges == [indonesian], badges
    assert browser.post("/language", data={"lang": "en", "next": "/"}).status_code in (302, 303)
    html = page(browser.get("/", follow_redirects=True))
    assert '<html lang="en">' in html
    assert BADGE.findall(html) == [english]
    if role != "admin":  # "Administrator" contains "admin"; the others must not show the code at all
        assert f">{role}<" not in html and role not in BADGE.findall(html)[0]
