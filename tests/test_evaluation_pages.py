"""The page "Evaluasi Triwulan" through the test client: the numbers against the hand-built kabupaten
(Indonesian format, "—" for nothing to divide by), the written summary, the unverified switch
(figures change, a banner and badges mark it), OPD scoping (own OPD only plus the kabupaten's totals;
another OPD 404; never another OPD's rows or drafts), odd query arguments, links down to the OPD,
the activity and its report, and the query count."""

from __future__ import annotations

import pytest

from tests.conftest import count_queries
from tests.evaluation_page_helpers import QUARTER, YEAR, attr_order, build_world, more_activities, texts
from tracker import memo
from tracker.extensions import db

PAGE = "/evaluation/"
ARGS = {"year": YEAR, "quarter": QUARTER}


@pytest.fixture
def world(app, make_agency, make_company, make_user):
    return build_world(make_agency, make_company, make_user)


@pytest.fixture
def pages(world, client_as):
    return {role: client_as(user) for role, user in world["users"].items()}


def get(client, url=PAGE, **args):
    response = client.get(url, query_string={**ARGS, **args})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def row_text(html, attr, value) -> str:
    return texts(html, attr)[str(value)]


def test_headline_figures_in_indonesian_format(world, pages):
    html = get(pages["coordinator"])
    figures = texts(html, "data-figure")
    assert figures["budget"] == "Rp 370.000.000" and figures["budget_original"] == "Rp 350.000.000"
    assert figures["realized_quarter"] == "Rp 30.000.000" and figures["realized_cumulative"] == "Rp 100.000.000"
    assert figures["realization_pct"] == "27,03 %" and figures["achievement_pct"] == "56,67 %"
    assert figures["reported"] == "1 dari 4 dilaporkan" and figures["late"] == "3"  # a2, b1 drafts; b2 missing
    assert figures["csr_committed"] == "Rp 1.500.000" and figures["csr_contributed"] == "Rp 500.000"
    assert "Triwulan lalu 18,92 % (+8,11 poin)" in html
    assert "Evaluasi Triwulan · Triwulan II 2025" in " ".join(html.split())


def test_the_written_summary_is_at_the_top(world, pages):
    html = get(pages["coordinator"])
    summary = texts(html, "id")["ringkasan"]
    assert "Sampai dengan Triwulan II 2025" in summary and "27,03 %" in summary
    assert html.index('id="ringkasan"') < html.index('id="headline"') < html.index('id="per-opd"')


def test_per_opd_strategy_and_activity_rows(world, pages):
    html = get(pages["viewer"])
    dinsos = row_text(html, "data-agency", world["dinsos"].id)
    assert "Rp 170.000.000" in dinsos and "29,41 %" in dinsos and "65,00 %" in dinsos and "Rendah" in dinsos
    dpmd = row_text(html, "data-agency", world["dpmd"].id)
    assert "25,00 %" in dpmd and "40,00 %" in dpmd and "Sangat rendah" in dpmd
    assert f'href="/evaluation/?year={YEAR}&amp;quarter={QUARTER}&amp;agency_id={world["dpmd"].id}"' in html
    s3 = row_text(html, "data-strategy", "S3")
    assert "Rp 200.000.000" in s3 and "25,00 %" in s3
    a1 = row_text(html, "data-activity", world["a1"].id)
    assert "Rp 120.000.000" in a1 and "41,67 %" in a1 and "Terverifikasi" in a1
    assert f'href="/plans/activities/{world["a1"].id}"' in html
    assert f'href="/progress/{YEAR}/{QUARTER}/activity/{world["a1"].id}"' in html
    # nothing to divide by: "—", never 0 % or an error
    b2 = row_text(html, "data-activity", world["b2"].id)
    assert "—" in b2 and "0,00 %" not in b2
    a2 = row_text(html, "data-activity", world["a2"].id)
    assert "Draf" in a2 and "terlambat" in a2 and "—" in a2  # its only indicator has no achievement yet


def test_charts_are_server_side_svg(world, pages):
    html = get(pages["coordinator"])
    assert html.count('<svg') >= 2 and 'class="chart"' in html
    assert "Realisasi anggaran dan capaian kinerja per OPD" in html and "Sebaran predikat indikator" in html
    one = get(pages["coordinator"], agency_id=world["dinsos"].id)
    assert "per kegiatan" in one


def test_the_switch_changes_the_figures_and_marks_them(world, pages):
    plain = get(pages["coordinator"])
    assert 'id="unverified-banner"' not in plain and "unverified-badge" not in plain
    html = get(pages["coordinator"], include_unverified=1)
    assert 'id="unverified-banner"' in html and "Termasuk data belum diverifikasi" in html
    figures = texts(html, "data-figure")
    assert figures["realization_pct"] == "29,73 %" and figures["achievement_pct"] == "52,50 %"
    assert "belum diverifikasi" in row_text(html, "data-activity", world["a2"].id)
    assert "belum diverifikasi" in row_text(html, "data-agency", world["dinsos"].id)
    assert "belum diverifikasi" not in row_text(html, "data-activity", world["a1"].id)
    assert "belum diverifikasi" not in row_text(html, "data-agency", world["dpmd"].id)
    assert 'name="include_unverified" value="1" checked' in html
    assert texts(get(pages["coordinator"], include_unverified="true"), "data-figure")["realization_pct"] == "29,73 %"


