"""The demo's TKPK meetings: the year's schedule (January, May pre-Rakor, September verval, December
Rakor) up to the demo's date and the next one on the calendar; the meetings held have attendance,
minutes quoting the poverty figures, and agreements; the two latest carry every status, the demo login
dinsos an overdue one, csr.agro's company one; each agreement's history ends in its status and nothing
is stamped after today.  The same seed and date give the same meetings; the large demo stays fast."""

from __future__ import annotations

import random
import time as time_module
from collections import Counter
from datetime import date, datetime, time
from html import unescape
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from tests.conftest import empty_tables, login
from tracker.auth.models import User
from tracker.demo import DemoContext, demo_years
from tracker.extensions import db
from tracker.meetings.labels import ACTION_LABELS
from tracker.meetings.models import Agreement, AgreementEvent, Meeting, MeetingAttendee
from tracker.meetings.validation import clean_agreement, clean_meeting, clean_status
from tracker.types import JAKARTA, jakarta_now

DATES = ["2026-12-03", "2027-01-02", "2026-06-15", "2026-01-05", "2026-09-30"]
SCHEDULE = {1: "evaluasi_triwulan", 5: "pra_rakor", 9: "verval", 12: "rakor"}


def load(runner, today: str, seed: str = "2025") -> None:
    result = runner.invoke(args=["demo", "--today", today, "--seed", seed])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "Rapat TKPK:" in result.output
    db.session.expire_all()


def meetings() -> list[Meeting]:
    return db.session.scalars(select(Meeting).order_by(Meeting.date)).all()


def agreements(meeting_ids=None) -> list[Agreement]:
    query = select(Agreement).order_by(Agreement.id)
    if meeting_ids is not None:
        query = query.where(Agreement.meeting_id.in_(meeting_ids))
    return db.session.scalars(query).all()


def user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


@pytest.mark.parametrize("today", DATES)
def test_the_schedule_up_to_today_and_the_next_meeting(app, runner, today):
    load(runner, today)
    day = date.fromisoformat(today)
    rows = meetings()
    held = [m for m in rows if m.date < day]
    ahead = [m for m in rows if m.date >= day]
    assert len(held) >= 2 and len(ahead) <= 1
    for m in rows:
        assert m.date.year in (day.year - 1, day.year)
        assert SCHEDULE[m.date.month] == m.kind and m.date.weekday() < 5
        assert m.title and m.place and m.chair and m.agenda.startswith("1. ")
        # the quarter it evaluates has ended by the meeting (January looks back at last year's IV)
        assert (m.year, m.quarter) == ((m.date.year - 1, 4) if m.kind == "evaluasi_triwulan"
                                       else (m.date.year, {5: 1, 9: 2, 12: 3}[m.date.month]))
    # every scheduled meeting before today was held, in the order of the TKPK's year
    months = [m.date.month for m in held]
    assert all(b == {1: 5, 5: 9, 9: 12, 12: 1}[a] for a, b in pairwise(months)), months
    counts = dict(db.session.execute(select(MeetingAttendee.meeting_id, func.count())
                                     .group_by(MeetingAttendee.meeting_id)).all())
    for m in held:
        assert m.minutes and "kesepakatan" in m.minutes and counts.get(m.id, 0) >= 8
        assert agreements([m.id]), m.title
    for m in ahead:  # the next one: on the calendar with its agenda, nothing recorded yet
        assert not m.minutes and not counts.get(m.id) and not agreements([m.id])
        assert m.date == min(m.date for m in ahead)
    if day < date(day.year, 12, 7):
        assert ahead, "the next meeting of the year is on the calendar"
    start_of_today = datetime.combine(day, time(0), JAKARTA)
    attendance: dict[int, list[dict]] = {}
    for a in db.session.scalars(select(MeetingAttendee).order_by(MeetingAttendee.id)):
        attendance.setdefault(a.meeting_id, []).append(
            {k: v for k, v in (("agency_id", a.agency_id), ("company_id", a.company_id), ("name", a.name or None),
                               ("people", a.people)) if v is not None})
    for m in rows:
        assert m.created_at < start_of_today and m.updated_at < start_of_today and m.created_by_id
        assert m.created_at <= m.updated_at
        # as if Bappeda had typed it in: the feature's validation takes it as it is
        data = {"date": m.date, "year": m.year, "quarter": m.quarter, "kind": m.kind, "title": m.title,
                "place": m.place, "agenda": m.agenda, "chair": m.chair, "minutes": m.minutes,
                "attendance": attendance.get(m.id, [])}
        cleaned = clean_meeting(data)
        assert len(cleaned.pop("attendance")) == len(data.pop("attendance")) and cleaned == data


