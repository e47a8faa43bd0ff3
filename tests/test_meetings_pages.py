"""The meetings pages through the test client: recording a meeting with its attendance, adding
agreements for several OPDs, the meeting form's Indonesian errors and version check, the meeting page
(minutes escaped with their line breaks, attendance, files, previous agreements), the calendar, and who
may write what.  The agreement page, the follow-up list and the dashboard are in
``test_meetings_page_followup.py``."""

from __future__ import annotations

import html
import os
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.meetings_helpers import build_world
from tests.progress_helpers import PDF_BYTES
from tracker.extensions import db
from tracker.meetings import services, workflow
from tracker.meetings.models import Agreement, Meeting, MeetingAttendee, MeetingFile


@pytest.fixture
def world(make_agency, make_company, make_user):
    return build_world(make_agency, make_company, make_user)


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def meeting_form(world, **overrides) -> dict:
    dinsos, dinkes, agro = world["dinsos"], world["dinkes"], world["agro"]
    data = {
        "date": "2025-06-12", "kind": "evaluasi_triwulan", "title": "Rapat Evaluasi Triwulan I", "year": "2025",
        "quarter": "1", "place": "Aula Bappeda", "chair": "Kepala Bappeda", "agenda": "Capaian triwulan I",
        "minutes": "Pembukaan oleh Kepala Bappeda.\nPaparan <Dinsos> & Dinkes.",
        "att_agency": [str(dinsos.id), str(dinkes.id)], f"people_agency_{dinsos.id}": "3",
        f"people_agency_{dinkes.id}": "", "att_company": [str(agro.id)], f"people_company_{agro.id}": "2",
        "others": "Camat Baamang;2\nBPS Kotawaringin Timur\n\n", "version": "",
    }
    data.update(overrides)
    return data


def attendance_of(meeting_id: int) -> list[tuple]:
    rows = db.session.scalars(select(MeetingAttendee).where(MeetingAttendee.meeting_id == meeting_id)
                              .order_by(MeetingAttendee.id)).all()
    return [(r.label, r.people) for r in rows]


def meeting_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Meeting))


# ---- recording a meeting ----------------------------------------------------------------------------

def test_bappeda_records_a_meeting_with_attendance(world, client_as):
    client = client_as(world["users"]["bappeda"])
    form = client.get("/meetings/new")
    assert form.status_code == 200
    page = text_of(form)
    assert f'name="att_agency" value="{world["dinsos"].id}"' in page and "Pihak lain yang hadir" in page

    response = client.post("/meetings/new", data=meeting_form(world))
    assert response.status_code == 303
    meeting_id = int(re.search(r"/meetings/(\d+)", response.headers["Location"]).group(1))
    meeting = db.session.get(Meeting, meeting_id)
    assert (meeting.date, meeting.kind, meeting.year, meeting.quarter) == (date(2025, 6, 12), "evaluasi_triwulan", 2025, 1)
    assert attendance_of(meeting_id) == [("Dinas Sosial", 3), ("Dinas Kesehatan", 1), ("PT Agro Lestari", 2),
                                         ("Camat Baamang", 2), ("BPS Kotawaringin Timur", 1)]

    shown = client.get(f"/meetings/{meeting_id}")
    raw = shown.get_data(as_text=True)
    assert shown.status_code == 200
    # minutes: escaped, line breaks kept
    assert "Pembukaan oleh Kepala Bappeda.<br>Paparan &lt;Dinsos&gt; &amp; Dinkes." in raw
    page = text_of(shown)
    assert "Triwulan I tahun 2025" in page and "Kepala Bappeda" in page and "Aula Bappeda" in page
    assert "9 orang" in page  # 3 + 1 + 2 + 2 + 1
    assert "Tambah kesepakatan" in page and "Ubah rapat" in page


def test_meeting_form_errors_are_indonesian_and_nothing_is_saved(world, client_as):
    client = client_as(world["users"]["bappeda"])
    before = meeting_count()
    response = client.post("/meetings/new", data=meeting_form(world, date="12/06/2025", title=""))
    assert response.status_code == 422
    page = text_of(response)
    assert "Tanggal tidak valid; gunakan format TTTT-BB-HH" in page
    assert "Periksa kembali isian yang ditandai." in page
    # the ticked OPDs and their counts survive the round trip
    assert re.search(rf'value="{world["dinsos"].id}" id="att-agency-{world["dinsos"].id}" checked', page)

    response = client.post("/meetings/new", data=meeting_form(world, title="", others="BPS;banyak"))
    page = text_of(response)
    assert response.status_code == 422
    assert "BPS: jumlah orang harus bilangan bulat" in page and "Wajib diisi." in page

    response = client.post("/meetings/new", data=meeting_form(world, title="", quarter="5"))
    page = text_of(response)
    assert response.status_code == 422
    assert "Wajib diisi." in page and "Triwulan harus 1 sampai 4" in page

    response = client.post("/meetings/new", data=meeting_form(world, others="BPS;1\n bps ;2"))
    assert response.status_code == 422
    assert "bps: Pihak ini sudah ada di daftar hadir." in text_of(response)
    assert meeting_count() == before


