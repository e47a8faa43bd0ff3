"""The PDF versions of the OPD form, the CSR report and the agreements list, read back as text with
pypdf: names, totals in Indonesian format, the signature block, HTML payloads printed as literal
text, and scoping (the form holds only its OPD's activities, a company's report only its own
commitments, a company's agreements list only its agreements).  One rendering per case."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from tests import reports_documents_helpers as h
from tracker.errors import ValidationFailed
from tracker.reports import agreements_report, csr_report, opd_form


@pytest.fixture
def world(app, make_agency, make_company, make_user, kabupaten):
    return h.build(make_agency, make_company, make_user, kabupaten)


def _text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"[ \t]+", " ", text)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_opd_form_pdf(world):
    data = opd_form.render_pdf(h.params("opd_form", "pdf", year=2026, quarter=2, agency_id=world["dinsos"].id),
                               h.no_progress)
    text = _text(data)
    flat = _flat(text)
    assert "Formulir Laporan Triwulan II Tahun 2026" in flat
    assert "Dinas Sosial (1.06.01)" in flat
    assert "1.06.02.2.01.0001" in flat and "1.06.02.2.01.0002" in flat
    assert "Rp 1.450.000.000" in flat  # the pagu, APBD-P of the second activity included
    assert "Rp 126.000.000 (8,69 %)" in flat  # realised up to quarter II: 50 M + 75 M + 1 M
    assert "45,5 %" in flat and "50,00 %" in flat
    assert "Diajukan" in flat and "Draf" in flat
    assert "Keluarga penerima bantuan" in flat and "Verifikasi bersama desa" in flat
    assert '<script>alert("x")</script><b>Data</b> belum padan' in flat  # printed, not interpreted
    assert "Kepala Dinas Sosial" in flat and "NIP" in flat
    assert re.search(r"Halaman 1 dari \d", flat)
    assert "Dinkes" not in flat and "Tersembunyi" not in flat  # another OPD's activity is not on the form
    with pytest.raises(ValidationFailed):
        opd_form.render_pdf(h.params("opd_form", "pdf", year=2026, quarter=2), h.no_progress)


def test_csr_pdf(world):
    flat = _flat(_text(csr_report.render_pdf(h.params("csr", "pdf", year=2026), h.no_progress)))
    assert "Laporan CSR (TJSL) Tahun 2026" in flat and "Semua perusahaan" in flat
    for section in ("A. Per perusahaan", "B. Per strategi", "C. Per kecamatan", "D. Daftar komitmen"):
        assert section in flat
    assert flat.index("A. Per perusahaan") < flat.index("B. Per strategi") < flat.index("C. Per kecamatan")
    assert "PT Agro Lestari" in flat and "PT Sawit Mentaya" in flat
    assert "Rp 800.000.000" in flat and "Rp 500.000.000" in flat and "62,50 %" in flat
    assert "650.000.000" in flat and "75,00 %" in flat and "kantong kemiskinan" in flat  # Pulau Hanaut
    assert "<b>Bedah</b> rumah layak huni" in flat
    assert "Kepala Bappeda" in flat

    own = _flat(_text(csr_report.render_pdf(h.params("csr", "pdf", year=2026, company_id=world["sawit"].id),
                                            h.no_progress)))
    assert "PT Sawit Mentaya" in own and "Rp 300.000.000" in own
    assert "Agro" not in own and "Bedah" not in own and "Rp 800.000.000" not in own


def test_agreements_pdf(world):
    flat = _flat(_text(agreements_report.render_pdf(h.params("agreements", "pdf"), h.no_progress)))
    assert "Daftar Tindak Lanjut Kesepakatan Rapat TKPK" in flat
    assert "Rakor TKPK Triwulan I" in flat and "10 Maret 2025" in flat
    for text in ("Verifikasi data P3KE desil 1", "Data PBI JKN diserahkan", "CSR bedah rumah 20 unit",
                 "Rancangan RPKD disusun", "Dinas Kesehatan", "Bappeda (Sekretariat TKPK)", "31 Maret 2025"):
        assert text in flat, text
    assert flat.count("Lewat batas waktu") >= 4  # the summary line and the three overdue agreements
    assert h.NOTE_PAYLOAD in flat

    company = _flat(_text(agreements_report.render_pdf(
        h.params("agreements", "pdf", company_id=world["agro"].id), h.no_progress)))
    assert "CSR bedah rumah 20 unit" in company and "PT Agro Lestari" in company
    assert "P3KE" not in company and "PBI JKN" not in company and "RPKD" not in company
