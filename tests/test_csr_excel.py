"""CSR Excel: the company's template round trip through the HTTP client (download, edit, upload, the
same data back), a bad file with every error named by sheet, row and column and nothing written,
company scoping of every file route, and the exports (summary equal to the queries' figures, text that
looks like a formula kept as text)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tests.conftest import audit_rows
from tests.progress_helpers import make_activity
from tracker.audit.models import AuditLog
from tracker.csr import excel, queries, services
from tracker.csr.excel_import import ImportFailed
from tracker.csr.models import CsrCommitment, CsrContribution
from tracker.extensions import db
from tracker.types import jakarta_now

YEAR = jakarta_now().year - 1  # every date of it is in the past, whatever today is
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(make_company, make_user, make_agency, kabupaten):
    own = make_company(name="PT Agro Mentaya Lestari", sector="Perkebunan kelapa sawit")
    other = make_company(name="PT Bank Kalteng Cabang Sampit", sector="Perbankan")
    agency = make_agency(code="1.03.01", name="Dinas PUPR", short_name="PUPR")
    users = {"company": make_user(role="company", company=own), "other": make_user(role="company", company=other),
             "bappeda": make_user(role="coordinator"), "viewer": make_user(role="viewer"),
             "opd": make_user(role="agency", agency=agency)}
    activity = make_activity(agency, year=YEAR, name="Pembangunan SPAM perdesaan")
    kec, desa = kabupaten["kecamatan"], kabupaten["desa"]
    water = services.create_commitment({
        "company_id": own.id, "year": YEAR, "title": "Air bersih desa", "description": "Sumur bor dan tandon",
        "strategy": "S3", "amount": 400_000_000, "region_ids": [kec[0].id, desa[2].id], "activity_id": activity.id},
        users["company"])
    paid = services.create_contribution(water, {
        "date": date(YEAR, 3, 10), "kind": "cash", "amount": 150_000_000, "beneficiaries": 120,
        "beneficiary_unit": "KK"}, users["company"])
    draft = services.create_contribution(water, {
        "date": date(YEAR, 5, 2), "kind": "in_kind", "amount": 30_000_000, "description": "Pipa HDPE 2 km",
        "beneficiaries": 40, "beneficiary_unit": "KK"}, users["company"])
    services.transition(paid, "submit", users["company"])
    services.transition(paid, "verify", users["bappeda"])
    foreign = services.create_commitment({
        "company_id": other.id, "year": YEAR, "title": "Beasiswa siswa SMA", "description": "", "strategy": "S1",
        "amount": 90_000_000, "region_ids": [kec[1].id]}, users["other"])
    foreign_paid = services.create_contribution(foreign, {
        "date": date(YEAR, 7, 1), "kind": "cash", "amount": 120_000_000, "beneficiaries": 30,
        "beneficiary_unit": "jiwa"}, users["other"])
    services.transition(foreign_paid, "submit", users["other"])
    services.transition(foreign_paid, "verify", users["bappeda"])
    db.session.commit()
    return {"own": own, "other": other, "users": users, "activity": activity, "water": water, "paid": paid,
            "draft": draft, "foreign": foreign, "foreign_paid": foreign_paid, "kabupaten": kabupaten}


def template(client, company_id, year=YEAR):
    response = client.get(f"/csr/{company_id}/{year}/template.xlsx")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == XLSX and "attachment" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data))


def save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, company_id, data: bytes, year=YEAR, path="upload"):
    return client.post(f"/csr/{company_id}/{year}/{path}", data={"file": (io.BytesIO(data), "csr.xlsx")},
                       content_type="multipart/form-data")


def columns(ws) -> dict[str, int]:
    return {str(c.value): c.column for c in ws[4] if c.value}


def put(ws, row: int, values: dict) -> None:
    cols = columns(ws)
    for header, value in values.items():
        ws.cell(row, cols[header]).value = value


def rows_of(ws) -> list[dict]:
    cols = columns(ws)
    out = []
    for r in range(5, ws.max_row + 1):
        values = {h: ws.cell(r, c).value for h, c in cols.items()}
        if any(v not in (None, "") for v in values.values()):
            out.append(values)
    return out


def counts() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count()).select_from(CsrCommitment)),
            db.session.scalar(select(func.count()).select_from(CsrContribution)),
            db.session.scalar(select(func.count()).select_from(AuditLog)))


def error_table(response) -> list[tuple[str, str, str]]:
    html = response.get_data(as_text=True)
    body = html.split('id="import-errors"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", body, re.DOTALL)
    return [(s, r, c) for s, r, c, _m in cells]


# ---- the template -----------------------------------------------------------------------------------

def test_template_holds_the_year_lists_and_instructions(world, client_as):
    wb = template(client_as(world["users"]["company"]), world["own"].id)
    assert wb.sheetnames == ["Petunjuk", "Komitmen", "Kontribusi", "Referensi"]
    help_text = " ".join(str(c.value) for row in wb["Petunjuk"].iter_rows() for c in row if c.value)
    assert "Petunjuk Pengisian" in help_text and "DRAF" in help_text and "Ajukan?" in help_text
    ws = wb["Komitmen"]
    assert ws["B2"].value == world["own"].id and ws["B3"].value == YEAR
    [row] = rows_of(ws)
    assert row["ID (jangan diubah)"] == world["water"].id and row["Strategi"] == "S3"
    assert row["Nilai Komitmen (Rp)"] == 400_000_000 and row["Terverifikasi (Rp) - info"] == 150_000_000
    assert row["Lokasi (kode wilayah)"] == "62.02.01 (Baamang); 62.02.02.2001 (Bapinang Hilir)"
    assert row["Kegiatan OPD yang Didukung (opsional)"].startswith(f"{world['activity'].id} | ")
    contributions = rows_of(wb["Kontribusi"])
    assert [(r["ID Kontribusi (jangan diubah)"], r["Bentuk (tunai/natura)"], r["Status - info"]) for r in contributions] \
        == [(world["paid"].id, "tunai", "Terverifikasi"), (world["draft"].id, "natura", "Draf")]
    assert contributions[0]["Tanggal (TTTT-BB-HH)"].date() == date(YEAR, 3, 10)
    assert all(r["No Komitmen"] == 1 for r in contributions)
    kinds = {dv.type for dv in wb["Kontribusi"].data_validations.dataValidation}
    assert {"list", "whole", "date"} <= kinds
    lists = " ".join(dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list")
    assert "Referensi" in lists
    ref = wb["Referensi"]
    assert [ref.cell(r, 1).value for r in (2, 3, 4)] == ["S1", "S2", "S3"]
    assert [ref.cell(r, 4).value for r in (2, 3)] == ["tunai", "natura"]
    # nothing of the other company
    assert "Beasiswa" not in " ".join(str(c.value) for s in wb for row in s.iter_rows() for c in row if c.value)


# ---- the round trip -----------------------------------------------------------------------------------

def test_round_trip_download_edit_upload_gives_the_same_data(world, client_as):
    client = client_as(world["users"]["company"])
    kec = world["kabupaten"]["kecamatan"]
    wb = template(client, world["own"].id)
    ws, wc = wb["Komitmen"], wb["Kontribusi"]
    put(ws, 5, {"Uraian": "Sumur bor, tandon dan pipa distribusi"})
    put(ws, 6, {"No": 2, "Judul Program": "Pelatihan UMKM olahan sawit", "Uraian": "Kelompok ibu rumah tangga",
                "Strategi": "S2", "Lokasi (kode wilayah)": f"{kec[1].code}; 62.02.01.2002 (Tinduk)",
                "Nilai Komitmen (Rp)": "Rp 75.000.000"})
    put(wc, 6, {"Nilai (Rp)": 35_000_000, "Ajukan? (ya/tidak)": "ya"})  # the draft: changed and submitted
    put(wc, 7, {"No Komitmen": 2, "Tanggal (TTTT-BB-HH)": date(YEAR, 8, 17), "Bentuk (tunai/natura)": "tunai",
                "Nilai (Rp)": 25_000_000, "Penerima Manfaat": 25, "Satuan Penerima Manfaat": "jiwa"})
    put(wc, 8, {"No Komitmen": 2, "Tanggal (TTTT-BB-HH)": f"05/09/{YEAR}", "Bentuk (tunai/natura)": "natura",
                "Nilai (Rp)": 10_000_000, "Uraian": "Mesin pres kemasan", "Penerima Manfaat": 2,
                "Satuan Penerima Manfaat": "kelompok", "Ajukan? (ya/tidak)": "ya"})
    audits_before = len(audit_rows())
    response = upload(client, world["own"].id, save(wb))
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    db.session.expire_all()

    water = services.get_commitment(world["water"].id, user=world["users"]["bappeda"])
    assert water.description == "Sumur bor, tandon dan pipa distribusi" and water.amount == 400_000_000
    new = db.session.scalars(select(CsrCommitment).where(CsrCommitment.title == "Pelatihan UMKM olahan sawit")
                             .options(selectinload(CsrCommitment.regions))).one()
    assert (new.company_id, new.year, new.strategy, new.amount) == (world["own"].id, YEAR, "S2", 75_000_000)
    assert sorted(r.code for r in new.regions) == sorted([kec[1].code, "62.02.01.2002"])
    draft = db.session.get(CsrContribution, world["draft"].id)
    assert (draft.amount, draft.status) == (35_000_000, "submitted")
    added = db.session.scalars(select(CsrContribution).where(CsrContribution.commitment_id == new.id)
                               .order_by(CsrContribution.date)).all()
    assert [(c.date, c.kind, c.amount, c.status, c.description) for c in added] == [
        (date(YEAR, 8, 17), "cash", 25_000_000, "draft", ""),
        (date(YEAR, 9, 5), "in_kind", 10_000_000, "submitted", "Mesin pres kemasan")]
    assert db.session.get(CsrContribution, world["paid"].id).status == "verified"
    # one audit row per change, through the services: 1 commitment updated, 1 created, 1 contribution
    # updated and submitted, 2 created, 1 of them submitted
    actions = sorted((r.entity, r.action) for r in audit_rows()[audits_before:])
    assert actions == sorted([("csr_commitment", "update"), ("csr_commitment", "create"),
                              ("csr_contribution", "update"), ("csr_contribution", "submit"),
                              ("csr_contribution", "create"), ("csr_contribution", "create"),
                              ("csr_contribution", "submit")])

    # the same data comes back in a fresh template, and uploading it again changes nothing
    again = template(client, world["own"].id)
    titles = [(r["No"], r["Judul Program"], r["Nilai Komitmen (Rp)"]) for r in rows_of(again["Komitmen"])]
    assert titles == [(1, "Air bersih desa", 400_000_000), (2, "Pelatihan UMKM olahan sawit", 75_000_000)]
    back = [(r["No Komitmen"], r["Nilai (Rp)"], r["Status - info"]) for r in rows_of(again["Kontribusi"])]
    assert back == [(1, 150_000_000, "Terverifikasi"), (1, 35_000_000, "Diajukan"), (2, 25_000_000, "Draf"),
                    (2, 10_000_000, "Diajukan")]
    before = counts()
    response = upload(client, world["own"].id, save(again), path="import")
    assert response.status_code == 303
    assert counts() == before  # nothing changed, nothing audited


def test_service_returns_the_counts(world):
    company = world["own"]
    data = excel.build_template(company, YEAR)
    wb = load_workbook(io.BytesIO(data))
    put(wb["Kontribusi"], 6, {"Ajukan? (ya/tidak)": "ya"})
    result = excel.import_workbook(company, YEAR, io.BytesIO(save(wb)), world["users"]["company"])
    assert result == {"created": 0, "updated": 0, "unchanged": 3, "submitted": 1,
                      "commitments": {"created": 0, "updated": 0, "unchanged": 1},
                      "contributions": {"created": 0, "updated": 0, "unchanged": 2}}


def test_future_date_is_refused(world):
    wb = load_workbook(io.BytesIO(excel.build_template(world["own"], YEAR)))
    put(wb["Kontribusi"], 7, {"No Komitmen": 1, "Tanggal (TTTT-BB-HH)": f"{YEAR}-07-01",
                              "Bentuk (tunai/natura)": "tunai", "Nilai (Rp)": 1_000_000})
    with pytest.raises(ImportFailed) as err:
        excel.import_workbook(world["own"], YEAR, io.BytesIO(save(wb)), world["users"]["company"],
                              today=date(YEAR, 6, 30))
    assert err.value.fields == {"Kontribusi!D7": "Tanggal kontribusi tidak boleh setelah hari ini."}
    db.session.rollback()
    result = excel.import_workbook(world["own"], YEAR, io.BytesIO(save(wb)), world["users"]["company"],
                                   today=date(YEAR, 7, 1))
    assert result["created"] == 1


def test_amount_revision_needs_a_reason(world, client_as):
    client = client_as(world["users"]["company"])
    wb = template(client, world["own"].id)
    put(wb["Komitmen"], 5, {"Nilai Komitmen (Rp)": 450_000_000})
    response = upload(client, world["own"].id, save(wb))
    assert response.status_code == 422
    assert error_table(response) == [("Komitmen", "5", "J")]
    put(wb["Komitmen"], 5, {"Alasan Perubahan Nilai": "Tambahan 10 titik sumur bor (RUPS)"})
    assert upload(client, world["own"].id, save(wb)).status_code == 303
    water = services.get_commitment(world["water"].id, user=world["users"]["bappeda"])
    assert water.amount == 450_000_000
    assert [(r.old_amount, r.new_amount) for r in water.revisions] == [(400_000_000, 450_000_000)]


# ---- a bad file -------------------------------------------------------------------------------------

def test_bad_file_names_every_error_and_writes_nothing(world, client_as):
    client = client_as(world["users"]["company"])
    wb = template(client, world["own"].id)
    ws, wc = wb["Komitmen"], wb["Kontribusi"]
    put(ws, 6, {"No": 2, "Judul Program": "", "Uraian": "tanpa judul", "Strategi": "S9",
                "Lokasi (kode wilayah)": "62.02.99", "Nilai Komitmen (Rp)": 0,
                "Kegiatan OPD yang Didukung (opsional)": "999999 | tidak ada"})
    put(ws, 7, {"No": 3, "ID (jangan diubah)": world["foreign"].id, "Judul Program": "milik orang lain",
                "Strategi": "S1", "Lokasi (kode wilayah)": "62.02.01", "Nilai Komitmen (Rp)": 1})
    put(ws, 8, {"No": 1, "Judul Program": "nomor ganda", "Strategi": "S1", "Lokasi (kode wilayah)": "62.02.01",
                "Nilai Komitmen (Rp)": 5})
    put(wc, 5, {"Nilai (Rp)": 1})  # the verified contribution, changed
    put(wc, 6, {"Tanggal (TTTT-BB-HH)": date(YEAR + 1, 1, 2)})  # the draft, dated outside its year
    put(wc, 7, {"No Komitmen": 9, "Tanggal (TTTT-BB-HH)": date(YEAR, 2, 1), "Bentuk (tunai/natura)": "tunai",
                "Nilai (Rp)": 1_000_000})
    put(wc, 8, {"No Komitmen": 1, "Tanggal (TTTT-BB-HH)": "kemarin", "Bentuk (tunai/natura)": "hibah",
                "Nilai (Rp)": -5, "Penerima Manfaat": -1, "Satuan Penerima Manfaat": "orang",
                "Ajukan? (ya/tidak)": "mungkin"})
    put(wc, 9, {"No Komitmen": 1, "Tanggal (TTTT-BB-HH)": date(YEAR, 4, 4), "Bentuk (tunai/natura)": "natura",
                "Nilai (Rp)": 2_000_000, "Penerima Manfaat": 5, "Satuan Penerima Manfaat": "KK"})
    put(wc, 10, {"No Komitmen": 1, "ID Kontribusi (jangan diubah)": world["foreign_paid"].id,
                 "Tanggal (TTTT-BB-HH)": date(YEAR, 4, 4), "Bentuk (tunai/natura)": "tunai", "Nilai (Rp)": 7})
    put(wc, 11, {"No Komitmen": 1, "Tanggal (TTTT-BB-HH)": date(YEAR, 4, 4), "Bentuk (tunai/natura)": "tunai",
                 "Nilai (Rp)": 2.5, "Satuan Penerima Manfaat": "KK"})
    before = counts()
    response = upload(client, world["own"].id, save(wb))
    assert response.status_code == 422
    found = error_table(response)
    expected = {
        ("Komitmen", "6", "D"), ("Komitmen", "6", "F"), ("Komitmen", "6", "G"), ("Komitmen", "6", "H"),
        ("Komitmen", "6", "I"),  # title, strategy, region, amount, activity
        ("Komitmen", "7", "B"),  # another company's commitment
        ("Komitmen", "8", "A"),  # No used twice
        ("Kontribusi", "5", "F"),  # verified: unchangeable
        ("Kontribusi", "6", "D"),  # date outside the year
        ("Kontribusi", "7", "A"),  # no such commitment No
        ("Kontribusi", "8", "D"), ("Kontribusi", "8", "E"), ("Kontribusi", "8", "F"), ("Kontribusi", "8", "H"),
        ("Kontribusi", "8", "I"), ("Kontribusi", "8", "J"),  # date, kind, amount, beneficiaries, unit, ya/tidak
        ("Kontribusi", "9", "G"),  # in kind without a description
        ("Kontribusi", "10", "B"),  # another company's contribution
        ("Kontribusi", "11", "F"),  # not a whole Rupiah
    }
    assert set(found) == expected, sorted(set(found) ^ expected)
    assert len(found) == len(expected)
    assert counts() == before  # nothing written, nothing audited
    db.session.expire_all()
    assert db.session.get(CsrContribution, world["paid"].id).amount == 150_000_000
    # the service says the same, as a ValidationFailed whose fields name "Sheet!Cell"
    with pytest.raises(ImportFailed) as err:
        excel.import_workbook(world["own"], YEAR, io.BytesIO(save(wb)), world["users"]["company"])
    assert set(err.value.fields) == {f"{sheet}!{column}{row}" for sheet, row, column in expected}
    assert err.value.status == 422
    lines = err.value.lines()
    assert "Sheet 'Kontribusi' sel F5: kontribusi berstatus Terverifikasi tidak dapat diubah" in " ".join(lines)
    db.session.rollback()


@pytest.mark.parametrize("mangle,cell", [
    (lambda wb: setattr(wb["Komitmen"]["B2"], "value", 999), "B2"),
    (lambda wb: setattr(wb["Komitmen"]["B3"], "value", YEAR - 1), "B3"),
])
def test_file_of_another_company_or_year_is_refused(world, client_as, mangle, cell):
    client = client_as(world["users"]["bappeda"])
    wb = template(client, world["own"].id)
    mangle(wb)
    response = upload(client, world["own"].id, save(wb))
    assert response.status_code == 422
    assert ("Komitmen", cell[1:], cell[0]) in error_table(response)


def test_not_an_excel_file(world, client_as):
    client = client_as(world["users"]["company"])
    response = upload(client, world["own"].id, b"%PDF-1.4 bukan excel")
    assert response.status_code == 422 and "bukan file Excel" in response.get_data(as_text=True)
    response = upload(client, world["own"].id, b"PK\x03\x04 rusak")
    assert response.status_code == 422 and "tidak dapat dibaca" in response.get_data(as_text=True)
    assert client.get(f"/csr/{world['own'].id}/{YEAR}/upload").status_code == 200


# ---- scoping ------------------------------------------------------------------------------------------

def test_file_routes_are_scoped(world, client_as):
    own, other = world["own"].id, world["other"].id
    mine = client_as(world["users"]["company"])
    assert mine.get(f"/csr/{other}/{YEAR}/template.xlsx").status_code == 404
    assert mine.get(f"/csr/{other}/{YEAR}/upload").status_code == 404
    assert upload(mine, other, excel_bytes(world["other"])).status_code == 404
    assert upload(mine, other, excel_bytes(world["other"]), path="import").status_code == 404
    assert mine.get(f"/csr/contributions.xlsx?company_id={other}").status_code == 404
    assert mine.get(f"/csr/summary.xlsx?company_id={other}&year={YEAR}").status_code == 404
    assert mine.get(f"/csr/999999/{YEAR}/template.xlsx").status_code == 404
    # the company's own exports hold only its own records
    wb = load_workbook(io.BytesIO(mine.get("/csr/contributions.xlsx").data))
    assert {r[1] for r in wb["Kontribusi"].iter_rows(min_row=2, values_only=True)} == {"PT Agro Mentaya Lestari"}
    assert {r[1] for r in wb["Komitmen"].iter_rows(min_row=2, values_only=True)} == {"PT Agro Mentaya Lestari"}
    summary = load_workbook(io.BytesIO(mine.get(f"/csr/summary.xlsx?year={YEAR}").data))
    assert [r[0] for r in summary["Perusahaan"].iter_rows(min_row=2, values_only=True)] == [
        "PT Agro Mentaya Lestari", "Jumlah"]
    # readers read, only csr.edit uploads
    for role in ("viewer", "opd", "bappeda"):
        assert client_as(world["users"][role]).get(f"/csr/{own}/{YEAR}/template.xlsx").status_code == 200
    for role in ("viewer", "opd"):
        client = client_as(world["users"][role])
        assert client.get(f"/csr/{own}/{YEAR}/upload").status_code == 403
        assert upload(client, own, excel_bytes(world["own"])).status_code == 403
    assert counts()[1] == 3


def excel_bytes(company) -> bytes:
    return excel.build_template(company, YEAR)


# ---- the exports ----------------------------------------------------------------------------------------

def sheet_rows(ws) -> list[tuple]:
    return [r for r in ws.iter_rows(min_row=2, values_only=True)]


def test_summary_workbook_equals_the_queries(world, client_as):
    kec = world["kabupaten"]["kecamatan"]
    user = world["users"]["company"]
    extra = services.create_commitment({"company_id": world["own"].id, "year": YEAR, "title": "Beasiswa",
                                        "strategy": "S1", "amount": 100_000_001,
                                        "region_ids": [kec[0].id, kec[1].id]}, user)
    x = services.create_contribution(extra, {"date": date(YEAR, 6, 1), "kind": "cash", "amount": 50_000_001,
                                             "beneficiaries": 10, "beneficiary_unit": "jiwa"}, user)
    services.transition(x, "submit", user)
    db.session.commit()
    filters = queries.CsrFilters(year=YEAR)
    response = client_as(world["users"]["bappeda"]).get(f"/csr/summary.xlsx?year={YEAR}")
    assert response.status_code == 200 and response.mimetype == XLSX
    for data in (response.data, excel.export_summary(filters)):
        wb = load_workbook(io.BytesIO(data))
        assert wb.sheetnames[:5] == ["Perusahaan", "Sektor", "Strategi", "Kecamatan", "Tahun"]
        figures = lambda r: (r["commitments"], r["committed"], r["verified"], r["pending"])
        expected = {
            "Perusahaan": [(r["company_name"], r["sector"], *figures(r)) for r in queries.by_company(filters)],
            "Sektor": [(r["sector"], *figures(r)) for r in queries.by_sector(filters)],
            "Strategi": [(r["strategy"], r["name"], *figures(r)) for r in queries.by_strategy(filters)],
            "Kecamatan": [(r["code"], r["name"], *figures(r)) for r in queries.by_kecamatan(filters)],
            "Tahun": [(r["year"], *figures(r)) for r in queries.by_year(filters)],
        }
        total = queries.totals(filters)
        for sheet, rows in expected.items():
            ws = wb[sheet]
            width = len(rows[0])
            body = sheet_rows(ws)
            assert [tuple(r[:width]) for r in body[:-1]] == rows, sheet
            last = body[-1]
            assert last[0] == "Jumlah"
            money = last[width - 3:width]
            assert tuple(money) == (total["committed"], total["verified"], total["pending"]) or sheet == "Kecamatan"
            assert all(isinstance(v, int) for r in body for v in r[width - 3:width]), sheet
            assert ws.freeze_panes == "A2" and ws.auto_filter.ref
            assert ws.cell(2, width - 2).number_format == "#,##0"
            assert ws.column_dimensions["A"].width > 5
        kecamatan = sheet_rows(wb["Kecamatan"])[:-1]
        assert sum(r[3] for r in kecamatan) == total["committed"]  # the split adds up
        achievement = sheet_rows(wb["Perusahaan"])[0][6]
        assert achievement == pytest.approx(queries.by_company(filters)[0]["verified"]
                                            / queries.by_company(filters)[0]["committed"], abs=1e-6)


def test_contributions_export_lists_and_flags(world, client_as):
    response = client_as(world["users"]["bappeda"]).get(f"/csr/contributions.xlsx?year={YEAR}")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.data))
    ws = wb["Kontribusi"]
    head = [c.value for c in ws[1]]
    rows = [dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert sorted((r["Perusahaan"], r["Nilai (Rp)"], r["Status"], r["Bentuk"]) for r in rows) == sorted([
        ("PT Agro Mentaya Lestari", 150_000_000, "Terverifikasi", "tunai"),
        ("PT Agro Mentaya Lestari", 30_000_000, "Draf", "natura"),
        ("PT Bank Kalteng Cabang Sampit", 120_000_000, "Terverifikasi", "tunai")])
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    commitments = {r[4]: r for r in wb["Komitmen"].iter_rows(min_row=2, values_only=True)}
    assert commitments["Beasiswa siswa SMA"][-1] == "Ya"  # 120 verified of 90 committed
    assert commitments["Air bersih desa"][-1] in ("", None)
    only_drafts = load_workbook(io.BytesIO(client_as(world["users"]["bappeda"]).get(
        f"/csr/contributions.xlsx?year={YEAR}&status=draft").data))
    assert len(sheet_rows(only_drafts["Kontribusi"])) == 1


def test_formula_like_text_stays_text(world, client_as):
    user = world["users"]["company"]
    kec = world["kabupaten"]["kecamatan"]
    risky = services.create_commitment({"company_id": world["own"].id, "year": YEAR,
                                        "title": "=HYPERLINK(\"http://evil\",\"klik\")", "description": "+62 811",
                                        "strategy": "S2", "amount": 5_000_000, "region_ids": [kec[0].id]}, user)
    services.create_contribution(risky, {"date": date(YEAR, 2, 2), "kind": "in_kind", "amount": 1_000_000,
                                         "description": "@SUM(A1:A9)", "beneficiaries": 1,
                                         "beneficiary_unit": "unit"}, user)
    services.create_contribution(risky, {"date": date(YEAR, 2, 3), "kind": "in_kind", "amount": 1_000_000,
                                         "description": "-2+3 paket sembako", "beneficiaries": 1,
                                         "beneficiary_unit": "unit"}, user)
    db.session.commit()
    client = client_as(world["users"]["bappeda"])
    for data in (client.get(f"/csr/contributions.xlsx?year={YEAR}").data,
                 client.get(f"/csr/{world['own'].id}/{YEAR}/template.xlsx").data):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))
        assert b"<f>" not in xml and b"<f " not in xml
        wb = load_workbook(io.BytesIO(data))
        found = {c.value: c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
        for text in ("=HYPERLINK(\"http://evil\",\"klik\")", "+62 811", "@SUM(A1:A9)", "-2+3 paket sembako"):
            assert found[text].data_type == "s" and found[text].quotePrefix, text
    # and the template reads back unchanged
    client = client_as(user)
    assert upload(client, world["own"].id, client.get(f"/csr/{world['own'].id}/{YEAR}/template.xlsx").data) \
        .status_code == 303
    assert services.get_commitment(risky.id, user=world["users"]["bappeda"]).title == "=HYPERLINK(\"http://evil\",\"klik\")"
