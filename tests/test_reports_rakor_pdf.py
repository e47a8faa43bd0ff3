"""The Rakor report PDF (kind "evaluation", format "pdf"), read back through pypdf's text.

Rendering is slow, so the module builds one small kabupaten once and renders it twice: kabupaten-wide
in parallel chunks (three annex rows per chunk, so the numbering must run on across four documents),
and one OPD in a single process.  Every test reads those two files.
"""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from tests.conftest import empty_tables
from tests.evaluation_helpers import activity, report
from tests.rakor_helpers import NIP, add_context
from tracker.extensions import db
from tracker.reference.models import Agency, Company, Region
from tracker.reports import pdf, registry
from tracker.reports.models import ReportSettings
from tracker.reports.registry import ReportParams

YEAR, QUARTER = 2025, 2
PAYLOAD = "<script>alert(1)</script> <img src=x onerror=alert(2)>"


def _world() -> dict:
    kab = Region(code="62.02", name="Kotawaringin Timur", level="kabupaten")
    db.session.add(kab)
    dinsos = Agency(code="1.06.01", name="Dinas Sosial", short_name="Dinsos")
    dinkes = Agency(code="1.02.01", name="Dinas Kesehatan", short_name="Dinkes")
    company = Company(name="PT Sawit Mentaya Lestari", sector="Perkebunan")
    db.session.add_all([dinsos, dinkes, company])
    db.session.flush()
    main = activity(dinsos, year=YEAR, budget=200_000_000, indicators=[{"target": 100, "name": "Keluarga penerima"}])
    main.name = "Bantuan Sosial Permakanan"
    report(main, 1, realized=41_200_000, values={0: 30}, physical=40)
    report(main, 2, realized=50_000_000, values={0: 40}, physical=55, problems=PAYLOAD,
           follow_up="Koordinasi dengan pemerintah desa")
    others = [activity(dinsos, year=YEAR, budget=0) for _ in range(6)]
    health = activity(dinkes, year=YEAR, budget=1_034_567, code="1.02.02.2.02.0001",
                      indicators=[{"target": 50, "name": "Ibu hamil diperiksa"}])
    health.name = "Pelayanan Kesehatan Ibu Hamil"
    report(health, 2, realized=0, values={0: 10}, problems="Tenaga bidan desa belum lengkap",
           follow_up="Usulan formasi bidan desa")
    add_context(kab=kab, company=company, activity=main, dinsos=dinsos, dinkes=dinkes, signer_name="Dr. Budi Santoso, M.Si.")
    db.session.commit()
    return {"dinsos": dinsos.id, "dinkes": dinkes.id, "codes": [a.code for a in [main, *others]],
            "health_code": health.code}


def _pages(data: bytes) -> tuple[list[str], list[tuple[float, float]]]:
    reader = PdfReader(io.BytesIO(data))
    return ([p.extract_text() for p in reader.pages],
            [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages])


@pytest.fixture(scope="module")
def rendered(_migrated_app):
    from tracker.reports import rakor_pdf

    app = _migrated_app
    empty_tables(app)
    with app.app_context():
        world = _world()
        progress: list[int] = []
        kabupaten = rakor_pdf.render(ReportParams(kind="evaluation", fmt="pdf", year=YEAR, quarter=QUARTER),
                                     progress.append, mode="chunked", chunk_rows=3)
        # what a one-core machine does with the same chunks: one after the other in this process
        sequential = rakor_pdf.render(ReportParams(kind="evaluation", fmt="pdf", year=YEAR, quarter=QUARTER),
                                      None, mode="sequential", chunk_rows=3)
        # the OPD's report as if its problems were too many to list: chapter 6 summarises, the annex details
        limit, rakor_pdf.PROBLEMS_MAX_ITEMS = rakor_pdf.PROBLEMS_MAX_ITEMS, 0
        try:
            opd = rakor_pdf.render(ReportParams(kind="evaluation", fmt="pdf", year=YEAR, quarter=QUARTER,
                                                agency_id=world["dinkes"]), None, mode="single")
        finally:
            rakor_pdf.PROBLEMS_MAX_ITEMS = limit
        pdf.shutdown_pool()
        db.session.remove()
    empty_tables(app)
    texts, sizes = _pages(kabupaten)
    opd_texts, opd_sizes = _pages(opd)
    return {"world": world, "progress": progress, "texts": texts, "sizes": sizes, "all": "\n".join(texts),
            "sequential": _pages(sequential),
            "opd_texts": opd_texts, "opd_sizes": opd_sizes, "opd_all": "\n".join(opd_texts)}