def test_edit_replaces_attendance_and_a_stale_form_is_a_conflict(world, client_as):
    client = client_as(world["users"]["bappeda"])
    meeting = world["meeting"]
    page = text_of(client.get(f"/meetings/{meeting.id}/edit"))
    assert 'value="Rakor TKPK Triwulan I"' in page and "Camat Baamang;1" in page
    version = int(re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1))

    data = meeting_form(world, date="2025-03-10", title="Rakor TKPK Triwulan I (revisi)", version=str(version),
                        att_company=[], others="Camat Baamang;3")
    response = client.post(f"/meetings/{meeting.id}/edit", data=data)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).title == "Rakor TKPK Triwulan I (revisi)"
    assert attendance_of(meeting.id) == [("Dinas Sosial", 3), ("Dinas Kesehatan", 1), ("Camat Baamang", 3)]

    stale = client.post(f"/meetings/{meeting.id}/edit", data={**data, "title": "Ditimpa"})  # the old version
    assert stale.status_code == 409
    assert "telah diubah oleh pengguna lain sejak Anda membukanya" in text_of(stale)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).title == "Rakor TKPK Triwulan I (revisi)"

    # a date after one of its agreements' due dates is refused on the date field
    later = client.post(f"/meetings/{meeting.id}/edit",
                        data={**data, "date": "2025-04-15", "version": str(version + 1)})
    assert later.status_code == 422
    assert "Setelah batas waktu salah satu kesepakatan" in text_of(later)


# ---- agreements added at the meeting -----------------------------------------------------------------

def test_one_agreement_per_opd_and_due_date_not_before_the_meeting(world, client_as):
    client = client_as(world["users"]["bappeda"])
    meeting = world["meeting"]
    count = db.session.scalar(select(func.count()).select_from(Agreement))

    refused = client.post(f"/meetings/{meeting.id}/agreements", data={
        "text": "Data DTSEN dimutakhirkan", "agency_ids": [str(world["dinsos"].id)], "due_date": "2025-03-01"})
    assert refused.status_code == 422
    page = text_of(refused)
    assert "Batas waktu tidak boleh sebelum tanggal rapat (2025-03-10)." in page
    assert "Data DTSEN dimutakhirkan" in page  # the text is kept in the form
    assert db.session.scalar(select(func.count()).select_from(Agreement)) == count

    response = client.post(f"/meetings/{meeting.id}/agreements", data={
        "text": "Data DTSEN dimutakhirkan", "agency_ids": [str(world["dinsos"].id), str(world["dinkes"].id)],
        "due_date": "2025-05-31"})
    assert response.status_code == 303 and response.headers["Location"].endswith("#kesepakatan")
    rows = db.session.scalars(select(Agreement).where(Agreement.text == "Data DTSEN dimutakhirkan")
                              .order_by(Agreement.id)).all()
    assert [(a.agency_id, a.due_date, a.status) for a in rows] == [
        (world["dinsos"].id, date(2025, 5, 31), "open"), (world["dinkes"].id, date(2025, 5, 31), "open")]
    assert "2 kesepakatan dicatat." in text_of(client.get(response.headers["Location"]))

    company = client.post(f"/meetings/{meeting.id}/agreements", data={
        "text": "Bantuan bibit", "company_ids": [str(world["sawit"].id)], "due_date": ""})
    assert company.status_code == 303
    row = db.session.scalar(select(Agreement).where(Agreement.text == "Bantuan bibit"))
    assert (row.company_id, row.agency_id, row.due_date) == (world["sawit"].id, None, None)

    bad = client.post(f"/meetings/{meeting.id}/agreements", data={"text": "", "agency_ids": ["999999"]})
    assert bad.status_code == 422
    assert "Wajib diisi." in text_of(bad) and "OPD tidak ditemukan: 999999." in text_of(bad)


