"""The poverty pages as the Rakor reads them: "Data Kemiskinan" (the headline figures in Indonesian
format, the change from last year in words, the trend chart, the kecamatan ranked with their pockets,
disagreeing sources side by side) and "Anggaran vs kemiskinan" (shares of the poor beside shares of
budget and CSR, the pockets that receive little); the empty state; who may read and who may not; odd
query strings never a 500.  The forms and the import are in ``test_poverty_page_forms``."""

from __future__ import annotations

import pytest

from tests.poverty_page_helpers import (
    RANKED,
    element,
    make_figures,
    make_money,
    make_regions,
    svg_in,
    svg_texts,
    text_of,
)

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def world(app, make_region, make_user, make_agency, make_company, client_as):
    regions = make_regions(make_region)
    make_figures(regions)
    make_money(regions, make_agency(), make_company())
    users = {role: make_user(role=role) for role in ("coordinator", "admin", "agency", "viewer", "company")}
    return {"regions": regions, "users": users, "web": {role: client_as(u) for role, u in users.items()}}


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:500])
    return response.get_data(as_text=True)


# ---- Data Kemiskinan -----------------------------------------------------------------------------

def test_headline_figures_in_indonesian_format_with_source_and_change(world):
    html = page(world["web"]["viewer"], "/poverty/")  # no year: the latest year with a BPS figure
    headline = text_of(element(html, "headline"))
    for figure in ("Angka kemiskinan kabupaten 2024", "8.740 jiwa", "6,66 %", "0,97", "0,21", "Rp 612.345",
                   "1.210 jiwa (0,92 %)"):
        assert figure in headline, figure
    assert "BPS (Maret) · Berita Resmi Statistik Juli 2024 · 1 Juli 2024" in headline
    assert "penduduk miskin 6,20 %" in headline and "kemiskinan ekstrem 0,50 %" in headline
    change = element(html, "change")
    assert text_of(change).strip().startswith("Dibanding 2023:") and "<strong>naik 150 jiwa, +0,03 poin</strong>." in change

    earlier = page(world["web"]["viewer"], "/poverty/?year=2022")
    assert "8.420 jiwa" in text_of(element(earlier, "headline")) and "6,59 %" in earlier
    assert 'id="change"' not in earlier  # no 2021 figure: no sentence about missing data
    assert "naik 170 jiwa, +0,04 poin" in page(world["web"]["viewer"], "/poverty/?year=2023")


def test_trend_charts_are_inline_svg_with_the_plotted_values(world):
    html = page(world["web"]["agency"], "/poverty/?year=2024")
    chart = svg_in(html, "trend-chart")
    texts = svg_texts(chart)
    assert {"2022", "2023", "2024"} <= set(texts)
    for value in ("6,59 %", "6,63 %", "6,66 %", "6,45 %", "6,20 %"):
        assert value in texts, value
    assert "Penduduk miskin (P0)" in texts and "Target P0 (RPJMD/RPKD)" in texts
    assert chart.find(f"{SVG}title").text == "Persentase penduduk miskin (P0) dan target"
    assert len(chart.findall(f".//{SVG}polyline")) == 2
    assert chart.get("class") == "chart" and chart.get("style") is None  # sized by app.css (the CSP refuses inline styles)

    extreme = svg_in(html, "extreme-chart")
    texts = svg_texts(extreme)
    assert "0,92 %" in texts and "0,50 %" in texts and "Target kemiskinan ekstrem" in texts
    assert extreme.find(f"{SVG}title").text == "Persentase kemiskinan ekstrem dan target"


