"""Excel round trip: download the template, edit it with openpyxl, upload it, get the same data back."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.conftest import audit_rows
from tests.test_plans_support import YEAR, api, create, world  # noqa: F401
from tracker.extensions import db
from tracker.plans.models import Activity, Indicator

COMPARED = ("code", "program", "kegiatan", "name", "strategy", "funding_source", "budget", "budget_revised",
            "target_beneficiaries", "beneficiary_unit", "region_ids")


def _template(api_client, agency_id) -> bytes:
    response = api_client.get(f"/api/v1/plans/{agency_id}/{YEAR}/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    return response.data


def _upload(api_client, agency_id, data: bytes):
    return api_client.post(f"/api/v1/plans/{agency_id}/{YEAR}/import",
                           data={"file": (io.BytesIO(data), "rencana.xlsx")}, content_type="multipart/form-data")


def _save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _columns(ws) -> dict[str, int]:
    return {str(c.value): c.column for c in ws[4] if c.value}


def _listing(api_client, agency_id) -> list[dict]:
    items = api_client.get(f"/api/v1/activities?year={YEAR}&agency_id={agency_id}&per_page=500").get_json()["items"]
    out = []
    for a in sorted(items, key=lambda a: (a["code"], a["name"])):
        row = {k: (sorted(a[k]) if k == "region_ids" else a[k]) for k in COMPARED}
        row["indicators"] = [{k: i[k] for k in ("name", "unit", "aggregation", "target", "quarter_targets")}
                             for i in a["indicators"]]
        out.append(row)
    return out


def test_template_has_lists_instructions_and_the_plan(world, api):
    create(api("user_a"), world)
    wb = load_workbook(io.BytesIO(_template(api("user_a"), world["agency_a"].id)))
    assert wb.sheetnames == ["Petunjuk", "Kegiatan", "Indikator", "Referensi"]
    help_text = " ".join(str(c.value) for row in wb["Petunjuk"].iter_rows() for c in row if c.value)
    assert "Petunjuk Pengisian" in help_text and "SIPD" in help_text and "APBD-Perubahan" in help_text
    ws = wb["Kegiatan"]
    assert ws["B2"].value == "1.06.01" and ws["B3"].value == YEAR
    cols = _columns(ws)
    assert ws.cell(5, cols["Kode Sub Kegiatan"]).value == "1.06.05.2.02.0003"
    assert ws.cell(5, cols["Pagu (Rp)"]).value == 250_000_000
    assert "62.02.01 (Baamang)" in ws.cell(5, cols["Lokasi (kode wilayah)"]).value
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert any("Referensi" in f and "$A$" in f for f in formulas)  # strategies
    assert any("$D$" in f for f in formulas) and any("$M$" in f for f in formulas)  # funding, regions
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"list", "whole"} <= kinds
    ind = wb["Indikator"]
    assert ind.cell(5, 3).value == "Keluarga penerima sembako" and ind.cell(5, 7).value == 20
    assert any(dv.type == "list" for dv in ind.data_validations.dataValidation)
    ref = wb["Referensi"]
    assert [ref.cell(r, 1).value for r in (2, 3, 4)] == ["S1", "S2", "S3"]


def test_round_trip_download_edit_upload_gives_the_same_data(world, api):
    agency_id = world["agency_a"].id
    create(api("user_a"), world)
    create(api("user_a"), world, code="1.06.04.2.02.0001", name="Penyediaan Permakanan", strategy="S1",
           funding_source="APBD_PROV", budget=85_500_000, target_beneficiaries=40, beneficiary_unit="jiwa",
           region_ids=[world["kabupaten"]["desa"][0].id],
           indicators=[{"name": "Lansia penerima permakanan", "unit": "jiwa", "target": 40, "quarter_targets": [10, 10, 10, 10]},
                       {"name": "Persentase tepat sasaran", "unit": "%", "aggregation": "last", "target": 97.5,
                        "quarter_targets": [90, 92.5, 95, 97.5]}])
    before = _listing(api("user_a"), agency_id)
    ids_before = {a["id"] for a in api("user_a").get(f"/api/v1/activities?year={YEAR}").get_json()["items"]}
    indicator_ids_before = set(db.session.scalars(select(Indicator.id)))

    # Unchanged file: nothing changes, nothing is logged.
    result = _upload(api("user_a"), agency_id, _template(api("user_a"), agency_id))
    assert result.status_code == 200, result.get_json()
    assert result.get_json() | {"warnings": []} == {"created": 0, "updated": 0, "unchanged": 2, "warnings": []}
    assert _listing(api("user_a"), agency_id) == before
    audit_before = len(audit_rows("activity"))

    # Edit with openpyxl: change a pagu and a name, add an activity with two indicators.
    wb = load_workbook(io.BytesIO(_template(api("user_a"), agency_id)))
    ws, ind = wb["Kegiatan"], wb["Indikator"]
    cols, icols = _columns(ws), _columns(ind)
    row = next(r for r in range(5, 7) if ws.cell(r, cols["Kode Sub Kegiatan"]).value == "1.06.05.2.02.0003")
    ws.cell(row, cols["Pagu (Rp)"]).value = 275_000_000
    ws.cell(row, cols["Sub Kegiatan"]).value = "Bantuan Sembako (diperluas)"
    new = [3, None, None, "1.06.05.2.01.0001", "Program Perlindungan dan Jaminan Sosial",
           "Pengelolaan Data Fakir Miskin", "Verval DTSEN", "S1", "DANA_DESA", "120.000.000", None, None,
           "62.02.02 (Pulau Hanaut); 62.02.01.2002", 500, "KK"]
    for c, value in enumerate(new, start=1):
        ws.cell(7, c).value = value
    for r, values in enumerate([[3, None, "Keluarga terverifikasi", "KK", "sum", 500, 100, 150, 150, 100],
                                [3, None, "Desa selesai verval", "desa", "last", 4, 1, 2, "3", "4"]], start=ind.max_row + 1):
        for c, value in enumerate(values, start=1):
            ind.cell(r, c).value = value
    result = _upload(api("user_a"), agency_id, _save(wb))
    assert result.status_code == 200, result.get_json()
    assert (result.get_json()["created"], result.get_json()["updated"], result.get_json()["unchanged"]) == (1, 1, 1)

    after = _listing(api("user_a"), agency_id)
    expected = [dict(a) for a in before]
    sembako = next(a for a in expected if a["code"] == "1.06.05.2.02.0003")
    sembako.update(budget=275_000_000, name="Bantuan Sembako (diperluas)")
    expected.append({
        "code": "1.06.05.2.01.0001", "program": "Program Perlindungan dan Jaminan Sosial",
        "kegiatan": "Pengelolaan Data Fakir Miskin", "name": "Verval DTSEN", "strategy": "S1",
        "funding_source": "DANA_DESA", "budget": 120_000_000, "budget_revised": None, "target_beneficiaries": 500,
        "beneficiary_unit": "KK",
        "region_ids": sorted([world["kabupaten"]["kecamatan"][1].id, world["kabupaten"]["desa"][1].id]),
        "indicators": [
            {"name": "Keluarga terverifikasi", "unit": "KK", "aggregation": "sum", "target": 500,
             "quarter_targets": [100, 150, 150, 100]},
            {"name": "Desa selesai verval", "unit": "desa", "aggregation": "last", "target": 4,
             "quarter_targets": [1, 2, 3, 4]}]})
    assert after == sorted(expected, key=lambda a: (a["code"], a["name"]))
    # Existing activities and indicators kept their ids (progress refers to them).
    ids_after = {a["id"] for a in api("user_a").get(f"/api/v1/activities?year={YEAR}").get_json()["items"]}
    assert ids_before < ids_after
    assert indicator_ids_before < set(db.session.scalars(select(Indicator.id)))
    new_rows = audit_rows("activity")[audit_before:]
    assert sorted(r.action for r in new_rows) == ["create", "update"]
    assert all("impor Excel" in r.summary for r in new_rows)

    # And the edited data downloads again exactly as it is now.
    again = _upload(api("user_a"), agency_id, _template(api("user_a"), agency_id)).get_json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)


def test_bad_file_imports_nothing_and_lists_every_error_with_its_cell(world, api):
    agency_id = world["agency_a"].id
    first = create(api("user_a"), world)
    wb = load_workbook(io.BytesIO(_template(api("user_a"), agency_id)))
    ws, ind = wb["Kegiatan"], wb["Indikator"]
    cols = _columns(ws)
    ws.cell(5, cols["Sub Kegiatan"]).value = "Nama yang tidak boleh tersimpan"
    bad = [2, None, None, "1.6.5.2.2.3", "Program", "Kegiatan", "Baru", "S9", "APBD", -5, None, None,
           "Baamang", "banyak", "orang"]
    for c, value in enumerate(bad, start=1):
        ws.cell(6, c).value = value
    for c, value in enumerate([2, None, "", "KK", "rata-rata", -1, 1, 1, "x", 1], start=1):
        ind.cell(6, c).value = value
    for c, value in enumerate([9, None, "Indikator yatim", "KK", "sum", 1, 1, 0, 0, 0], start=1):
        ind.cell(7, c).value = value
    count_before = db.session.scalar(select(func.count()).select_from(Activity))
    response = _upload(api("user_a"), agency_id, _save(wb))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and "Tidak ada data yang disimpan" in error["message"]
    fields = error["fields"]
    expected_cells = {
        "Kegiatan!D6": "SIPD", "Kegiatan!H6": "S1, S2 atau S3", "Kegiatan!I6": "APBD_KAB",
        "Kegiatan!J6": "Pagu harus bilangan bulat ≥ 0", "Kegiatan!M6": "bukan kode wilayah",
        "Kegiatan!N6": "Target penerima manfaat", "Kegiatan!O6": "KK, jiwa",
        "Indikator!C6": "Wajib diisi", "Indikator!E6": "sum", "Indikator!F6": "≥ 0", "Indikator!I6": "≥ 0",
        "Indikator!A7": "tidak ada di sheet 'Kegiatan'",
    }
    for cell, fragment in expected_cells.items():
        assert cell in fields, (cell, fields)
        assert fragment in fields[cell], (cell, fields[cell])
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Activity)) == count_before
    assert api("user_a").get(f"/api/v1/activities/{first['id']}").get_json()["name"] == first["name"]


def test_upload_page_lists_errors_as_sheet_and_cell(world, api, client_as):
    agency_id = world["agency_a"].id
    create(api("user_a"), world)
    wb = load_workbook(io.BytesIO(_template(api("user_a"), agency_id)))
    ws = wb["Kegiatan"]
    ws.cell(5, _columns(ws)["Pagu (Rp)"]).value = "dua ratus juta"
    browser = client_as(world["user_a"])
    assert "Unggah Excel" in browser.get(f"/plans/{agency_id}/{YEAR}/upload").get_data(as_text=True)
    response = browser.post(f"/plans/{agency_id}/{YEAR}/upload",
                            data={"file": (io.BytesIO(_save(wb)), "rencana.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Sheet &#39;Kegiatan&#39; sel J5: Pagu harus bilangan bulat ≥ 0" in page
    ws.cell(5, _columns(ws)["Pagu (Rp)"]).value = 200_000_000
    response = browser.post(f"/plans/{agency_id}/{YEAR}/upload",
                            data={"file": (io.BytesIO(_save(wb)), "rencana.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 303
    assert api("user_a").get(f"/api/v1/activities?year={YEAR}").get_json()["items"][0]["budget"] == 200_000_000
    # The page's own download link works too.
    download = browser.get(f"/plans/{agency_id}/{YEAR}/template.xlsx")
    assert download.status_code == 200 and download.data.startswith(b"PK")


def test_agreed_plan_round_trip_records_revisions(world, api):
    agency_id = world["agency_a"].id
    body = create(api("user_a"), world)
    api("coordinator").post(f"/api/v1/plans/{agency_id}/{YEAR}/agree", json={})
    wb = load_workbook(io.BytesIO(_template(api("user_a"), agency_id)))
    ws = wb["Kegiatan"]
    cols = _columns(ws)
    ws.cell(5, cols["Pagu (Rp)"]).value = 300_000_000
    response = _upload(api("user_a"), agency_id, _save(wb))
    assert response.status_code == 422
    assert "Kegiatan!L5" in response.get_json()["error"]["fields"]  # the reason column
    ws.cell(5, cols["Alasan Perubahan Pagu (APBD-P)"]).value = "APBD-P: tambahan sasaran"
    assert _upload(api("user_a"), agency_id, _save(wb)).status_code == 200
    revised = api("user_a").get(f"/api/v1/activities/{body['id']}").get_json()
    assert (revised["budget"], revised["budget_revised"]) == (250_000_000, 300_000_000)
    assert revised["revisions"][0]["reason"] == "APBD-P: tambahan sasaran"
    # The next template shows the effective pagu, and re-uploading it is a no-op.
    again = load_workbook(io.BytesIO(_template(api("user_a"), agency_id)))["Kegiatan"]
    assert again.cell(5, cols["Pagu (Rp)"]).value == 300_000_000
    assert again.cell(5, cols["Pagu Murni (Rp) - info"]).value == 250_000_000


@pytest.mark.parametrize("mutate, cell, fragment", [
    (lambda ws: ws.__setitem__("B2", "1.02.01"), "Kegiatan!B2", "bukan Dinsos"),
    (lambda ws: ws.__setitem__("B3", 2024), "Kegiatan!B3", "tahun 2024"),
])
def test_file_of_another_opd_or_year_is_refused(world, api, mutate, cell, fragment):
    agency_id = world["agency_a"].id
    create(api("user_a"), world)
    wb = load_workbook(io.BytesIO(_template(api("user_a"), agency_id)))
    mutate(wb["Kegiatan"])
    response = _upload(api("user_a"), agency_id, _save(wb))
    assert response.status_code == 422 and fragment in response.get_json()["error"]["fields"][cell]


def test_stale_row_and_foreign_ids_are_refused(world, api):
    agency_id = world["agency_a"].id
    body = create(api("user_a"), world)
    theirs = create(api("user_b"), world, agency_id=world["agency_b"].id)
    data = _template(api("user_a"), agency_id)
    api("user_a").patch(f"/api/v1/activities/{body['id']}", json={"version": body["version"], "name": "Diubah di web"})
    response = _upload(api("user_a"), agency_id, data)
    assert response.status_code == 422
    assert "unduh ulang" in response.get_json()["error"]["fields"]["Kegiatan!C5"]
    wb = load_workbook(io.BytesIO(_template(api("user_a"), agency_id)))
    wb["Kegiatan"]["B5"] = theirs["id"]  # try to update OPD B's activity through A's file
    response = _upload(api("user_a"), agency_id, _save(wb))
    assert response.status_code == 422 and "bukan kegiatan Dinsos" in response.get_json()["error"]["fields"]["Kegiatan!B5"]
    assert api("user_b").get(f"/api/v1/activities/{theirs['id']}").get_json()["name"] == theirs["name"]


def test_not_an_excel_file(world, api):
    agency_id = world["agency_a"].id
    for data in (b"%PDF-1.4 not excel", b"PK\x03\x04 broken zip"):
        response = _upload(api("user_a"), agency_id, data)
        assert response.status_code == 422
        assert "Excel" in " ".join(response.get_json()["error"]["fields"].values())
    response = api("user_a").post(f"/api/v1/plans/{agency_id}/{YEAR}/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400


def test_upload_size_is_capped(world, api, app):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    try:
        response = _upload(api("user_a"), world["agency_a"].id, b"PK" + b"0" * 5000)
        assert response.status_code == 413
        assert response.get_json()["error"]["code"] == "payload_too_large"
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 10 * 1024 * 1024


def test_export_lists_the_filtered_activities(world, api):
    create(api("user_a"), world)
    create(api("user_b"), world, agency_id=world["agency_b"].id, code="1.02.02.2.02.0001", strategy="S2")
    response = api("coordinator").get(f"/api/v1/plans/export.xlsx?year={YEAR}&strategy=S2")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "OPD" and len(rows) == 2 and rows[1][0] == "Dinkes" and rows[1][7] == "1.02.02.2.02.0001"


def test_missing_sheet_or_column_is_reported(world, api):
    agency_id = world["agency_a"].id
    create(api("user_a"), world)
    wb = load_workbook(io.BytesIO(_template(api("user_a"), agency_id)))
    del wb["Indikator"]
    response = _upload(api("user_a"), agency_id, _save(wb))
    assert response.status_code == 422
    assert "sheet tidak ditemukan" in response.get_json()["error"]["fields"]["Indikator"]
    wb = load_workbook(io.BytesIO(_template(api("user_a"), agency_id)))
    wb["Kegiatan"]["J4"] = "Anggaran"
    response = _upload(api("user_a"), agency_id, _save(wb))
    assert response.status_code == 422
    assert "kolom 'Pagu (Rp)' tidak ditemukan" in response.get_json()["error"]["fields"]["Kegiatan"]