def test_the_chunks_rendered_one_after_the_other_make_the_same_report(rendered):
    texts, sizes = rendered["sequential"]
    assert len(texts) == len(rendered["texts"]) > 3 and sizes == rendered["sizes"]
    assert texts == rendered["texts"]  # same pages, same "Halaman X dari Y" stamps


@pytest.mark.parametrize("rows, workers, mode", [(0, 2, "single"), (299, 2, "single"), (300, 2, "chunked"),
                                                 (3000, 1, "sequential"), (299, 1, "single")])
def test_the_registered_renderer_never_renders_a_long_annex_as_one_document(rows, workers, mode):
    from tracker.reports import rakor_pdf

    assert rakor_pdf.CHUNK_MIN_ROWS == 300 and rakor_pdf.auto_mode(rows, workers) == mode


def _first_page(texts: list[str], needle: str, start: int = 2) -> int:
    """1-based number of the first page from ``start`` (0-based index; the contents are page 2) with ``needle``."""
    return next(i + 1 for i in range(start, len(texts)) if needle in texts[i])


CHAPTERS = ["1. Ringkasan", "2. Konteks Kemiskinan Daerah", "3. Realisasi Anggaran", "4. Capaian Kinerja",
            "5. Tanggung Jawab Sosial Perusahaan", "6. Permasalahan dan Tindak Lanjut",
            "7. Tindak Lanjut Kesepakatan Rapat Sebelumnya", "8. Penutup"]


def test_cover_and_sections_in_order_with_a_true_table_of_contents(rendered):
    texts = rendered["texts"]
    cover = texts[0]
    assert "KABUPATEN KOTAWARINGIN TIMUR" in cover and "Triwulan II Tahun 2025" in cover
    assert "21 Juli 2025" in cover  # the quarter's Rakor
    assert "Daftar Isi" in texts[1]
    pages = [_first_page(texts, heading) for heading in CHAPTERS]
    assert pages == sorted(pages) and len(set(pages)) == len(pages)
    annex = _first_page(texts, "Daftar Seluruh Kegiatan Penanggulangan Kemiskinan")
    assert annex > pages[-1]
    toc = texts[1].splitlines()
    for heading, page in [*zip(CHAPTERS, pages), ("Lampiran: Daftar Seluruh Kegiatan", annex)]:
        line = next(line for line in toc if line.startswith(heading))
        assert re.fullmatch(r".+ \.{5,} " + str(page), line), (line, page)


def test_page_numbers_run_on_across_the_chunks(rendered):
    texts = rendered["texts"]
    total = len(texts)
    assert "Halaman" not in texts[0]  # the cover
    for number, text in enumerate(texts[1:], start=2):
        assert f"Halaman {number} dari {total}" in text
    # the annex came in chunks: every row is there once, and a chunk starting inside an OPD says so
    annex = "\n".join(texts[_first_page(texts, "Daftar Seluruh Kegiatan Penanggulangan Kemiskinan"):])
    for code in rendered["world"]["codes"]:
        assert annex.count(code) == 1
    assert "(lanjutan)" in annex
    assert rendered["progress"][-1] == 100 and rendered["progress"] == sorted(rendered["progress"])


