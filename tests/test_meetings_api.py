"""The meetings API (api.md "Meetings"): meetings with attendance, agreements, the status PATCH with
its history, confirm/reopen, versions, scoping per role, files, and the status codes of bad input."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import audit_rows
from tests.meetings_helpers import build_world
from tests.progress_helpers import PDF_BYTES
from tracker.extensions import db
from tracker.meetings.models import Agreement, AgreementFile, Meeting, MeetingFile
from tracker.periods.services import today

API = "/api/v1"


@pytest.fixture
def world(make_agency, make_company, make_user, api_as):
    w = build_world(make_agency, make_company, make_user)
    w["api"] = {name: api_as(user) for name, user in w["users"].items()}
    return w


def meeting_body(**overrides) -> dict:
    body = {"date": "2025-06-12", "year": 2025, "quarter": 2, "title": "Pra-Rakor Triwulan II",
            "agenda": "Konsolidasi data", "kind": "pra_rakor", "place": "Bappeda", "chair": "Kepala Bappeda",
            "attendance": [{"name": "BPS Kotim", "people": 2}]}
    body.update(overrides)
    return body


def test_create_read_and_patch_a_meeting(world):
    api = world["api"]["bappeda"]
    created = api.post(f"{API}/meetings", json=meeting_body(
        attendance=[{"agency_id": world["dinsos"].id, "people": 3}, {"name": "Camat Baamang"}]))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["kind"], body["kind_label"], body["quarter"], body["version"]) == ("pra_rakor", "Pra-Rakor", 2, 1)
    assert [(a["label"], a["people"]) for a in body["attendance"]] == [("Dinas Sosial", 3), ("Camat Baamang", 1)]
    assert body["agreements"] == [] and body["agreement_counts"]["total"] == 0
    path = f"{API}/meetings/{body['id']}"
    patched = api.patch(path, json={"version": 1, "title": "Pra-Rakor TKPK", "attendance": [{"name": "Unpar", "people": 0}]})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["version"] == 2 and patched.get_json()["attendance"][0]["label"] == "Unpar"
    stale = api.patch(path, json={"version": 1, "title": "Lagi"})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "conflict"
    assert world["api"]["viewer"].get(path).get_json()["title"] == "Pra-Rakor TKPK"
    changes = [r for r in audit_rows("meeting") if r.entity_id == str(body["id"])]
    assert [r.action for r in changes] == ["create", "update"]
    assert changes[1].after["attendance"] == [{"agency_id": None, "company_id": None, "name": "Unpar", "people": 0}]


@pytest.mark.parametrize("overrides, field", [
    ({"date": "2025-02-30"}, "date"),
    ({"year": 1999}, "year"),
    ({"quarter": 5}, "quarter"),
    ({"title": "  "}, "title"),
    ({"attendance": [{"agency_id": 999999}]}, "attendance.0"),
    ({"attendance": [{"name": "BPS", "company_id": 1}]}, "attendance.0"),
    ({"attendance": [{"name": "BPS", "people": -1}]}, "attendance.0"),
    ({"attendance": [{"people": 2}]}, "attendance.0"),
])
def test_meeting_rules_answer_422_naming_the_field(world, overrides, field):
    response = world["api"]["bappeda"].post(f"{API}/meetings", json=meeting_body(**overrides))
    assert response.status_code in (400, 422), response.get_json()
    assert field in response.get_json()["error"]["fields"]


def test_wrong_types_are_400(world):
    api = world["api"]["bappeda"]
    assert api.post(f"{API}/meetings", json=meeting_body(quarter="2")).status_code == 400
    assert api.post(f"{API}/meetings", json=meeting_body(kind="rapat")).status_code == 422
    assert api.post(f"{API}/meetings", data="{", headers={"Content-Type": "application/json"}).status_code == 400


def test_agreements_of_a_meeting(world):
    api = world["api"]["bappeda"]
    meeting_id = world["meeting"].id
    response = api.post(f"{API}/meetings/{meeting_id}/agreements",
                        json={"text": "SK tim verval desa", "agency_id": world["dinkes"].id, "due_date": "2025-03-10"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["status"], body["party"], body["version"]) == ("open", "Dinas Kesehatan", 1)
    assert [h["action"] for h in body["history"]] == ["created"]
    early = api.post(f"{API}/meetings/{meeting_id}/agreements", json={"text": "X", "due_date": "2025-03-09"})
    assert early.status_code == 422
    assert "sebelum tanggal rapat" in early.get_json()["error"]["fields"]["due_date"]
    both = api.post(f"{API}/meetings/{meeting_id}/agreements",
                    json={"text": "X", "agency_id": world["dinkes"].id, "company_id": world["agro"].id})
    assert both.status_code == 422 and "company_id" in both.get_json()["error"]["fields"]
    meeting = api.get(f"{API}/meetings/{meeting_id}").get_json()
    assert len(meeting["agreements"]) == 5 and meeting["agreement_counts"]["open"] == 5
    # a meeting cannot move after the due dates of its agreements
    moved = api.patch(f"{API}/meetings/{meeting_id}", json={"version": meeting["version"], "date": "2025-04-01"})
    assert moved.status_code == 422 and "date" in moved.get_json()["error"]["fields"]
    # OPD users and viewers do not record agreements
    for who in ("dinsos", "viewer", "agro"):
        assert world["api"][who].post(f"{API}/meetings/{meeting_id}/agreements", json={"text": "X"}).status_code == 403


def test_status_patch_keeps_the_history(world):
    agreement = world["a_dinsos"]
    path = f"{API}/agreements/{agreement.id}"
    opd = world["api"]["dinsos"]
    first = opd.patch(path, json={"status": "in_progress", "note": "Verval di 5 desa", "version": 1})
    assert first.status_code == 200, first.get_json()
    second = opd.patch(path, json={"status": "done", "note": "BA verval terlampir", "version": first.get_json()["version"]})
    body = second.get_json()
    assert body["status"] == "done" and body["note"] == "BA verval terlampir" and not body["confirmed"]
    history = [(h["action"], h["from_status"], h["to_status"], h["note"], h["username"]) for h in body["history"]]
    username = world["users"]["dinsos"].username
    assert history[1:] == [("status", "open", "in_progress", "Verval di 5 desa", username),
                           ("status", "in_progress", "done", "BA verval terlampir", username)]
    assert all(h["at"].endswith("+07:00") for h in body["history"])
    stale = opd.patch(path, json={"status": "in_progress", "version": 1})
    assert stale.status_code == 409
    rows = [r for r in audit_rows("agreement") if r.entity_id == str(agreement.id)]
    assert [r.action for r in rows] == ["create", "status", "status"]
    assert rows[-1].after == {"status": "done", "note": "BA verval terlampir"} and rows[-1].agency_id == world["dinsos"].id
    # Bappeda confirms; afterwards the OPD cannot change it, Bappeda reopens with a note
    bappeda = world["api"]["bappeda"]
    assert opd.post(f"{path}/confirm", json={}).status_code == 403
    confirmed = bappeda.post(f"{path}/confirm", json={"version": body["version"]})
    assert confirmed.status_code == 200 and confirmed.get_json()["confirmed"] is True
    assert bappeda.post(f"{path}/confirm", json={}).status_code == 409
    locked = opd.patch(path, json={"status": "in_progress", "version": confirmed.get_json()["version"]})
    assert locked.status_code == 409
    assert bappeda.post(f"{path}/reopen", json={"note": ""}).status_code == 422
    reopened = bappeda.post(f"{path}/reopen", json={"note": "BA belum ditandatangani", "status": "in_progress"})
    assert reopened.status_code == 200
    body = reopened.get_json()
    assert (body["status"], body["confirmed"]) == ("in_progress", False)
    assert [h["action"] for h in body["history"]][-2:] == ["confirmed", "reopened"]
    assert body["history"][-1]["note"] == "BA belum ditandatangani"
    assert bappeda.post(f"{path}/reopen", json={"note": "lagi"}).status_code == 409


def test_opd_changes_only_its_own_agreements_and_never_their_text(world):
    opd = world["api"]["dinsos"]
    other = f"{API}/agreements/{world['a_dinkes'].id}"
    assert opd.get(other).status_code == 200  # read: the minutes are shared
    assert opd.patch(other, json={"status": "done", "version": 1}).status_code == 404
    assert opd.patch(f"{API}/agreements/{world['a_bappeda'].id}", json={"status": "done", "version": 1}).status_code == 404
    own = f"{API}/agreements/{world['a_dinsos'].id}"
    for field, value in (("text", "Lain"), ("due_date", "2025-12-31"), ("agency_id", world["dinkes"].id),
                         ("company_id", None)):
        response = opd.patch(own, json={"status": "in_progress", field: value, "version": 1})
        assert response.status_code == 403, (field, response.get_json())
        assert field in response.get_json()["error"]["fields"]
    assert db.session.get(Agreement, world["a_dinsos"].id).status == "open"
    # Bappeda may change those fields; the history names what changed
    bappeda = world["api"]["bappeda"]
    edited = bappeda.patch(own, json={"due_date": "2025-05-15", "agency_id": world["dinkes"].id, "version": 1})
    assert edited.status_code == 200, edited.get_json()
    body = edited.get_json()
    assert (body["due_date"], body["agency_id"], body["party"]) == ("2025-05-15", world["dinkes"].id, "Dinas Kesehatan")
    assert "2025-04-30 → 2025-05-15" in body["history"][-1]["note"]
    assert "Dinas Sosial → Dinas Kesehatan" in body["history"][-1]["note"]
    assert opd.patch(own, json={"status": "done", "version": body["version"]}).status_code == 404  # not Dinsos' now
    bad = bappeda.patch(own, json={"due_date": "2025-01-01", "version": body["version"]})
    assert bad.status_code == 422 and "due_date" in bad.get_json()["error"]["fields"]


def test_dropping_needs_a_note_and_only_bappeda_revives(world):
    opd = world["api"]["dinsos"]
    path = f"{API}/agreements/{world['a_dinsos'].id}"
    assert opd.patch(path, json={"status": "dropped", "version": 1}).status_code == 422
    dropped = opd.patch(path, json={"status": "dropped", "note": "Digabung dengan kesepakatan lain", "version": 1})
    assert dropped.status_code == 200
    version = dropped.get_json()["version"]
    assert opd.patch(path, json={"status": "open", "version": version}).status_code == 409
    assert world["api"]["bappeda"].patch(path, json={"status": "open", "version": version}).status_code == 200
    note = opd.patch(path, json={"note": "Mulai minggu depan", "version": version + 1})
    assert note.status_code == 200 and note.get_json()["history"][-1]["action"] == "note"
    assert opd.patch(path, json={"status": "finished", "version": 1}).status_code == 422


def test_company_users_see_only_their_agreements(world):
    agro = world["api"]["agro"]
    listed = agro.get(f"{API}/agreements").get_json()
    assert [a["id"] for a in listed["items"]] == [world["a_agro"].id] and listed["total"] == 1
    assert agro.get(f"{API}/agreements/{world['a_dinsos'].id}").status_code == 404
    assert agro.get(f"{API}/agreements/{world['a_agro'].id}").status_code == 200
    meeting = agro.get(f"{API}/meetings/{world['meeting'].id}").get_json()
    assert [a["id"] for a in meeting["agreements"]] == [world["a_agro"].id]
    assert meeting["agreement_counts"]["total"] == 1
    assert agro.patch(f"{API}/agreements/{world['a_agro'].id}", json={"status": "done", "version": 1}).status_code == 403
    assert agro.get(f"{API}/agreements", query_string={"company_id": world["sawit"].id}).status_code == 404
    sawit = world["api"]["sawit"]
    assert sawit.get(f"{API}/meetings").get_json()["total"] == 0
    assert sawit.get(f"{API}/meetings/{world['meeting'].id}").status_code == 404


def test_viewer_reads_everything_and_writes_nothing(world):
    viewer = world["api"]["viewer"]
    assert viewer.get(f"{API}/agreements").get_json()["total"] == 4
    assert viewer.get(f"{API}/meetings").get_json()["items"][0]["agreement_counts"]["total"] == 4
    path = f"{API}/agreements/{world['a_dinsos'].id}"
    assert viewer.patch(path, json={"status": "done", "version": 1}).status_code == 403
    assert viewer.post(f"{API}/meetings", json=meeting_body()).status_code == 403
    assert viewer.delete(f"{API}/meetings/{world['meeting'].id}").status_code == 403


def test_agreement_list_filters(world):
    api = world["api"]["bappeda"]
    today_ = today()
    late = api.post(f"{API}/meetings", json=meeting_body(date=(today_ - timedelta(days=40)).isoformat(),
                                                         year=today_.year, quarter=None))
    meeting_id = late.get_json()["id"]
    overdue = api.post(f"{API}/meetings/{meeting_id}/agreements", json={
        "text": "Laporan verval", "agency_id": world["dinsos"].id,
        "due_date": (today_ - timedelta(days=1)).isoformat()}).get_json()

    def ids(**query):
        response = api.get(f"{API}/agreements", query_string=query)
        assert response.status_code == 200, response.get_json()
        return [a["id"] for a in response.get_json()["items"]]

    assert world["a_dinsos"].id in ids(overdue=1)  # its due date (2025-04-30) has passed
    assert overdue["id"] in ids(overdue="1", agency_id=world["dinsos"].id)
    assert world["a_bappeda"].id in ids(overdue=0) and overdue["id"] not in ids(overdue=0)
    assert ids(meeting_id=meeting_id) == [overdue["id"]]
    assert set(ids(status="open", year=2025)) >= {world["a_dinsos"].id, world["a_dinkes"].id}
    assert ids(q="PBI") == [world["a_dinkes"].id]
    assert ids(company_id=world["agro"].id) == [world["a_agro"].id]
    by_due = ids(year=2025, sort="due")
    assert by_due[:3] == [world["a_dinkes"].id, world["a_dinsos"].id, world["a_agro"].id]
    assert by_due[-1] == world["a_bappeda"].id  # no due date: last
    item = api.get(f"{API}/agreements", query_string={"overdue": 1, "meeting_id": meeting_id}).get_json()["items"][0]
    assert item["overdue"] is True and item["meeting_title"] == "Pra-Rakor Triwulan II"
    assert api.get(f"{API}/agreements", query_string={"overdue": "ya"}).status_code == 400
    assert api.get(f"{API}/agreements", query_string={"status": "closed"}).status_code == 400


def test_meeting_list_calendar_and_previous_agreements(world):
    api = world["api"]["bappeda"]
    later = api.post(f"{API}/meetings", json=meeting_body()).get_json()
    listed = api.get(f"{API}/meetings", query_string={"year": 2025}).get_json()
    assert [m["id"] for m in listed["items"]] == [later["id"], world["meeting"].id]
    assert api.get(f"{API}/meetings", query_string={"kind": "rakor"}).get_json()["total"] == 1
    assert api.get(f"{API}/meetings", query_string={"q": "pra-rakor"}).get_json()["total"] == 1
    calendar = api.get(f"{API}/meetings/calendar", query_string={"year": 2025}).get_json()
    assert [len(m["meetings"]) for m in calendar["months"]] == [0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert api.get(f"{API}/meetings/calendar").status_code == 400
    previous = api.get(f"{API}/meetings/{later['id']}/previous-agreements").get_json()
    assert previous["total"] == 4
    assert api.get(f"{API}/meetings/{world['meeting'].id}/previous-agreements").get_json()["total"] == 0


def test_deleting_meetings_and_agreements(world):
    api = world["api"]["bappeda"]
    fresh = api.post(f"{API}/meetings", json=meeting_body()).get_json()
    a = api.post(f"{API}/meetings/{fresh['id']}/agreements", json={"text": "Salah catat"}).get_json()
    assert api.delete(f"{API}/agreements/{a['id']}").status_code == 204
    assert api.delete(f"{API}/meetings/{fresh['id']}").status_code == 204
    assert db.session.get(Meeting, fresh["id"]) is None
    world["api"]["dinsos"].patch(f"{API}/agreements/{world['a_dinsos'].id}", json={"status": "in_progress", "version": 1})
    assert api.delete(f"{API}/meetings/{world['meeting'].id}").status_code == 409
    assert api.delete(f"{API}/agreements/{world['a_dinsos'].id}").status_code == 409
    assert api.delete(f"{API}/agreements/{world['a_dinkes'].id}").status_code == 204
    assert [r.action for r in audit_rows("meeting") if r.entity_id == str(fresh["id"])] == ["create", "delete"]


def _upload(api, path, name="bukti.pdf", data=PDF_BYTES, **query):
    return api.post(path, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data",
                    query_string=query)


def test_agreement_evidence_files(world):
    opd = world["api"]["dinsos"]
    path = f"{API}/agreements/{world['a_dinsos'].id}/files"
    added = _upload(opd, path)
    assert added.status_code == 201, added.get_json()
    file_id = added.get_json()["id"]
    download = opd.get(added.get_json()["download_url"])
    assert download.status_code == 200 and download.data == PDF_BYTES
    assert world["api"]["viewer"].get(f"{path}/{file_id}").status_code == 200
    assert world["api"]["dinkes"].get(f"{path}/{file_id}").status_code == 404  # another OPD's evidence
    assert world["api"]["agro"].get(f"{path}/{file_id}").status_code == 404
    assert _upload(world["api"]["dinkes"], path).status_code == 404
    assert _upload(opd, path, name="bukti.png").status_code == 422  # name does not match the content
    assert world["api"]["dinkes"].get(f"{API}/agreements/{world['a_dinsos'].id}").get_json()["files"] == []
    body = opd.get(f"{API}/agreements/{world['a_dinsos'].id}").get_json()
    assert [f["original_name"] for f in body["files"]] == ["bukti.pdf"]
    assert body["history"][-1]["action"] == "file_added"
    assert opd.delete(f"{path}/{file_id}").status_code == 204
    assert db.session.scalar(select(func.count()).select_from(AgreementFile)) == 0
    assert opd.get(f"{path}/{file_id}").status_code == 404


def test_meeting_files(world):
    api = world["api"]["bappeda"]
    path = f"{API}/meetings/{world['meeting'].id}/files"
    added = _upload(api, path, name="undangan.pdf", kind="undangan")
    assert added.status_code == 201 and added.get_json()["kind"] == "undangan"
    file_id = added.get_json()["id"]
    assert _upload(api, path, kind="surat").status_code == 400
    assert _upload(world["api"]["dinsos"], path).status_code == 403
    assert world["api"]["dinsos"].get(f"{path}/{file_id}").status_code == 200
    assert world["api"]["agro"].get(f"{path}/{file_id}").status_code == 200  # its agreement's meeting
    assert world["api"]["sawit"].get(f"{path}/{file_id}").status_code == 404
    assert api.get(f"{API}/meetings/{world['meeting'].id}").get_json()["files"][0]["original_name"] == "undangan.pdf"
    assert api.post(path, json={}).status_code == 400
    assert api.delete(f"{path}/{file_id}").status_code == 204
    assert db.session.scalar(select(func.count()).select_from(MeetingFile)) == 0


def test_missing_objects_are_404(world):
    api = world["api"]["admin"]
    for path in (f"{API}/meetings/999999", f"{API}/agreements/999999", f"{API}/agreements/{world['a_dinsos'].id}/files/9",
                 f"{API}/meetings/{world['meeting'].id}/files/9", f"{API}/meetings/999999/previous-agreements"):
        assert api.get(path).status_code == 404, path
    assert api.patch(f"{API}/agreements/999999", json={"version": 1}).status_code == 404
    assert api.post(f"{API}/meetings/999999/agreements", json={"text": "x"}).status_code == 404


def test_excel_download_of_the_followup_list(world):
    from openpyxl import load_workbook

    response = world["api"]["agro"].get(f"{API}/agreements/excel", query_string={"year": 2025})
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "tindak-lanjut-kesepakatan-2025" in response.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.data)).active
    assert [r[4].value for r in ws.iter_rows(min_row=5)] == ["CSR bedah rumah 20 unit"]
    assert world["api"]["agro"].get(f"{API}/agreements/excel",
                                    query_string={"company_id": world["sawit"].id}).status_code == 404


def test_deleting_a_meeting_takes_its_agreements_and_files(world):
    api = world["api"]["bappeda"]
    fresh = api.post(f"{API}/meetings", json=meeting_body()).get_json()
    for text in ("Satu", "Dua"):
        api.post(f"{API}/meetings/{fresh['id']}/agreements", json={"text": text, "agency_id": world["dinsos"].id})
    assert _upload(api, f"{API}/meetings/{fresh['id']}/files", name="paparan.pdf", kind="paparan").status_code == 201
    assert api.delete(f"{API}/meetings/{fresh['id']}").status_code == 204
    assert db.session.scalar(select(func.count()).select_from(Agreement).where(Agreement.meeting_id == fresh["id"])) == 0
    assert db.session.scalar(select(func.count()).select_from(MeetingFile)) == 0
    assert api.get(f"{API}/meetings/{fresh['id']}").status_code == 404
