"""The home page dashboards as each role sees them (tests/dashboard_helpers.py has the world and its
numbers): Bappeda's kabupaten with its work queues, the viewer's consolidated picture without them,
an OPD user's own figures against the kabupaten's with its tasks, a company sent to its CSR page;
charts as SVG with the plotted labels, Indonesian numbers, the quarter chosen, the empty install."""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from xml.etree import ElementTree as ET

import pytest

from tests.dashboard_helpers import QUARTER, YEAR, build_world
from tracker.evaluation import dashboard
from tracker.evaluation.ratings import RATING_COLOURS
from tracker.extensions import db
from tracker.types import jakarta_now

URL = f"/?year={YEAR}&quarter={QUARTER}"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def world(app, make_agency, make_user, make_company):
    return build_world(make_agency, make_user, make_company)


def html_of(client, url=URL) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
    return response.get_data(as_text=True)


def element(html: str, element_id: str) -> str | None:
    """The markup of the element with ``id`` (its tag balanced), or None when the page has none."""
    found = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"', html)
    if not found:
        return None
    tag, depth = found.group(1), 0
    for m in re.finditer(rf"<(/?){tag}\b[^>]*>", html[found.start():]):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return html[found.start():found.start() + m.end()]
    raise AssertionError(f"unbalanced <{tag}> for #{element_id}")


