"""The Excel versions of the OPD form, the CSR report and the agreements list, read back with openpyxl:
numbers are numbers with their display formats, headers frozen with an auto-filter, sheets in order,
and scoping (an OPD's form holds only its activities; a company's CSR report only its commitments;
a meeting's list only its agreements)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from tests import reports_documents_helpers as h
from tracker.errors import NotFound, ValidationFailed
from tracker.extensions import db
from tracker.meetings import services as meetings
from tracker.reports import agreements_report, csr_report, opd_form, registry


@pytest.fixture
def world(app, make_agency, make_company, make_user, kabupaten):
    return h.build(make_agency, make_company, make_user, kabupaten)


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def _table(ws, header_row: int = 5) -> list[dict]:
    """The rows under the header as {header: cell}, up to the first empty row."""
    header = [c.value for c in ws[header_row]]
    rows = []
    for row in ws.iter_rows(min_row=header_row + 1):
        if all(c.value is None for c in row):
            break
        rows.append({h: c for h, c in zip(header, row) if h})
    return rows


def _check_sheet(ws, freeze: str, last_column: str, rows: int, header_row: int = 5) -> None:
    assert ws.freeze_panes == freeze
    assert ws.auto_filter.ref == f"A{header_row}:{last_column}{header_row + rows}"
    widths = [ws.column_dimensions[c].width for c in "ABCDE"]
    assert all(w and 4 < w <= 62 for w in widths), widths


def test_registered_with_sources_and_filenames(world):
    kinds = {(k.kind, k.fmt): k for k in registry.all_kinds()}
    for kind in ("opd_form", "csr", "agreements"):
        for fmt in ("pdf", "xlsx"):
            assert (kind, fmt) in kinds
    p = h.params("opd_form", "pdf", year=2026, quarter=3, agency_id=world["dinsos"].id)
    assert kinds[("opd_form", "pdf")].filename(p) == "formulir-tw3-2026-1.06.01.pdf"
    assert kinds[("csr", "xlsx")].filename(h.params("csr", "xlsx", year=2026)) == "laporan-csr-2026.xlsx"
    assert kinds[("csr", "xlsx")].filename(h.params("csr", "xlsx", year=2026, company_id=world["agro"].id)) \
        == "laporan-csr-2026-pt-agro-lestari.xlsx"
    assert kinds[("agreements", "pdf")].filename(h.params("agreements", "pdf")) == "kesepakatan-rakor.pdf"
    from tracker.csr.models import CsrContribution
    from tracker.progress.models import ProgressReport
    assert ProgressReport in kinds[("opd_form", "xlsx")].sources
    assert CsrContribution in kinds[("csr", "pdf")].sources


def test_opd_form_workbook(world):
    data = opd_form.render_xlsx(h.params("opd_form", "xlsx", year=2026, quarter=2, agency_id=world["dinsos"].id),
                                h.no_progress)
    wb = _book(data)
    assert wb.sheetnames == ["Kegiatan", "Indikator"]
    ws = wb["Kegiatan"]
    assert ws["A1"].value == "Formulir Laporan Triwulan II Tahun 2026"
    assert "Dinas Sosial" in ws["A2"].value
    rows = _table(ws)
    _check_sheet(ws, "D6", "R", len(rows))
    assert [r["Kode Sub Kegiatan"].value for r in rows[:2]] == ["1.06.02.2.01.0001", "1.06.02.2.01.0002"]
    first, second, total = rows
    assert first["Pagu (Rp)"].value == 250_000_000 and first["Pagu (Rp)"].number_format == "#,##0"
    assert first["Realisasi Triwulan Ini (Rp)"].value == 75_000_000
    assert first["Realisasi s.d. Triwulan Ini (Rp)"].value == 125_000_000
    assert first["Realisasi Keuangan (%)"].value == pytest.approx(0.5)
    assert first["Realisasi Keuangan (%)"].number_format == "0.00%"
    assert first["Progres Fisik Kumulatif (%)"].value == pytest.approx(0.455)
    assert first["Kendala"].value == h.PAYLOAD  # text stays text, as typed
    assert first["Status Laporan"].value == "Diajukan"
    assert second["Pagu (Rp)"].value == 1_200_000_000  # the APBD-P figure
    assert second["Status Laporan"].value == "Draf"
    assert total["Pagu (Rp)"].value == 1_450_000_000 and total["Pagu (Rp)"].font.b
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Kepala Dinas Sosial" in texts and any(t.startswith("NIP.") for t in texts)
    assert not any("Dinkes" in t for t in texts)  # another OPD's activity is not on the form

    indicators = _table(wb["Indikator"])
    _check_sheet(wb["Indikator"], "D6", "J", len(indicators))
    assert [r["Indikator Kinerja"].value for r in indicators] == ["Keluarga penerima bantuan", "Persentase data padan"]
    assert indicators[0]["Capaian s.d. Triwulan Ini"].value == 50  # 20 + 30 (a sum indicator)
    assert indicators[0]["Tingkat Capaian (%)"].value == pytest.approx(0.5)
    assert indicators[0]["Predikat"].value == "Sangat rendah"
    assert isinstance(indicators[0]["Target Tahunan"].value, (int, float))


def test_opd_form_needs_an_existing_opd_and_a_quarter(world):
    with pytest.raises(ValidationFailed) as missing:
        opd_form.render_xlsx(h.params("opd_form", "xlsx", year=2026, quarter=2), h.no_progress)
    assert "OPD" in missing.value.message
    with pytest.raises(ValidationFailed):
        opd_form.render_xlsx(h.params("opd_form", "xlsx", year=2026, quarter=5, agency_id=world["dinsos"].id),
                             h.no_progress)
    with pytest.raises(NotFound):
        opd_form.render_xlsx(h.params("opd_form", "xlsx", year=2026, quarter=2, agency_id=999_999), h.no_progress)


def test_csr_workbook(world):
    wb = _book(csr_report.render_xlsx(h.params("csr", "xlsx", year=2026), h.no_progress))
    assert wb.sheetnames == ["Ringkasan", "Perusahaan", "Strategi", "Kecamatan", "Komitmen"]
    summary = {r["Uraian"].value: r for r in _table(wb["Ringkasan"])}
    assert summary["Nilai komitmen (Rp)"]["Nilai"].value == 800_000_000
    assert summary["Kontribusi terverifikasi (Rp)"]["Nilai"].value == 500_000_000
    assert summary["Kontribusi belum diverifikasi (Rp)"]["Nilai"].value == 100_000_000  # the draft is not counted
    assert summary["Capaian terverifikasi"]["Persentase"].value == pytest.approx(0.625)

    companies = _table(wb["Perusahaan"])
    _check_sheet(wb["Perusahaan"], "C6", "H", len(companies))
    agro = companies[0]
    assert agro["Perusahaan"].value == "PT Agro Lestari"
    assert agro["Komitmen (Rp)"].value == 500_000_000 and agro["Komitmen (Rp)"].number_format == "#,##0"
    assert agro["Kontribusi Terverifikasi (Rp)"].value == 200_000_000
    assert agro["Kontribusi Belum Diverifikasi (Rp)"].value == 100_000_000
    assert agro["Capaian Terverifikasi (%)"].value == pytest.approx(0.4)
    assert companies[-1]["Sektor"].value is None and companies[-1]["Perusahaan"].value == "Jumlah"
    assert companies[-1]["Komitmen (Rp)"].value == 800_000_000

    kecamatan = {r["Kecamatan"].value: r for r in _table(wb["Kecamatan"])}
    hanaut = kecamatan["Pulau Hanaut"]
    assert hanaut["Rumah Tangga Miskin (Desil 1–4)"].value == 900
    assert hanaut["Porsi Rumah Tangga Miskin (%)"].value == pytest.approx(0.75)
    assert hanaut["Kantong Kemiskinan"].value == "Ya"
    # Agro's 500 M all in Pulau Hanaut, Sawit's 300 M split between Baamang and a desa of Pulau Hanaut
    assert hanaut["Komitmen (Rp)"].value == 650_000_000
    assert kecamatan["Baamang"]["Komitmen (Rp)"].value == 150_000_000
    assert hanaut["Porsi Komitmen CSR (%)"].value == pytest.approx(0.8125)
    assert kecamatan["Jumlah"]["Komitmen (Rp)"].value == 800_000_000

    commitments = _table(wb["Komitmen"])
    assert commitments[0]["Program"].value == "<b>Bedah</b> rumah layak huni"
    assert commitments[1]["Lokasi"].value == "Baamang, Bapinang Hilir"


def test_csr_workbook_of_one_company(world):
    wb = _book(csr_report.render_xlsx(h.params("csr", "xlsx", year=2026, company_id=world["sawit"].id), h.no_progress))
    assert "PT Sawit Mentaya" in wb["Ringkasan"]["A2"].value
    names = [r["Perusahaan"].value for r in _table(wb["Perusahaan"])]
    assert names == ["PT Sawit Mentaya", "Jumlah"]
    texts = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any("Agro" in t or "Bedah" in t for t in texts)
    kecamatan = {r["Kecamatan"].value: r for r in _table(wb["Kecamatan"])}
    assert kecamatan["Pulau Hanaut"]["Porsi Komitmen CSR (%)"].value == pytest.approx(0.5)  # of its own 300 M
    # a pocket with 75 % of the poor and 50 % of this company's money is not "receiving little" (< 37.5 %)
    assert kecamatan["Pulau Hanaut"]["Kantong yang Menerima Sedikit"].value is None
    with pytest.raises(NotFound):
        csr_report.render_xlsx(h.params("csr", "xlsx", year=2026, company_id=999_999), h.no_progress)
    with pytest.raises(ValidationFailed):
        csr_report.render_xlsx(h.params("csr", "xlsx"), h.no_progress)


def test_agreements_workbook(world):
    bappeda = world["users"]["bappeda"]
    second = meetings.create_meeting({"date": "2025-06-10", "year": 2025, "quarter": 2, "kind": "rakor",
                                      "title": "Rakor TKPK Triwulan II", "place": "Aula", "agenda": "",
                                      "chair": "Sekda", "attendance": []}, bappeda)
    meetings.add_agreement(second, {"text": "Sosialisasi DTSEN", "agency_id": world["dinsos"].id,
                                    "due_date": date(2099, 1, 31)}, bappeda)
    db.session.commit()
    wb = _book(agreements_report.render_xlsx(h.params("agreements", "xlsx"), h.no_progress))
    ws = wb.worksheets[0]
    rows = _table(ws, header_row=4)
    assert ws.freeze_panes == "A5" and ws.auto_filter.ref == f"A4:L{4 + len(rows)}"
    assert [r["Kesepakatan"].value for r in rows] == [
        "Verifikasi data P3KE desil 1", "Data PBI JKN diserahkan", "CSR bedah rumah 20 unit", "Rancangan RPKD disusun",
        "Sosialisasi DTSEN"]
    assert rows[1]["Lewat Batas Waktu"].value == "Ya"  # due 31 March 2025, still open
    assert rows[4]["Lewat Batas Waktu"].value is None
    assert rows[0]["Catatan Perkembangan Terakhir"].value == h.NOTE_PAYLOAD
    assert rows[0]["Batas Waktu"].is_date

    only = _table(_book(agreements_report.render_xlsx(
        h.params("agreements", "xlsx", meeting_id=second.id), h.no_progress)).worksheets[0], header_row=4)
    assert [r["Kesepakatan"].value for r in only] == ["Sosialisasi DTSEN"]
    company = _table(_book(agreements_report.render_xlsx(
        h.params("agreements", "xlsx", company_id=world["agro"].id), h.no_progress)).worksheets[0], header_row=4)
    assert [r["Kesepakatan"].value for r in company] == ["CSR bedah rumah 20 unit"]
    with pytest.raises(NotFound):
        agreements_report.render_xlsx(h.params("agreements", "xlsx", meeting_id=999_999), h.no_progress)