def test_kecamatan_ranked_with_pockets_marked_and_explained(world):
    html = page(world["web"]["company"], "/poverty/?year=2024")
    table = element(html, "ranking-table")
    rows = table.split("<tr")[3:-1]  # two header rows, then one per kecamatan, then the footer
    names = [next(n for n in RANKED if n in row) for row in rows]
    assert names == RANKED
    pockets = [n for n, row in zip(names, rows) if "Kantong kemiskinan" in row]
    assert pockets == ["Pulau Hanaut", "Teluk Sampit"]
    first = text_of(rows[0])
    assert "900 800 700 600 3.000 11.700 39,47 %" in first
    rule = text_of(element(html, "pocket-rule"))
    assert "paling sedikit 1,5 kali bagian rata-rata" in rule and "5 kecamatan = 20,00 %" in rule
    assert "30,00 % atau lebih" in rule and "Tahun ini: Pulau Hanaut, Teluk Sampit." in rule
    assert "sumber DTSEN" in text_of(element(html, "ranking"))

    chart = svg_in(html, "ranking-chart")
    labels = [t for t in svg_texts(chart) if t in RANKED]
    assert labels == RANKED and "3.000" in svg_texts(chart) and "Kantong kemiskinan" in svg_texts(chart)
    highlighted = [r for r in chart.iter(f"{SVG}rect") if "highlight" in (r.get("class") or "")]
    assert len(highlighted) == 2


def test_household_source_can_be_chosen(world):
    html = page(world["web"]["viewer"], "/poverty/?year=2024&source=P3KE")
    assert 'value="P3KE" selected' in html
    ranking = text_of(element(html, "ranking"))
    table = text_of(element(html, "ranking-table"))
    assert "sumber P3KE" in ranking and "1 Baamang 300 250 200 150 900" in table and "Pulau Hanaut" not in table
    assert "Belum ada data P3KE untuk: Pulau Hanaut, Teluk Sampit, Mentaya Hilir Selatan, Cempaga." in ranking


def test_disagreeing_sources_side_by_side_never_merged(world):
    html = page(world["web"]["viewer"], "/poverty/?year=2024")
    table = element(html, "disagreements-table")
    rows = table.split("<tr")[2:]
    bps = text_of(rows[0])
    assert "Kotawaringin Timur" in bps and "Jumlah penduduk miskin (jiwa)" in bps
    assert "BPS (Maret): 8.740" in bps and "DTSEN: 9.100" in bps and "360" in bps
    assert "1 Juli 2024" in bps and "15 September 2024" in bps and "DTSEN Kemensos" in bps
    households = text_of(rows[1])
    assert "Baamang" in households and "DTSEN: 800" in households and "P3KE: 900" in households
    assert "tidak pernah digabung" in text_of(element(html, "disagreements"))
    assert 'id="disagreements"' not in page(world["web"]["viewer"], "/poverty/?year=2023")


# ---- Anggaran vs kemiskinan ----------------------------------------------------------------------

def test_money_page_shares_and_pockets_that_receive_little(world):
    html = page(world["web"]["viewer"], "/poverty/money?year=2024")
    table = element(html, "money-table")
    rows = {next(n for n in RANKED if n in row): row for row in table.split("<tr")[3:8]}
    assert list(rows) == RANKED
    assert "3.000 39,5 % Rp 0 0,0 % Rp 400.000.000 80,0 %" in text_of(rows["Pulau Hanaut"])
    assert "800 10,5 % Rp 650.000.000 50,0 % Rp 100.000.000 20,0 %" in text_of(rows["Baamang"])
    assert "500 6,6 % Rp 500.000.000 38,5 % Rp 0 0,0 %" in text_of(rows["Cempaga"])
    for name in ("Pulau Hanaut", "Teluk Sampit"):
        assert 'class="table-warning"' in rows[name] and "Menerima sedikit" in rows[name]
    for name in ("Mentaya Hilir Selatan", "Baamang", "Cempaga"):
        assert "table-warning" not in rows[name] and "Menerima sedikit" not in rows[name]
    assert text_of(element(html, "little")).strip() == (
        "Kantong kemiskinan yang menerima sedikit: Pulau Hanaut (anggaran OPD), Teluk Sampit (anggaran OPD, CSR).")
    unlocated = text_of(element(html, "unlocated"))
    assert "Seluruh kabupaten / tanpa lokasi" in unlocated and "Rp 300.000.000" in unlocated
    note = text_of(element(html, "money-note"))
    assert "dibagi rata ke kecamatan lokasinya" in note and "tidak masuk persentase" in note
    assert "Rp 1.600.000.000" in text_of(table) and "Rp 1.300.000.000" in text_of(table)

    chart = svg_in(html, "money-chart")
    texts = svg_texts(chart)
    assert [t for t in texts if t in RANKED] == RANKED
    for legend in ("Bagian rumah tangga miskin", "Bagian anggaran OPD", "Bagian CSR"):
        assert legend in texts
    assert {"39,5 %", "80,0 %", "50,0 %", "0,0 %"} <= set(texts)