@pytest.mark.parametrize("today", DATES)
def test_agreements_in_every_status(app, runner, today):
    load(runner, today)
    day = date.fromisoformat(today)
    coordinator = user("bappeda")
    held = [m for m in meetings() if m.date < day]
    latest_two = agreements([m.id for m in held[-2:]])
    statuses = Counter(a.status for a in latest_two)
    assert set(statuses) == {"open", "in_progress", "done", "dropped"}, statuses
    open_ = [a for a in latest_two if a.status == "open"]
    assert any(a.is_overdue(day) for a in open_) and any(not a.is_overdue(day) for a in open_)
    assert all(a.note for a in latest_two if a.status in ("in_progress", "done", "dropped"))
    done = [a for a in latest_two if a.status == "done"]
    assert any(a.confirmed_at and a.confirmed_by_id == coordinator.id for a in done)
    assert any(a.confirmed_at is None and a.confirmed_by_id is None for a in done)
    # the OPD login has something to follow up, one of them overdue; the company login has its own
    dinsos = user("dinsos")
    mine = [a for a in agreements() if a.agency_id == dinsos.agency_id and a.status in ("open", "in_progress")]
    assert len(mine) >= 2 and any(a.is_overdue(day) for a in mine) and any(not a.is_overdue(day) for a in mine)
    company = user("csr.agro").company_id
    assert any(a.company_id == company for a in latest_two)
    events: dict[int, list[AgreementEvent]] = {}
    for e in db.session.scalars(select(AgreementEvent).order_by(AgreementEvent.id)):
        events.setdefault(e.agreement_id, []).append(e)
    for a in agreements():
        assert (a.agency_id is None) != (a.company_id is None)  # one party
        data = {"text": a.text, "agency_id": a.agency_id, "company_id": a.company_id, "due_date": a.due_date}
        assert clean_agreement(data, a.meeting.date) == data
        for e in events[a.id]:
            if e.action == "status":  # the change as the OPD or Bappeda sent it (dropping needs a reason)
                assert clean_status(e.to_status, e.note, note_required=e.to_status == "dropped") == (e.to_status,
                                                                                                     e.note)
        assert a.due_date >= a.meeting.date and a.text.strip()
        if a.status != "done":
            assert a.confirmed_at is None
        if a.company_id:
            assert a.meeting.id in {x.meeting_id for x in db.session.scalars(
                select(MeetingAttendee).where(MeetingAttendee.company_id == a.company_id))}


