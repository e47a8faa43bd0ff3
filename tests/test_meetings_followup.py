"""The follow-up list of agreements across meetings (filters, order, counts, overdue marking with an
injected today), the calendar, "agreements of the previous meetings", an OPD's open agreements, a
bounded number of queries, and the Excel export read back with openpyxl."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import count_queries
from tests.meetings_helpers import build_world
from tracker.extensions import db
from tracker.meetings import excel, queries, services, workflow
from tracker.meetings.models import AgreementEvent
from tracker.types import utcnow

APRIL = date(2025, 4, 15)  # Dinkes' agreement (due 31 March) is overdue; Dinsos' (30 April) is not yet


@pytest.fixture
def world(make_agency, make_company, make_user):
    w = build_world(make_agency, make_company, make_user)
    bappeda = w["users"]["bappeda"]
    later = services.create_meeting({"date": "2025-06-20", "year": 2025, "quarter": 2, "kind": "pra_rakor",
                                     "title": "Pra-Rakor Juni"}, bappeda)
    w["later"] = later
    w["a_later"] = services.add_agreement(later, {"text": "=HYPERLINK(\"http://x\")", "agency_id": w["dinsos"].id,
                                                  "due_date": "2025-07-31"}, bappeda)
    db.session.commit()
    return w


def ids(stmt) -> list[int]:
    return [a.id for a in db.session.scalars(stmt)]


def test_overdue_marking_follows_today(world):
    a = world["a_dinkes"]
    assert not a.is_overdue(date(2025, 3, 31)) and a.is_overdue(date(2025, 4, 1))
    bappeda = world["users"]["bappeda"]
    overdue = queries.FollowupFilters(overdue=True)
    assert ids(queries.followup_list(overdue, bappeda, today=APRIL)) == [a.id]
    assert ids(queries.followup_list(overdue, bappeda, today=date(2025, 5, 1))) == [a.id, world["a_dinsos"].id]
    workflow.change_status(a, "done", "Diserahkan", world["users"]["dinkes"])
    db.session.commit()
    assert ids(queries.followup_list(overdue, bappeda, today=APRIL)) == []  # done is never overdue
    assert world["a_bappeda"].id in ids(queries.followup_list(queries.FollowupFilters(overdue=False), bappeda, APRIL))


def test_filters_sorts_and_counts(world):
    user = world["users"]["viewer"]
    F = queries.FollowupFilters
    every = ids(queries.followup_list(F(), user, APRIL))
    assert every == [world[k].id for k in ("a_dinkes", "a_dinsos", "a_agro", "a_later", "a_bappeda")]
    assert ids(queries.followup_list(F(), user, APRIL, sort="-due"))[:2] == [world["a_later"].id, world["a_agro"].id]
    assert ids(queries.followup_list(F(), user, APRIL, sort="meeting"))[0] == world["a_later"].id
    assert ids(queries.followup_list(F(agency_id=world["dinsos"].id), user, APRIL)) == [world["a_dinsos"].id,
                                                                                        world["a_later"].id]
    assert ids(queries.followup_list(F(company_id=world["agro"].id), user, APRIL)) == [world["a_agro"].id]
    assert ids(queries.followup_list(F(meeting_id=world["later"].id), user, APRIL)) == [world["a_later"].id]
    window = F(due_from=date(2025, 4, 1), due_to=date(2025, 5, 31))
    assert ids(queries.followup_list(window, user, APRIL)) == [world["a_dinsos"].id, world["a_agro"].id]
    assert ids(queries.followup_list(F(q="pbi"), user, APRIL)) == [world["a_dinkes"].id]
    assert ids(queries.followup_list(F(year=2024), user, APRIL)) == []
    workflow.change_status(world["a_agro"], "in_progress", "", world["users"]["bappeda"])
    db.session.commit()
    assert ids(queries.followup_list(F(status="in_progress"), user, APRIL)) == [world["a_agro"].id]
    counts = queries.followup_counts(F(status="in_progress", overdue=True), user, APRIL)
    assert counts == {"open": 4, "in_progress": 1, "done": 0, "dropped": 0, "total": 5, "overdue": 1,
                      "awaiting_confirmation": 0}  # the tabs (status, overdue) are not applied to the counts
    assert queries.followup_counts(F(), world["users"]["agro"], APRIL)["total"] == 1


def test_company_sees_only_its_own_in_the_list(world):
    agro = world["users"]["agro"]
    assert ids(queries.followup_list(queries.FollowupFilters(), agro, APRIL)) == [world["a_agro"].id]
    assert ids(queries.followup_list(queries.FollowupFilters(), world["users"]["sawit"], APRIL)) == []
    assert [m.id for m in db.session.scalars(queries.meeting_list(queries.MeetingFilters(), agro))] == [world["meeting"].id]


def test_calendar_of_a_year(world, make_user):
    bappeda = world["users"]["bappeda"]
    for day, title in (("2025-01-14", "Jadwal TKPK"), ("2025-09-10", "Konsolidasi data"), ("2025-12-15", "Rakor"),
                       ("2026-01-10", "Tahun berikutnya")):
        services.create_meeting({"date": day, "title": title, "year": 2025}, bappeda)
    db.session.commit()
    months = queries.calendar(2025, world["users"]["viewer"])
    assert [m["month"] for m in months] == list(range(1, 13))
    assert {m["month"]: [x.title for x in m["meetings"]] for m in months if m["meetings"]} == {
        1: ["Jadwal TKPK"], 3: ["Rakor TKPK Triwulan I"], 6: ["Pra-Rakor Juni"], 9: ["Konsolidasi data"],
        12: ["Rakor"]}
    assert sum(len(m["meetings"]) for m in queries.calendar(2025, world["users"]["agro"])) == 1


def test_previous_agreements_for_the_next_meeting(world):
    users = world["users"]
    bappeda = users["bappeda"]
    # closed before the June meeting: reported then, left out in September; closed since: shown
    workflow.change_status(world["a_dinkes"], "done", "", users["dinkes"])
    event = db.session.scalar(select(AgreementEvent).where(AgreementEvent.agreement_id == world["a_dinkes"].id,
                                                           AgreementEvent.action == "status"))
    event.at = utcnow().replace(year=2025, month=4, day=2)
    workflow.change_status(world["a_agro"], "dropped", "Diganti program lain", bappeda)  # now: after June
    db.session.commit()
    september = services.create_meeting({"date": "2025-09-10", "title": "Rakor Triwulan III", "quarter": 3}, bappeda)
    db.session.commit()
    assert queries.previous_meeting(september, bappeda).id == world["later"].id
    shown = [a.id for a in queries.previous_agreements(september, bappeda)]
    assert shown == [world["a_dinsos"].id, world["a_agro"].id, world["a_bappeda"].id, world["a_later"].id]
    # for the June meeting the March one is the previous: everything of March shows
    assert [a.id for a in queries.previous_agreements(world["later"], bappeda)] == [
        world[k].id for k in ("a_dinsos", "a_dinkes", "a_agro", "a_bappeda")]
    assert queries.previous_agreements(world["meeting"], bappeda) == []
    assert [a.id for a in queries.previous_agreements(september, users["agro"])] == [world["a_agro"].id]


def test_open_agreements_of_an_opd_overdue_first(world):
    bappeda = world["users"]["bappeda"]
    later = services.add_agreement(world["meeting"], {"text": "Tanpa batas", "agency_id": world["dinsos"].id},
                                   bappeda)
    overdue = services.add_agreement(world["meeting"], {"text": "Lama", "agency_id": world["dinsos"].id,
                                                        "due_date": "2025-03-20"}, bappeda)
    db.session.commit()
    rows = queries.agency_open_agreements(world["dinsos"].id, today=date(2025, 5, 5))
    assert [a.id for a in rows] == [overdue.id, world["a_dinsos"].id, world["a_later"].id, later.id]
    assert [a.is_overdue(date(2025, 5, 5)) for a in rows] == [True, True, False, False]
    assert len(queries.agency_open_agreements(world["dinsos"].id, date(2025, 5, 5), limit=2)) == 2
    assert queries.overdue_count(date(2025, 5, 5), world["dinsos"].id) == 2
    assert queries.overdue_count(date(2025, 5, 5)) == 3


def test_lists_take_a_bounded_number_of_queries(world):
    bappeda = world["users"]["bappeda"]
    for n in range(25):
        services.add_agreement(world["later"], {"text": f"Kesepakatan {n}", "agency_id": world["dinkes"].id}, bappeda)
    db.session.commit()
    db.session.expire_all()
    assert bappeda.role == "coordinator"  # (loads the user before counting)
    with count_queries() as found:
        rows = db.session.scalars(queries.followup_list(queries.FollowupFilters(), bappeda, APRIL)).all()
        labels = [(a.meeting.title, a.agency.name if a.agency else None, a.is_overdue(APRIL)) for a in rows]
        queries.followup_counts(queries.FollowupFilters(), bappeda, APRIL)
        queries.agreement_counts([world["meeting"].id, world["later"].id], bappeda, APRIL)
    assert len(labels) == 30 and len(found) == 3, found


def test_excel_export_of_the_followup_list(world):
    data = excel.export_followup(queries.FollowupFilters(year=2025), world["users"]["bappeda"], today=APRIL)
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    assert ws.title == "Tindak Lanjut"
    assert ws["A1"].value == "Daftar Tindak Lanjut Kesepakatan Rapat TKPK"
    assert "tahun 2025" in ws["A2"].value and "15 April 2025" in ws["A2"].value
    headers = [c.value for c in ws[excel.HEADER_ROW]]
    assert headers[:8] == ["No", "Tanggal Rapat", "Rapat", "Jenis Rapat", "Kesepakatan", "Penanggung Jawab",
                           "Batas Waktu", "Status"]
    assert ws.freeze_panes == "A5" and ws.auto_filter.ref == "A4:L9"
    assert ws.column_dimensions["E"].width == 60
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=excel.HEADER_ROW + 1)]
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5]
    first = rows[0]
    assert first[1].date() == date(2025, 3, 10) and first[4] == "Data PBI JKN diserahkan"
    assert (first[5], first[6].date(), first[7], first[8]) == ("Dinas Kesehatan", date(2025, 3, 31),
                                                               "Belum ditindaklanjuti", "Ya")
    assert ws.cell(excel.HEADER_ROW + 1, 7).number_format == "yyyy-mm-dd"
    assert ws.cell(excel.HEADER_ROW + 1, 8).fill.fgColor.rgb.endswith("F4CCCC")
    assert rows[1][8] == "" or rows[1][8] is None  # Dinsos: not overdue on 15 April
    assert rows[4][5] == "Bappeda (Sekretariat TKPK)" and rows[4][6] is None
    formula = ws.cell(excel.HEADER_ROW + 4, 5)  # the June agreement whose text starts with "="
    assert formula.value == "=HYPERLINK(\"http://x\")" and formula.data_type == "s" and formula.quotePrefix
    assert excel.followup_filename(queries.FollowupFilters(year=2025), APRIL) == \
        "tindak-lanjut-kesepakatan-2025-2025-04-15.xlsx"


def test_excel_export_is_scoped_and_filtered(world):
    data = excel.export_followup(queries.FollowupFilters(overdue=True), world["users"]["agro"], today=date(2025, 6, 5))
    ws = load_workbook(io.BytesIO(data)).active
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=excel.HEADER_ROW + 1)]
    assert [r[4] for r in rows] == ["CSR bedah rumah 20 unit"]
    assert "hanya yang lewat batas waktu" in ws["A2"].value
    empty = load_workbook(io.BytesIO(excel.export_followup(queries.FollowupFilters(), world["users"]["sawit"]))).active
    assert empty.max_row == excel.HEADER_ROW and empty.auto_filter.ref == "A4:L5"