def test_money_page_links_kecamatan_figures_to_plans_and_csr(world):
    kec = world["regions"]["kecamatan"]["Baamang"]
    html = page(world["web"]["coordinator"], "/poverty/money?year=2024")
    assert f"/plans/?year=2024&amp;kecamatan_id={kec.id}" in html
    assert f"/csr/summary?year=2024&amp;region_id={kec.id}" in html
    company = page(world["web"]["company"], "/poverty/money?year=2024")
    assert "/plans/?" not in company  # a company's officer cannot open the OPD plans


# ---- empty, odd, permissions ---------------------------------------------------------------------

def test_empty_state_helps_bappeda_and_tells_others(app, make_user, client_as):
    bappeda, viewer = client_as(make_user(role="coordinator")), client_as(make_user(role="viewer"))
    html = page(bappeda, "/poverty/")
    empty = text_of(element(html, "poverty-empty"))
    assert "Belum ada data kemiskinan" in empty
    assert 'href="/poverty/stats/new"' in html and 'href="/poverty/import"' in html
    html = page(viewer, "/poverty/")
    assert "Data diisi oleh Bappeda" in text_of(element(html, "poverty-empty")) and "/poverty/stats/new" not in html
    assert "Belum ada data untuk dibandingkan" in page(viewer, "/poverty/money")


@pytest.mark.parametrize("query", ["?year=abc", "?year=99999", "?year=1999", "?year=-1", "?year=2031",
                                   "?source=xyz", "?source=", "?year=2024&source=bps", "?region_id=x",
                                   "?year=2024" + "9" * 40])
def test_odd_query_strings_fall_back(world, query):
    for url in ("/poverty/", "/poverty/money"):
        page(world["web"]["viewer"], url + query)
    for url in ("/poverty/stats", "/poverty/targets", "/poverty/households"):
        page(world["web"]["coordinator"], url + query + "&page=-3&measure=zzz")
    html = page(world["web"]["viewer"], "/poverty/?year=abc")
    assert "Angka kemiskinan kabupaten 2024" in html  # fell back to the latest year


@pytest.mark.parametrize("role", ["agency", "viewer", "company"])
def test_readers_read_but_cannot_write(world, role):
    web = world["web"][role]
    assert "Data Kemiskinan" in page(web, "/poverty/")
    page(web, "/poverty/money")
    nav = element(page(web, "/poverty/money"), "mainnav")  # the menu: the figures, not the data management
    assert 'href="/poverty/"' in nav and 'href="/poverty/money"' in nav and "/poverty/stats" not in nav
    for url in ("/poverty/stats", "/poverty/targets", "/poverty/households", "/poverty/stats/new",
                "/poverty/import", "/poverty/template/stats.xlsx", "/poverty/stats/1/edit"):
        assert web.get(url).status_code == 403, url
    for url in ("/poverty/stats/new", "/poverty/import", "/poverty/targets/1/delete"):
        assert web.post(url, data={}).status_code == 403, url
    assert "Kelola data" not in page(web, "/poverty/")


def test_bappeda_sees_the_data_management_in_the_menu(world):
    nav = element(page(world["web"]["coordinator"], "/"), "mainnav")
    for href in ("/poverty/", "/poverty/money", "/poverty/stats", "/poverty/targets", "/poverty/households",
                 "/poverty/import"):
        assert f'href="{href}"' in nav, href
    assert "Kelola data" in page(world["web"]["admin"], "/poverty/")


def test_anonymous_is_sent_to_login(app, client):
    for url in ("/poverty/", "/poverty/money", "/poverty/stats", "/poverty/import"):
        response = client.get(url)
        assert response.status_code in (302, 303) and response.headers["Location"].startswith("/login"), url