def test_figures_in_indonesian_format(rendered):
    text = rendered["all"]
    assert "Dinas Sosial" in text and "Dinas Kesehatan" in text
    assert "Rp 201.034.567" in text          # total budget
    assert "Rp 91.200.000" in text           # realised up to quarter II
    assert "45,60 %" in text                 # Dinsos: 91.2 / 200 million
    assert "70,00 %" in text                 # its indicator: 30 + 40 of 100 (quarters summed)
    assert "Rp 500.000.000" in text and "PT Sawit Mentaya Lestari" in text  # CSR
    assert "25.720" in text and "6,11 %" in text  # BPS poverty figures


def test_wide_tables_on_landscape_pages(rendered):
    texts, sizes = rendered["texts"], rendered["sizes"]
    table = _first_page(texts, "4. Capaian Kinerja") - 1
    assert sizes[table][0] > sizes[table][1]
    assert sizes[0][0] < sizes[0][1] and sizes[-1][0] < sizes[-1][1]  # cover and annex portrait
    assert "Rekapitulasi per Perangkat Daerah" in texts[table]


def test_problem_text_comes_out_as_literal_text(rendered):
    text = " ".join(rendered["all"].split())
    assert "<script>alert(1)</script>" in text
    assert "<img src=x onerror=alert(2)>" in text
    assert "Koordinasi dengan pemerintah desa" in text


def test_agreements_and_signature_block(rendered):
    texts = rendered["texts"]
    agreements = texts[_first_page(texts, CHAPTERS[6]) - 1]
    assert "Verifikasi data P3KE desil 1" in agreements and "Dalam proses" in agreements
    closing = texts[_first_page(texts, CHAPTERS[7]) - 1]
    assert "Sampit," in closing and "Kepala Bappeda" in closing
    assert "Dr. Budi Santoso, M.Si." in closing and f"NIP {NIP}" in closing


def test_one_opd_shows_nothing_of_another(rendered):
    text = rendered["opd_all"]
    assert "Dinas Kesehatan" in text and "Pelayanan Kesehatan Ibu Hamil" in text
    assert rendered["world"]["health_code"] in text
    for other in ("Dinas Sosial", "Dinsos", "Bantuan Sosial Permakanan", "Verifikasi data P3KE", "alert(1)",
                  "PT Sawit Mentaya Lestari", "Konteks Kemiskinan"):
        assert other not in text
    assert "Data PBI JKN diserahkan" in text
    total = len(rendered["opd_texts"])
    # problems summarised in chapter 6 and listed under the activity in the annex
    texts = rendered["opd_texts"]
    chapter6 = texts[_first_page(texts, "Permasalahan dan Tindak Lanjut") - 1]
    assert "rincian per sub kegiatan dimuat dalam Lampiran" in " ".join(chapter6.split())
    annex = " ".join(" ".join(texts[_first_page(texts, "Daftar Seluruh Kegiatan Penanggulangan Kemiskinan"):]).split())
    assert "Kendala: Tenaga bidan desa belum lengkap" in annex and "Tindak lanjut: Usulan formasi bidan desa" in annex
    assert all(f"Halaman {n} dari {total}" in t for n, t in enumerate(rendered["opd_texts"][1:], start=2))


def test_registered_with_its_sources_and_file_name(app):
    from tracker.plans.models import Activity
    from tracker.progress.models import ProgressReport

    kind = registry.get("evaluation", "pdf")
    assert kind is not None and kind.label
    assert Activity in kind.sources and ProgressReport in kind.sources and ReportSettings in kind.sources
    agency = Agency(code="1.02.01", name="Dinas Kesehatan", short_name="Dinkes")
    db.session.add(agency)
    db.session.commit()
    assert kind.filename(ReportParams(kind="evaluation", fmt="pdf", year=2026, quarter=3)) == \
        "laporan-rakor-2026-tw3.pdf"
    assert kind.filename(ReportParams(kind="evaluation", fmt="pdf", year=2026, quarter=3, agency_id=agency.id)) == \
        "laporan-rakor-2026-tw3-1-02-01.pdf"
