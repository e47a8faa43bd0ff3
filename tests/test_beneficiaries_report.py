"""The by-name chapter of the Rakor report, PDF (text through pypdf) and workbook (openpyxl): coverage by
desil and per kecamatan, double counting and people outside the list; figures only, no names or NIK;
left out when there is no target list; the cache misses after a beneficiary is added."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.beneficiaries_helpers import build_world, csv_file, person
from tracker.beneficiaries import services, target_import
from tracker.beneficiaries.report import rakor_section
from tracker.extensions import db
from tracker.reports import cache, pdf, rakor_content, rakor_pdf, rakor_xlsx, registry
from tracker.reports.registry import ReportParams

YEAR = 2025


@pytest.fixture
def world(kabupaten, make_agency, make_user):
    world = build_world(kabupaten, make_agency, make_user)
    desa = kabupaten["desa"]
    # 6 households in Baamang (desa 0 and 1), 2 in Pulau Hanaut (desa 3); desil 1 except two
    world["targets"] = ([person(i, desa=desa[i % 2].code, desil=1 if i < 5 else 2) for i in range(1, 7)] +
                        [person(i, desa=desa[3].code, desil=1) for i in range(7, 9)])
    target_import.import_list(csv_file(world["targets"]), "p3ke.csv", "P3KE", date(2025, 1, 31),
                              world["users"]["bappeda"])
    t = world["targets"]
    # Dinsos reaches 3 in Baamang; Dinkes (same strategy S1) reaches one of them again and one in Hanaut,
    # plus someone outside the list.
    services.add_people(world["sosial"], YEAR, 1, [
        {"nik": t[i]["nik"], "name": t[i]["nama"], "region_id": desa[(i + 1) % 2].id} for i in range(3)],
        world["users"]["dinsos"])
    services.add_people(world["kesehatan"], YEAR, 2, [
        {"nik": t[0]["nik"], "name": t[0]["nama"], "region_id": desa[1].id},
        {"nik": t[6]["nik"], "name": t[6]["nama"], "region_id": desa[3].id},
        {"nik": person(90)["nik"], "name": "Bukan Sasaran", "region_id": desa[3].id}], world["users"]["dinkes"])
    db.session.commit()
    return world


def test_the_section_figures(world):
    section = rakor_section(YEAR)
    assert section["list"]["source"] == "P3KE"
    assert section["totals"] == {"target": 8, "reached": 4, "unreached": 4, "reached_pct": 50.0, "double_counted": 1,
                                 "outside_target": 1, "probable": 0}
    assert [(r["name"], r["target"], r["reached"], r["desil1"], r["desil1_unreached"]) for r in section["kecamatan"]] \
        == [("Baamang", 6, 3, 4, 1), ("Pulau Hanaut", 2, 1, 2, 1)]
    assert section["desil1_unreached"] == 2
    assert [(r["desil"], r["target"], r["reached"]) for r in section["by_desil"]] == [(1, 6, 4), (2, 2, 0)]
    # One OPD: the desa its activities cover, its own lists for double counting and outside-the-list.
    dinkes = rakor_section(YEAR, world["dinkes"].id)
    assert (dinkes["totals"]["target"], dinkes["totals"]["reached"], dinkes["totals"]["outside_target"]) == (2, 1, 1)


def test_pdf_chapter_with_figures_and_no_names(world):
    data = rakor_pdf.render(ReportParams(kind="evaluation", fmt="pdf", year=YEAR, quarter=2, annex=False), None,
                            mode="single")
    pdf.shutdown_pool()
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Sasaran By Name By Address" in text
    assert "Daftar sasaran P3KE per 31 Januari 2025 memuat 8 rumah tangga sasaran aktif" in text
    assert "4 rumah tangga (50,00 %) telah dijangkau" in text
    assert "Baamang 6 3 3 50,00 % 4 1" in text and "Jumlah 8 4 4 50,00 % 6 2" in text
    assert "Pulau Hanaut" in text
    for p in world["targets"]:
        assert p["nama"] not in text and p["nik"] not in text and p["nik"][:4] + "*" not in text


def test_workbook_sheet_reads_back(world):
    data = rakor_xlsx.render_xlsx(ReportParams(kind="evaluation", fmt="xlsx", year=YEAR, quarter=2, annex=False),
                                  lambda _: None)
    sheet = load_workbook(io.BytesIO(data))["Sasaran"]
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    baamang = next(r for r in rows if "Baamang" in r)
    assert baamang[2:5] == (6, 3, 3) or list(baamang[2:5]) == [6, 3, 3]
    total = next(r for r in rows if "Jumlah" in r)
    assert total[2] == 8 and abs(total[5] - 0.5) < 1e-9
    assert not any(p["nama"] in str(rows) for p in world["targets"])


def test_no_target_list_no_chapter(kabupaten):
    assert rakor_section(YEAR) is None
    content = rakor_content.build(ReportParams(kind="evaluation", fmt="pdf", year=YEAR, quarter=2, annex=False))
    assert content["beneficiaries"] is None


def test_the_report_cache_misses_after_a_beneficiary_is_added(world):
    params = ReportParams(kind="evaluation", fmt="pdf", year=YEAR, quarter=2)
    kind = registry.get("evaluation", "pdf")
    before = cache.cache_key(kind, params)
    assert cache.cache_key(kind, params) == before
    services.add_people(world["sosial"], YEAR, 3, [{"nik": world["targets"][5]["nik"], "name": "X",
                                                    "region_id": world["desa"][1].id}], world["users"]["dinsos"])
    db.session.commit()
    assert cache.cache_key(kind, params) != before
