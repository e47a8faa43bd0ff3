"""The Permendagri 86/2017 table page (the regulation's columns in its order; the Renstra columns 5, 6,
14 and 15 left out when no indicator records them; OPD → program → kegiatan → sub-kegiatan →
indicator rows with their numbers; the kabupaten's table one OPD per page) and the comparison page
(quarters of the year, the same quarter last year, one activity against its namesake), both scoped
like the evaluation page."""

from __future__ import annotations

import pytest

from tests.evaluation_page_helpers import QUARTER, YEAR, attr_order, build_world, cells, texts

TABLE, COMPARE = "/evaluation/table", "/evaluation/compare"
ARGS = {"year": YEAR, "quarter": QUARTER}
ALL_COLUMNS = [str(n) for n in range(1, 18)] + ["predikat"]
WITHOUT_RENSTRA = [c for c in ALL_COLUMNS if c not in ("5", "6", "14", "15")]


@pytest.fixture
def world(app, make_agency, make_company, make_user):
    return build_world(make_agency, make_company, make_user)


@pytest.fixture
def pages(world, client_as):
    return {role: client_as(user) for role, user in world["users"].items()}


def get(client, url, **args):
    response = client.get(url, query_string={**ARGS, **args})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_columns_in_the_regulations_order(world, pages):
    html = get(pages["coordinator"], TABLE)  # page 1: DPMD, whose indicator has no Renstra figures; Dinsos' have
    assert attr_order(html, "data-col") == ALL_COLUMNS  # the kabupaten's table: the same columns on every page
    assert texts(html, "id")["column-numbers"] == " ".join(str(n) for n in range(1, 18))
    headers = texts(html, "data-col")
    assert headers["1"] == "Kode" and headers["3"] == "Indikator kinerja" and headers["4"] == "Satuan"
    assert headers["5"] == "Target Renstra akhir periode (K)" and headers["12"] == "Realisasi s.d. triwulan II"
    assert headers["13"] == "Tingkat capaian (%)" and headers["15"] == "Tingkat capaian Renstra (%)"
    assert headers["16"] == "Perangkat daerah penanggung jawab" and headers["predikat"] == "Predikat"


def test_renstra_columns_are_left_out_when_no_indicator_records_them(world, pages):
    html = get(pages["coordinator"], TABLE, agency_id=world["dpmd"].id)  # DPMD's indicator has no Renstra figures
    assert attr_order(html, "data-col") == WITHOUT_RENSTRA
    assert texts(html, "id")["column-numbers"] == "1 2 3 4 7 8 9 10 11 12 13 16 17"
    assert "Kolom 5, 6, 14 dan 15 (Renstra) tidak ditampilkan" in html
    row = cells(html, "data-indicator", world["b1"].indicator_ids[0])
    assert len(row) == 21
    assert row[2:8] == ["Desa padat karya", "KK", "50", "", "20", ""]  # target, then quarter I K, Rp


def test_an_indicator_row_and_its_sub_kegiatan_row(world, pages):
    html = get(pages["coordinator"], TABLE, page=2)  # Dinsos
    assert cells(html, "data-indicator", world["a1"].indicator_ids[0]) == [
        "", "", "Keluarga dibantu", "KK", "500", "200",  # 1–6
        "100", "", "30", "", "25", "", "—", "", "—", "",  # 7 target, 8–11 quarters (K, Rp)
        "55", "", "55,00 %", "",  # 12 realised to date, 13 achievement
        "255", "51,00 %", "", "", "Rendah"]  # 14, 15 Renstra, 16, 17, rating
    level = cells(html, "data-indicator", world["a1"].indicator_ids[1])  # a "last" indicator: latest value
    assert level[16:19] == ["60", "", "75,00 %"] and level[4:6] == ["—", "—"] and level[-1] == "Sedang"
    assert cells(html, "data-activity", world["a1"].id) == [
        "1.06.05.2.02.0003", "Bantuan sembako keluarga miskin ekstrem", "", "", "", "",
        "", "Rp 120.000.000", "", "Rp 20.000.000", "", "Rp 30.000.000", "", "—", "", "—",
        "", "Rp 50.000.000", "", "41,67 %", "", "", "Dinsos", "Kendala: Kendala A Tindak lanjut: Tindak A", ""]
    no_value = cells(html, "data-indicator", world["a2"].indicator_ids[0])
    assert no_value[16:19] == ["—", "", "—"] and no_value[-1] == "—"


