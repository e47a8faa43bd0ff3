"""The Rakor workbook (kind "evaluation", format "xlsx"), read back with openpyxl: the sheets in the
report's order, numbers as numbers with their display formats, the Permendagri 86/2017 columns in
the regulation's order, frozen headers with filters, and one OPD's workbook holding nothing of
another.  One small kabupaten, built once; two workbooks rendered once for the module."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.conftest import empty_tables
from tests.evaluation_helpers import activity, report
from tests.rakor_helpers import NIP, add_context
from tracker.extensions import db
from tracker.reference.models import Agency, Company, Region
from tracker.reports import registry
from tracker.reports.registry import ReportParams

YEAR, QUARTER = 2025, 2
PAYLOAD = "=HYPERLINK(\"http://x\") <script>alert(1)</script>"
SHEETS = ["Ringkasan", "Kemiskinan", "Realisasi OPD", "Strategi", "Kinerja", "CSR", "Sasaran", "Permasalahan", "Kesepakatan",
          "Lampiran kegiatan"]


def _world() -> dict:
    kab = Region(code="62.02", name="Kotawaringin Timur", level="kabupaten")
    dinsos = Agency(code="1.06.01", name="Dinas Sosial", short_name="Dinsos")
    dinkes = Agency(code="1.02.01", name="Dinas Kesehatan", short_name="Dinkes")
    company = Company(name="PT Sawit Mentaya Lestari", sector="Perkebunan")
    db.session.add_all([kab, dinsos, dinkes, company])
    db.session.flush()
    main = activity(dinsos, year=YEAR, budget=200_000_000, code="1.06.02.2.01.0001",
                    indicators=[{"target": 100, "name": "Keluarga penerima", "target_end": 500, "achieved_before": 300},
                                {"target": 80, "aggregation": "last", "name": "Persentase data padan", "unit": "%"}])
    main.name = "Bantuan Sosial Permakanan"
    report(main, 1, realized=41_200_000, values={0: 30, 1: 40.5}, physical=40)
    report(main, 2, realized=50_000_000, values={0: 40, 1: 60.25}, physical=55, problems=PAYLOAD,
           follow_up="Koordinasi dengan pemerintah desa")
    health = activity(dinkes, year=YEAR, budget=1_034_567, code="1.02.02.2.02.0001", strategy="S2",
                      indicators=[{"target": 50, "name": "Ibu hamil diperiksa"}])
    health.name = "Pelayanan Kesehatan Ibu Hamil"
    report(health, 2, realized=500_000, values={0: 10}, problems="Kendala Dinkes", physical=20)
    add_context(kab=kab, company=company, activity=main, dinsos=dinsos, dinkes=dinkes, signer_name="Dr. Budi Santoso")
    db.session.commit()
    return {"dinsos": dinsos.id, "dinkes": dinkes.id}


@pytest.fixture(scope="module")
def books(_migrated_app):
    from tracker.reports import rakor_xlsx

    app = _migrated_app
    empty_tables(app)
    with app.app_context():
        world = _world()
        progress: list[int] = []
        whole = rakor_xlsx.render_xlsx(ReportParams(kind="evaluation", fmt="xlsx", year=YEAR, quarter=QUARTER),
                                       progress.append)
        one = rakor_xlsx.render_xlsx(ReportParams(kind="evaluation", fmt="xlsx", year=YEAR, quarter=QUARTER,
                                                  agency_id=world["dinkes"], annex=False), lambda _v: None)
        kind = registry.get("evaluation", "xlsx")
        names = (kind.filename(ReportParams(kind="evaluation", fmt="xlsx", year=YEAR, quarter=QUARTER)),
                 kind.filename(ReportParams(kind="evaluation", fmt="xlsx", year=YEAR, quarter=QUARTER,
                                            agency_id=world["dinkes"])))
        db.session.remove()
    empty_tables(app)
    return {"whole": load_workbook(io.BytesIO(whole)), "one": load_workbook(io.BytesIO(one)), "progress": progress,
            "kind": kind, "names": names}


def _header_row(ws) -> int:
    for row in ws.iter_rows(max_row=10):
        if row[0].font.b and row[0].fill.fgColor.rgb not in (None, "00000000") and row[0].row > 1:
            return row[0].row
    raise AssertionError(f"no header row on {ws.title}")


def _rows(ws) -> list[dict]:
    header_row = _header_row(ws)
    header = [c.value for c in ws[header_row]]
    out = []
    for row in ws.iter_rows(min_row=header_row + 1):
        if all(c.value is None for c in row):
            break
        out.append({h: c for h, c in zip(header, row) if h})
    return out


def _texts(wb) -> str:
    return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None)


def test_registered_with_the_content_sources(books):
    from tracker.reports import rakor_content

    assert books["kind"].sources == rakor_content.SOURCES
    assert books["names"] == ("laporan-rakor-tw2-2025.xlsx", "laporan-rakor-tw2-2025-1.02.01.xlsx")
    assert books["progress"] and books["progress"][-1] <= 100


def test_sheets_in_order_with_frozen_headers_and_filters(books):
    wb = books["whole"]
    assert wb.sheetnames == SHEETS
    for ws in wb.worksheets:
        header_row = _header_row(ws)
        assert ws.freeze_panes.endswith(str(header_row + 1)), ws.title
        assert ws.auto_filter.ref.startswith(f"A{header_row}:"), ws.title
        assert all(4 < (ws.column_dimensions[c].width or 0) <= 62 for c in "ABC"), ws.title
    assert books["one"].sheetnames == SHEETS[:-1]  # no annex asked for


def test_summary_figures_are_numbers_and_the_signature_is_there(books):
    ws = books["whole"]["Ringkasan"]
    rows = {r["Uraian"].value: r for r in _rows(ws)}
    budget = rows["Pagu (APBD-P bila ada)"]["Rupiah"]
    assert budget.value == 201_034_567 and budget.number_format == "#,##0"
    assert rows["Realisasi s.d. triwulan ini"]["Rupiah"].value == 91_700_000
    share = rows["Realisasi keuangan"]["Persentase"]
    assert share.number_format == "0.00%" and share.value == pytest.approx(0.4561, abs=1e-4)
    assert rows["Sub kegiatan"]["Jumlah"].value == 2
    texts = _texts(books["whole"])
    assert "Dr. Budi Santoso" in texts and f"NIP. {NIP}" in texts and "Sampit" in texts


def test_poverty_realisation_and_strategy_sheets(books):
    wb = books["whole"]
    poverty = {r["Tahun"].value: r for r in _rows(wb["Kemiskinan"])}
    assert poverty[2025]["Penduduk Miskin (jiwa)"].value == 25_720
    assert poverty[2025]["Persentase Penduduk Miskin (P0)"].value == pytest.approx(0.0611)
    assert poverty[2025]["Persentase Penduduk Miskin (P0)"].number_format == "0.00%"
    agencies = {r["OPD"].value: r for r in _rows(wb["Realisasi OPD"])}
    assert agencies["Dinas Sosial"]["Pagu (Rp)"].value == 200_000_000
    assert agencies["Dinas Sosial"]["Realisasi s.d. Triwulan Ini (Rp)"].value == 91_200_000
    assert agencies["Jumlah"]["Pagu (Rp)"].value == 201_034_567 and agencies["Jumlah"]["Pagu (Rp)"].font.b
    strategies = {r["Kode"].value: r for r in _rows(wb["Strategi"])}
    assert strategies["S2"]["Pagu (Rp)"].value == 1_034_567


def test_the_permendagri_table(books):
    ws = books["whole"]["Kinerja"]
    header = [c.value for c in ws[_header_row(ws)]]
    numbers = [h.split(")")[0].lstrip("(") for h in header if h.startswith("(")]
    assert numbers == ["1", "2", "3", "4", "5", "6", "7", "7", "8", "8", "9", "9", "10", "10", "11", "11", "12", "12",
                       "13", "13", "14", "15", "16", "17"]
    assert "Predikat" in header
    rows = _rows(ws)
    names = [r["(2) Urusan/Bidang/Program/Kegiatan/Sub Kegiatan"].value for r in rows]
    assert names.index("Dinas Kesehatan") < names.index("Dinas Sosial")  # OPDs in the evaluation's order
    activity_row = next(r for r in rows if r["(1) Kode"].value == "1.06.02.2.01.0001")
    assert activity_row["(7) Target Tahun Berjalan (Rp)"].value == 200_000_000
    assert activity_row["(8) Realisasi Triwulan I (Rp)"].value == 41_200_000
    assert activity_row["(9) Realisasi Triwulan II (Rp)"].value == 50_000_000
    assert activity_row["(10) Realisasi Triwulan III (Rp)"].value is None  # not reached yet
    assert activity_row["(12) Realisasi s.d. Triwulan Ini (Rp)"].value == 91_200_000
    assert activity_row["(17) Keterangan (Kendala / Tindak Lanjut)"].value.startswith("Kendala: =HYPERLINK")
    assert activity_row["(17) Keterangan (Kendala / Tindak Lanjut)"].data_type == "s"  # text, never a formula
    counted = next(r for r in rows if r["(3) Indikator Kinerja"].value == "Keluarga penerima")
    assert counted["(12) Realisasi s.d. Triwulan Ini (K)"].value == 70  # 30 + 40
    assert counted["(13) Tingkat Capaian (K, %)"].value == pytest.approx(0.70)
    assert counted["(14) Realisasi Renstra s.d. Tahun Berjalan (K)"].value == 370
    assert counted["Predikat"].value == "Sedang"
    level = next(r for r in rows if r["(3) Indikator Kinerja"].value == "Persentase data padan")
    assert level["(12) Realisasi s.d. Triwulan Ini (K)"].value == pytest.approx(60.25)  # the latest quarter
    assert level["(12) Realisasi s.d. Triwulan Ini (K)"].number_format == "#,##0.00"
    assert level["(8) Realisasi Triwulan I (K)"].number_format == "#,##0.00"


def test_csr_problems_agreements_and_annex(books):
    wb = books["whole"]
    csr = {r["Perusahaan"].value: r for r in _rows(wb["CSR"])}
    assert csr["PT Sawit Mentaya Lestari"]["Komitmen (Rp)"].value == 500_000_000
    assert csr["PT Sawit Mentaya Lestari"]["Kontribusi Terverifikasi (Rp)"].value == 125_000_000
    assert csr["PT Sawit Mentaya Lestari"]["Capaian Terverifikasi (%)"].value == pytest.approx(0.25)
    problems = _rows(wb["Permasalahan"])
    assert {r["Kendala"].value for r in problems} == {PAYLOAD, "Kendala Dinkes"}
    agreements = {r["Kesepakatan"].value: r for r in _rows(wb["Kesepakatan"])}
    p3ke = agreements["Verifikasi data P3KE desil 1"]
    assert p3ke["Batas Waktu"].is_date and p3ke["Batas Waktu"].number_format == "dd/mm/yyyy"
    assert p3ke["Status"].value == "Dalam proses"
    annex = _rows(wb["Lampiran kegiatan"])
    assert [r["Kode Sub Kegiatan"].value for r in annex] == ["1.02.02.2.02.0001", "1.06.02.2.01.0001"]
    assert annex[1]["Progres Fisik (%)"].value == pytest.approx(0.55)


def test_one_opd_holds_nothing_of_another(books):
    wb = books["one"]
    texts = _texts(wb)
    assert "Pelayanan Kesehatan Ibu Hamil" in texts and "Data PBI JKN diserahkan" in texts
    for other in ("Bantuan Sosial Permakanan", "Keluarga penerima", "P3KE", "HYPERLINK", "1.06.02.2.01.0001"):
        assert other not in texts, other
    assert "Dinas Kesehatan" in wb["Ringkasan"]["A2"].value
