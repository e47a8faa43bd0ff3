"""Reminders: the in-app task list and the e-mail CLI (with a stub SMTP server)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import login
from tests.progress_helpers import full_payload, item_path, make_activity
from tracker.extensions import db
from tracker.progress import reminders


@pytest.fixture
def setup(make_agency, make_user, api_as):
    dinsos = make_agency(code="1.06.01", name="Dinas Sosial", short_name="Dinsos")
    dinkes = make_agency(code="1.02.01", name="Dinas Kesehatan", short_name="Dinkes")
    opd_user = make_user(role="agency", agency=dinsos)
    other_user = make_user(role="agency", agency=dinkes)
    bappeda = make_user(role="coordinator")
    viewer = make_user(role="viewer")
    for user, email in ((opd_user, "dinsos@kotimkab.go.id"), (bappeda, "bappeda@kotimkab.go.id"),
                        (other_user, "")):
        user.email = email
    db.session.commit()
    a1, a2, a3 = (make_activity(dinsos) for _ in range(3))
    make_activity(dinkes)
    opd = api_as(opd_user)
    # Q1: a1 submitted then returned with a comment, a2 submitted, a3 nothing
    for activity in (a1, a2):
        opd.put(item_path(activity, quarter=1), json=full_payload(activity))
        opd.post(item_path(activity, quarter=1, suffix="/submit"))
    api_as(bappeda).post(item_path(a1, quarter=1, suffix="/return"), json={"comment": "Lampirkan BNBA"})
    return {"opd_user": opd_user, "other_user": other_user, "bappeda": bappeda, "viewer": viewer,
            "activities": (a1, a2, a3), "bappeda_api": api_as(bappeda)}


def kinds(tasks):
    return [(t.kind, t.year, t.quarter, t.count) for t in tasks]


def test_tasks_of_opd_staff(setup):
    a1 = setup["activities"][0]
    before_due = reminders.tasks_for(setup["opd_user"], date(2025, 4, 5))
    assert kinds(before_due) == [("returned", 2025, 1, 1), ("due", 2025, 1, 1)]
    assert before_due[0].items[0][0] == a1.id and before_due[0].items[0][3] == "Lampirkan BNBA"
    after_due = reminders.tasks_for(setup["opd_user"], date(2025, 4, 20))
    assert kinds(after_due) == [("returned", 2025, 1, 1), ("late", 2025, 1, 1)]
    # Q2 opens on 1 July: all three are due then
    july = reminders.tasks_for(setup["opd_user"], date(2025, 7, 2))
    assert ("due", 2025, 2, 3) in kinds(july)
    # before the quarter ends nothing is due
    assert reminders.tasks_for(setup["opd_user"], date(2025, 3, 20)) == []
    # another OPD sees only its own
    assert kinds(reminders.tasks_for(setup["other_user"], date(2025, 4, 5))) == [("due", 2025, 1, 1)]
    assert reminders.tasks_for(setup["viewer"], date(2025, 4, 5)) == []


def test_tasks_of_bappeda_and_locked_quarters(setup):
    assert kinds(reminders.tasks_for(setup["bappeda"], date(2025, 4, 5))) == [("review", 2025, 1, 1)]
    setup["bappeda_api"].post("/api/v1/periods/2025/1/lock", json={})
    assert reminders.tasks_for(setup["bappeda"], date(2025, 4, 5)) == []
    assert reminders.tasks_for(setup["opd_user"], date(2025, 4, 5)) == []


def test_tasks_page_and_api(app, setup, api_as):
    client = app.test_client()
    login(client, setup["opd_user"])
    page = client.get("/progress/tasks")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Lampirkan BNBA" in text and "dikembalikan" in text.lower()
    items = api_as(setup["opd_user"]).get("/api/v1/progress/tasks").get_json()["items"]
    assert items[0]["kind"] == "returned" and items[0]["activity_ids"] == [setup["activities"][0].id]
    nav = client.get("/").get_data(as_text=True)
    assert "/progress/tasks" in nav


class StubSMTP:
    sent: list = []
    instances: list = []

    def __init__(self, host, port, timeout=None):
        self.host, self.port = host, port
        self.tls = False
        self.login_args = None
        StubSMTP.instances.append(self)

    def starttls(self):
        self.tls = True

    def login(self, user, password):
        self.login_args = (user, password)

    def send_message(self, message):
        StubSMTP.sent.append(message)

    def quit(self):
        pass


@pytest.fixture
def stub_smtp(monkeypatch, app):
    StubSMTP.sent, StubSMTP.instances = [], []
    monkeypatch.setattr(reminders.smtplib, "SMTP", StubSMTP)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.kotimkab.go.id")
    monkeypatch.setitem(app.config, "MAIL_PORT", 587)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", True)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", "tkpk")
    monkeypatch.setitem(app.config, "MAIL_PASSWORD", "rahasia")
    return StubSMTP


def test_cli_sends_one_digest_per_user_per_day(setup, runner, stub_smtp):
    result = runner.invoke(args=["reminders", "send", "--today", "2025-04-05"])
    assert result.exit_code == 0, result.output
    recipients = sorted(m["To"] for m in stub_smtp.sent)
    assert recipients == ["bappeda@kotimkab.go.id", "dinsos@kotimkab.go.id"]
    dinsos = next(m for m in stub_smtp.sent if m["To"] == "dinsos@kotimkab.go.id")
    body = dinsos.get_content()
    assert "Lampirkan BNBA" in body and "batas waktu" in body and "Triwulan I 2025" in body
    assert "Terkirim: 2" in result.output and "tanpa alamat e-mail: 1" in result.output
    instance = stub_smtp.instances[0]
    assert (instance.host, instance.port, instance.tls, instance.login_args) == (
        "smtp.kotimkab.go.id", 587, True, ("tkpk", "rahasia"))
    again = runner.invoke(args=["reminders", "send", "--today", "2025-04-05"])
    assert again.exit_code == 0 and len(stub_smtp.sent) == 2 and "sudah dikirim hari ini: 2" in again.output
    next_day = runner.invoke(args=["reminders", "send", "--today", "2025-04-06"])
    assert next_day.exit_code == 0 and len(stub_smtp.sent) == 4


def test_cli_due_items_only_near_the_due_date(setup, runner, stub_smtp):
    result = runner.invoke(args=["reminders", "send", "--today", "2025-04-01", "--days-before", "3", "--dry-run"])
    assert result.exit_code == 0, result.output
    # 9 days before the due date: only the returned item is worth an e-mail for Dinsos
    assert "dinsos@kotimkab.go.id" in result.output and "dikembalikan" in result.output
    assert "belum diajukan" not in result.output
    assert stub_smtp.sent == []


def test_cli_without_smtp_says_so(setup, runner, monkeypatch, app):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    result = runner.invoke(args=["reminders", "send", "--today", "2025-04-05"])
    assert result.exit_code != 0 and "SMTP" in result.output
    dry = runner.invoke(args=["reminders", "send", "--today", "2025-04-05", "--dry-run"])
    assert dry.exit_code == 0 and "dinsos@kotimkab.go.id" in dry.output
    bad = runner.invoke(args=["reminders", "send", "--today", "5 April"])
    assert bad.exit_code != 0