def test_rows_grouped_by_opd_program_and_kegiatan(world, pages):
    first, html = get(pages["coordinator"], TABLE), get(pages["coordinator"], TABLE, page=2)
    # the kabupaten's table, one OPD per page in short-name order: DPMD, then Dinsos
    assert "Dinas Pemberdayaan Masyarakat dan Desa" in first and "Dinas Sosial (Dinsos)" not in first
    assert "Dinas Sosial (Dinsos)" in html and "Dinas Pemberdayaan Masyarakat dan Desa" not in html
    assert texts(first, "id")["opd-pages"].split()[-4:] == ["«", "DPMD", "Dinsos", "»"]
    assert "OPD 2 dari 2" in html
    past = get(pages["coordinator"], TABLE, page=99)  # past the end: the last OPD
    assert "OPD 2 dari 2" in past and cells(past, "data-kind", "agency-total")[1] == "Jumlah Dinsos"
    kinds = attr_order(first, "data-kind") + attr_order(html, "data-kind")
    assert kinds.count("program") == 3 and kinds.count("kegiatan") == 3 and kinds.count("agency-total") == 2
    assert "1.06.05" in html and "1.06.05.2.02" in html and "Program Perlindungan Sosial" in html
    assert "Jumlah DPMD" in texts(first, "data-kind")["agency-total"]  # each OPD ends with its totals
    assert cells(html, "data-kind", "agency-total") == [  # Dinsos (budget, realised, 13 K and Rp)
        "", "Jumlah Dinsos", "", "", "", "Rp 170.000.000", *[""] * 8, "", "Rp 50.000.000", "65,00 %", "29,41 %",
        "", "", "", "", "Rendah"]
    one = get(pages["coordinator"], TABLE, agency_id=world["dinsos"].id)  # one OPD chosen: no OPD pages
    assert 'id="opd-pages"' not in one and cells(one, "data-kind", "agency-total") == cells(
        html, "data-kind", "agency-total")
    assert 'class="table-light sticky-top' in html and "overflow-auto" in html  # sticky header, scrolls sideways


def test_the_switch_on_the_table(world, pages):
    html = get(pages["coordinator"], TABLE, include_unverified=1, page=2)
    assert 'id="unverified-banner"' in html
    row = cells(html, "data-indicator", world["a2"].indicator_ids[0])
    assert "belum diverifikasi" in row[2] and row[8] == "4" and row[18] == "40,00 %"
    assert "Rahasia draf" not in html


def test_an_opd_user_sees_only_its_own_rows(world, pages):
    html = get(pages["dinsos"], TABLE)
    assert "Bantuan sembako keluarga miskin ekstrem" in html
    assert "DPMD" not in html and "Padat karya" not in html and "Rahasia draf" not in html
    assert pages["dinsos"].get(TABLE, query_string={"agency_id": world["dpmd"].id}).status_code == 404


# ---- the comparison page ----------------------------------------------------------------------------

def test_compare_the_quarters_of_the_year_and_last_year(world, pages):
    html = get(pages["coordinator"], COMPARE)
    q1, q2 = cells(html, "data-quarter", 1), cells(html, "data-quarter", 2)
    assert q1 == ["Triwulan I", "Rp 70.000.000", "Rp 70.000.000", "18,92 %", "—", "40,00 %", "—", "Sangat rendah"]
    assert q2 == ["Triwulan II", "Rp 30.000.000", "Rp 100.000.000", "27,03 %", "+8,11 poin", "56,67 %", "+16,67 poin",
                  "Rendah"]
    assert cells(html, "data-year", 2024)[1:5] == ["Rp 10.000.000", "Rp 9.000.000", "90,00 %", "—"]
    assert cells(html, "id", "change-row")[3:5] == ["−62,97 poin", "—"]
    assert '<svg' in html and "Realisasi dan capaian s.d. tiap triwulan 2025 (%)" in html


def test_compare_one_activity(world, pages):
    html = get(pages["coordinator"], COMPARE, activity_id=world["b1"].id)
    assert "Padat karya tunai desa DPMD" in texts(html, "id")["compare-subject"]
    assert cells(html, "id", "change-row")[3] == "−65,00 poin"
    assert f'href="/plans/activities/{world["old"].id}"' in html  # last year's namesake
    # an activity decides the year: last year's activity opens on 2024
    old = pages["coordinator"].get(COMPARE, query_string={"activity_id": world["old"].id})
    assert old.status_code == 200 and "Triwulan IV 2024" in " ".join(old.get_data(as_text=True).split())


def test_compare_is_scoped(world, pages):
    html = get(pages["dinsos"], COMPARE)
    assert cells(html, "data-quarter", 2)[3] == "29,41 %"
    assert "Tidak ada data tahun 2024 untuk dibandingkan." in html
    assert "DPMD" not in html
    for args in ({"activity_id": world["b1"].id}, {"activity_id": 999999}, {"agency_id": world["dpmd"].id}):
        response = pages["dinsos"].get(COMPARE, query_string={**ARGS, **args})
        assert response.status_code == 404
    own = get(pages["dinsos"], COMPARE, activity_id=world["a1"].id)
    assert cells(own, "data-quarter", 2)[3] == "41,67 %"
