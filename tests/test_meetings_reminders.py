"""Overdue agreements in the users' tasks (the "Tugas" page, the API's task list) and in the reminder
e-mail of ``flask reminders send``, registered by meetings with ``progress.reminders`` (which never
imports meetings)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import pytest

from tests.meetings_helpers import build_world
from tracker.extensions import db
from tracker.meetings import workflow
from tracker.progress import reminders

TODAY = date(2025, 4, 15)  # Dinkes' agreement (due 31 March) is overdue, Dinsos' (30 April) not yet


@pytest.fixture
def world(make_agency, make_company, make_user):
    w = build_world(make_agency, make_company, make_user)
    for name, email in (("dinsos", "dinsos@kotimkab.go.id"), ("dinkes", "dinkes@kotimkab.go.id"),
                        ("bappeda", "bappeda@kotimkab.go.id"), ("viewer", "bupati@kotimkab.go.id")):
        w["users"][name].email = email
    db.session.commit()
    return w


def agreement_tasks(user, today=TODAY):
    return [(t.kind, t.count, t.text()) for t in reminders.tasks_for(user, today) if t.kind.startswith("agreements")]


def test_opd_users_are_told_of_their_overdue_agreements(world):
    users = world["users"]
    assert agreement_tasks(users["dinkes"]) == [
        ("agreements_overdue", 1, "1 kesepakatan lewat batas waktu (yang terlama sejak 31 Maret 2025).")]
    assert agreement_tasks(users["dinsos"]) == []
    may = agreement_tasks(users["dinsos"], date(2025, 5, 1))
    assert may == [("agreements_overdue", 1, "1 kesepakatan lewat batas waktu (yang terlama sejak 30 April 2025).")]
    task = next(t for t in reminders.tasks_for(users["dinsos"], date(2025, 5, 1)) if t.kind == "agreements_overdue")
    assert task.params == {"agency_id": world["dinsos"].id, "overdue": 1}
    assert "Verifikasi data P3KE desil 1" in task.details[0]
    workflow.change_status(world["a_dinkes"], "done", "Sudah diserahkan", users["dinkes"])
    db.session.commit()
    assert agreement_tasks(users["dinkes"]) == []  # done is no longer overdue
    for name in ("viewer", "agro"):
        assert agreement_tasks(users[name], date(2025, 12, 31)) == []


def test_bappeda_sees_all_overdue_and_what_waits_for_confirmation(world):
    users = world["users"]
    workflow.change_status(world["a_dinsos"], "done", "BA verval", users["dinsos"])
    db.session.commit()
    tasks = agreement_tasks(users["bappeda"], date(2025, 6, 10))
    assert tasks == [
        ("agreements_overdue", 2, "2 kesepakatan lewat batas waktu di semua OPD (yang terlama sejak 31 Maret 2025)."),
        ("agreements_confirm", 1, "1 kesepakatan dilaporkan selesai dan menunggu konfirmasi Bappeda."),
    ]
    workflow.confirm(world["a_dinsos"], users["bappeda"])
    db.session.commit()
    assert [k for k, _n, _t in agreement_tasks(users["admin"], date(2025, 6, 10))] == ["agreements_overdue"]


def test_agreement_tasks_come_after_the_report_tasks(world):
    from tests.progress_helpers import make_activity

    make_activity(world["dinkes"])  # Q1 2025 report due 10 April: late on 15 April
    kinds = [t.kind for t in reminders.tasks_for(world["users"]["dinkes"], TODAY)]
    assert kinds == ["late", "agreements_overdue"]


def test_tasks_page_and_api_show_them(world, client_as, api_as):
    page = client_as(world["users"]["dinkes"]).get("/progress/tasks")
    assert page.status_code == 200
    assert "kesepakatan lewat batas waktu" in page.get_data(as_text=True)
    assert client_as(world["users"]["dinkes"]).get("/progress/").status_code == 200
    items = api_as(world["users"]["dinkes"]).get("/api/v1/progress/tasks").get_json()["items"]
    assert [i["kind"] for i in items] == ["agreements_overdue"]
    assert items[0]["message"].startswith("1 kesepakatan lewat batas waktu")
    from tracker.api.progress_schemas import ProgressTaskOut

    ProgressTaskOut.model_validate(items[0])  # the document describes the new kinds too


class StubSMTP:
    sent: ClassVar[list] = []

    def __init__(self, host, port, timeout=None):
        pass

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        StubSMTP.sent.append(message)

    def quit(self):
        pass


def test_the_reminder_email_includes_overdue_agreements(world, runner, monkeypatch, app):
    StubSMTP.sent = []
    monkeypatch.setattr(reminders.smtplib, "SMTP", StubSMTP)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.kotimkab.go.id")
    result = runner.invoke(args=["reminders", "send", "--today", "2025-06-10"])
    assert result.exit_code == 0, result.output
    assert sorted(m["To"] for m in StubSMTP.sent) == ["bappeda@kotimkab.go.id", "dinkes@kotimkab.go.id",
                                                       "dinsos@kotimkab.go.id"]
    dinkes = next(m for m in StubSMTP.sent if m["To"] == "dinkes@kotimkab.go.id").get_content()
    assert "1 kesepakatan lewat batas waktu" in dinkes
    assert "31 Maret 2025: Data PBI JKN diserahkan (Rakor TKPK Triwulan I, 10 Maret 2025)" in dinkes
    bappeda = next(m for m in StubSMTP.sent if m["To"] == "bappeda@kotimkab.go.id").get_content()
    assert "3 kesepakatan lewat batas waktu di semua OPD" in bappeda and "[PT Agro Lestari]" in bappeda
    dry = runner.invoke(args=["reminders", "send", "--today", "2025-03-20", "--dry-run"])
    assert dry.exit_code == 0 and "kesepakatan" not in dry.output  # nothing overdue yet