def text(markup: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def chart(html: str, figure_id: str) -> ET.Element:
    """The SVG inside ``<figure id=...>``, parsed (so it is well-formed) and checked to be a chart."""
    figure = element(html, figure_id)
    assert figure is not None, figure_id
    svg = ET.fromstring(figure[figure.index("<svg"):figure.rindex("</svg>") + 6])
    assert svg.tag == f"{SVG}svg" and svg.get("class") == "chart"
    return svg


def svg_texts(svg: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]


# ---- Bappeda -------------------------------------------------------------------------------------------

def test_bappeda_sees_the_kabupaten_of_the_quarter(world, client_as):
    html = html_of(client_as(world["users"]["coordinator"]))
    dash = element(html, "dasbor")
    assert 'data-dashboard="coordinator"' in dash
    assert "Kabupaten, Triwulan II 2025" in text(dash) and "3 OPD, 5 kegiatan" in text(dash)
    headline = text(element(html, "dash-headline"))
    assert "Rp 850.000.000" in headline  # the effective pagu (Dinkes' APBD-P counts 100 jt, not 150 jt)
    assert "APBD murni Rp 900.000.000; 1 kegiatan dengan APBD-P" in headline
    assert "Rp 410.000.000" in headline and "Triwulan ini Rp 235.000.000" in headline
    assert "48,24 %" in headline and "+27,65 poin dari Triwulan I" in headline
    assert "67,50 %" in headline and "Sedang" in headline and "+32,50 poin" in headline
    assert "4 dari 4 indikator berisi capaian" in headline
    # the unverified Q2 report of Dinkes is not counted, and the page says so
    assert "1 laporan triwulan ini masih menunggu verifikasi dan belum dihitung" in text(dash)


def test_bappeda_charts_are_svg_with_the_plotted_labels(world, client_as):
    html = html_of(client_as(world["users"]["coordinator"]))
    realisation = chart(html, "dash-chart-realisation")
    labels = svg_texts(realisation)
    for plotted in ("Disdik", "60,00 %", "Dinkes", "46,67 %", "Dinsos", "20,00 %", "Realisasi terendah"):
        assert plotted in labels, plotted
    assert labels.index("Disdik") < labels.index("Dinkes") < labels.index("Dinsos")  # highest first
    highlighted = [g for g in realisation.iter(f"{SVG}g") if any("highlight" in (r.get("class") or "")
                                                                  for r in g.iter(f"{SVG}rect"))]
    tips = [g.find(f"{SVG}title").text for g in highlighted]
    assert tips == ["Dinsos — Realisasi anggaran per OPD (kumulatif): 20,00 %"]
    ratings = chart(html, "dash-chart-ratings")
    bars = {r.get("class"): r.get("fill") for r in ratings.iter(f"{SVG}rect") if "bar" in (r.get("class") or "")}
    assert bars["bar rating-sangat_tinggi"] == RATING_COLOURS["sangat_tinggi"]
    assert bars["bar rating-sangat_rendah"] == RATING_COLOURS["sangat_rendah"]
    texts = svg_texts(ratings)
    assert "Sangat tinggi" in texts and "1 (25 %)" in texts and "0 (0 %)" in texts  # 1 of 4 rated; rendah 0
    completeness = svg_texts(chart(html, "dash-chart-completeness"))
    assert {"Dinsos", "Dinkes", "Belum dilaporkan", "Diajukan"} <= set(completeness)
    assert "Disdik" not in completeness  # everything of Disdik is verified: nothing outstanding
    assert "Rp 800 jt" in svg_texts(chart(html, "dash-chart-csr"))  # 500 jt + 300 jt committed
    poverty = svg_texts(chart(html, "dash-chart-poverty"))
    assert {"2023", "2024", "2025", "5,95 %", "6,00 %"} <= set(poverty)


def test_bappeda_sees_csr_poverty_and_completeness_in_words(world, client_as):
    html = html_of(client_as(world["users"]["coordinator"]))
    csr = text(element(html, "dash-csr"))
    assert "Komitmen (2) Rp 800.000.000" in csr
    assert "Kontribusi terverifikasi s.d. 30 Juni 2025 Rp 200.000.000" in csr
    assert "Diajukan, belum diverifikasi Rp 50.000.000" in csr
    poverty = text(element(html, "dash-poverty"))
    assert "Penduduk miskin 2025: 5,95 % (25.380 jiwa)." in poverty
    assert "Dibanding 2024: turun 580 jiwa, −0,25 poin." in poverty and "Target 2025: 6,00 %." in poverty
    completeness = text(element(html, "dash-completeness"))
    # 5 activities: 3 verified (A, C, E), 1 submitted (D), B not reported and late
    assert completeness.endswith("5 3 1 0 1 1")


def test_bappeda_work_queues_name_the_late_and_lowest_opds_with_links(world, client_as):
    html = html_of(client_as(world["users"]["coordinator"]))
    dinsos = world["dinsos"].id
    late = element(html, "dash-late")
    assert "Dinsos" in text(late) and "1 dari 2 kegiatan terlambat" in text(late)
    assert "Dinkes" not in text(late) and "Disdik" not in text(late)
    link = f'href="/evaluation/?year={YEAR}&amp;quarter={QUARTER}&amp;agency_id={dinsos}"'
    assert link in late
    lowest = element(html, "dash-lowest")
    assert text(lowest).startswith("Realisasi terendah Dinsos 20,00 % · capaian 45,00 % Sangat rendah")
    assert "Disdik" not in text(lowest) and link in lowest  # three OPDs: only the lowest is named
    review = text(element(html, "dash-review"))
    assert "1 laporan Triwulan II 2025 menunggu verifikasi." in review
    assert f'href="/evaluation/?year={YEAR}&amp;quarter={QUARTER}"' in html  # the whole evaluation
    assert element(html, "kesepakatan-rakor") is not None  # the agreements panel stays
    assert "Triwulan tahun 2025" in html  # and the quarters of the year


def test_admin_sees_what_bappeda_sees(world, client_as):
    html = html_of(client_as(world["users"]["admin"]))
    assert 'data-dashboard="coordinator"' in html
    assert element(html, "dash-late") is not None and element(html, "dash-review") is not None


# ---- the viewer ----------------------------------------------------------------------------------------

def test_viewer_sees_the_consolidated_picture_without_work_queues(world, client_as):
    viewer = html_of(client_as(world["users"]["viewer"]))
    bappeda = html_of(client_as(world["users"]["coordinator"]))
    assert 'data-dashboard="viewer"' in viewer
    assert text(element(viewer, "dash-headline")) == text(element(bappeda, "dash-headline"))
    for figure in ("realisation", "ratings", "completeness", "csr", "poverty"):
        assert chart(viewer, f"dash-chart-{figure}") is not None
    assert element(viewer, "dash-lowest") is not None  # the lowest OPDs are part of the picture
    for queue in ("dash-review", "dash-late"):  # Bappeda's queues are not
        assert element(viewer, queue) is None, queue
    assert "menunggu verifikasi." not in text(viewer)
    assert element(viewer, "kesepakatan-rakor") is None  # nothing for a viewer to confirm


# ---- an OPD user -------------------------------------------------------------------------------------

def test_an_opd_sees_its_own_figures_against_the_kabupaten(world, client_as):
    html = html_of(client_as(world["users"]["agency"]))
    dash = element(html, "dasbor")
    assert 'data-dashboard="agency"' in dash and "Dinas Sosial, Triwulan II 2025" in text(dash)
    compare = text(element(html, "dash-compare"))
    assert "Realisasi anggaran 20,00 % 48,24 %" in compare
    assert "Capaian kinerja 45,00 % 67,50 %" in compare
    assert "Predikat Sangat rendah Sedang" in compare
    assert {"Dinsos", "Kabupaten", "20,00 %", "48,24 %", "45,00 %", "67,50 %"} <= set(
        svg_texts(chart(html, "dash-chart-compare")))
    headline = text(element(html, "dash-headline"))
    assert "Rp 200.000.000" in headline and "Rp 40.000.000" in headline and "+10,00 poin dari Triwulan I" in headline
    lowest = text(element(html, "dash-lowest-activities"))
    assert lowest.index("1.06.02.2.01.0002") < lowest.index("1.06.02.2.01.0001")  # B 10 % before A 30 %
    assert "10,00 %" in lowest and "30,00 %" in lowest


def test_an_opd_sees_what_it_still_has_to_do(world, client_as):
    html = html_of(client_as(world["users"]["agency"]))
    tasks = text(element(html, "dash-tasks"))
    assert "Triwulan II: 1 dari 2 kegiatan sudah diajukan (1 terverifikasi); 1 belum dilaporkan" in tasks
    assert "1 kegiatan terlambat untuk Triwulan II 2025" in tasks  # from progress.reminders.tasks_for
    panel = text(element(html, "kesepakatan-rakor"))
    assert "Verifikasi data P3KE desil 1 oleh Dinsos" in panel


def test_an_opd_sees_no_other_opd(world, client_as):
    html = html_of(client_as(world["users"]["agency"]))
    for name in ("Dinkes", "Dinas Kesehatan", "Disdik", "Dinas Pendidikan", "Data PBI JKN"):
        assert name not in html, name
    # whatever it asks for: the dashboard is always its own
    other = html_of(client_as(world["users"]["agency"]), f"{URL}&agency_id={world['dinkes'].id}")
    assert "Dinkes" not in other and "Dinas Sosial, Triwulan II 2025" in other


def test_a_company_is_sent_to_its_commitments(world, client_as):
    browser = client_as(world["users"]["company"])
    response = browser.get("/")
    assert response.status_code == 303 and response.headers["Location"].endswith("/csr/")
    page = browser.get("/", follow_redirects=True)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Bedah rumah 20 unit" in html and "Beasiswa anak nelayan" in html


# ---- the quarter chosen --------------------------------------------------------------------------------

def test_the_quarter_is_chosen_and_odd_values_fall_back(world, client_as):
    browser = client_as(world["users"]["coordinator"])
    first = html_of(browser, f"/?year={YEAR}&quarter=1")
    assert "Kabupaten, Triwulan I 2025" in first
    assert "Triwulan I: belum ada pembanding" in text(element(first, "dash-headline"))
    assert "Rp 175.000.000" in first and "20,59 %" in first
    # a past year opens on its last quarter; an odd quarter is ignored
    for url in (f"/?year={YEAR}", f"/?year={YEAR}&quarter=9", f"/?year={YEAR}&quarter=x"):
        html = html_of(browser, url)
        assert "Kabupaten, Triwulan IV 2025" in html, url
        assert re.search(r'<option value="4"\s*selected>Triwulan IV</option>', html), url
    assert "Triwulan tahun 2025" in html_of(browser, "/?year=abc")  # the latest year with plans


@pytest.mark.parametrize(("year", "today", "quarter"), [
    (2026, date(2026, 2, 14), 1),   # nothing of the year has ended: the current quarter
    (2026, date(2026, 3, 31), 1),   # the last day of Q1: not ended yet
    (2026, date(2026, 4, 1), 1),
    (2026, date(2026, 7, 1), 2),
    (2026, date(2026, 12, 3), 3),
    (2025, date(2026, 2, 14), 4),   # a past year: its last quarter
    (2027, date(2026, 12, 3), 1),   # a year ahead
])
def test_default_quarter(app, year, today, quarter):
    assert dashboard.default_quarter(year, today) == quarter


# ---- empty installs ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["coordinator", "viewer", "agency", "admin"])
def test_a_new_install_explains_instead_of_drawing_zeros(app, make_user, client_as, role):
    html = html_of(client_as(make_user(role=role)), "/")
    dash = element(html, "dasbor")
    assert 'data-empty="1"' in dash
    assert f"Belum ada rencana kegiatan untuk tahun {jakarta_now().year}" in text(dash)
    assert "<svg" not in html and "0,00 %" not in html


def test_a_year_without_plans_beside_one_with_them(world, client_as):
    html = html_of(client_as(world["users"]["agency"]), "/?year=2030")
    assert "Belum ada rencana kegiatan untuk tahun 2030" in html and "<svg" not in html
    assert "Isi rencana kegiatan" in html
    assert element(html, "kesepakatan-rakor") is not None  # its agreements are still listed


def test_a_plan_without_reports_or_indicators_shows_no_empty_charts(app, make_agency, make_user, client_as):
    from tests.evaluation_helpers import activity

    agency = make_agency(short_name="Dinsos")
    activity(agency, budget=0)
    html = html_of(client_as(make_user(role="coordinator")), "/?year=2025&quarter=2")
    assert element(html, "dasbor") is not None and html.count("<svg") == 1  # only the missing report
    assert chart(html, "dash-chart-completeness") is not None
    assert "Belum ada pagu anggaran" in html and "Belum ada indikator kinerja" in html
    assert "Belum ada komitmen CSR" in html and "Belum ada data kemiskinan" in html
    assert "0,00 %" not in html  # nothing to divide by: "–", never 0 %


def test_the_remembered_dashboard_is_the_opds_own_and_follows_a_write(world, client_as, make_user):
    """The rendered dashboard is kept per role, OPD, quarter and language (tracker.main.views.dashboard_html):
    another OPD's user right after gets its own, another user of the same OPD the same, and a write shows."""
    dinsos_html = element(html_of(client_as(world["users"]["agency"])), "dasbor")
    dinkes_user = make_user(role="agency", agency=world["dinkes"])
    dinkes_html = element(html_of(client_as(dinkes_user)), "dasbor")
    assert "Dinas Kesehatan, Triwulan II 2025" in text(dinkes_html) and "Dinas Sosial" not in dinkes_html
    colleague = make_user(role="agency", agency=world["dinsos"])
    assert element(html_of(client_as(colleague)), "dasbor") == dinsos_html
    english = client_as(colleague)
    english.post("/language", data={"lang": "en", "next": "/"})
    assert element(html_of(english), "dasbor") != dinsos_html
    world["activities"]["b"].name = "Kegiatan yang baru saja diganti namanya"
    db.session.commit()
    assert "Kegiatan yang baru saja diganti namanya" in text(element(html_of(client_as(colleague)), "dasbor"))
