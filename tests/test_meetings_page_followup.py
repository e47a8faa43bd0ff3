"""The agreement page (status and note by its OPD, Bappeda's confirm and reopen, edit, evidence), the
follow-up list with its filters and Excel download, overdue marking, and the home page panel.  Due
dates are set relative to ``tracker.periods.services.today()`` (Jakarta), which the pages use."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.progress_helpers import PDF_BYTES
from tracker.extensions import db
from tracker.meetings import services, workflow
from tracker.meetings.models import Agreement, AgreementFile
from tracker.periods.services import today


@pytest.fixture
def world(make_agency, make_company, make_user):
    """A Rakor held 40 days ago: Dinsos has one agreement overdue (due 5 days ago) and one due in 10
    days, Dinkes one overdue, PT Agro one due in 20 days; an older meeting (80 days ago) has a Dinsos
    agreement done and confirmed."""
    dinsos = make_agency(code="1.06.01", name="Dinas Sosial", short_name="Dinsos")
    dinkes = make_agency(code="1.02.01", name="Dinas Kesehatan", short_name="Dinkes")
    agro = make_company(name="PT Agro Lestari")
    sawit = make_company(name="PT Sawit Mentaya")
    users = {"bappeda": make_user(role="coordinator"), "admin": make_user(role="admin"),
             "dinsos": make_user(role="agency", agency=dinsos), "dinkes": make_user(role="agency", agency=dinkes),
             "agro": make_user(role="company", company=agro), "sawit": make_user(role="company", company=sawit),
             "viewer": make_user(role="viewer")}
    bappeda, now = users["bappeda"], today()
    older = services.create_meeting({"date": now - timedelta(days=80), "kind": "pra_rakor", "title": "Pra-Rakor"}, bappeda)
    old_done = services.add_agreement(older, {"text": "Daftar desa prioritas disepakati", "agency_id": dinsos.id,
                                              "due_date": now - timedelta(days=70)}, bappeda)
    workflow.change_status(old_done, "done", "Sudah ditetapkan", users["dinsos"])
    workflow.confirm(old_done, bappeda)
    meeting = services.create_meeting({"date": now - timedelta(days=40), "kind": "rakor", "title": "Rakor TKPK"}, bappeda)

    def add(text, due_days, **party):
        return services.add_agreement(meeting, {"text": text, "due_date": now + timedelta(days=due_days), **party},
                                      bappeda)

    world = {
        "users": users, "dinsos": dinsos, "dinkes": dinkes, "agro": agro, "sawit": sawit, "meeting": meeting,
        "older": older, "old_done": old_done,
        "late": add("Verifikasi data P3KE desil 1", -5, agency_id=dinsos.id),
        "soon": add("Usulan PKH tambahan diserahkan", 10, agency_id=dinsos.id),
        "dinkes_late": add("Data PBI JKN diserahkan", -3, agency_id=dinkes.id),
        "csr": add("CSR bedah rumah 20 unit", 20, company_id=agro.id),
    }
    db.session.commit()
    return world


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def fresh(agreement) -> Agreement:
    db.session.expire_all()
    return db.session.get(Agreement, agreement.id)


def status_post(client, agreement, **data):
    version = fresh(agreement).version
    return client.post(f"/meetings/agreements/{agreement.id}/status", data={"version": str(version), **data})


# ---- an OPD follows its agreement up ------------------------------------------------------------------

def test_opd_updates_its_own_agreement_with_a_note(world, client_as):
    client = client_as(world["users"]["dinsos"])
    page = text_of(client.get(f"/meetings/agreements/{world['late'].id}"))
    assert "Perbarui tindak lanjut" in page and "Lewat batas waktu" in page and "lewat 5 hari" in page
    assert 'name="text"' not in page and 'name="due_date"' not in page and 'name="party"' not in page

    response = status_post(client, world["late"], status="in_progress", note="Sudah 40 dari 100 desa diverifikasi")
    assert response.status_code == 303
    agreement = fresh(world["late"])
    assert (agreement.status, agreement.note) == ("in_progress", "Sudah 40 dari 100 desa diverifikasi")
    page = text_of(client.get(f"/meetings/agreements/{world['late'].id}"))
    assert 'Status diubah menjadi "Dalam proses".' in page
    history = page[page.index('id="riwayat"'):]
    assert "Status diubah" in history and "Belum ditindaklanjuti → Dalam proses" in history
    assert "Sudah 40 dari 100 desa diverifikasi" in history and "Pengguna agency" in history

    note = status_post(client, world["late"], status="in_progress", note="Sudah 70 desa")
    assert note.status_code == 303
    assert "Catatan perkembangan" in text_of(client.get(f"/meetings/agreements/{world['late'].id}"))
    assert fresh(world["late"]).note == "Sudah 70 desa"

    version = fresh(world["late"]).version
    nothing = status_post(client, world["late"], status="in_progress", note="")
    assert nothing.status_code == 303
    assert "Tidak ada yang diubah" in text_of(client.get(nothing.headers["Location"]))
    assert fresh(world["late"]).version == version

    dropped = status_post(client, world["late"], status="dropped", note="")
    assert dropped.status_code == 422 and "Catatan wajib diisi." in text_of(dropped)
    odd = status_post(client, world["late"], status="zzz", note="x")
    assert odd.status_code == 422 and "Status harus salah satu dari" in text_of(odd)


def test_opd_cannot_touch_another_opds_agreement(world, client_as):
    client = client_as(world["users"]["dinsos"])
    page = text_of(client.get(f"/meetings/agreements/{world['dinkes_late'].id}"))  # reading is allowed
    assert "Data PBI JKN diserahkan" in page and "Perbarui tindak lanjut" not in page
    assert status_post(client, world["dinkes_late"], status="done", note="Bukan milik kami").status_code == 404
    upload = client.post(f"/meetings/agreements/{world['dinkes_late'].id}/files",
                         data={"file": (io.BytesIO(PDF_BYTES), "bukti.pdf")}, content_type="multipart/form-data")
    assert upload.status_code == 404
    assert fresh(world["dinkes_late"]).status == "open"


def test_opd_cannot_change_text_or_due_date(world, client_as):
    client = client_as(world["users"]["dinsos"])
    before = fresh(world["late"])
    text, due, version = before.text, before.due_date, before.version
    forged = status_post(client, world["late"], status="done", note="Selesai", text="Teks diganti OPD",
                         due_date="2099-01-01")
    assert forged.status_code == 403
    assert "Hanya Bappeda yang dapat mengubah teks, batas waktu atau penanggung jawab" in text_of(forged)
    after = fresh(world["late"])
    assert (after.text, after.due_date, after.status, after.version) == (text, due, "open", version)
    assert client.get(f"/meetings/agreements/{world['late'].id}/edit").status_code == 403
    assert client.post(f"/meetings/agreements/{world['late'].id}/edit", data={"text": "x"}).status_code == 403


def test_bappeda_confirms_and_reopens(world, client_as):
    opd, bappeda = client_as(world["users"]["dinsos"]), client_as(world["users"]["bappeda"])
    agreement = world["soon"]
    assert status_post(opd, agreement, status="done", note="Usulan dikirim ke Kemensos").status_code == 303
    page = text_of(bappeda.get(f"/meetings/agreements/{agreement.id}"))
    assert "menunggu konfirmasi" in page and "Konfirmasi selesai" in page

    version = fresh(agreement).version
    stale = bappeda.post(f"/meetings/agreements/{agreement.id}/confirm", data={"version": str(version - 1)})
    assert stale.status_code == 409 and "telah diubah oleh pengguna lain sejak Anda membukanya" in text_of(stale)
    confirmed = bappeda.post(f"/meetings/agreements/{agreement.id}/confirm",
                             data={"version": str(version), "note": "Bukti lengkap"})
    assert confirmed.status_code == 303
    assert fresh(agreement).confirmed_at is not None
    page = text_of(opd.get(f"/meetings/agreements/{agreement.id}"))
    assert "sudah dikonfirmasi selesai oleh Bappeda" in page and "Perbarui tindak lanjut" not in page
    again = status_post(opd, agreement, status="in_progress", note="Ada revisi")
    assert again.status_code == 409 and "Bappeda perlu membukanya kembali" in text_of(again)

    assert opd.post(f"/meetings/agreements/{agreement.id}/reopen", data={"note": "x"}).status_code == 403
    no_note = bappeda.post(f"/meetings/agreements/{agreement.id}/reopen",
                           data={"version": str(fresh(agreement).version), "status": "in_progress", "note": ""})
    assert no_note.status_code == 422 and "Catatan wajib diisi." in text_of(no_note)
    reopened = bappeda.post(f"/meetings/agreements/{agreement.id}/reopen",
                            data={"version": str(fresh(agreement).version), "status": "in_progress",
                                  "note": "Data usulan belum lengkap"})
    assert reopened.status_code == 303
    after = fresh(agreement)
    assert (after.status, after.confirmed_at, after.note) == ("in_progress", None, "Data usulan belum lengkap")
    history = text_of(opd.get(f"/meetings/agreements/{agreement.id}"))
    history = history[history.index('id="riwayat"'):]
    assert "Dibuka kembali" in history and "Dikonfirmasi Bappeda" in history and "Bukti lengkap" in history
    already = bappeda.post(f"/meetings/agreements/{agreement.id}/confirm", data={"version": str(after.version)})
    assert already.status_code == 409 and "Hanya kesepakatan berstatus selesai" in text_of(already)


def test_bappeda_edits_an_agreement_and_a_stale_form_conflicts(world, client_as):
    client = client_as(world["users"]["bappeda"])
    agreement = world["csr"]
    page = text_of(client.get(f"/meetings/agreements/{agreement.id}/edit"))
    assert re.search(rf'<option selected value="c:{world["agro"].id}">PT Agro Lestari</option>', page)
    version = fresh(agreement).version
    meeting_day = world["meeting"].date
    early = client.post(f"/meetings/agreements/{agreement.id}/edit", data={
        "text": "CSR bedah rumah 25 unit", "party": f"c:{world['sawit'].id}",
        "due_date": (meeting_day - timedelta(days=1)).isoformat(), "version": str(version)})
    assert early.status_code == 422 and "Batas waktu tidak boleh sebelum tanggal rapat" in text_of(early)
    saved = client.post(f"/meetings/agreements/{agreement.id}/edit", data={
        "text": "CSR bedah rumah 25 unit", "party": f"a:{world['dinkes'].id}",
        "due_date": (meeting_day + timedelta(days=60)).isoformat(), "version": str(version)})
    assert saved.status_code == 303
    after = fresh(agreement)
    assert (after.text, after.agency_id, after.company_id, after.status) == (
        "CSR bedah rumah 25 unit", world["dinkes"].id, None, "open")
    stale = client.post(f"/meetings/agreements/{agreement.id}/edit", data={
        "text": "Ditimpa", "party": "", "due_date": "", "version": str(version)})
    assert stale.status_code == 409 and "telah diubah oleh pengguna lain sejak Anda membukanya" in text_of(stale)
    assert fresh(agreement).text == "CSR bedah rumah 25 unit"
    bad = client.post(f"/meetings/agreements/{agreement.id}/edit", data={
        "text": "x", "party": "a:abc", "due_date": "", "version": str(after.version)})
    assert bad.status_code == 422 and "OPD tidak ditemukan." in text_of(bad)


def test_evidence_upload_download_delete_by_scope(world, client_as):
    opd = client_as(world["users"]["dinsos"])
    agreement = world["late"]
    response = opd.post(f"/meetings/agreements/{agreement.id}/files",
                        data={"file": (io.BytesIO(PDF_BYTES), "ba-verifikasi.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 303
    row = db.session.scalar(select(AgreementFile).where(AgreementFile.agreement_id == agreement.id))
    url = f"/meetings/agreements/{agreement.id}/files/{row.id}"
    page = text_of(opd.get(f"/meetings/agreements/{agreement.id}"))
    assert "ba-verifikasi.pdf" in page and "Berkas bukti ditambahkan" in page
    for reader in ("dinsos", "bappeda", "viewer"):
        download = client_as(world["users"][reader]).get(url)
        assert download.status_code == 200 and download.data == PDF_BYTES, reader
    other = client_as(world["users"]["dinkes"])
    assert other.get(url).status_code == 404  # never another OPD's evidence
    assert "hanya dapat dilihat oleh OPD penanggung jawab" in text_of(other.get(f"/meetings/agreements/{agreement.id}"))
    assert other.post(url + "/delete").status_code == 404
    assert client_as(world["users"]["viewer"]).post(url + "/delete").status_code == 403
    assert opd.post(url + "/delete").status_code == 303
    assert db.session.scalar(select(AgreementFile.id).where(AgreementFile.agreement_id == agreement.id)) is None
    assert opd.get(url).status_code == 404


def test_agreements_with_history_are_kept(world, client_as):
    client = client_as(world["users"]["bappeda"])
    delete_button = f"/meetings/agreements/{world['old_done'].id}/delete"
    assert delete_button not in client.get(f"/meetings/agreements/{world['old_done'].id}").get_data(as_text=True)
    assert f"/meetings/agreements/{world['csr'].id}/delete" in client.get(
        f"/meetings/agreements/{world['csr'].id}").get_data(as_text=True)
    kept = client.post(delete_button, follow_redirects=True)
    assert "tidak dapat dihapus" in text_of(kept)
    csr_id, meeting_id = world["csr"].id, world["meeting"].id
    gone = client.post(f"/meetings/agreements/{csr_id}/delete")
    assert gone.status_code == 303 and gone.headers["Location"].endswith(f"/meetings/{meeting_id}#kesepakatan")
    db.session.expire_all()
    assert db.session.get(Agreement, csr_id) is None


# ---- the follow-up list ------------------------------------------------------------------------------

def rows(page: str) -> list[str]:
    body = page[page.index("<tbody>"):page.index("</tbody>")] if "<tbody>" in page else ""
    return re.findall(r"<tr[^>]*>.*?</tr>", body, re.DOTALL)


def test_followup_marks_overdue_and_filters(world, client_as):
    client = client_as(world["users"]["bappeda"])
    page = text_of(client.get("/meetings/followup"))
    found = rows(page)
    assert len(found) == 5
    # by due date, earliest first; the overdue ones are red
    assert "Daftar desa prioritas" in found[0] and "Verifikasi data P3KE" in found[1] and "PBI JKN" in found[2]
    assert all('class="table-danger"' in r for r in found[1:3]) and 'table-danger' not in found[3]
    assert "Lewat batas waktu" in found[1] and "dikonfirmasi" in found[0]

    overdue = rows(text_of(client.get("/meetings/followup?overdue=1")))
    assert [("P3KE" in r, "PBI JKN" in r) for r in overdue] == [(True, False), (False, True)]
    dinsos = text_of(client.get(f"/meetings/followup?agency_id={world['dinsos'].id}"))
    assert len(rows(dinsos)) == 3 and "PBI JKN" not in dinsos
    # the tabs count within the other filters
    assert re.search(r"Selesai <span[^>]*>1</span>", dinsos) and re.search(r"Lewat batas waktu <span[^>]*>1</span>", dinsos)
    done = text_of(client.get("/meetings/followup?status=done"))
    assert len(rows(done)) == 1 and "Daftar desa prioritas" in done
    company = rows(text_of(client.get(f"/meetings/followup?company_id={world['agro'].id}")))
    assert len(company) == 1 and "CSR bedah rumah" in company[0]
    now = today()
    window = rows(text_of(client.get(f"/meetings/followup?due_from={(now - timedelta(days=4)).isoformat()}"
                                     f"&due_to={(now + timedelta(days=15)).isoformat()}")))
    assert len(window) == 2 and "PBI JKN" in window[0] and "Usulan PKH" in window[1]
    by_meeting = rows(text_of(client.get(f"/meetings/followup?meeting_id={world['older'].id}")))
    assert len(by_meeting) == 1
    assert len(rows(text_of(client.get("/meetings/followup?q=PKH")))) == 1
    newest_first = rows(text_of(client.get("/meetings/followup?sort=meeting")))
    assert "Daftar desa prioritas" in newest_first[-1]


def test_followup_ignores_odd_arguments_with_a_message(world, client_as):
    client = client_as(world["users"]["bappeda"])
    response = client.get("/meetings/followup?year=abc&status=zzz&due_from=2025-13-45&due_to=x&agency_id=abc"
                          "&meeting_id=-1&sort=bad&overdue=maybe&page=0&company_id=99999999999")
    assert response.status_code == 200
    page = text_of(response)
    assert "Penyaring diabaikan" in page and "2025-13-45" in page and "bukan tanggal yang valid" in page
    assert len(rows(page)) == 5
    xlsx = client.get("/meetings/followup.xlsx?due_from=2025-13-45&status=zzz")
    assert xlsx.status_code == 200


def test_followup_excel_has_the_same_filters(world, client_as):
    client = client_as(world["users"]["bappeda"])
    response = client.get(f"/meetings/followup.xlsx?agency_id={world['dinsos'].id}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[4]]
    assert header[:5] == ["No", "Tanggal Rapat", "Rapat", "Jenis Rapat", "Kesepakatan"]
    data = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
    assert [r[4] for r in data] == ["Daftar desa prioritas disepakati", "Verifikasi data P3KE desil 1",
                                    "Usulan PKH tambahan diserahkan"]
    overdue_col = header.index("Lewat Batas Waktu")
    assert [r[overdue_col] for r in data] == [None, "Ya", None]
    page = text_of(client.get(f"/meetings/followup?agency_id={world['dinsos'].id}&overdue=1"))
    assert f'/meetings/followup.xlsx?agency_id={world["dinsos"].id}&overdue=1"' in page  # the button keeps them


def test_opd_user_opens_on_its_own_agreements(world, client_as):
    client = client_as(world["users"]["dinsos"])
    own = text_of(client.get("/meetings/followup"))
    assert len(rows(own)) == 3 and "PBI JKN" not in own and "Kesepakatan OPD saya" in own
    everything = text_of(client.get("/meetings/followup?agency_id="))
    assert len(rows(everything)) == 5
    # the reminders' link
    reminder = text_of(client.get(f"/meetings/followup?agency_id={world['dinsos'].id}&overdue=1"))
    assert len(rows(reminder)) == 1 and "Verifikasi data P3KE" in reminder


def test_company_sees_only_its_agreements(world, client_as):
    client = client_as(world["users"]["agro"])
    page = text_of(client.get(f"/meetings/followup?company_id={world['sawit'].id}&agency_id={world['dinsos'].id}"))
    assert "f-agency" not in page
    found = rows(text_of(client.get("/meetings/followup")))
    assert len(found) == 1 and "CSR bedah rumah" in found[0]
    assert client.get(f"/meetings/agreements/{world['csr'].id}").status_code == 200
    assert client.get(f"/meetings/agreements/{world['late'].id}").status_code == 404
    assert status_post(client, world["csr"], status="done", note="x").status_code == 403
    sheet = load_workbook(io.BytesIO(client.get("/meetings/followup.xlsx").data)).active
    assert [row[4].value for row in sheet.iter_rows(min_row=5)] == ["CSR bedah rumah 20 unit"]
    assert client_as(world["users"]["sawit"]).get(f"/meetings/agreements/{world['csr'].id}").status_code == 404


def test_viewer_reads_and_cannot_write(world, client_as):
    client = client_as(world["users"]["viewer"])
    page = text_of(client.get(f"/meetings/agreements/{world['late'].id}"))
    assert "Verifikasi data P3KE" in page and "Perbarui tindak lanjut" not in page and "Konfirmasi" not in page
    assert status_post(client, world["late"], status="done", note="x").status_code == 403
    assert client.post(f"/meetings/agreements/{world['late'].id}/confirm", data={}).status_code == 403
    assert client.post(f"/meetings/agreements/{world['late'].id}/delete").status_code == 403
    assert client.get("/meetings/followup").status_code == 200
    assert fresh(world["late"]).status == "open"


# ---- the home page panel ------------------------------------------------------------------------------

def test_dashboard_panel_of_an_opd(world, client_as):
    page = text_of(client_as(world["users"]["dinsos"]).get("/"))
    panel = page[page.index('id="kesepakatan-rakor"'):page.index("Triwulan tahun")]
    assert "Kesepakatan Rakor yang perlu ditindaklanjuti" in panel
    assert panel.index("Verifikasi data P3KE") < panel.index("Usulan PKH")  # overdue first
    assert "1 lewat batas waktu" in panel and "2 belum selesai" in panel
    assert "PBI JKN" not in panel and "Daftar desa prioritas" not in panel  # another OPD's, a closed one
    assert f"/meetings/followup?agency_id={world['dinsos'].id}" in panel


def test_dashboard_panel_of_bappeda(world, client_as):
    workflow.change_status(world["soon"], "done", "Dikirim", world["users"]["dinsos"])
    db.session.commit()
    page = text_of(client_as(world["users"]["bappeda"]).get("/"))
    panel = page[page.index('id="kesepakatan-rakor"'):page.index("Triwulan tahun")]
    assert re.search(r"Kesepakatan lewat batas waktu</div>\s*<div[^>]*>2</div>", panel)
    assert re.search(r"menunggu konfirmasi Bappeda</div>\s*<div[^>]*>1</div>", panel)
    assert "/meetings/followup?overdue=1" in panel and "/meetings/followup?status=done" in panel
    assert 'id="kesepakatan-rakor"' not in text_of(client_as(world["users"]["viewer"]).get("/"))


# ---- every form carries its CSRF token; no inline script or style (CSP) ---------------------------------

def test_every_form_has_a_csrf_token_and_pages_obey_the_csp(world, make_app):
    strict = make_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/login", data={"username": world["users"]["bappeda"].username, "password": "Kuat-Sekali-Rahasia-77",
                                "csrf_token": token})
    done = world["soon"]
    workflow.change_status(done, "done", "Dikirim", world["users"]["bappeda"])
    db.session.commit()
    urls = ["/", "/meetings/", "/meetings/calendar", "/meetings/followup", "/meetings/new",
            f"/meetings/{world['meeting'].id}", f"/meetings/{world['meeting'].id}/edit",
            f"/meetings/agreements/{done.id}", f"/meetings/agreements/{world['late'].id}",
            f"/meetings/agreements/{world['old_done'].id}", f"/meetings/agreements/{done.id}/edit"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert "<script>" not in page.replace("<script src", "") and ' style="' not in page, url
        forms = re.findall(r'<form method="post".*?</form>', page, re.DOTALL)
        assert all('name="csrf_token"' in form for form in forms), url
    agreement = fresh(world["late"])
    assert client.post(f"/meetings/agreements/{agreement.id}/status",
                       data={"status": "in_progress", "version": str(agreement.version)}).status_code == 400
    page = client.get(f"/meetings/agreements/{agreement.id}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    ok = client.post(f"/meetings/agreements/{agreement.id}/status",
                     data={"status": "in_progress", "version": str(agreement.version), "csrf_token": csrf})
    assert ok.status_code == 303 and fresh(world["late"]).status == "in_progress"
