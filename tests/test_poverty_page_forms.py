"""Bappeda's poverty data pages: the lists with their filters and pages, the forms (Indonesian numbers
typed as people type them, empty stays empty, messages in Indonesian next to the fields, a duplicate
offers to replace, a stale version is a conflict, delete), the import page (template, good and bad
files, replace) and CSRF on the forms."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import func, select

from tests.poverty_page_helpers import element, make_figures, make_regions, stat, text_of
from tracker.extensions import db
from tracker.poverty import services
from tracker.poverty.models import HouseholdCount, PovertyStat, PovertyTarget
from tracker.web import conflict_message


@pytest.fixture
def world(app, make_region, make_user, client_as):
    regions = make_regions(make_region)
    user = make_user(role="coordinator")
    return {"regions": regions, "user": user, "web": client_as(user)}


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:500])
    return response.get_data(as_text=True)


def stat_form(region, **overrides) -> dict:
    data = {"region_id": str(region.id), "year": "2022", "month": "3", "source": "BPS", "poor_count": "8.420",
            "poor_pct": "6,59", "p1": "", "p2": "", "poverty_line": "Rp 512.345", "extreme_poor_count": "",
            "extreme_pct": "0,9", "source_document": "Berita Resmi Statistik", "source_date": "2022-07-01",
            "notes": "", "version": ""}
    data.update(overrides)
    return data


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def field_error(html: str, field: str) -> str:
    """The invalid-feedback text under the field named ``field``."""
    start = html.index(f'name="{field}"')
    tag_start = html.rindex("<", 0, start)
    assert "is-invalid" in html[tag_start:start + 200], f"{field} is not marked invalid"
    chunk = html[start:]
    return text_of(chunk[chunk.index('class="invalid-feedback'):chunk.index("</div>")]).split(">", 1)[-1].strip()


# ---- statistics ---------------------------------------------------------------------------------

def test_create_a_statistic_with_indonesian_numbers_empty_stays_empty(world):
    web, kab = world["web"], world["regions"]["kabupaten"]
    form = page(web, "/poverty/stats/new?year=2022")
    assert 'value="2022"' in form and "Kosongkan bila tidak dirilis (bukan 0)" in form
    r = web.post("/poverty/stats/new", data=stat_form(kab))
    assert r.status_code == 303 and r.headers["Location"].endswith("/poverty/stats?year=2022")
    s = db.session.scalar(select(PovertyStat))
    assert (s.poor_count, s.poor_pct, s.poverty_line, s.extreme_pct, s.month) == (8420, 6.59, 512345, 0.9, 3)
    assert s.p1 is None and s.p2 is None and s.extreme_poor_count is None  # empty is unknown, never 0
    assert str(s.source_date) == "2022-07-01" and s.created_by_id == world["user"].id
    listed = text_of(page(web, r.headers["Location"]))
    assert "Data Kotawaringin Timur 2022 (Maret), sumber BPS disimpan." in listed
    assert "8.420 6,59 % – – Rp 512.345 – 0,90 %" in listed

    # the edit form shows the figures as they are typed
    edit = page(web, f"/poverty/stats/{s.id}/edit")
    for value in ('value="8.420"', 'value="6,59"', 'value="512.345"', 'value="0,9"', 'value="2022-07-01"'):
        assert value in edit, value
    r = web.post(f"/poverty/stats/{s.id}/edit", data=stat_form(kab, poor_pct="6.6", p1="0,97", extreme_pct="",
                                                               version=str(s.version)))
    assert r.status_code == 303
    s = fresh(PovertyStat, s.id)
    assert (s.poor_pct, s.p1, s.extreme_pct, s.version) == (6.6, 0.97, None, 2)


def test_validation_errors_in_indonesian_on_the_fields(world):
    web, kab, kec = world["web"], world["regions"]["kabupaten"], world["regions"]["kecamatan"]["Baamang"]
    r = web.post("/poverty/stats/new", data=stat_form(kab, year="dua ribu", poor_pct="120", poor_count="8,5",
                                                     month="6", source="BPJS", source_date="31/02/2024"))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert field_error(html, "year") == "Tahun harus antara 2000 dan 2100."
    assert field_error(html, "poor_pct") == "Persentase harus angka antara 0 dan 100."
    assert field_error(html, "poor_count").startswith("Harus bilangan bulat ≥ 0")
    assert "Bulan harus 3 (Maret), 9 (September)" in field_error(html, "month")
    assert "Sumber harus salah satu dari" in field_error(html, "source")
    assert "Tanggal tidak valid" in field_error(html, "source_date")
    assert "Data statistik kemiskinan tidak valid" in html
    assert 'value="dua ribu"' in html and 'value="120"' in html  # what was typed is kept
    assert count(PovertyStat) == 0

    r = web.post("/poverty/stats/new", data=stat_form(kab, poor_count="100", extreme_poor_count="200"))
    assert r.status_code == 422 and "tidak boleh melebihi jumlah penduduk miskin" in r.get_data(as_text=True)
    r = web.post("/poverty/stats/new", data=stat_form(kab, region_id=str(world["regions"]["desa"].id)))
    assert r.status_code == 422 and "bukan desa" in field_error(r.get_data(as_text=True), "region_id")
    r = web.post("/poverty/stats/new", data=stat_form(kec, region_id="abc"))
    assert r.status_code == 422 and field_error(r.get_data(as_text=True), "region_id") == "Wilayah tidak ditemukan."
    assert count(PovertyStat) == 0


def test_duplicate_shows_the_stored_row_and_replace_works(world):
    web, kab = world["web"], world["regions"]["kabupaten"]
    services.create_stat(stat(kab, 2022, 8420, 6.59, p1=0.97), None)
    db.session.commit()
    r = web.post("/poverty/stats/new", data=stat_form(kab, poor_count="8.500", poor_pct="6,61"))
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    panel = text_of(element(html, "duplicate"))
    assert "Data Kotawaringin Timur 2022 (Maret), sumber BPS sudah ada" in panel
    assert "8.420 jiwa" in panel and "6,59 %" in panel and "Berita Resmi Statistik Juli 2022" in panel
    assert 'name="replace" value="y"' in html and "Ganti data yang ada" in html
    assert 'value="8.500"' in html  # the typed values wait for the choice
    assert count(PovertyStat) == 1 and db.session.scalar(select(PovertyStat)).poor_count == 8420

    r = web.post("/poverty/stats/new", data=stat_form(kab, poor_count="8.500", poor_pct="6,61", replace="y"))
    assert r.status_code == 303
    assert "yang sudah ada diganti" in text_of(page(web, r.headers["Location"]))
    s = fresh(PovertyStat, db.session.scalar(select(PovertyStat.id)))
    assert count(PovertyStat) == 1 and (s.poor_count, s.poor_pct, s.p1) == (8500, 6.61, None)  # replaced, not merged


def test_stale_version_is_a_conflict_and_nothing_is_overwritten(world):
    web, kab = world["web"], world["regions"]["kabupaten"]
    s, _replaced = services.create_stat(stat(kab, 2022, 8420, 6.59), None)
    db.session.commit()
    seen, stat_id = s.version, s.id
    services.update_stat(s, {"poor_count": 8430}, None, None)  # someone else, meanwhile
    db.session.commit()
    r = web.post(f"/poverty/stats/{stat_id}/edit", data=stat_form(kab, poor_count="9.999", version=str(seen)))
    assert r.status_code == 409
    assert conflict_message() in r.get_data(as_text=True)
    assert fresh(PovertyStat, stat_id).poor_count == 8430
    r = web.post(f"/poverty/stats/{stat_id}/edit", data=stat_form(kab, poor_count="9.999", version="garbled"))
    assert r.status_code == 409 and fresh(PovertyStat, stat_id).poor_count == 8430

    # a stale delete is refused too; the current version deletes
    r = web.post(f"/poverty/stats/{stat_id}/delete", data={"version": str(seen)})
    assert r.status_code == 303 and fresh(PovertyStat, stat_id) is not None
    assert conflict_message() in page(web, r.headers["Location"])
    r = web.post(f"/poverty/stats/{stat_id}/delete", data={"version": str(fresh(PovertyStat, stat_id).version)})
    assert r.status_code == 303 and count(PovertyStat) == 0
    assert "Data Kotawaringin Timur 2022 (Maret), sumber BPS dihapus." in text_of(page(web, r.headers["Location"]))
    assert web.post(f"/poverty/stats/{stat_id}/delete", data={"version": "1"}).status_code == 404
    assert web.get(f"/poverty/stats/{stat_id}/edit").status_code == 404


def test_lists_filter_and_page(world):
    web, kab, kec = world["web"], world["regions"]["kabupaten"], world["regions"]["kecamatan"]
    for year in range(2000, 2060):
        services.create_stat(stat(kab, year, 8000 + year, 6.5), None)
    services.create_stat(stat(kec["Baamang"], 2024, 700, 3.1), None)
    services.create_stat({**stat(kab, 2024, 9100, None), "source": "DTSEN", "month": None}, None)
    db.session.commit()
    first = page(web, "/poverty/stats")
    assert "Total 62 data" in first and "page=2" in first
    assert first.count("/edit") == 50
    second = page(web, "/poverty/stats?page=2")
    assert second.count("/edit") == 12
    assert "2000" in text_of(element(second, "stats-table"))
    only = text_of(element(page(web, f"/poverty/stats?region_id={kec['Baamang'].id}"), "stats-table"))
    assert "Kec. Baamang" in only and "Kotawaringin Timur" not in only
    dtsen = page(web, "/poverty/stats?year=2024&source=DTSEN")
    assert "Total 1 data" in dtsen and "9.100" in dtsen and "Hapus filter" in dtsen
    assert "Total 0 data" in page(web, "/poverty/stats?region_id=987654")


# ---- targets and household counts ---------------------------------------------------------------

def test_targets_form_and_list(world):
    web, kab = world["web"], world["regions"]["kabupaten"]
    data = {"region_id": str(kab.id), "year": "2025", "measure": "extreme_pct", "value": "0,25",
            "source_document": "RPJMD 2025–2029", "version": ""}
    r = web.post("/poverty/targets/new", data={**data, "value": ""})
    assert r.status_code == 422
    assert field_error(r.get_data(as_text=True), "value") == "Wajib diisi: persentase target antara 0 dan 100."
    assert web.post("/poverty/targets/new", data=data).status_code == 303
    t = db.session.scalar(select(PovertyTarget))
    assert (t.measure, t.value) == ("extreme_pct", 0.25)
    listed = text_of(element(page(web, "/poverty/targets?measure=extreme_pct"), "targets-table"))
    assert "Persentase kemiskinan ekstrem 0,25 % RPJMD 2025–2029" in listed
    r = web.post("/poverty/targets/new", data={**data, "value": "0,3"})
    assert r.status_code == 409 and "Ganti data yang ada" in r.get_data(as_text=True)
    assert web.post("/poverty/targets/new", data={**data, "value": "0,3", "replace": "y"}).status_code == 303
    assert fresh(PovertyTarget, t.id).value == 0.3 and count(PovertyTarget) == 1
    assert 'value="0,3"' in page(web, f"/poverty/targets/{t.id}/edit")
    assert web.post(f"/poverty/targets/{t.id}/delete", data={"version": str(fresh(PovertyTarget, t.id).version)}
                    ).status_code == 303
    assert count(PovertyTarget) == 0


def test_household_form_desa_and_list(world):
    web, kec, desa = world["web"], world["regions"]["kecamatan"], world["regions"]["desa"]
    data = {"region_id": str(desa.id), "year": "2024", "source": "DTSEN", "households_d1": "1.250",
            "households_d2": "", "households_d3": "300", "households_d4": "", "people_d1": "4.100",
            "people_d2": "", "people_d3": "abc", "people_d4": "", "source_document": "", "source_date": "",
            "version": ""}
    r = web.post("/poverty/households/new", data=data)
    assert r.status_code == 422 and field_error(r.get_data(as_text=True), "people_d3").startswith("Harus bilangan")
    r = web.post("/poverty/households/new", data={**data, "region_id": str(world["regions"]["kabupaten"].id)})
    assert "dicatat per kecamatan atau desa" in r.get_data(as_text=True)
    assert web.post("/poverty/households/new", data={**data, "people_d3": "1.000"}).status_code == 303
    h = db.session.scalar(select(HouseholdCount))
    assert h.households() == [1250, None, 300, None] and h.people() == [4100, None, 1000, None]
    # the kecamatan filter includes its desa
    listed = text_of(element(page(web, f"/poverty/households?region_id={kec['Baamang'].id}"), "households-table"))
    assert "Tinduk 2024 DTSEN 1.250 – 300 – 1.550 4.100 – 1.000 – 5.100" in listed
    assert "Total 0 data" in page(web, f"/poverty/households?region_id={kec['Cempaga'].id}")
    edit = page(web, f"/poverty/households/{h.id}/edit")
    assert 'value="1.250"' in edit and 'value="4.100"' in edit


# ---- the import page ------------------------------------------------------------------------------

def upload(web, kind, name, content: bytes, **extra):
    return web.post("/poverty/import", data={"kind": kind, "file": (io.BytesIO(content), name), **extra},
                    content_type="multipart/form-data")


def test_import_page_and_templates(world):
    web = world["web"]
    html = page(web, "/poverty/import?kind=households")
    assert 'href="/poverty/template/stats.xlsx"' in html and 'href="/poverty/template/targets.xlsx"' in html
    assert "rt_desil_1" in text_of(element(html, "import-columns")) and "maksimal 5 MB" in html
    for kind in ("stats", "households", "targets"):
        r = web.get(f"/poverty/template/{kind}.xlsx")
        assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment; filename=")
        book = openpyxl.load_workbook(io.BytesIO(r.data))
        assert "Data" in book.sheetnames
    assert web.get("/poverty/template/other.xlsx").status_code == 404


def test_import_a_good_csv_and_a_good_xlsx(world):
    web = world["web"]
    csv = (b"wilayah;tahun;bulan;sumber;jumlah_miskin;persen_miskin;garis_kemiskinan\n"
           b"62.02;2022;3;BPS;8.420;6,59;512.345\n62.02;2023;Maret;BPS;8.590;6,63;\n")
    r = upload(web, "stats", "bps.csv", csv)
    assert r.status_code == 303 and r.headers["Location"].endswith("/poverty/stats")
    assert "2 baris dibaca, 2 data baru, 0 data lama diganti" in text_of(page(web, r.headers["Location"]))
    assert count(PovertyStat) == 2
    s = db.session.scalar(select(PovertyStat).where(PovertyStat.year == 2023))
    assert (s.poor_count, s.poor_pct, s.poverty_line) == (8590, 6.63, None)

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(["wilayah", "tahun", "sumber", "rt_desil_1", "rt_desil_2", "jiwa_desil_1", "jiwa_desil_2"])
    sheet.append(["62.02.02", 2024, "DTSEN", 900, 800, 3000, 3100])
    sheet.append(["62.02.01", 2024, "DTSEN", 250, 200, 100, 800])  # fewer people than households: a warning
    buffer = io.BytesIO()
    book.save(buffer)
    r = upload(web, "households", "dtsen.xlsx", buffer.getvalue())
    assert r.status_code == 303 and r.headers["Location"].endswith("/poverty/households")
    shown = text_of(page(web, r.headers["Location"]))
    assert "2 data baru" in shown and "Catatan (data tetap disimpan)" in shown and "Desil 1" in shown
    assert count(HouseholdCount) == 2


def test_import_a_bad_file_shows_every_error_and_stores_nothing(world):
    web = world["web"]
    csv = (b"wilayah;tahun;sumber;persen_miskin\n62.02;2022;BPS;6,59\n62.99;2023;BPS;abc\n"
           b"62.02;1800;BPS;5\n")
    r = upload(web, "stats", "bps.csv", csv)
    assert r.status_code == 422
    errors = text_of(element(r.get_data(as_text=True), "import-errors"))
    assert "Berkas tidak diimpor" in errors and "Tidak ada data yang disimpan" in errors
    assert "Baris 3, kolom 'wilayah'" in errors and "Baris 3, kolom 'persen_miskin'" in errors
    assert "Baris 4, kolom 'tahun'" in errors
    assert count(PovertyStat) == 0

    r = upload(web, "stats", "bps.xls", b"\xd0\xcf\x11\xe0 old excel")
    assert r.status_code == 422 and "Berkas tidak diimpor" in r.get_data(as_text=True)
    r = web.post("/poverty/import", data={"kind": "stats"}, content_type="multipart/form-data")
    assert r.status_code == 422
    assert field_error(r.get_data(as_text=True), "file") == "Pilih berkas CSV atau Excel (.xlsx) untuk diimpor."
    r = upload(web, "people", "x.csv", b"a;b\n1;2\n")
    assert r.status_code == 422 and "Pilih jenis data" in r.get_data(as_text=True)
    assert count(PovertyStat) == 0


def test_import_duplicates_need_replace(world):
    web, kab = world["web"], world["regions"]["kabupaten"]
    services.create_target({"region_id": kab.id, "year": 2025, "measure": "poor_pct", "value": 6.0}, None)
    db.session.commit()
    csv = b"wilayah,tahun,ukuran,nilai\n62.02,2025,poor_pct,\"5,85\"\n62.02,2026,extreme_pct,0\n"
    r = upload(web, "targets", "rpjmd.csv", csv)
    assert r.status_code == 422 and "Baris 2" in text_of(element(r.get_data(as_text=True), "import-errors"))
    assert count(PovertyTarget) == 1
    r = upload(web, "targets", "rpjmd.csv", csv, replace="y")
    assert r.status_code == 303
    assert "1 data baru, 1 data lama diganti" in text_of(page(web, r.headers["Location"]))
    values = dict(db.session.execute(select(PovertyTarget.year, PovertyTarget.value)).all())
    assert values == {2025: 5.85, 2026: 0.0}


# ---- CSRF ---------------------------------------------------------------------------------------

def test_forms_carry_and_need_a_csrf_token(world, make_app, make_user):
    from tests.conftest import PASSWORD

    protected = make_app(WTF_CSRF_ENABLED=True)
    with protected.test_client() as web:
        login_page = web.get("/login").get_data(as_text=True)
        token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        assert web.post("/login", data={"username": world["user"].username, "password": PASSWORD,
                                        "csrf_token": token}).status_code in (302, 303)
        for url in ("/poverty/stats/new", "/poverty/targets/new", "/poverty/households/new", "/poverty/import"):
            assert 'name="csrf_token"' in web.get(url).get_data(as_text=True), url
        r = web.post("/poverty/stats/new", data=stat_form(world["regions"]["kabupaten"]))
        assert r.status_code == 400
    assert count(PovertyStat) == 0


def test_lists_show_the_figures_of_the_pages(world):
    make_figures(world["regions"])
    web = world["web"]
    assert "8.740" in text_of(element(page(web, "/poverty/stats?year=2024"), "stats-table"))
    assert "6,20 %" in text_of(element(page(web, "/poverty/targets?year=2024"), "targets-table"))
    listed = text_of(element(page(web, "/poverty/households?year=2024&source=P3KE"), "households-table"))
    assert "Kec. Baamang 2024 P3KE 300 250 200 150 900" in listed and "Pulau Hanaut" not in listed
