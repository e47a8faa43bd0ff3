"""The quarter as a pre-filled Excel sheet and back: round trip, row-by-row errors, lock, versions."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.conftest import login
from tests.progress_helpers import full_payload, indicator_ids, item_path, make_activity


@pytest.fixture
def setup(make_agency, make_user, api_as):
    own = make_agency(code="1.06.01", name="Dinas Sosial", short_name="Dinsos")
    other = make_agency(code="1.02.01", name="Dinas Kesehatan", short_name="Dinkes")
    opd_user = make_user(role="agency", agency=own)
    activities = [
        make_activity(own, budget=200_000_000, name="Bantuan pangan keluarga miskin ekstrem", indicators=[
            {"name": "KK menerima bantuan pangan", "aggregation": "sum", "target": 400, "quarter_targets": [100] * 4},
            {"name": "Desa terlayani", "unit": "%", "aggregation": "last", "target": 90,
             "quarter_targets": [25, 50, 75, 90]}]),
        make_activity(own, budget=50_000_000, name="Rehabilitasi rumah tidak layak huni"),
        make_activity(own, budget=80_000_000, name="Pelatihan keterampilan kerja"),
    ]
    stranger = make_activity(other)
    api = api_as(opd_user)
    # Q1 is done: the sheet shows it as "previous quarter"
    api.put(item_path(activities[0], quarter=1), json=full_payload(activities[0], budget=30_000_000, physical=20))
    return {"own": own, "other": other, "activities": activities, "stranger": stranger, "api": api,
            "opd_user": opd_user, "bappeda": api_as(make_user(role="coordinator"))}


def sheet_rows(ws):
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    return header, [dict(zip(header, r)) for r in rows[1:]]


def set_cell(ws, key_value, column_title, value, key_column="ID kegiatan (jangan diubah)", extra=None):
    header = [c.value for c in ws[1]]
    key_index = header.index(key_column) + 1
    target = header.index(column_title) + 1
    for row in range(2, ws.max_row + 1):
        if ws.cell(row=row, column=key_index).value == key_value and (
                extra is None or ws.cell(row=row, column=header.index(extra[0]) + 1).value == extra[1]):
            ws.cell(row=row, column=target).value = value
            return row
    raise AssertionError(f"row {key_value} not found")


def to_bytes(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(api, data: bytes, quarter=2, name="tw2.xlsx"):
    return api.post(f"/api/v1/progress/2025/{quarter}/excel", data={"file": (io.BytesIO(data), name)},
                    content_type="multipart/form-data")


def test_round_trip(setup):
    api, (a, b, c) = setup["api"], setup["activities"]
    response = api.get("/api/v1/progress/2025/2/excel")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["Kegiatan", "Indikator", "Info"]
    _header, rows = sheet_rows(wb["Kegiatan"])
    assert [r["ID kegiatan (jangan diubah)"] for r in rows] == [a.id, b.id, c.id]  # own OPD only
    first = rows[0]
    assert first["Pagu (Rp)"] == 200_000_000 and first["Realisasi s.d. triwulan lalu (Rp)"] == 30_000_000
    assert first["Progres fisik triwulan lalu (%)"] == 20 and first["Status"] == "Belum diisi"
    _h, indicator_rows = sheet_rows(wb["Indikator"])
    assert len(indicator_rows) == 4  # 2 + 1 + 1
    a_first, a_second = indicator_ids(a)
    assert indicator_rows[0]["Target triwulan ini"] == 100 and indicator_rows[0]["Capaian triwulan lalu"] == 20

    ws, wi = wb["Kegiatan"], wb["Indikator"]
    set_cell(ws, a.id, "Realisasi triwulan ini (Rp)", 45_000_000)
    set_cell(ws, a.id, "Progres fisik kumulatif (%)", 48.5)
    set_cell(ws, a.id, "Penerima manfaat tercapai", 95)
    set_cell(ws, a.id, "Kendala", "Data DTSEN belum padan")
    set_cell(ws, a.id, "Tindak lanjut", "Pemadanan NIK dengan Disdukcapil")
    set_cell(ws, a.id, "Ajukan? (ya/tidak)", "ya")
    set_cell(wi, a_first, "Capaian triwulan ini", 110, key_column="ID indikator (jangan diubah)")
    set_cell(wi, a_second, "Capaian triwulan ini", "52,5", key_column="ID indikator (jangan diubah)")
    set_cell(ws, b.id, "Realisasi triwulan ini (Rp)", "Rp 12.500.000")  # typed the Indonesian way
    set_cell(ws, b.id, "Progres fisik kumulatif (%)", 30)
    r = upload(api, to_bytes(wb))
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"created": 2, "updated": 0, "submitted": 1, "unchanged": 1}

    saved_a = api.get(item_path(a)).get_json()
    assert saved_a["status"] == "submitted"
    assert saved_a["budget_realized"] == 45_000_000 and saved_a["physical_progress"] == 48.5
    assert saved_a["beneficiaries_reached"] == 95 and saved_a["problems"] == "Data DTSEN belum padan"
    assert {v["indicator_id"]: v["value"] for v in saved_a["indicator_values"]} == {a_first: 110, a_second: 52.5}
    assert any(f["code"] == "above_quarter_target" for f in saved_a["flags"])  # 110 > 100: flagged, accepted
    saved_b = api.get(item_path(b)).get_json()
    assert saved_b["status"] == "draft" and saved_b["budget_realized"] == 12_500_000
    assert api.get(item_path(c)).status_code == 404  # untouched row: nothing written

    # the next download shows what was saved; uploading it unchanged changes nothing
    again = load_workbook(io.BytesIO(api.get("/api/v1/progress/2025/2/excel").data))
    _h, rows = sheet_rows(again["Kegiatan"])
    by_id = {r["ID kegiatan (jangan diubah)"]: r for r in rows}
    assert by_id[a.id]["Status"] == "Diajukan" and by_id[a.id]["Realisasi triwulan ini (Rp)"] == 45_000_000
    assert by_id[b.id]["Versi (jangan diubah)"] == saved_b["version"]
    r = upload(api, to_bytes(again))
    assert r.status_code == 200 and r.get_json() == {"created": 0, "updated": 0, "submitted": 0, "unchanged": 3}


def test_errors_are_listed_per_row_and_nothing_is_saved(setup):
    api, (a, b, c) = setup["api"], setup["activities"]
    wb = load_workbook(io.BytesIO(api.get("/api/v1/progress/2025/2/excel").data))
    ws = wb["Kegiatan"]
    set_cell(ws, a.id, "Realisasi triwulan ini (Rp)", 10_000_000)  # valid on its own
    row_b = set_cell(ws, b.id, "Progres fisik kumulatif (%)", 140)
    row_c = set_cell(ws, c.id, "Realisasi triwulan ini (Rp)", "banyak")
    set_cell(ws, c.id, "Ajukan? (ya/tidak)", "mungkin")
    r = upload(api, to_bytes(wb))
    assert r.status_code == 422
    fields = r.get_json()["error"]["fields"]
    assert set(fields) == {f"Kegiatan baris {row_b}", f"Kegiatan baris {row_c}"}
    assert "100" in fields[f"Kegiatan baris {row_b}"]
    assert "Ajukan" in fields[f"Kegiatan baris {row_c}"]
    assert api.get(item_path(a)).status_code == 404  # all or nothing


def test_budget_above_ceiling_and_other_opd_rows(setup):
    api, (a, b, c) = setup["api"], setup["activities"]
    wb = load_workbook(io.BytesIO(api.get("/api/v1/progress/2025/2/excel").data))
    row = set_cell(wb["Kegiatan"], b.id, "Realisasi triwulan ini (Rp)", 60_000_000)  # budget 50 M
    wb["Kegiatan"].append([setup["stranger"].id, "x", "x", "x", "x", None, None, None, 1])
    r = upload(api, to_bytes(wb))
    assert r.status_code == 422
    fields = r.get_json()["error"]["fields"]
    assert "pagu" in fields[f"Kegiatan baris {row}"].lower()
    assert any("tidak ada" in message for message in fields.values())


def test_stale_rows_are_conflicts(setup):
    api, (a, b, c) = setup["api"], setup["activities"]
    created = api.put(item_path(b), json=full_payload(b, budget=1_000_000)).get_json()
    wb = load_workbook(io.BytesIO(api.get("/api/v1/progress/2025/2/excel").data))
    setup["bappeda"].put(item_path(b), json={"budget_realized": 2_000_000, "version": created["version"]})
    row = set_cell(wb["Kegiatan"], b.id, "Realisasi triwulan ini (Rp)", 3_000_000)
    r = upload(api, to_bytes(wb))
    assert r.status_code == 422
    assert "diubah oleh pengguna lain" in r.get_json()["error"]["fields"][f"Kegiatan baris {row}"]
    assert api.get(item_path(b)).get_json()["budget_realized"] == 2_000_000


def test_wrong_file_or_quarter(setup):
    api = setup["api"]
    data = api.get("/api/v1/progress/2025/2/excel").data
    r = upload(api, data, quarter=3)
    assert r.status_code == 422 and "Triwulan II" in r.get_json()["error"]["message"]
    r = upload(api, b"%PDF-1.4 not a workbook", name="tw2.xlsx")
    assert r.status_code == 422
    r = api.post("/api/v1/progress/2025/2/excel", data={}, content_type="multipart/form-data")
    assert r.status_code == 400


def test_locked_quarter_refuses_the_import(setup):
    api = setup["api"]
    data = api.get("/api/v1/progress/2025/2/excel").data
    setup["bappeda"].post("/api/v1/periods/2025/2/lock", json={})
    r = upload(api, data)
    assert r.status_code == 423


def test_other_opd_cannot_download_or_upload_for_this_opd(setup, make_user, api_as):
    other = api_as(make_user(role="agency", agency=setup["other"]))
    assert other.get(f"/api/v1/progress/2025/2/excel?agency_id={setup['own'].id}").status_code == 404
    wb = load_workbook(io.BytesIO(other.get("/api/v1/progress/2025/2/excel").data))
    _h, rows = sheet_rows(wb["Kegiatan"])
    assert [r["ID kegiatan (jangan diubah)"] for r in rows] == [setup["stranger"].id]
    mine = setup["api"].get("/api/v1/progress/2025/2/excel").data
    r = upload(other, mine)  # rows of another OPD: each refused
    assert r.status_code == 422
    fields = r.get_json()["error"]["fields"]
    assert len(fields) == 3 + 4 and all("tidak ada" in m for m in fields.values())  # 3 activity + 4 indicator rows


def test_pages_download_and_upload(app, setup):
    a = setup["activities"][0]
    client = app.test_client()
    login(client, setup["opd_user"])
    response = client.get("/progress/2025/2/excel")
    assert response.status_code == 200 and "Dinsos" in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.data))
    set_cell(wb["Kegiatan"], a.id, "Realisasi triwulan ini (Rp)", 7_000_000)
    r = client.post("/progress/2025/2/excel", data={"file": (io.BytesIO(to_bytes(wb)), "tw2.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 303 and r.headers["Location"].startswith("/progress/2025/2")
    assert setup["api"].get(item_path(a)).get_json()["budget_realized"] == 7_000_000
    set_cell(wb["Kegiatan"], a.id, "Progres fisik kumulatif (%)", -3)
    r = client.post("/progress/2025/2/excel", data={"file": (io.BytesIO(to_bytes(wb)), "tw2.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 422 and "Kegiatan baris 2" in r.get_data(as_text=True)