def test_meeting_page_lists_its_agreements_and_the_previous_ones(world, client_as):
    bappeda = world["users"]["bappeda"]
    workflow.change_status(world["a_dinsos"], "in_progress", "Sudah 40 desa", bappeda)
    later = services.create_meeting({"date": "2025-06-20", "title": "Rakor Triwulan II"}, bappeda)
    services.add_agreement(later, {"text": "Sosialisasi RPKD", "agency_id": world["dinkes"].id}, bappeda)
    db.session.commit()
    page = text_of(client_as(world["users"]["viewer"]).get(f"/meetings/{later.id}"))
    own, previous = page.split("Kesepakatan rapat-rapat sebelumnya")
    assert "Sosialisasi RPKD" in own and "Verifikasi data P3KE desil 1" not in own
    assert "Verifikasi data P3KE desil 1" in previous and "Dalam proses" in previous and "Rakor TKPK Triwulan I" in previous
    assert "Tambah kesepakatan" not in page and "Ubah rapat" not in page  # the viewer reads only


def test_list_shows_counts_and_ignores_odd_arguments(world, client_as):
    bappeda = world["users"]["bappeda"]
    workflow.change_status(world["a_dinkes"], "done", "Diserahkan", bappeda)
    db.session.commit()
    client = client_as(world["users"]["viewer"])
    page = text_of(client.get("/meetings/"))
    assert "Rakor TKPK Triwulan I" in page
    assert "Belum ditindaklanjuti: 3" in page and "Selesai: 1" in page
    assert "Rapat baru" not in page
    for query in ("?year=abc", "?kind=zzz", "?page=-1", "?year=2025&kind=rakor&q=P3KE", "?q=" + "x" * 500):
        assert client.get("/meetings/" + query).status_code == 200, query
    assert "Tidak ada rapat yang cocok" in text_of(client.get("/meetings/?year=2024"))
    assert "Rakor TKPK Triwulan I" in text_of(client.get("/meetings/?year=2025&kind=rakor&q=P3KE"))


def test_calendar_shows_the_year_by_month(world, client_as):
    bappeda = world["users"]["bappeda"]
    for day, kind, title in (("2025-01-20", "rakor", "Penyusunan Jadwal TKPK"), ("2025-05-14", "pra_rakor", "Pra-Rakor 2025"),
                             ("2025-09-10", "verval", "Konsolidasi Data P3KE"), ("2025-12-11", "rakor", "Rakor Akhir Tahun")):
        services.create_meeting({"date": day, "kind": kind, "title": title}, bappeda)
    db.session.commit()
    client = client_as(world["users"]["dinsos"])
    page = text_of(client.get("/meetings/calendar?year=2025"))

    def month(n):
        start = page.index(f'id="bulan-{n}"')
        end = page.index(f'id="bulan-{n + 1}"') if n < 12 else len(page)
        return page[start:end]

    assert "Penyusunan Jadwal TKPK" in month(1) and "Pra-Rakor 2025" in month(5)
    assert "Rakor TKPK Triwulan I" in month(3) and "Konsolidasi Data P3KE" in month(9)
    assert "Rakor Akhir Tahun" in month(12) and "Tidak ada rapat tercatat." in month(2)
    assert "Sudah dilaksanakan" in month(12)  # 2025 is past
    assert client.get("/meetings/calendar?year=abc").status_code == 200
    assert client.get("/meetings/calendar?year=99999").status_code == 200


def test_upcoming_meetings_are_marked(world, client_as):
    from tracker.periods.services import today

    soon = date(today().year + 1, 5, 14)
    services.create_meeting({"date": soon, "kind": "pra_rakor", "title": "Pra-Rakor berikutnya"},
                            world["users"]["bappeda"])
    db.session.commit()
    page = text_of(client_as(world["users"]["viewer"]).get(f"/meetings/calendar?year={soon.year}"))
    may = page[page.index('id="bulan-5"'):page.index('id="bulan-6"')]
    assert "Pra-Rakor berikutnya" in may and "Akan datang" in may


# ---- files --------------------------------------------------------------------------------------------

