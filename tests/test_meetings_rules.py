"""The rules layer of meetings shared by the pages and the API (``tracker.meetings.services``,
``workflow``, ``scope``): dates, due dates, versions, scoping per role, the status machine and its
history (in ``agreement_event`` and in the audit log), several OPDs per agreement."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import audit_rows
from tests.meetings_helpers import MEETING_DATE, build_world
from tracker.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tracker.extensions import db
from tracker.meetings import queries, scope, services, workflow
from tracker.meetings.models import Agreement, AgreementEvent


@pytest.fixture
def world(make_agency, make_company, make_user):
    return build_world(make_agency, make_company, make_user)


def fields_of(excinfo) -> dict:
    return excinfo.value.fields or {}


def test_meeting_dates_years_quarters_and_kinds(world):
    bappeda = world["users"]["bappeda"]
    base = {"date": "2025-12-15", "title": "Rakor Akhir Tahun"}
    meeting = services.create_meeting(base, bappeda)
    assert (meeting.year, meeting.quarter, meeting.kind) == (2025, None, "rakor")  # year from the date
    january = services.create_meeting({**base, "date": date(2026, 1, 20), "year": 2025, "quarter": 4}, bappeda)
    assert (january.year, january.quarter) == (2025, 4)  # a January meeting evaluates the year before
    for bad, field in (({"date": "15-12-2025"}, "date"), ({"date": None}, "date"), ({"date": "1999-01-01"}, "date"),
                       ({"year": 2101}, "year"), ({"year": "2025"}, "year"), ({"quarter": 0}, "quarter"),
                       ({"quarter": True}, "quarter"), ({"kind": "rapat"}, "kind"), ({"title": ""}, "title"),
                       ({"title": "x" * 301}, "title"), ({"attendance": "Dinsos"}, "attendance")):
        with pytest.raises(ValidationFailed) as err:
            services.create_meeting({**base, **bad}, bappeda)
        assert field in fields_of(err), bad
        assert err.value.status == 422


def test_attendance_is_replaced_and_checked(world):
    bappeda, meeting = world["users"]["bappeda"], world["meeting"]
    db.session.refresh(meeting)
    lines = [(a.label, a.people) for a in scope.get_meeting(meeting.id, bappeda).attendees]
    assert lines == [("Dinas Sosial", 2), ("PT Agro Lestari", 1), ("Camat Baamang", 1)]
    services.update_meeting(meeting, {"attendance": [{"agency_id": world["dinkes"].id, "people": 4}]}, bappeda,
                            meeting.version)
    db.session.commit()
    assert [(a.label, a.people) for a in scope.get_meeting(meeting.id, bappeda).attendees] == [("Dinas Kesehatan", 4)]
    with pytest.raises(ValidationFailed) as err:
        services.update_meeting(meeting, {"attendance": [{"name": "BPS"}, {"name": " bps "}]}, bappeda, None)
    assert "attendance.1" in fields_of(err)  # the same party twice


def test_versions_are_checked(world):
    bappeda, meeting = world["users"]["bappeda"], world["meeting"]
    with pytest.raises(Conflict):
        services.update_meeting(meeting, {"title": "Baru"}, bappeda, meeting.version + 1)
    agreement = world["a_dinsos"]
    with pytest.raises(Conflict):
        workflow.update_agreement(agreement, {"status": "done"}, world["users"]["dinsos"], agreement.version - 1)
    with pytest.raises(Conflict):
        workflow.confirm(agreement, bappeda, expected_version=99)


def test_due_dates_not_before_the_meeting(world):
    bappeda, meeting = world["users"]["bappeda"], world["meeting"]
    same_day = services.add_agreement(meeting, {"text": "Hari ini juga", "due_date": MEETING_DATE}, bappeda)
    assert same_day.due_date == MEETING_DATE
    with pytest.raises(ValidationFailed) as err:
        services.add_agreement(meeting, {"text": "Terlambat sejak awal", "due_date": "2025-03-09"}, bappeda)
    assert "tidak boleh sebelum tanggal rapat" in fields_of(err)["due_date"]
    with pytest.raises(ValidationFailed) as err:
        services.edit_agreement(world["a_dinsos"], {"due_date": date(2025, 1, 1)}, bappeda, None)
    assert "due_date" in fields_of(err)
    with pytest.raises(ValidationFailed) as err:
        services.add_agreement(meeting, {"text": " ", "agency_id": 999999}, bappeda)
    assert set(fields_of(err)) == {"text", "agency_id"}


def test_one_agreement_per_opd_when_several_are_named(world):
    bappeda, meeting = world["users"]["bappeda"], world["meeting"]
    made = services.add_agreements(meeting, {"text": "Sinkronisasi DTSEN", "due_date": "2025-06-30",
                                             "agency_ids": [world["dinsos"].id, world["dinkes"].id, world["dinsos"].id],
                                             "company_ids": [world["agro"].id]}, bappeda)
    assert [(a.agency_id, a.company_id) for a in made] == [(world["dinsos"].id, None), (world["dinkes"].id, None),
                                                          (None, world["agro"].id)]
    assert {a.text for a in made} == {"Sinkronisasi DTSEN"} and {a.status for a in made} == {"open"}
    alone = services.add_agreements(meeting, {"text": "Bappeda menyusun laporan"}, bappeda)
    assert [(a.agency_id, a.company_id) for a in alone] == [(None, None)]
    with pytest.raises(ValidationFailed) as err:
        services.add_agreements(meeting, {"text": "X", "agency_ids": [999999], "due_date": "2025-01-01"}, bappeda)
    assert set(fields_of(err)) == {"agency_ids", "due_date"}


def test_scoping_helpers(world):
    users, a_dinsos, a_agro = world["users"], world["a_dinsos"], world["a_agro"]
    assert scope.may_update(users["dinsos"], a_dinsos) and not scope.may_update(users["dinkes"], a_dinsos)
    assert scope.may_update(users["bappeda"], a_agro) and not scope.may_update(users["viewer"], a_dinsos)
    assert not scope.may_update(users["agro"], a_agro) and not scope.may_update(users["dinsos"], world["a_bappeda"])
    assert scope.may_edit(users["admin"]) and not scope.may_edit(users["dinsos"])
    assert scope.may_see_evidence(users["dinsos"], a_dinsos) and not scope.may_see_evidence(users["dinkes"], a_dinsos)
    assert scope.may_see_agreement(users["agro"], a_agro) and not scope.may_see_agreement(users["sawit"], a_agro)
    assert scope.may_see_meeting(users["agro"], world["meeting"]) and not scope.may_see_meeting(users["sawit"], world["meeting"])
    visible = {name: set(db.session.scalars(select(Agreement.id).where(scope.visible_agreements(u))))
               for name, u in users.items()}
    every = {world[k].id for k in ("a_dinsos", "a_dinkes", "a_agro", "a_bappeda")}
    assert visible["viewer"] == visible["dinkes"] == visible["bappeda"] == every
    assert visible["agro"] == {a_agro.id} and visible["sawit"] == set()
    with pytest.raises(NotFound):
        scope.get_agreement(a_dinsos.id, users["dinkes"], "agreements.update")
    with pytest.raises(NotFound):
        scope.get_agreement(a_dinsos.id, users["agro"])
    with pytest.raises(Forbidden):
        scope.get_agreement(a_dinsos.id, users["viewer"], "agreements.update")


def test_opd_users_change_status_and_note_only(world):
    dinsos = world["users"]["dinsos"]
    agreement = world["a_dinsos"]
    with pytest.raises(Forbidden) as err:
        workflow.update_agreement(agreement, {"status": "done", "text": "Lain", "due_date": None}, dinsos, None)
    assert set(fields_of(err)) == {"text", "due_date"}
    with pytest.raises(NotFound):
        workflow.update_agreement(world["a_dinkes"], {"status": "done"}, dinsos, None)
    with pytest.raises(Forbidden):
        workflow.update_agreement(agreement, {"status": "done"}, world["users"]["viewer"], None)
    with pytest.raises(Forbidden):
        services.edit_agreement(agreement, {"text": "Lain"}, dinsos, None)
    workflow.update_agreement(agreement, {"status": "in_progress", "note": "Mulai"}, dinsos, agreement.version)
    db.session.commit()
    assert (agreement.status, agreement.note) == ("in_progress", "Mulai")


def test_history_and_audit_of_every_change(world):
    users, agreement = world["users"], world["a_dinsos"]
    workflow.change_status(agreement, "in_progress", "Tim verval dibentuk", users["dinsos"])
    workflow.change_status(agreement, "in_progress", "3 dari 10 desa", users["dinsos"])  # a progress note
    workflow.change_status(agreement, "in_progress", "", users["dinsos"])  # nothing: no event
    workflow.change_status(agreement, "done", "Selesai 10 desa", users["dinsos"])
    workflow.confirm(agreement, users["bappeda"], "Diterima")
    workflow.reopen(agreement, users["admin"], "Lampiran BA kurang", "in_progress")
    services.edit_agreement(agreement, {"text": "Verifikasi P3KE desil 1 dan 2"}, users["bappeda"], None)
    db.session.commit()
    rows = workflow.history(agreement.id)
    assert [(r["action"], r["from_status"], r["to_status"], r["note"], r["username"]) for r in rows] == [
        ("created", None, "open", "", users["bappeda"].username),
        ("status", "open", "in_progress", "Tim verval dibentuk", users["dinsos"].username),
        ("note", "in_progress", "in_progress", "3 dari 10 desa", users["dinsos"].username),
        ("status", "in_progress", "done", "Selesai 10 desa", users["dinsos"].username),
        ("confirmed", "done", "done", "Diterima", users["bappeda"].username),
        ("reopened", "done", "in_progress", "Lampiran BA kurang", users["admin"].username),
        ("edited", "in_progress", "in_progress", "teks diubah", users["bappeda"].username),
    ]
    assert all(r["at"].tzinfo is not None for r in rows)
    assert agreement.confirmed_at is None and agreement.confirmed_by_id is None
    audit = [r for r in audit_rows("agreement") if r.entity_id == str(agreement.id)]
    assert [r.action for r in audit] == ["create", "status", "note", "status", "confirm", "reopen", "update"]
    assert audit[1].username == users["dinsos"].username and audit[1].before == {"status": "open"}
    assert "Dalam proses" in audit[1].summary and audit[1].agency_id == world["dinsos"].id
    assert audit[-1].after == {"text": "Verifikasi P3KE desil 1 dan 2"}


def test_status_machine_rules(world):
    users, agreement = world["users"], world["a_dinkes"]
    with pytest.raises(Conflict):
        workflow.confirm(agreement, users["bappeda"])  # not done
    with pytest.raises(Conflict):
        workflow.reopen(agreement, users["bappeda"], "x")  # still open
    with pytest.raises(ValidationFailed):
        workflow.change_status(agreement, "dropped", "  ", users["dinkes"])
    with pytest.raises(ValidationFailed):
        workflow.change_status(agreement, "closed", "", users["dinkes"])
    workflow.change_status(agreement, "done", "", users["dinkes"])
    workflow.change_status(agreement, "in_progress", "Ternyata belum", users["dinkes"])  # unconfirmed: may go back
    workflow.change_status(agreement, "done", "Sekarang sudah", users["dinkes"])
    workflow.confirm(agreement, users["bappeda"])
    for who in ("dinkes", "bappeda"):
        with pytest.raises(Conflict):
            workflow.change_status(agreement, "in_progress", "Ubah", users[who])
    with pytest.raises(ValidationFailed):
        workflow.reopen(agreement, users["bappeda"], "")
    with pytest.raises(ValidationFailed):
        workflow.reopen(agreement, users["bappeda"], "x", status="done")
    with pytest.raises(Forbidden):
        workflow.reopen(agreement, users["dinkes"], "x")
    workflow.reopen(agreement, users["bappeda"], "Belum lengkap")
    assert agreement.status == "open"


def test_deleting_is_refused_once_followed_up(world):
    users, meeting = world["users"], world["meeting"]
    typo = services.add_agreement(meeting, {"text": "Salah ketik"}, users["bappeda"])
    services.edit_agreement(typo, {"text": "Masih salah"}, users["bappeda"], None)
    services.delete_agreement(typo, users["bappeda"])
    workflow.change_status(world["a_agro"], "in_progress", "Survei lokasi", users["bappeda"])
    with pytest.raises(Conflict):
        services.delete_meeting(meeting, users["bappeda"])
    with pytest.raises(Forbidden):
        services.delete_meeting(meeting, users["dinsos"])
    db.session.commit()
    assert db.session.scalar(select(AgreementEvent.id).where(AgreementEvent.agreement_id == typo.id)) is None


def test_meeting_agreement_counts(world):
    users = world["users"]
    workflow.change_status(world["a_dinsos"], "done", "", users["dinsos"])
    workflow.change_status(world["a_bappeda"], "dropped", "Tidak relevan", users["bappeda"])
    db.session.commit()
    counts = queries.agreement_counts([world["meeting"].id], users["viewer"], today=date(2025, 4, 1))
    assert counts[world["meeting"].id] == {"open": 2, "in_progress": 0, "done": 1, "dropped": 1, "total": 4,
                                           "overdue": 1, "awaiting_confirmation": 1}
    assert queries.agreement_counts([world["meeting"].id], users["agro"])[world["meeting"].id]["total"] == 1
