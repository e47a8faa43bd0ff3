"""The report pages: the form (scoped for an OPD user, errors in Indonesian), the job page that polls
with htmx and offers the download when done, the list of earlier renderings, and the settings page
(Bappeda only; NIP 18 digits; logo PNG/JPEG)."""

from __future__ import annotations

import io
import re

import pytest

from tests.conftest import PASSWORD
from tests.progress_helpers import PDF_BYTES, PNG_BYTES
from tests.reports_jobs_helpers import empty_queue, install, run_queue  # noqa: F401  (fixture)
from tracker.extensions import db
from tracker.reports import settings
from tracker.reports.models import ReportJob


@pytest.fixture
def coordinator(make_user):
    return make_user(role="coordinator")


def form(**values) -> dict:
    return {"kind": "evaluation", "year": "2025", "quarter": "2", "agency_id": "", "fmt": "pdf",
            "verified_only": "y", **values}


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def job_id_of(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return response.headers["Location"].rsplit("/", 1)[-1]


def test_the_page_offers_the_choice(app, monkeypatch, coordinator, client_as, make_agency):
    install(monkeypatch)
    agency = make_agency(short_name="Dinsos")
    page = client_as(coordinator).get("/reports/").get_data(as_text=True)
    assert "Buat laporan" in page and "Laporan uji" in page
    assert f'<option value="{agency.id}">Dinsos</option>' in page
    assert "Seluruh kabupaten" in page and "Hanya data yang sudah diverifikasi" in page
    assert 'name="fmt"' in page and "Pengaturan laporan" in page
    assert "Laporan" in client_as(coordinator).get("/").get_data(as_text=True)  # the nav entry


def test_an_opd_user_can_choose_only_their_own_opd(app, monkeypatch, make_user, make_agency, client_as):
    probe = install(monkeypatch)
    own, other = make_agency(short_name="Milik"), make_agency(short_name="Lain")
    browser = client_as(make_user(role="agency", agency=own))
    page = browser.get("/reports/").get_data(as_text=True)
    assert "Milik" in page and "Lain" not in page and "Seluruh kabupaten" not in page
    assert "Pengaturan laporan" not in page
    job_id_of(browser.post("/reports/", data=form(agency_id=str(other.id))))  # a tampered choice
    run_queue(app)
    assert probe.calls[0].agency_id == own.id


def test_generate_follow_and_download(app, monkeypatch, coordinator, client_as):
    probe = install(monkeypatch)
    browser = client_as(coordinator)
    job_id = job_id_of(browser.post("/reports/", data=form(verified_only="")))
    page = browser.get(f"/reports/jobs/{job_id}").get_data(as_text=True)
    assert "Menunggu antrean" in page and "0% selesai" in page
    assert f'hx-get="/reports/jobs/{job_id}/status"' in page and 'hx-trigger="every 2s"' in page
    assert "<script>" not in page and "style=" not in page  # CSP: no inline script or style
    assert "termasuk data belum diverifikasi" in page
    run_queue(app)
    fragment = browser.get(f"/reports/jobs/{job_id}/status").get_data(as_text=True)
    assert "hx-trigger" not in fragment  # done: polling stops
    assert f'href="/reports/jobs/{job_id}/download"' in fragment and "Unduh PDF" in fragment
    download = browser.get(f"/reports/jobs/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert probe.calls[0].include_unverified is True


def test_a_failed_job_shows_its_message(app, monkeypatch, coordinator, client_as):
    probe = install(monkeypatch)
    probe.fail = RuntimeError("boom at /srv/secret.py")
    browser = client_as(coordinator)
    job_id = job_id_of(browser.post("/reports/", data=form()))
    run_queue(app)
    page = browser.get(f"/reports/jobs/{job_id}").get_data(as_text=True)
    assert "Gagal" in page and "kesalahan pada server" in page and "secret" not in page
    assert browser.get(f"/reports/jobs/{job_id}/download").status_code == 404


def test_the_list_shows_earlier_renderings(app, monkeypatch, coordinator, client_as, make_user, make_agency):
    install(monkeypatch)
    agency = make_agency(short_name="Bappedalitbang")
    browser = client_as(coordinator)
    job_id = job_id_of(browser.post("/reports/", data=form(agency_id=str(agency.id), fmt="xlsx")))
    run_queue(app)
    page = browser.get("/reports/").get_data(as_text=True)
    table = page[page.index('id="report-jobs"'):]
    assert "Laporan uji" in table and "Triwulan II 2025" in table and "Bappedalitbang" in table
    assert "XLSX" in table and "Selesai" in table and "KB" in table and "Pengguna coordinator" in table
    assert f"/reports/jobs/{job_id}/download" in table
    # another user sees neither the row nor the job; Bappeda can list everyone's
    viewer = client_as(make_user(role="viewer"))
    assert job_id not in viewer.get("/reports/").get_data(as_text=True)
    assert viewer.get(f"/reports/jobs/{job_id}").status_code == 404
    assert viewer.get(f"/reports/jobs/{job_id}/download").status_code == 404
    admin = client_as(make_user(role="admin"))
    assert job_id not in admin.get("/reports/").get_data(as_text=True)
    assert job_id in admin.get("/reports/?semua=1").get_data(as_text=True)


def test_form_errors_are_in_indonesian(app, monkeypatch, coordinator, client_as):
    install(monkeypatch, kind="opd_form")
    browser = client_as(coordinator)
    missing_opd = browser.post("/reports/", data=form(kind="opd_form"))
    assert missing_opd.status_code == 422 and "Pilih OPD." in missing_opd.get_data(as_text=True)
    bad = browser.post("/reports/", data=form(kind="opd_form", year="1999", quarter="7", agency_id="999999"))
    text = bad.get_data(as_text=True)
    assert "Tahun harus antara 2000 dan 2100." in text and "Triwulan harus 1 sampai 4." in text
    assert "OPD tidak ditemukan." in text
    unknown = browser.post("/reports/", data=form(kind="tidak-ada"))
    assert unknown.status_code == 422 and "tidak tersedia" in unknown.get_data(as_text=True)
    assert db.session.query(ReportJob).count() == 0


def test_the_form_needs_its_csrf_token(app, monkeypatch, make_app, coordinator):
    install(monkeypatch)
    browser = make_app(WTF_CSRF_ENABLED=True).test_client()
    token = csrf_token(browser.get("/login").get_data(as_text=True))
    browser.post("/login", data={"username": coordinator.username, "password": PASSWORD, "csrf_token": token})
    page = browser.get("/reports/").get_data(as_text=True)
    assert browser.post("/reports/", data=form()).status_code == 400
    assert browser.post("/reports/", data={**form(), "csrf_token": csrf_token(page)}).status_code == 303


# ---- settings ------------------------------------------------------------------------------------------

def test_settings_are_bappedas(app, coordinator, make_user, client_as):
    assert client_as(coordinator).get("/reports/settings").status_code == 200
    assert client_as(make_user(role="agency")).get("/reports/settings").status_code == 403
    assert client_as(make_user(role="viewer")).post("/reports/settings", data={}).status_code == 403


def test_settings_check_the_nip_and_save(app, coordinator, client_as, kabupaten):
    browser = client_as(coordinator)
    page = browser.get("/reports/settings").get_data(as_text=True)
    assert 'value="Kepala Bappeda"' in page and "Kabupaten Kotawaringin Timur" in page
    data = {"place": "Sampit", "signer_title": "Kepala Bappedalitbang", "signer_name": "Ir. H. Uji, M.Si",
            "signer_nip": "1970 0101 1995 03 1 002x", "version": ""}
    refused = browser.post("/reports/settings", data=data)
    assert refused.status_code == 422 and "NIP terdiri dari 18 angka." in refused.get_data(as_text=True)
    assert settings.stored_settings() is None
    saved = browser.post("/reports/settings", data={**data, "signer_nip": "19700101 199503 1 002"})
    assert saved.status_code == 303
    view = settings.report_settings()
    assert (view.place, view.signer_title, view.signer_name, view.signer_nip) == \
        ("Sampit", "Kepala Bappedalitbang", "Ir. H. Uji, M.Si", "197001011995031002")
    assert view.region_name == "Kabupaten Kotawaringin Timur" and view.version == 1 and view.logo_data_uri is None
    stale = browser.post("/reports/settings", data={**data, "signer_nip": "", "version": "0"})
    assert stale.status_code == 409
    assert settings.report_settings().signer_nip == "197001011995031002"


def test_the_logo_is_a_small_png_or_jpeg(app, coordinator, client_as):
    browser = client_as(coordinator)
    base = {"place": "Sampit", "signer_title": "Kepala Bappeda", "signer_name": "", "signer_nip": ""}
    not_image = browser.post("/reports/settings", content_type="multipart/form-data",
                             data={**base, "logo": (io.BytesIO(PDF_BYTES), "logo.pdf")})
    assert not_image.status_code == 422 and "PNG atau JPEG" in not_image.get_data(as_text=True)
    ok = browser.post("/reports/settings", content_type="multipart/form-data",
                      data={**base, "logo": (io.BytesIO(PNG_BYTES), "logo.png")})
    assert ok.status_code == 303
    view = settings.report_settings()
    assert view.logo_data_uri.startswith("data:image/png;base64,")
    assert view.logo_data_uri in browser.get("/reports/settings").get_data(as_text=True)  # the preview
    removed = browser.post("/reports/settings", data={**base, "remove_logo": "y", "version": str(view.version)})
    assert removed.status_code == 303 and settings.report_settings().logo_data_uri is None


def test_in_english_the_page_and_the_report_follow_the_language(app, monkeypatch, coordinator, client_as):
    probe = install(monkeypatch)
    browser = client_as(coordinator)
    browser.post("/language", data={"lang": "en", "next": "/reports/"})
    page = browser.get("/reports/").get_data(as_text=True)
    assert "Make the report" in page and "Verified data only" in page and "Buat laporan" not in page
    job_id = job_id_of(browser.post("/reports/", data=form()))
    assert "Queued" in browser.get(f"/reports/jobs/{job_id}").get_data(as_text=True)
    run_queue(app)
    assert probe.calls[0].locale == "en"


def test_a_real_report_end_to_end(app, coordinator, client_as):
    """The registered renderer (not the stand-in), from the page through the queue to the workbook."""
    from openpyxl import load_workbook

    from tracker.reports import registry

    if registry.get("agreements", "xlsx") is None:
        pytest.skip("the agreements workbook is not registered")
    browser = client_as(coordinator)
    job_id = job_id_of(browser.post("/reports/", data=form(kind="agreements", fmt="xlsx")))
    run_queue(app)
    assert db.session.get(ReportJob, job_id).status == "done", db.session.get(ReportJob, job_id).error
    download = browser.get(f"/reports/jobs/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == registry.MEDIA_TYPES["xlsx"]
    assert load_workbook(io.BytesIO(download.data), read_only=True).sheetnames