def test_meeting_files_upload_download_delete(world, client_as, app):
    import io

    meeting = world["meeting"]
    client = client_as(world["users"]["bappeda"])
    response = client.post(f"/meetings/{meeting.id}/files", data={
        "kind": "undangan", "file": (io.BytesIO(PDF_BYTES), "undangan-rakor.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 303
    row = db.session.scalar(select(MeetingFile).where(MeetingFile.meeting_id == meeting.id))
    assert (row.original_name, row.kind) == ("undangan-rakor.pdf", "undangan")
    page = text_of(client.get(f"/meetings/{meeting.id}"))
    assert "Berkas undangan-rakor.pdf diunggah." in page and "Undangan" in page

    for reader in ("viewer", "dinsos", "agro"):
        download = client_as(world["users"][reader]).get(f"/meetings/{meeting.id}/files/{row.id}")
        assert download.status_code == 200 and download.data == PDF_BYTES, reader
    assert client_as(world["users"]["sawit"]).get(f"/meetings/{meeting.id}/files/{row.id}").status_code == 404

    refused = client.post(f"/meetings/{meeting.id}/files", data={
        "kind": "undangan", "file": (io.BytesIO(b"MZ not a pdf"), "virus.pdf")}, content_type="multipart/form-data")
    assert refused.status_code == 303
    assert "Jenis berkas tidak diizinkan; hanya PDF" in text_of(client.get(f"/meetings/{meeting.id}"))
    assert db.session.scalar(select(func.count()).select_from(MeetingFile)) == 1

    url, stored = f"/meetings/{meeting.id}/files/{row.id}", row.stored_name
    path = os.path.join(app.config["UPLOAD_FOLDER"], "meetings", stored[:2], stored)
    assert os.path.exists(path)
    viewer = client_as(world["users"]["viewer"])
    assert viewer.post(url + "/delete").status_code == 403
    assert client.post(url + "/delete").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(MeetingFile)) == 0
    assert client.get(url).status_code == 404
    assert not os.path.exists(path)


# ---- deleting -----------------------------------------------------------------------------------------

def test_delete_meeting_only_before_follow_up(world, client_as):
    client = client_as(world["users"]["bappeda"])
    fresh = services.create_meeting({"date": "2025-02-01", "title": "Salah catat"}, world["users"]["bappeda"])
    services.add_agreement(fresh, {"text": "Coba"}, world["users"]["bappeda"])
    workflow.change_status(world["a_dinsos"], "in_progress", "Mulai", world["users"]["dinsos"])
    db.session.commit()

    kept = client.post(f"/meetings/{world['meeting'].id}/delete", follow_redirects=True)
    assert "tidak dapat dihapus" in text_of(kept)
    assert db.session.get(Meeting, world["meeting"].id) is not None

    fresh_id = fresh.id
    gone = client.post(f"/meetings/{fresh_id}/delete")
    assert gone.status_code == 303 and gone.headers["Location"].endswith("/meetings/")
    db.session.expire_all()
    assert db.session.get(Meeting, fresh_id) is None


# ---- who may do what ----------------------------------------------------------------------------------

def test_readers_read_and_cannot_write(world, client_as):
    meeting = world["meeting"]
    for role in ("viewer", "dinsos"):
        client = client_as(world["users"][role])
        assert client.get("/meetings/").status_code == 200
        assert client.get(f"/meetings/{meeting.id}").status_code == 200
        assert client.get("/meetings/new").status_code == 403
        assert client.post("/meetings/new", data=meeting_form(world)).status_code == 403
        assert client.post(f"/meetings/{meeting.id}/edit", data=meeting_form(world)).status_code == 403
        assert client.post(f"/meetings/{meeting.id}/agreements", data={"text": "x"}).status_code == 403
        assert client.post(f"/meetings/{meeting.id}/delete").status_code == 403
    assert db.session.get(Meeting, meeting.id).title == "Rakor TKPK Triwulan I"


def test_company_sees_only_meetings_with_its_agreements(world, client_as):
    bappeda = world["users"]["bappeda"]
    other = services.create_meeting({"date": "2025-04-01", "title": "FGD Stunting", "kind": "fgd"}, bappeda)
    services.add_agreement(other, {"text": "Data stunting", "agency_id": world["dinkes"].id}, bappeda)
    db.session.commit()
    client = client_as(world["users"]["agro"])
    listing = text_of(client.get("/meetings/"))
    assert "Rakor TKPK Triwulan I" in listing and "FGD Stunting" not in listing
    page = text_of(client.get(f"/meetings/{world['meeting'].id}"))
    assert "CSR bedah rumah 20 unit" in page
    assert "Verifikasi data P3KE desil 1" not in page and "Data PBI JKN diserahkan" not in page
    assert client.get(f"/meetings/{other.id}").status_code == 404
    assert client_as(world["users"]["sawit"]).get(f"/meetings/{world['meeting'].id}").status_code == 404
    assert "FGD Stunting" not in text_of(client.get("/meetings/calendar?year=2025"))