def test_drafts_never_appear(world, pages):
    for role in ("coordinator", "dinsos", "dpmd"):
        html = get(pages[role], include_unverified=1)
        assert "Rahasia draf" not in html
    assert "Kendala A" not in get(pages["coordinator"])  # remarks belong to the Permendagri table


def test_an_opd_user_sees_its_own_opd_and_only_the_kabupaten_totals(world, pages):
    html = get(pages["dinsos"])
    figures = texts(html, "data-figure")
    assert figures["budget"] == "Rp 170.000.000" and figures["realization_pct"] == "29,41 %"
    assert figures["kabupaten_realization_pct"] == "27,03 %" and figures["kabupaten_achievement_pct"] == "56,67 %"
    assert 'name="agency_id"' not in html  # no OPD selector: fixed to their own
    assert "DPMD" not in html and "Padat karya" not in html and "Pembinaan BUMDes" not in html
    assert "Bantuan sembako keluarga miskin ekstrem" in html
    # asking for its own OPD is the same page; for another (or an unknown one) 404 with a message
    assert texts(get(pages["dinsos"], agency_id=world["dinsos"].id), "data-figure")["budget"] == "Rp 170.000.000"
    for other in (world["dpmd"].id, 999999):
        response = pages["dinsos"].get(PAGE, query_string={**ARGS, "agency_id": other})
        assert response.status_code == 404 and "OPD tidak ditemukan" in response.get_data(as_text=True)


def test_a_coordinator_chooses_one_opd(world, pages):
    html = get(pages["coordinator"], agency_id=world["dpmd"].id)
    figures = texts(html, "data-figure")
    assert figures["budget"] == "Rp 200.000.000" and figures["realization_pct"] == "25,00 %"
    assert figures["kabupaten_realization_pct"] == "27,03 %"
    assert "Bantuan sembako" not in html
    assert pages["coordinator"].get(PAGE, query_string={"agency_id": 999999}).status_code == 404


def test_company_users_get_403_and_no_menu_entry(world, pages):
    for url in ("/evaluation/", "/evaluation/table", "/evaluation/compare"):
        assert pages["company"].get(url).status_code == 403
    assert 'href="/evaluation/"' in get(pages["viewer"], url="/")
    assert 'href="/evaluation/"' not in pages["company"].get("/csr/summary").get_data(as_text=True)


@pytest.mark.parametrize("args", [{"year": "abc"}, {"quarter": "9"}, {"agency_id": "x"}, {"include_unverified": "maybe"},
                                  {"year": "1999", "quarter": "0"}, {"year": "²⁰²⁵", "agency_id": "١"},
                                  {"activity_id": "²"}, {"page": "abc"}, {"page": "999"}, {"page": "²"}])
@pytest.mark.parametrize("url", ["/evaluation/", "/evaluation/table", "/evaluation/compare"])
def test_odd_arguments_fall_back_with_a_message(world, pages, url, args):
    response = pages["coordinator"].get(url, query_string=args)
    assert response.status_code == 200
    if set(args) - {"page"} and (url.endswith("compare") or "activity_id" not in args):
        assert "tidak dikenali dan diganti dengan bawaan" in response.get_data(as_text=True)


@pytest.mark.parametrize("args", [{"agency_id": "9999999999"}, {"agency_id": str(2**31)}, {"activity_id": "9999999999"}])
def test_ids_past_the_column_are_not_found(world, pages, args):
    url = "/evaluation/compare" if "activity_id" in args else "/evaluation/"
    assert pages["coordinator"].get(url, query_string=args).status_code == 404


def test_defaults_open_on_a_year_with_plans(world, pages):
    html = pages["viewer"].get(PAGE).get_data(as_text=True)
    assert '<option value="2025" selected>' in html  # 2025 is the latest year with plans


def test_the_activity_list_is_paged(world, pages):
    more_activities(world["dinsos"], 55)
    first = get(pages["coordinator"])
    assert "Kegiatan 1–50 dari 59" in first and 'class="pagination' in first
    second = get(pages["coordinator"], page=2)
    assert "Kegiatan 51–59 dari 59" in second
    assert "Kegiatan 51–59 dari 59" in get(pages["coordinator"], page=99)  # past the end: the last page
    # only the page's activities are read, in the list's order
    shown = [attr_order(html, "data-activity") for html in (first, second)]
    assert len(shown[0]) == 50 and len(shown[1]) == 9 and not set(shown[0]) & set(shown[1])


def test_the_query_count_does_not_grow_with_the_data(world, pages):
    def queries(url):
        memo.clear()  # the figures computed, not remembered (test_memo.py)
        with count_queries() as found:
            get(pages["coordinator"], url=url)
        return len(found)

    urls = ("/evaluation/", "/evaluation/table", "/evaluation/compare")
    for url in urls:
        queries(url)  # warm up (session, quarters of the year)
    small = {url: queries(url) for url in urls}
    more_activities(world["dinsos"])
    more_activities(world["dpmd"])
    db.session.expire_all()
    assert {url: queries(url) for url in urls} == small