@pytest.mark.parametrize("today", DATES[:3])
def test_each_history_ends_in_its_status(app, runner, today):
    load(runner, today)
    day = date.fromisoformat(today)
    start_of_today = datetime.combine(day, time(0), JAKARTA)
    coordinator = user("bappeda").id
    operators = {u.id: u.agency_id for u in db.session.scalars(select(User).where(User.role == "agency"))}
    events: dict[int, list[AgreementEvent]] = {}
    for e in db.session.scalars(select(AgreementEvent).order_by(AgreementEvent.id)):
        events.setdefault(e.agreement_id, []).append(e)
    for a in agreements():
        steps = events[a.id]
        first = steps[0]
        assert (first.action, first.from_status, first.to_status, first.user_id) == ("created", None, "open",
                                                                                     coordinator)
        assert first.at == a.created_at and first.at.astimezone(JAKARTA).date() >= a.meeting.date
        status = "open"
        for e in steps[1:]:
            assert e.action in ACTION_LABELS and e.from_status == status, (a.id, e.action)
            if e.action == "confirmed":
                assert status == "done" and e.to_status == "done" and e.user_id == coordinator
                assert a.confirmed_at == e.at and a.confirmed_by_id == coordinator
            else:
                assert e.action == "status" and e.to_status != status and e.note
                # the OPD itself or Bappeda, never another OPD
                assert e.user_id == coordinator or operators.get(e.user_id) == a.agency_id, (a.id, e.user_id)
            status = e.to_status
        assert status == a.status and steps[-1].to_status == a.status
        assert a.note == next((e.note for e in reversed(steps) if e.action == "status"), "")
        assert (a.confirmed_at is not None) == any(e.action == "confirmed" for e in steps)
        times = [e.at for e in steps]
        assert times == sorted(times) and len(set(times)) == len(times)
        assert times[-1] < start_of_today and a.updated_at == times[-1]
    # the operators of the OPDs with a demo login report their own progress
    assert any(e.user_id == user("dinsos").id for s in events.values() for e in s)


def test_the_demo_logins_see_their_agreements(app, runner):
    """Loaded as of today: the OPD login's home page lists its open agreements, the overdue one too, and
    every login finds the meetings on the meetings page."""
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    today = jakarta_now().date()
    dinsos = user("dinsos")
    mine = [a for a in agreements() if a.agency_id == dinsos.agency_id and a.status in ("open", "in_progress")]
    assert any(a.is_overdue(today) for a in mine)
    browser = app.test_client()
    login(browser, "dinsos", "Dinsos-Baamang-2025")
    home = browser.get("/", follow_redirects=True)
    assert home.status_code == 200
    html = unescape(home.get_data(as_text=True))
    for a in mine:
        assert a.text[:60] in html, a.text
    latest = [m for m in meetings() if m.minutes][-1]
    for username, password in (("bupati", "Bupati-Kotim-2025"), ("csr.agro", "Csr-Agro-Lestari-2025")):
        browser = app.test_client()
        login(browser, username, password)
        page = browser.get("/meetings/", follow_redirects=True)
        assert page.status_code == 200 and latest.title in unescape(page.get_data(as_text=True))


def snapshot() -> list[tuple]:
    """By name, not id (PostgreSQL's sequences go on counting after the tables are emptied)."""
    return sorted((m.date, m.kind, m.title, a.text, a.agency.name if a.agency else a.company.name, a.due_date,
                   a.status, a.note, a.updated_at)
                  for a in agreements() for m in [a.meeting])


def test_the_same_seed_and_date_give_the_same_meetings(app, runner):
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


def test_large_meetings_section_is_fast(app):
    """Only the sections meetings build on (regions, users, poverty figures): five years of meetings with
    agreements for many of the 60 OPDs."""
    from tracker.demo import meetings, people, poverty, reference

    today = date(2026, 12, 3)
    ctx = DemoContext(scale="large", rng=random.Random(2025), echo=lambda *_: None,
                      years=demo_years("large", today.year), current_year=today.year, today=today)
    reference.load(ctx)
    people.load(ctx)
    poverty.load(ctx)
    started = time_module.perf_counter()
    meetings.load(ctx)
    db.session.commit()
    elapsed = time_module.perf_counter() - started
    rows = db.session.scalars(select(Meeting)).all()
    assert len(rows) == 20 and sum(m.date < today for m in rows) == 19
    assert {m.date.year for m in rows} == set(range(2022, 2027))
    parties = db.session.scalar(select(func.count(func.distinct(Agreement.agency_id))))
    assert parties >= 40, parties
    assert set(db.session.scalars(select(Agreement.status).distinct())) == {"open", "in_progress", "done", "dropped"}
    assert db.session.scalar(select(func.max(AgreementEvent.at))) < datetime.combine(today, time(0), JAKARTA)
    assert elapsed < 10, elapsed
    print(f"large meetings section: {elapsed:.2f} s, "
          f"{db.session.scalar(select(func.count()).select_from(Agreement))} agreements")
