"""The by-name pages through the browser: an activity's list per quarter (one person by form, many by
file, the result by row), the quarter lock, another OPD's activity, the review of probable matches
(confirm, reject, a stale version), the coverage page for a constructed case, who sees what, the
Excel export read back, and no full NIK on any of these pages."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.beneficiaries_helpers import HEADER, build_world, csv_file, person, xlsx_file
from tracker.beneficiaries import services, target_import
from tracker.beneficiaries.models import Beneficiary
from tracker.extensions import db
from tracker.periods.services import get_period, lock

NAMES = ["Siti Aminah", "Budi Santoso", "Rahmat Hidayat", "Nur Aini", "Ahmad Yani"]
DESA = ["62.02.01.2001", "62.02.01.2001", "62.02.01.2002", "62.02.02.2002", "62.02.02.2002"]
DESIL = [1, 1, 2, 1, 1]


@pytest.fixture
def world(kabupaten, make_agency, make_user):
    """Five target households: three in kecamatan Baamang (Dinsos covers it), two in desa Hanaut (Dinkes)."""
    world = build_world(kabupaten, make_agency, make_user)
    world["targets"] = [person(i, desa=d, desil=k, name=n)
                        for i, (n, d, k) in enumerate(zip(NAMES, DESA, DESIL), start=1)]
    target_import.import_list(csv_file(world["targets"]), "dtsen.csv", "DTSEN", date(2025, 1, 31),
                              world["users"]["bappeda"])
    db.session.commit()
    world["niks"] = [t["nik"] for t in world["targets"]] + [t["kk"] for t in world["targets"]]
    return world


def _add(world, people, user="dinsos", activity="sosial", quarter=1):
    result = services.add_people(world[activity], 2025, quarter, people, world["users"][user])
    db.session.commit()
    return result


def _constructed(world):
    """Dinsos: Siti by NIK, Budi by name (probable), a newcomer; Dinkes: Nur by NIK and Siti again (the
    same kind of help, S1: double counted)."""
    siti, budi, _rahmat, nur, _ahmad = world["targets"]
    desa = world["desa"]
    _add(world, [{"nik": siti["nik"], "name": "Siti Aminah", "region_id": desa[0].id},
                 {"name": "Budi Santosa", "birth_date": budi["tanggal_lahir"], "region_id": desa[0].id},
                 {"nik": person(77)["nik"], "name": "Orang Baru", "region_id": desa[0].id}])
    _add(world, [{"nik": nur["nik"], "name": "Nur Aini", "region_id": desa[3].id},
                 {"nik": siti["nik"], "name": "Siti Aminah", "region_id": desa[0].id}],
         user="dinkes", activity="kesehatan")
    world["niks"].append(person(77)["nik"])


def _no_full_number(world, text: str) -> None:
    for number in world["niks"]:
        assert number not in text


def _figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([\w-]+)">([^<]*)<', html))


def _counts(html: str, attribute: str) -> dict[str, str]:
    return dict(re.findall(rf'data-{attribute}="(\w+)">([^<]*)<', html))


def list_url(world, activity="sosial", **args) -> str:
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/beneficiaries/activities/{world[activity].id}" + (f"?{query}" if query else "")


# ---- the list of an activity --------------------------------------------------------------------

def test_add_a_person_by_form(world, client_as):
    client = client_as(world["users"]["dinsos"])
    siti = world["targets"][0]
    response = client.post(list_url(world) + "/people", data={
        "quarter": "2", "nik": siti["nik"], "name": "Siti Aminah", "region_id": str(world["desa"][0].id)})
    assert response.status_code == 303 and response.headers["Location"].endswith("quarter=2")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Siti Aminah ditambahkan ke daftar Triwulan II" in page and "cocok dengan daftar sasaran" in page
    assert "6202********" in page and 'data-status="exact"' in page
    assert _counts(page, "count")["exact"] == "1"
    _no_full_number(world, page)
    row = db.session.scalar(select(Beneficiary))
    assert (row.quarter, row.match_status, row.created_by_id) == (2, "exact", world["users"]["dinsos"].id)

    # The service's rules come back beside the fields, and nothing is stored.
    refused = client.post(list_url(world) + "/people", data={"quarter": "2", "name": "", "region_id": ""})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "nama wajib diisi" in text and "desa/kelurahan tidak ada di kabupaten ini" in text
    assert db.session.scalar(select(db.func.count()).select_from(Beneficiary)) == 1


def test_upload_a_file_shows_the_counts_and_the_rows_with_errors(world, client_as):
    client = client_as(world["users"]["dinsos"])
    siti, budi = world["targets"][:2]
    rows = [siti,  # row 2: exact by NIK
            {**budi, "nik": "", "kk": "", "nama": "Budi Santosa"},  # row 3: probable by name
            person(40, name="Warga Baru"),  # row 4: not on the list
            {**person(41), "nama": ""},  # row 5: no name, left out
            {**person(42, name="Nik Pendek"), "nik": "12345"}]  # row 6: kept, NIK invalid (a warning)
    world["niks"] += [person(n)["nik"] for n in (40, 41, 42)]
    response = client.post(list_url(world) + "/upload", data={"quarter": "1", "file": (csv_file(rows), "tw1.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _counts(page, "result") == {"added": "4", "exact": "1", "probable": "1", "unmatched": "2", "errors": "1"}
    errors = page[page.index('id="result-errors"'):page.index('id="result-warnings"')]
    assert re.search(r">5</td><td>Nama</td><td>nama wajib diisi<", errors)
    warnings = page[page.index('id="result-warnings"'):]
    assert re.search(r">6</td><td>NIK</td><td>NIK tidak sah", warnings)
    assert "Periksa kemungkinan cocok" in page
    _no_full_number(world, page)

    # The same file again: every row is already on the list.
    again = client.post(list_url(world) + "/upload", data={"quarter": "1", "file": (xlsx_file(rows[:2]), "tw1.xlsx")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert _counts(again, "result")["added"] == "0" and "sudah ada di daftar kegiatan ini" in again

    # A header problem refuses the whole file.
    bad = client.post(list_url(world) + "/upload", data={
        "quarter": "1", "file": (csv_file(rows, header=["nik", "alamat", "kode_wilayah"]), "salah.csv")},
        content_type="multipart/form-data")
    assert bad.status_code == 422
    assert "Baris judul: kolom &#39;name&#39; tidak ada di baris judul" in bad.get_data(as_text=True)
    missing = client.post(list_url(world) + "/upload", data={"quarter": "1"}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "Pilih berkas" in missing.get_data(as_text=True)


def test_the_template_keeps_nik_and_kk_as_text(world, client_as):
    response = client_as(world["users"]["dinsos"]).get("/beneficiaries/list-template.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    data = workbook["Data"]
    assert [c.value for c in data[1]] == ["nik", "kk", "nama", "tanggal_lahir", "alamat", "kode_wilayah"]
    assert data["A2"].number_format == "@" and data["B500"].number_format == "@"
    assert ["62.02.01.2001", "Baamang Hulu", "Baamang"] in [[c.value for c in r] for r in workbook["Wilayah"]]
    # What the template says is what the upload reads.
    assert set(HEADER) >= {c.value for c in data[1]}


def test_a_locked_quarter_says_so(world, client_as):
    lock(get_period(2025, 1), world["users"]["bappeda"])
    db.session.commit()
    client = client_as(world["users"]["dinsos"])
    assert 'id="locked-note"' in client.get(list_url(world, quarter=1)).get_data(as_text=True)
    response = client.post(list_url(world) + "/people", data={
        "quarter": "1", "name": "Orang Baru", "birth_date": "1980-01-01", "region_id": str(world["desa"][0].id)})
    assert response.status_code == 423 and "sudah dikunci" in response.get_data(as_text=True)
    upload = client.post(list_url(world) + "/upload", data={"quarter": "1", "file": (csv_file([person(3)]), "a.csv")},
                         content_type="multipart/form-data")
    assert upload.status_code == 423
    assert db.session.scalar(select(db.func.count()).select_from(Beneficiary)) == 0


def test_another_opds_activity_is_not_found(world, client_as):
    _constructed(world)
    dinkes = client_as(world["users"]["dinkes"])
    assert dinkes.get(list_url(world)).status_code == 404
    assert dinkes.get(list_url(world) + "/review").status_code == 404
    assert dinkes.post(list_url(world) + "/people", data={"quarter": "1", "name": "X"}).status_code == 404
    assert dinkes.post(list_url(world) + "/upload", data={"quarter": "1"}).status_code == 404
    probable = db.session.scalar(select(Beneficiary).where(Beneficiary.match_status == "probable"))
    assert dinkes.post(f"/beneficiaries/people/{probable.id}/decide",
                       data={"decision": "reject", "version": probable.version}).status_code == 404
    assert client_as(world["users"]["company"]).get(list_url(world)).status_code == 403
    assert client_as(world["users"]["viewer"]).get(list_url(world)).status_code == 403
    # Bappeda sees every OPD's list.
    assert client_as(world["users"]["bappeda"]).get(list_url(world, quarter=1)).status_code == 200


# ---- probable matches ---------------------------------------------------------------------------

def test_confirm_and_reject_a_probable_match_through_the_page(world, client_as):
    budi = world["targets"][1]
    for quarter in (1, 2):
        _add(world, [{"name": "Budi Santosa", "birth_date": budi["tanggal_lahir"], "region_id": world["desa"][0].id}],
             quarter=quarter)
    first, second = db.session.scalars(select(Beneficiary).order_by(Beneficiary.id)).all()
    client = client_as(world["users"]["dinsos"])
    page = client.get(list_url(world) + "/review").get_data(as_text=True)
    assert page.count("Budi Santosa") == 2 and page.count("Budi Santoso") == 2
    assert "Desil" in page and str(first.match_score) in page and "6202********0002" in page
    _no_full_number(world, page)

    opened = first.version
    done = client.post(f"/beneficiaries/people/{first.id}/decide", data={"decision": "confirm", "version": opened},
                       follow_redirects=True).get_data(as_text=True)
    assert "dikonfirmasi" in done
    db.session.expire_all()
    assert db.session.get(Beneficiary, first.id).match_status == "confirmed"

    # The page was opened before someone else changed the row: nothing is saved, the page says why.
    stale = client.post(f"/beneficiaries/people/{second.id}/decide",
                        data={"decision": "reject", "version": second.version - 1}, follow_redirects=True)
    assert "sudah diubah orang lain" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Beneficiary, second.id).match_status == "probable"
    client.post(f"/beneficiaries/people/{second.id}/decide", data={"decision": "reject", "version": second.version})
    db.session.expire_all()
    assert db.session.get(Beneficiary, second.id).match_status == "rejected"
    assert 'id="review-empty"' in client.get(list_url(world) + "/review").get_data(as_text=True)
    # The same stale form again (the row moved on): refused.
    again = client.post(f"/beneficiaries/people/{first.id}/decide",
                        data={"decision": "reject", "version": opened}, follow_redirects=True)
    assert "sudah diubah orang lain" in again.get_data(as_text=True)


# ---- coverage -----------------------------------------------------------------------------------

def test_coverage_figures_for_a_constructed_case(world, client_as):
    _constructed(world)
    client = client_as(world["users"]["bappeda"])
    page = client.get("/beneficiaries/coverage?year=2025").get_data(as_text=True)
    assert _figures(page) == {"target": "5", "reached": "2", "pct": "40,0 %", "unreached": "3", "double": "1",
                              "outside": "1", "unreached-desil1": "2"}
    regions = dict(re.findall(r'data-region="(\d+)">\s*<td><a href="[^"]+">([^<]+)</a>', page))
    assert sorted(regions.values()) == ["Baamang", "Pulau Hanaut"]
    assert "<svg" in page and "Dijangkau" in page
    assert "dua OPD atau lebih" in page and "inclusion error" in page  # the definitions, in words
    _no_full_number(world, page)

    # Drill down to kecamatan Baamang: its desa.
    baamang = world["kecamatan"][0].id
    below = client.get(f"/beneficiaries/coverage?year=2025&region_id={baamang}").get_data(as_text=True)
    assert _figures(below)["target"] == "3" and _figures(below)["reached"] == "1"
    assert "Baamang Hulu" in below and "Tinduk" in below and "Bapinang Hilir" not in below.split("coverage-regions")[1]
    names = client.get(f"/beneficiaries/coverage/unreached?year=2025&region_id={baamang}").get_data(as_text=True)
    assert "Budi Santoso" in names and "Ahmad Yani" not in names and "Rahmat Hidayat" not in names  # desil 2
    _no_full_number(world, names)

    # Confirming the probable match makes Budi reached.
    probable = db.session.scalar(select(Beneficiary).where(Beneficiary.match_status == "probable"))
    client_as(world["users"]["dinsos"]).post(f"/beneficiaries/people/{probable.id}/decide",
                                             data={"decision": "confirm", "version": probable.version})
    assert _figures(client.get("/beneficiaries/coverage?year=2025").get_data(as_text=True))["reached"] == "3"
    assert client.get("/beneficiaries/coverage?region_id=999999").status_code == 404


def test_who_sees_what_on_the_coverage_pages(world, client_as):
    _constructed(world)
    dinsos = client_as(world["users"]["dinsos"]).get("/beneficiaries/coverage?year=2025").get_data(as_text=True)
    assert _figures(dinsos) == {"target": "3", "reached": "1", "pct": "33,3 %", "unreached": "2", "double": "1",
                                "outside": "1", "unreached-desil1": "1"}
    assert "Pulau Hanaut" not in dinsos.split('id="coverage-regions"')[1].split("</table>")[0]
    dinkes = client_as(world["users"]["dinkes"])
    assert _figures(dinkes.get("/beneficiaries/coverage?year=2025").get_data(as_text=True))["target"] == "2"
    names = dinkes.get("/beneficiaries/coverage/unreached?year=2025").get_data(as_text=True)
    assert "Ahmad Yani" in names and "Budi Santoso" not in names

    viewer = client_as(world["users"]["viewer"])
    figures = viewer.get("/beneficiaries/coverage?year=2025").get_data(as_text=True)
    assert _figures(figures)["target"] == "5" and "unreached-desil1" not in _figures(figures)
    for name in NAMES:
        assert name not in figures
    assert viewer.get("/beneficiaries/coverage/unreached?year=2025").status_code == 403
    workbook = load_workbook(io.BytesIO(viewer.get("/beneficiaries/coverage.xlsx?year=2025").data))
    assert workbook.sheetnames == ["Cakupan"]

    company = client_as(world["users"]["company"])
    for path in ("/beneficiaries/coverage", "/beneficiaries/coverage/unreached", "/beneficiaries/coverage.xlsx"):
        assert company.get(path).status_code == 403


def test_the_coverage_workbook_read_back(world, client_as):
    _constructed(world)
    response = client_as(world["users"]["bappeda"]).get("/beneficiaries/coverage.xlsx?year=2025")
    assert response.status_code == 200
    assert "cakupan-penerima-manfaat-2025.xlsx" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Cakupan", "Belum dijangkau"]
    values = {r[0]: r[1:] for r in workbook["Cakupan"].iter_rows(values_only=True) if r and r[0]}
    assert values["Rumah tangga sasaran"][0] == 5 and values["Dijangkau minimal satu program"][0] == 2
    assert values["Persentase dijangkau"][0] == pytest.approx(0.4)
    assert values["Dihitung ganda (beberapa OPD, jenis bantuan sama)"][0] == 1
    assert values["Di luar daftar sasaran"][0] == 1
    assert values["Desil 1"][:3] == (4, 2, 2) and values["Desil 2"][:3] == (1, 0, 1)
    assert values["62.02.01 Baamang"][:3] == (3, 1, 2)
    unreached = list(workbook["Belum dijangkau"].iter_rows(values_only=True))
    assert unreached[0][:3] == ("No", "NIK (disamarkan)", "Nama")
    assert [(r[2], r[5], r[7]) for r in unreached[1:]] == [("Budi Santoso", "Baamang Hulu", 1),
                                                           ("Ahmad Yani", "Hanaut", 1)]
    assert all(re.fullmatch(r"\d{4}\*{8}\d{4}", r[1]) for r in unreached[1:])
    text = " ".join(str(v) for ws in workbook for row in ws.iter_rows(values_only=True) for v in row)
    _no_full_number(world, text)


# ---- links to the pages -------------------------------------------------------------------------

def test_menu_activity_page_and_progress_form_link_the_lists(world, client_as):
    _constructed(world)
    dinsos = client_as(world["users"]["dinsos"])
    home = dinsos.get("/plans/activities/%d" % world["sosial"].id).get_data(as_text=True)
    assert "Penerima Manfaat" in home and "/beneficiaries/coverage" in home
    assert f'/beneficiaries/activities/{world["sosial"].id}"' in home and "Penerima manfaat (by name)" in home
    progress = dinsos.get(f"/progress/2025/1/activity/{world['sosial'].id}").get_data(as_text=True)
    assert re.search(r"Daftar by name triwulan ini: 3 orang", progress)
    viewer = client_as(world["users"]["viewer"]).get("/plans/activities/%d" % world["sosial"].id)
    text = viewer.get_data(as_text=True)
    assert "/beneficiaries/coverage" in text and "Penerima manfaat (by name)" not in text
    company = client_as(world["users"]["company"]).get("/", follow_redirects=True).get_data(as_text=True)
    assert "/beneficiaries/coverage" not in company
