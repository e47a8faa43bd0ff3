"""The target-list and verval pages through the browser: importing a list (all or nothing, problems by
row, the size limit of its own), the template filled in and imported back, a newer list and what it
changed, the households with their filters and scoping, the audited reveal of one household's numbers,
and the desa's verval list (page form with its version check, print version, Excel)."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.beneficiaries_helpers import HEADER, build_world, csv_file, person
from tracker.audit.models import AuditLog
from tracker.beneficiaries import services, target_import
from tracker.beneficiaries.models import TargetChange, TargetHousehold, TargetList
from tracker.extensions import db

NAMES = ["Siti Aminah", "Budi Santoso", "Rahmat Hidayat", "Nur Aini", "Ahmad Yani"]
DESA = ["62.02.01.2001", "62.02.01.2001", "62.02.01.2002", "62.02.02.2002", "62.02.02.2002"]
DESIL = [1, 1, 2, 1, 3]


@pytest.fixture
def world(kabupaten, make_agency, make_user):
    world = build_world(kabupaten, make_agency, make_user)
    world["targets"] = [person(i, desa=d, desil=k, name=n)
                        for i, (n, d, k) in enumerate(zip(NAMES, DESA, DESIL), start=1)]
    world["niks"] = [t["nik"] for t in world["targets"]] + [t["kk"] for t in world["targets"]]
    return world


def _import(client, people, source="DTSEN", as_of="2025-01-31", name="dtsen.csv", body=None):
    return client.post("/beneficiaries/targets", data={
        "source": source, "as_of": as_of, "file": (body or csv_file(people), name)},
        content_type="multipart/form-data")


def _imported(world):
    target_import.import_list(csv_file(world["targets"]), "dtsen.csv", "DTSEN", date(2025, 1, 31),
                              world["users"]["bappeda"])
    db.session.commit()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _no_full_number(world, text: str) -> None:
    for number in world["niks"]:
        assert number not in text


# ---- importing ----------------------------------------------------------------------------------

def test_import_a_list_then_a_newer_one_and_read_what_changed(world, client_as):
    client = client_as(world["users"]["bappeda"])
    first = _import(client, world["targets"])
    assert first.status_code == 303 and first.headers["Location"].endswith("/beneficiaries/targets")
    page = client.get("/beneficiaries/targets").get_data(as_text=True)
    assert "Daftar sasaran DTSEN per 31 Januari 2025 diimpor dari dtsen.csv: 5 baris; 5 masuk, 0 keluar" in page
    assert re.search(r'data-figure="active">5<', page) and 'id="target-import-form"' in page
    _no_full_number(world, page)

    # Siti moves desil, Budi moves desa, Ahmad leaves, a newcomer arrives.
    siti, budi, rahmat, nur, _ahmad = world["targets"]
    newer = [{**siti, "desil": 2}, {**budi, "kode_wilayah": "62.02.01.2002"}, rahmat, nur,
             person(9, desa="62.02.02.2001", name="Warga Baru")]
    world["niks"] += [newer[-1]["nik"], newer[-1]["kk"]]
    assert _import(client, newer, source="P3KE", as_of="2025-06-30", name="p3ke.csv").status_code == 303
    page = client.get("/beneficiaries/targets").get_data(as_text=True)
    assert "1 masuk, 1 keluar, 2 berubah desil atau desa" in page
    history = page[page.index('id="target-history"'):]
    assert history.count("data-list=") == 2 and history.index("P3KE") < history.index("DTSEN")

    newest = db.session.scalar(select(TargetList).order_by(TargetList.id.desc()).limit(1))
    changes = client.get(f"/beneficiaries/targets/{newest.id}/changes").get_data(as_text=True)
    kinds = re.findall(r'data-kind="(\w+)"', changes)
    assert sorted(kinds) == ["added", "desil", "moved", "removed"]
    assert "Ahmad Yani" in changes and "Tinduk (Kec. Baamang)" in changes and "Desil 2" in changes
    assert "6202********" in changes
    _no_full_number(world, changes)
    only_moved = client.get(f"/beneficiaries/targets/{newest.id}/changes?kind=moved").get_data(as_text=True)
    assert re.findall(r'data-kind="(\w+)"', only_moved) == ["moved"] and "Budi Santoso" in only_moved
    assert client.get("/beneficiaries/targets/999999/changes").status_code == 404


def test_a_list_with_bad_rows_imports_nothing_and_names_each_row(world, client_as):
    client = client_as(world["users"]["bappeda"])
    rows = [world["targets"][0], {**world["targets"][1], "nik": "12345"}, {**world["targets"][2], "desil": "11"},
            {**world["targets"][3], "kode_wilayah": "99.99.99.9999"}, {**world["targets"][4], "nama": ""}]
    response = _import(client, rows)
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="import-problem"' in text
    assert "tidak diimpor — tidak ada baris yang disimpan" in text
    for row, words in ((3, "NIK"), (4, "desil"), (5, "99.99.99.9999"), (6, "nama wajib diisi")):
        assert re.search(rf"Baris {row}\b[^<]*{re.escape(words)}", text, re.IGNORECASE), (row, words)
    assert _count(TargetList) == 0 and _count(TargetHousehold) == 0 and _count(TargetChange) == 0
    _no_full_number(world, text)

    missing = client.post("/beneficiaries/targets", data={"source": "DTSEN", "as_of": "2025-01-31"},
                          content_type="multipart/form-data")
    assert missing.status_code == 422 and "Pilih berkas Excel (.xlsx) atau CSV untuk diimpor." in missing.get_data(
        as_text=True)
    bad_fields = _import(client, world["targets"], source="SIAK", as_of="31/01/2025")
    text = bad_fields.get_data(as_text=True)
    assert bad_fields.status_code == 422 and "Tanggal tidak valid" in text and "Not a valid choice" not in text
    assert _count(TargetList) == 0


def test_the_list_has_its_own_size_limit(world, client_as, app, monkeypatch):
    client = client_as(world["users"]["bappeda"])
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 300)  # other uploads: far smaller than the list
    assert _import(client, world["targets"]).status_code == 303
    monkeypatch.setitem(app.config, "TARGET_LIST_MAX_MB", 0)
    refused = _import(client, world["targets"])
    assert refused.status_code == 413 and "terlalu besar" in refused.get_data(as_text=True)
    assert _count(TargetList) == 1


def test_the_template_filled_in_imports(world, client_as):
    client = client_as(world["users"]["bappeda"])
    response = client.get("/beneficiaries/targets/template.xlsx")
    assert response.status_code == 200 and "template-daftar-sasaran.xlsx" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    data = workbook["Data"]
    assert [c.value for c in data[1]] == HEADER
    assert data["A2"].number_format == "@" and data["B2"].number_format == "@"
    codes = [row[0] for row in workbook["Wilayah"].iter_rows(min_row=2, values_only=True)]
    assert codes == DESA[:1] + ["62.02.01.2002", "62.02.02.2001", "62.02.02.2002"]
    for number, p in enumerate(world["targets"], start=2):
        for column, header in enumerate(HEADER, start=1):
            data.cell(row=number, column=column, value=p[header])
    filled = io.BytesIO()
    workbook.save(filled)
    filled.seek(0)
    assert _import(client, [], name="isian.xlsx", body=filled).status_code == 303
    assert _count(TargetHousehold) == 5


@pytest.mark.parametrize("role", ["dinsos", "viewer", "company"])
def test_only_coordinators_import(world, client_as, role):
    client = client_as(world["users"][role])
    assert _import(client, world["targets"]).status_code == 403
    assert client.get("/beneficiaries/targets/template.xlsx").status_code == 403
    page = client.get("/beneficiaries/targets")
    if role == "dinsos":
        assert page.status_code == 200 and 'id="target-import-form"' not in page.get_data(as_text=True)
    else:
        assert page.status_code == 403
    assert _count(TargetList) == 0


# ---- households ---------------------------------------------------------------------------------

def _rows(html: str) -> list[str]:
    return re.findall(r'data-household="(\d+)"', html)


def test_households_filter_and_scope(world, client_as):
    _imported(world)
    siti, *_others = world["targets"]
    services.add_people(world["sosial"], 2025, 1, [{"nik": siti["nik"], "name": "Siti Aminah",
                                                     "region_id": world["desa"][0].id}], world["users"]["dinsos"])
    db.session.commit()
    ids = {h.name: str(h.id) for h in db.session.scalars(select(TargetHousehold))}
    bappeda = client_as(world["users"]["bappeda"])
    page = bappeda.get("/beneficiaries/households?year=2025").get_data(as_text=True)
    assert sorted(_rows(page)) == sorted(ids.values())
    _no_full_number(world, page)
    assert "6202********" in page
    assert _rows(bappeda.get("/beneficiaries/households?year=2025&desil=1").get_data(as_text=True)) \
        and set(_rows(bappeda.get("/beneficiaries/households?year=2025&desil=1").get_data(as_text=True))) \
        == {ids["Siti Aminah"], ids["Budi Santoso"], ids["Nur Aini"]}
    reached = bappeda.get("/beneficiaries/households?year=2025&reached=1").get_data(as_text=True)
    assert _rows(reached) == [ids["Siti Aminah"]] and 'data-reached="1"' in reached
    assert ids["Siti Aminah"] not in _rows(bappeda.get("/beneficiaries/households?year=2025&reached=0")
                                           .get_data(as_text=True))
    kecamatan = world["kecamatan"][1].id
    assert set(_rows(bappeda.get(f"/beneficiaries/households?region_id={kecamatan}").get_data(as_text=True))) \
        == {ids["Nur Aini"], ids["Ahmad Yani"]}
    assert _rows(bappeda.get("/beneficiaries/households?q=rahmat").get_data(as_text=True)) == [ids["Rahmat Hidayat"]]
    # a tampered filter is the whole list or a 404, never a 500
    assert bappeda.get("/beneficiaries/households?desil=x&reached=maybe&q=%25").status_code == 200
    assert bappeda.get("/beneficiaries/households?region_id=999999").status_code == 404

    # Dinkes covers the desa Hanaut only: Nur and Ahmad; another desa's household is 404.
    dinkes = client_as(world["users"]["dinkes"])
    assert set(_rows(dinkes.get("/beneficiaries/households").get_data(as_text=True))) \
        == {ids["Nur Aini"], ids["Ahmad Yani"]}
    assert dinkes.get(f"/beneficiaries/households/{ids['Siti Aminah']}").status_code == 404
    assert dinkes.get(f"/beneficiaries/households/{ids['Nur Aini']}").status_code == 200
    assert client_as(world["users"]["company"]).get("/beneficiaries/households").status_code == 403


def test_one_household_and_the_audited_reveal(world, client_as):
    _imported(world)
    siti = world["targets"][0]
    services.add_people(world["sosial"], 2025, 1, [{"nik": siti["nik"], "name": "Siti Aminah",
                                                     "region_id": world["desa"][0].id}], world["users"]["dinsos"])
    db.session.commit()
    household = db.session.scalar(select(TargetHousehold).where(TargetHousehold.name == "Siti Aminah"))
    url = f"/beneficiaries/households/{household.id}"
    bappeda = client_as(world["users"]["bappeda"])
    page = bappeda.get(url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert world["sosial"].code in text and "Bantuan sembako" in text and 'id="reveal-form"' in text
    assert "DTSEN 31 Januari 2025: Masuk daftar" in text
    _no_full_number(world, text)
    before = _count(AuditLog)

    revealed = bappeda.post(url + "/reveal")
    text = revealed.get_data(as_text=True)
    assert revealed.status_code == 200 and "no-store" in revealed.headers["Cache-Control"]
    assert siti["nik"] in text and siti["kk"] in text and 'id="revealed-note"' in text
    entry = db.session.scalar(select(AuditLog).order_by(AuditLog.id.desc()).limit(1))
    assert _count(AuditLog) == before + 1
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id) == (
        "reveal", "target_household", str(household.id), world["users"]["bappeda"].id)

    dinsos = client_as(world["users"]["dinsos"])
    own = dinsos.get(url).get_data(as_text=True)
    assert 'id="reveal-form"' not in own
    _no_full_number(world, own)
    refused = dinsos.post(url + "/reveal")
    assert refused.status_code == 403 and siti["nik"] not in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).where(AuditLog.action == "reveal")) == 1


# ---- verval -------------------------------------------------------------------------------------

def _verval_form(page: str) -> dict:
    data = dict(re.findall(r'name="(version-\d+)" value="(\d+)"', page))
    data["page"] = "1"
    return data


def test_verval_entered_back_with_a_version_check(world, client_as):
    _imported(world)
    desa = world["desa"][0]  # Baamang Hulu: Siti and Budi
    siti, budi = (db.session.scalar(select(TargetHousehold).where(TargetHousehold.name == n))
                  for n in ("Siti Aminah", "Budi Santoso"))
    bappeda = client_as(world["users"]["bappeda"])
    index = bappeda.get("/beneficiaries/verval").get_data(as_text=True)
    assert f'data-desa="{desa.id}"' in index and "Kec. Baamang" in index
    url = f"/beneficiaries/verval/{desa.id}"
    page = bappeda.get(url).get_data(as_text=True)
    assert _rows(page) == [str(budi.id), str(siti.id)] or _rows(page) == [str(siti.id), str(budi.id)]
    _no_full_number(world, page)

    form = _verval_form(page)
    clerk_b = {**form, f"result-{siti.id}": "moved", f"note-{siti.id}": "Pindah ke Sampit"}
    form.update({f"result-{siti.id}": "still_poor", f"result-{budi.id}": "died", f"note-{budi.id}": "Wafat Mei 2025"})
    before = _count(AuditLog)
    saved = bappeda.post(url, data=form)
    assert saved.status_code == 303
    followed = bappeda.get(saved.headers["Location"]).get_data(as_text=True)
    assert "2 rumah tangga diperbarui" in followed
    db.session.expire_all()
    assert (db.session.get(TargetHousehold, siti.id).verval_result,
            db.session.get(TargetHousehold, budi.id).verval_result) == ("still_poor", "died")
    assert _count(AuditLog) == before + 2

    # A second clerk saving the page they opened before: nothing of theirs is saved, and they are told.
    stale = bappeda.post(url, data=clerk_b)
    text = bappeda.get(stale.headers["Location"]).get_data(as_text=True)
    assert "sudah diubah orang lain" in text
    db.session.expire_all()
    assert db.session.get(TargetHousehold, siti.id).verval_result == "still_poor"
    assert _count(AuditLog) == before + 2

    # The same page again, unchanged: nothing written.
    fresh = _verval_form(bappeda.get(url).get_data(as_text=True))
    fresh.update({f"result-{siti.id}": "still_poor", f"result-{budi.id}": "died", f"note-{budi.id}": "Wafat Mei 2025"})
    assert "Tidak ada perubahan" in bappeda.get(bappeda.post(url, data=fresh).headers["Location"]).get_data(
        as_text=True)
    # A tampered result or a household of another desa: refused, nothing written.
    tampered = bappeda.post(url, data={**fresh, f"result-{siti.id}": "rich"})
    assert "Hasil verval harus salah satu dari" in bappeda.get(tampered.headers["Location"]).get_data(as_text=True)
    nur = db.session.scalar(select(TargetHousehold).where(TargetHousehold.name == "Nur Aini"))
    other = bappeda.post(url, data={"page": "1", f"version-{nur.id}": str(nur.version), f"result-{nur.id}": "died"})
    assert "tidak ada di daftar desa ini" in bappeda.get(other.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(TargetHousehold, nur.id).verval_result is None
    assert _count(AuditLog) == before + 2


def test_the_verval_list_prints_and_exports(world, client_as):
    _imported(world)
    desa = world["desa"][3]  # Hanaut: Nur and Ahmad
    bappeda = client_as(world["users"]["bappeda"])
    printed = bappeda.get(f"/beneficiaries/verval/{desa.id}?print=1").get_data(as_text=True)
    assert "Nur Aini" in printed and "Ahmad Yani" in printed and "Kepala Desa/Lurah Hanaut" in printed
    assert "Camat Pulau Hanaut" in printed and "print-list.css" in printed and "Masih miskin" in printed
    assert 'class="navbar' not in printed
    _no_full_number(world, printed)

    response = bappeda.get(f"/beneficiaries/verval/{desa.id}.xlsx")
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(values) if row[0] == "No")
    body = values[header + 1:]
    assert [row[3] for row in body] == ["Nur Aini", "Ahmad Yani"]
    assert all(re.fullmatch(r"6202\*{8}\d{4}", row[1]) for row in body) and [row[5] for row in body] == [1, 3]
    assert sheet.auto_filter.ref and sheet.freeze_panes
    _no_full_number(world, str(values))

    assert bappeda.get("/beneficiaries/verval/999999").status_code == 404
    assert bappeda.get(f"/beneficiaries/verval/{world['kecamatan'][0].id}").status_code == 404
    for role in ("dinsos", "viewer", "company"):
        other = client_as(world["users"][role])
        assert other.get(f"/beneficiaries/verval/{desa.id}").status_code == 403
        assert other.get(f"/beneficiaries/verval/{desa.id}.xlsx").status_code == 403
