"""The written summary of a quarter (``tracker.evaluation.summary.ringkasan``) on hand-built
situations whose sentences are worked out in the test: a normal quarter with its change since the
last one, quarter I, one OPD only, level OPDs, late and missing OPDs, the year-end projection and
quarter IV, the unverified switch, one OPD chosen (and nobody else named), CSR and poverty with and
without data, an empty year, determinism and the query count."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import count_queries
from tests.evaluation_helpers import activity, late_moment, report
from tracker.csr.models import CsrCommitment, CsrContribution
from tracker.evaluation import figures
from tracker.evaluation.summary import ringkasan
from tracker.evaluation.summary_text import money
from tracker.extensions import db
from tracker.poverty.models import PovertyStat, PovertyTarget

Y = 2026
TODAY = date(2026, 8, 1)  # after the due date of quarter II (10 July)
M = 1_000_000


@pytest.fixture
def world(app, make_agency):
    """Dinsos: 10 miliar, realised 1 + 3 miliar, indicator 20 + 40 of 100 (60 %, pace → 120 %).
    DPMD: 5 miliar, realised 0,5 + 0,5 miliar, indicator 10 + 30 of 200 (20 %, pace → 40 %)."""
    dinsos = make_agency(short_name="Dinsos", name="Dinas Sosial")
    dpmd = make_agency(short_name="DPMD", name="Dinas Pemberdayaan Masyarakat dan Desa")
    a1 = activity(dinsos, year=Y, budget=10_000 * M, indicators=[{"target": 100}])
    report(a1, 1, realized=1_000 * M, values={0: 20})
    report(a1, 2, realized=3_000 * M, values={0: 40})
    a2 = activity(dpmd, year=Y, budget=5_000 * M, indicators=[{"target": 200}])
    report(a2, 1, realized=500 * M, values={0: 10})
    report(a2, 2, realized=500 * M, values={0: 30})
    return {"dinsos": dinsos, "dpmd": dpmd, "a1": a1, "a2": a2}


def _summary(quarter=2, **kw):
    kw.setdefault("today", TODAY)
    return ringkasan(Y, quarter, **kw)


def test_a_normal_quarter_with_its_change_since_the_last(world):
    s = _summary()
    a2 = world["a2"]
    assert s["paragraphs"] == [
        [("Sampai dengan Triwulan II 2026, realisasi anggaran penanggulangan kemiskinan mencapai Rp 5 miliar atau "
         "33,33 % dari pagu Rp 15 miliar, naik 23,33 poin dari Triwulan I."),
         "Rata-rata capaian kinerja 2 indikator sebesar 40,00 % dengan predikat sangat rendah."],
        ["Realisasi tertinggi dicapai Dinsos (40,00 %), terendah DPMD (20,00 %).",
         ("Capaian kinerja tertinggi dicapai Dinsos (60,00 %, predikat rendah), terendah DPMD (20,00 %, predikat "
         "sangat rendah).")],
        [(f"Jika laju capaian sampai Triwulan II berlanjut, 1 kegiatan diproyeksikan berakhir di bawah 91 % dari "
         f"target: {a2.name} (DPMD, 40,00 %).")],
    ]
    assert s["sentences"] == [x for p in s["paragraphs"] for x in p]
    assert (s["year"], s["quarter"], s["agency_id"], s["include_unverified"]) == (Y, 2, None, False)
    assert s["at_risk"] == [{"activity_id": a2.id, "code": a2.code, "name": a2.name, "agency_id": world["dpmd"].id,
                             "agency_name": "DPMD", "achievement_pct": 20.0, "projected_achievement_pct": 40.0,
                             "projected_realization_pct": 40.0}]
    assert s["below_target"] == []
    assert "× 4 ÷ 2" in s["projection_rule"] and "91 %" in s["projection_rule"]
    assert not any("CSR" in x or "BPS" in x for x in s["sentences"])  # neither has data


def test_quarter_one_has_no_change_clause(world):
    s = _summary(1)
    a1, a2 = world["a1"], world["a2"]
    assert s["sentences"][0] == ("Sampai dengan Triwulan I 2026, realisasi anggaran penanggulangan kemiskinan "
                                 "mencapai Rp 1,5 miliar atau 10,00 % dari pagu Rp 15 miliar.")
    assert not any("dari Triwulan" in x for x in s["sentences"])
    # quarter I's pace: 20 % × 4 = 80 %, 5 % × 4 = 20 %; worst first
    assert s["sentences"][-1] == (f"Jika laju capaian sampai Triwulan I berlanjut, 2 kegiatan diproyeksikan berakhir "
                                  f"di bawah 91 % dari target: {a2.name} (DPMD, 20,00 %) dan {a1.name} (Dinsos, "
                                  f"80,00 %).")
    assert [r["projected_achievement_pct"] for r in s["at_risk"]] == [20.0, 80.0]
    assert "× 4 ÷ 1" in s["projection_rule"]


def test_one_opd_gets_no_highest_and_lowest(app, make_agency):
    dinsos = make_agency(short_name="Dinsos", name="Dinas Sosial")
    for budget, realized in ((100 * M, 90 * M), (300 * M, 10 * M)):
        a = activity(dinsos, year=Y, budget=budget, indicators=[{"target": 10}])
        report(a, 1, realized=realized, values={0: 10})
    s = _summary(1)
    assert s["sentences"] == [
        ("Sampai dengan Triwulan I 2026, realisasi anggaran penanggulangan kemiskinan mencapai Rp 100 juta atau "
        "25,00 % dari pagu Rp 400 juta."),
        "Rata-rata capaian kinerja 2 indikator sebesar 100,00 % dengan predikat sangat tinggi.",
    ]
    assert s["at_risk"] == []


def test_level_opds_are_all_named_in_name_order(app, make_agency):
    for short, realized, value in (("Disdik", 50, 9), ("Bappeda", 50, 9), ("Dinkes", 10, 3), ("Dinsos", 10, 5)):
        a = activity(make_agency(short_name=short), year=Y, budget=100 * M, indicators=[{"target": 10}])
        report(a, 1, realized=realized * M, values={0: value})
    assert _summary(1)["paragraphs"][1] == [
        ("Realisasi tertinggi dicapai Bappeda dan Disdik (masing-masing 50,00 %), terendah Dinkes dan Dinsos "
        "(masing-masing 10,00 %)."),
        ("Capaian kinerja tertinggi dicapai Bappeda dan Disdik (masing-masing 90,00 %, predikat tinggi), terendah "
        "Dinkes (30,00 %, predikat sangat rendah)."),
    ]


def test_opds_all_level(app, make_agency):
    for short in ("B", "A"):
        a = activity(make_agency(short_name=short), year=Y, budget=100 * M, indicators=[{"target": 10}])
        report(a, 1, realized=25 * M, values={0: 8})
    assert _summary(1)["paragraphs"][1] == ["2 OPD mencatat realisasi yang sama, yaitu 25,00 %.",
                                            ("2 OPD mencatat capaian kinerja yang sama, yaitu 80,00 % (predikat "
                                            "tinggi).")]


@pytest.fixture
def reporting(app, make_agency):
    """Quarter II: Dinsos on time, DPMD verified but sent late, Disdik nothing, Dinkes a draft only."""
    made = {}
    for short in ("Dinsos", "DPMD", "Disdik", "Dinkes"):
        agency = make_agency(short_name=short, name=f"Dinas {short} lengkap")
        made[short] = (agency, activity(agency, year=Y, budget=100 * M))
    report(made["Dinsos"][1], 2, realized=10 * M)
    report(made["DPMD"][1], 2, realized=20 * M, first_submitted_at=late_moment(Y, 2))
    report(made["Dinkes"][1], 2, status="draft", realized=99 * M)
    return made


def test_late_and_missing_opds(reporting):
    s = _summary()
    assert s["paragraphs"][-1] == ["3 OPD terlambat menyampaikan laporan Triwulan II: Dinkes, Disdik dan DPMD.",
                                   "Belum melaporkan Triwulan II: Dinkes (1 kegiatan) dan Disdik (1 kegiatan)."]
    # the draft's 99 million is never read; Disdik and Dinkes have no figure, so they are not "lowest"
    assert s["paragraphs"][0][0].startswith("Sampai dengan Triwulan II 2026, realisasi anggaran penanggulangan "
                                            "kemiskinan mencapai Rp 30 juta atau 7,50 % dari pagu Rp 400 juta")
    assert s["paragraphs"][1] == ["Realisasi tertinggi dicapai DPMD (20,00 %), terendah Dinsos (10,00 %)."]


def test_before_the_due_date_only_reports_sent_late_are_late(reporting):
    # 5 July: the quarter has ended, the due date (10 July) not passed; DPMD's report is stamped after it
    assert _summary(today=date(2026, 7, 5))["paragraphs"][-1] == [
        "1 OPD terlambat menyampaikan laporan Triwulan II: DPMD.",
        "Belum melaporkan Triwulan II: Dinkes (1 kegiatan) dan Disdik (1 kegiatan)."]
    # during the quarter nobody can have reported yet: no list of who has not
    assert not any("Belum melaporkan" in x for x in _summary(today=date(2026, 6, 15))["sentences"])


def test_long_lists_of_opds_are_capped(app, make_agency):
    for n in range(1, 9):
        activity(make_agency(short_name=f"OPD {n}"), year=Y)
    assert _summary()["sentences"] == [
        ("8 OPD terlambat menyampaikan laporan Triwulan II: OPD 1, OPD 2, OPD 3, OPD 4, OPD 5, OPD 6 dan 2 OPD "
        "lainnya."),
        ("Belum melaporkan Triwulan II: OPD 1 (1 kegiatan), OPD 2 (1 kegiatan), OPD 3 (1 kegiatan), OPD 4 (1 "
        "kegiatan), OPD 5 (1 kegiatan), OPD 6 (1 kegiatan) dan 2 OPD lainnya."),
    ]  # nothing counted at all: no sentence about realisation or achievement


def test_one_opd_chosen_is_named_and_nobody_else(world):
    dpmd = world["dpmd"]
    s = _summary(agency_id=dpmd.id)
    assert s["sentences"] == [
        ("Sampai dengan Triwulan II 2026, realisasi anggaran penanggulangan kemiskinan Dinas Pemberdayaan Masyarakat "
        "dan Desa mencapai Rp 1 miliar atau 20,00 % dari pagu Rp 5 miliar, naik 10,00 poin dari Triwulan I."),
        "Rata-rata capaian kinerja 1 indikator sebesar 20,00 % dengan predikat sangat rendah.",
        (f"Jika laju capaian sampai Triwulan II berlanjut, 1 kegiatan diproyeksikan berakhir di bawah 91 % dari "
        f"target: {world['a2'].name} (40,00 %)."),
    ]
    assert s["agency_id"] == dpmd.id and [r["agency_id"] for r in s["at_risk"]] == [dpmd.id]
    text = " ".join(s["sentences"])
    assert "Dinsos" not in text and "Dinas Sosial" not in text and world["a1"].name not in text


def test_one_opd_chosen_late_and_missing(reporting):
    assert _summary(agency_id=reporting["Disdik"][0].id)["sentences"] == [
        "Laporan Triwulan II untuk 1 kegiatan terlambat disampaikan.",
        "1 dari 1 kegiatan belum dilaporkan untuk Triwulan II."]
    s = _summary(agency_id=reporting["DPMD"][0].id)
    assert s["sentences"][-1] == "Laporan Triwulan II untuk 1 kegiatan terlambat disampaikan."
    assert not any(name in x for x in s["sentences"] for name in ("Dinsos", "Disdik", "Dinkes"))


def test_an_opd_summary_never_names_another_opd_even_with_everything_present(world, kabupaten, make_company):
    _csr(world, make_company)
    _poverty(kabupaten)
    s = _summary(agency_id=world["dinsos"].id, include_unverified=True)
    text = " ".join(s["sentences"])
    assert "Dinas Sosial" in text
    assert "DPMD" not in text and "Pemberdayaan" not in text and world["a2"].name not in text
    assert not any("miskin menurut BPS" in x for x in s["sentences"])  # the kabupaten's poverty is not the OPD's
    assert not any("CSR" in x for x in s["sentences"])  # the commitment names a DPMD activity


def test_unverified_marker_only_when_unverified_data_is_counted(app, make_agency):
    a = activity(make_agency(short_name="Dinsos"), year=Y, budget=10_000 * M)
    report(a, 1, realized=1_000 * M)
    report(a, 2, status="submitted", realized=2_000 * M)
    assert _summary()["sentences"][0] == ("Sampai dengan Triwulan II 2026, realisasi anggaran penanggulangan "
                                          "kemiskinan mencapai Rp 1 miliar atau 10,00 % dari pagu Rp 10 miliar, "
                                          "tidak bertambah dari Triwulan I.")
    s = _summary(include_unverified=True)
    assert s["include_unverified"] is True
    assert s["sentences"][0] == ("Sampai dengan Triwulan II 2026, termasuk data yang belum diverifikasi, realisasi "
                                 "anggaran penanggulangan kemiskinan mencapai Rp 3 miliar atau 30,00 % dari pagu "
                                 "Rp 10 miliar, naik 20,00 poin dari Triwulan I.")


def test_the_switch_alone_does_not_claim_unverified_data(world):
    assert _summary(include_unverified=True)["sentences"] == _summary()["sentences"]


@pytest.fixture
def trend_world(app, make_agency):
    """Five activities reported for quarters I–III (values per quarter, target 100)."""
    dinsos = make_agency(short_name="Dinsos")
    made = {}
    for label, values in (("steady", (10, 20, 30)), ("fast", (25, 25, 25)), ("late", (0, 0, 15)),
                          ("even", (5, 5, 5)), ("near", (20, 20, 27)), ("none", None)):
        a = activity(dinsos, year=Y, budget=100 * M, indicators=[{"target": 100}])
        for q in (1, 2, 3):
            report(a, q, realized=10 * M, values={0: values[q - 1]} if values else {})
        made[label] = a
    return made


def test_at_risk_by_the_pace_so_far(trend_world):
    s = _summary(3, today=date(2026, 11, 1))
    t = trend_world
    # cumulative as of III × 4 / 3: steady 60 → 80, fast 75 → 100, late 15 → 20, even 15 → 20, near 67 → 89.33
    assert [(r["activity_id"], r["achievement_pct"], r["projected_achievement_pct"]) for r in s["at_risk"]] == [
        (t["late"].id, 15.0, 20.0), (t["even"].id, 15.0, 20.0), (t["steady"].id, 60.0, 80.0),
        (t["near"].id, 67.0, 89.33)]
    assert all(r["projected_realization_pct"] == 40.0 for r in s["at_risk"])  # 30 % × 4 / 3
    assert s["paragraphs"][-1] == [
        (f"Jika laju capaian sampai Triwulan III berlanjut, 4 kegiatan diproyeksikan berakhir di bawah 91 % dari "
        f"target: {t['late'].name} (Dinsos, 20,00 %), {t['even'].name} (Dinsos, 20,00 %), {t['steady'].name} "
        f"(Dinsos, 80,00 %) dan 1 kegiatan lainnya.")]
    assert "× 4 ÷ 3" in s["projection_rule"]


def test_quarter_four_names_what_ended_below_target(trend_world):
    for label, value in (("steady", 40), ("fast", 25), ("late", 10), ("even", 5), ("near", 3)):
        report(trend_world[label], 4, realized=10 * M, values={0: value})
    s = _summary(4, today=date(2027, 2, 1))
    t = trend_world
    assert s["at_risk"] == []
    assert [(r["activity_id"], r["achievement_pct"]) for r in s["below_target"]] == [
        (t["even"].id, 20.0), (t["late"].id, 25.0), (t["near"].id, 70.0)]
    assert s["paragraphs"][-1] == [
        (f"Tahun anggaran berakhir dengan 3 kegiatan di bawah 91 % dari target: {t['even'].name} (Dinsos, 20,00 %), "
        f"{t['late'].name} (Dinsos, 25,00 %) dan {t['near'].name} (Dinsos, 70,00 %).")]
    assert "tidak ada proyeksi" in s["projection_rule"] and "91 %" in s["projection_rule"]
    assert not any("diproyeksikan" in x for x in s["sentences"])


@pytest.mark.parametrize("quarter", [2, 3])
def test_the_projection_is_the_same_from_any_figures(trend_world, quarter):
    """The at-risk list comes from the evaluation's own per-activity figures when it has them (all the
    rows, or a page of them: then from the roll-ups), else from ``compare.trend_for_projection``."""
    when = date(2026, 11, 1)
    asked = {"today": when, "include_unverified": False, "agency_id": None}
    built = [ringkasan(Y, quarter, today=when)]  # computes its figures (an empty page of rows)
    for given in (figures.evaluation(Y, quarter, **asked), figures.evaluation(Y, quarter, window=(1, 2), **asked),
                  figures.evaluation(Y, quarter, detail=False, **asked)):
        built.append(ringkasan(Y, quarter, today=when, figures=given))
    assert built[0]["at_risk"] and all(b == built[0] for b in built)


def _csr(world, make_company):
    company = make_company()
    c = CsrCommitment(company_id=company.id, year=Y, title="Air bersih", strategy="S1", amount=2_000 * M,
                      activity_id=world["a2"].id)
    db.session.add(c)
    db.session.flush()
    for amount, status, day in ((500 * M, "verified", date(2026, 5, 1)), (100 * M, "verified", date(2026, 8, 1)),
                                (250 * M, "submitted", date(2026, 6, 1)), (70 * M, "draft", date(2026, 6, 1))):
        db.session.add(CsrContribution(commitment_id=c.id, date=day, kind="cash", amount=amount, status=status,
                                       beneficiaries=0, beneficiary_unit="KK"))
    db.session.commit()


def test_csr_when_committed(world, make_company):
    _csr(world, make_company)
    csr = "Komitmen CSR tahun 2026 sebesar Rp 2 miliar; kontribusi terverifikasi sampai akhir Triwulan II Rp 500 " \
          "juta (25,00 %)."
    assert _summary()["paragraphs"][-1] == [csr]
    assert _summary(include_unverified=True)["paragraphs"][-1] == [
        csr, "Kontribusi CSR sebesar Rp 250 juta masih menunggu verifikasi."]
    assert _summary(agency_id=world["dpmd"].id)["paragraphs"][-1] == [
        ("Komitmen CSR untuk kegiatan Dinas Pemberdayaan Masyarakat dan Desa tahun 2026 sebesar Rp 2 miliar; "
        "kontribusi terverifikasi sampai akhir Triwulan II Rp 500 juta (25,00 %).")]


def _poverty(kabupaten, pct_2025=6.33):
    kab = kabupaten["kabupaten"]
    for year, count, pct, extreme in ((2024, 8740, 6.66, None), (2025, 8420, pct_2025, 0.85), (2027, 1, 1.0, None)):
        db.session.add(PovertyStat(region_id=kab.id, year=year, month=3, source="BPS", poor_count=count,
                                   poor_pct=pct, extreme_pct=extreme))
    db.session.add(PovertyStat(region_id=kab.id, year=2026, month=None, source="DTSEN", poor_count=9999,
                               poor_pct=9.9))  # never the headline
    db.session.add_all([PovertyTarget(region_id=kab.id, year=2025, measure="poor_pct", value=5.85),
                        PovertyTarget(region_id=kab.id, year=2025, measure="extreme_pct", value=0.0),
                        PovertyTarget(region_id=kab.id, year=2026, measure="poor_pct", value=5.5)])
    db.session.commit()


def test_poverty_latest_bps_figure_its_change_and_target(world, kabupaten):
    assert not any("BPS" in x for x in _summary()["sentences"])  # no poverty data yet: no sentence
    _poverty(kabupaten)
    assert _summary()["paragraphs"][-1] == [
        "Persentase penduduk miskin menurut BPS (Maret 2025) sebesar 6,33 % atau 8.420 jiwa.",
        "Dibanding tahun 2024, angka kemiskinan turun 320 jiwa, \u22120,33 poin.",
        "Angka ini masih di atas target RPJMD tahun 2025 sebesar 5,85 %.",
        "Persentase kemiskinan ekstrem 0,85 %, dengan target tahun 2025 sebesar 0,00 %.",
    ]


def test_poverty_below_target(world, kabupaten):
    _poverty(kabupaten, pct_2025=5.5)
    assert "Angka ini sudah di bawah target RPJMD tahun 2025 sebesar 5,85 %." in _summary()["sentences"]


def test_an_empty_year_says_nothing(app, world, kabupaten, make_company):
    _poverty(kabupaten)
    company = make_company()
    db.session.add(CsrCommitment(company_id=company.id, year=2030, title="Air", strategy="S1", amount=5 * M))
    db.session.commit()
    for quarter in (1, 4):
        s = ringkasan(2030, quarter, today=TODAY)
        assert (s["sentences"], s["paragraphs"], s["at_risk"], s["below_target"]) == ([], [], [], [])
        assert s["projection_rule"]


def test_deterministic_and_reuses_given_figures(world, kabupaten, make_company):
    _csr(world, make_company)
    _poverty(kabupaten)
    first = _summary()
    assert _summary() == first
    given = figures.evaluation(Y, 2, today=TODAY)
    assert ringkasan(Y, 2, figures=given) == first
    with pytest.raises(ValueError):
        ringkasan(Y, 3, figures=given)
    with pytest.raises(ValueError):
        ringkasan(Y, 5)


def test_money_words():
    assert [money(v) for v in (500_000, 1_000_000, 12_345_678_901, 26_900_000_000, 999_960_000, 1_250_000_000_000,
                               -2_500_000)] == [
        "Rp 500.000", "Rp 1 juta", "Rp 12,3 miliar", "Rp 26,9 miliar", "Rp 1 miliar", "Rp 1,3 triliun",
        "-Rp 2,5 juta"]


def test_query_count_does_not_grow_with_the_data(app, make_agency, kabupaten):
    _poverty(kabupaten)

    def grow(n):
        for _i in range(n):
            agency = make_agency()
            a = activity(agency, year=Y, indicators=[{"target": 10}, {"target": 5, "aggregation": "last"}])
            report(a, 1, realized=M, values={0: 1, 1: 2})
            report(a, 2, status="submitted", realized=M, values={0: 1})

    counts = []
    for n in (2, 8):
        grow(n)
        db.session.expire_all()
        with count_queries() as queries:
            assert ringkasan(Y, 2, include_unverified=True, today=TODAY)["sentences"]
        counts.append(len(queries))
    assert counts[0] == counts[1]
