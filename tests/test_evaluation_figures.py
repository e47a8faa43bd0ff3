"""The evaluation of a quarter (``tracker.evaluation.figures``) on a hand-built kabupaten where every
number is worked out in the test: budgets with and without APBD-P, realisation of the quarter and
cumulative, ``sum`` and ``last`` indicators, the ``None`` cases, verified-only against the
unverified switch, drafts and returned reports never counted, one OPD chosen, strategies, CSR,
completeness, and the same query count on a small and a five times larger kabupaten."""

from __future__ import annotations

from datetime import date

import pytest
from flask_sqlalchemy.record_queries import get_recorded_queries

from tests.evaluation_helpers import activity, late_moment, report
from tracker.csr.models import CsrCommitment, CsrContribution
from tracker.evaluation import compare, figures
from tracker.extensions import db

TODAY = date(2025, 8, 1)  # after the due date of quarter II (10 July)
M = 1_000_000


@pytest.fixture
def world(app, make_agency, make_company):
    dinsos = make_agency(short_name="Dinsos", name="Dinas Sosial")
    dpmd = make_agency(short_name="DPMD", name="Dinas Pemberdayaan Masyarakat dan Desa")
    a1 = activity(dinsos, budget=100 * M, revised=120 * M, strategy="S1", indicators=[
        {"target": 100, "aggregation": "sum", "target_end": 500, "achieved_before": 200},
        {"target": 80, "aggregation": "last"}])
    report(a1, 1, realized=20 * M, physical=20, values={0: 30, 1: 40})
    report(a1, 2, realized=30 * M, physical=45, values={0: 25, 1: 60}, problems="Kendala A", follow_up="Tindak A")
    report(a1, 3, realized=999, physical=90, values={0: 1000, 1: 1000})  # after the chosen quarter
    a2 = activity(dinsos, budget=50 * M, strategy="S2", indicators=[
        {"target": 0, "aggregation": "sum"}, {"target": 10, "aggregation": "sum"}])
    report(a2, 1, status="submitted", realized=10 * M, physical=10, values={0: 5, 1: 4})
    report(a2, 2, status="draft", realized=40 * M, physical=80, values={1: 10}, problems="Rahasia draf")
    a3 = activity(dinsos, budget=0, strategy="S1")
    report(a3, 2, status="returned", realized=5 * M, physical=50, problems="Teks dikembalikan")
    b1 = activity(dpmd, budget=200 * M, strategy="S3", indicators=[
        {"target": 50, "aggregation": "last", "target_end": 200, "achieved_before": 120}])
    report(b1, 1, realized=50 * M, physical=30, values={0: 20})
    report(b1, 2, status="draft", realized=70 * M, values={0: 49}, first_submitted_at=None)
    old = activity(dpmd, year=2024, budget=10 * M, code=b1.code)
    report(old, 2, realized=9 * M)

    company = make_company()
    c1 = CsrCommitment(company_id=company.id, year=2025, title="Air bersih", strategy="S1", amount=1_000_000,
                       activity_id=a1.id)
    c2 = CsrCommitment(company_id=company.id, year=2025, title="Beasiswa", strategy="S2", amount=500_000)
    c3 = CsrCommitment(company_id=company.id, year=2024, title="Lama", strategy="S2", amount=9)
    db.session.add_all([c1, c2, c3])
    db.session.flush()
    for commitment, amount, status, day in ((c1, 300_000, "verified", date(2025, 5, 1)),
                                            (c1, 100_000, "verified", date(2025, 8, 1)),
                                            (c1, 50_000, "submitted", date(2025, 6, 1)),
                                            (c2, 70_000, "draft", date(2025, 6, 1)),
                                            (c2, 20_000, "returned", date(2025, 6, 1)),
                                            (c2, 200_000, "verified", date(2025, 6, 30)),
                                            (c3, 5, "verified", date(2024, 6, 1))):
        db.session.add(CsrContribution(commitment_id=commitment.id, date=day, kind="cash", amount=amount,
                                       status=status, beneficiaries=0, beneficiary_unit="KK"))
    db.session.commit()
    return {"dinsos": dinsos, "dpmd": dpmd, "a1": a1, "a2": a2, "a3": a3, "b1": b1, "old": old}


def _by(rows, key, value):
    return next(r for r in rows if r[key] == value)


def test_the_api_md_fields_are_all_there(world):
    e = figures.evaluation(2025, 2, today=TODAY)
    assert {"year", "quarter", "budget", "realized_quarter", "realized_cumulative", "realization_pct", "agencies",
            "strategies", "csr", "indicators"} <= set(e)
    assert {"agency_id", "budget", "realized_cumulative", "realization_pct", "activities", "reported", "verified",
            "late", "achievement_pct", "rating"} <= set(e["agencies"][0])
    assert {"strategy", "budget", "realized_cumulative", "realization_pct"} <= set(e["strategies"][0])
    assert {"committed", "contributed_verified"} <= set(e["csr"])
    assert {"indicator_id", "activity_id", "target", "quarters", "cumulative", "achievement_pct",
            "rating"} <= set(e["indicators"][0])


def test_kabupaten_totals_verified_only(world):
    e = figures.evaluation(2025, 2, today=TODAY)
    assert (e["year"], e["quarter"], e["agency_id"], e["include_unverified"]) == (2025, 2, None, False)
    assert e["unverified_included"] is False
    assert e["budget"] == 370 * M  # 120 (APBD-P) + 50 + 0 + 200
    assert e["budget_original"] == 350 * M
    assert e["budget_revised_activities"] == 1
    assert e["activity_count"] == 4
    assert e["realized_quarter"] == 30 * M  # only a1's verified quarter II; drafts and returned left out
    assert e["realized_cumulative"] == 100 * M  # a1 20+30, b1 50
    assert e["realization_pct"] == 27.03  # 100/370 = 27.027...
    assert e["previous_realized_cumulative"] == 70 * M
    assert e["previous_realization_pct"] == 18.92  # 70/370 = 18.918...
    assert e["achievement_pct"] == 56.67  # mean of 55, 75, 40
    assert e["rating"] == "rendah"
    assert e["indicator_count"] == 5 and e["rated_indicator_count"] == 3
    assert e["rating_counts"] == {"sangat_tinggi": 0, "tinggi": 0, "sedang": 1, "rendah": 1, "sangat_rendah": 1,
                                  "none": 2}
    assert (e["quarter_end"], e["due_date"], e["today"]) == (date(2025, 6, 30), date(2025, 7, 10), TODAY)


def test_per_agency_rollup_and_completeness(world):
    e = figures.evaluation(2025, 2, today=TODAY)
    assert [a["agency_name"] for a in e["agencies"]] == ["DPMD", "Dinsos"]
    dinsos = _by(e["agencies"], "agency_id", world["dinsos"].id)
    assert dinsos["agency_full_name"] == "Dinas Sosial"
    assert (dinsos["budget"], dinsos["budget_original"]) == (170 * M, 150 * M)
    assert (dinsos["realized_quarter"], dinsos["realized_cumulative"]) == (30 * M, 50 * M)
    assert dinsos["realization_pct"] == 29.41  # 50/170
    assert dinsos["previous_realization_pct"] == 11.76  # 20/170
    assert dinsos["achievement_pct"] == 65.0 and dinsos["rating"] == "rendah"  # mean of 55 and 75
    # a1 verified, a2 still a draft (missing, late: never submitted and past due), a3 returned (on time)
    assert {m: dinsos[m] for m in ("activities", "reported", "verified", "submitted", "returned", "draft", "missing",
                                   "late")} == {"activities": 3, "reported": 1, "verified": 1, "submitted": 0,
                                                "returned": 1, "draft": 1, "missing": 1, "late": 1}
    dpmd = _by(e["agencies"], "agency_id", world["dpmd"].id)
    assert (dpmd["realized_quarter"], dpmd["realized_cumulative"], dpmd["realization_pct"]) == (0, 50 * M, 25.0)
    assert dpmd["achievement_pct"] == 40.0 and dpmd["rating"] == "sangat_rendah"
    assert (dpmd["activities"], dpmd["reported"], dpmd["missing"], dpmd["late"]) == (1, 0, 1, 1)
    assert e["completeness"]["activities"] == 4 and e["completeness"]["late"] == 2


def test_completeness_matches_the_progress_board(world):
    from tracker.progress.queries import completeness

    e = figures.evaluation(2025, 2, today=TODAY)
    for cell in completeness(2025, today=TODAY):
        if cell["quarter"] == 2:
            row = _by(e["agencies"], "agency_id", cell["agency_id"])
            assert all(row[m] == cell[m] for m in figures.COMPLETENESS_MEASURES)


def test_strategies_rollup(world):
    e = figures.evaluation(2025, 2, today=TODAY)
    assert [s["strategy"] for s in e["strategies"]] == ["S1", "S2", "S3"]
    s1, s2, s3 = e["strategies"]
    assert (s1["budget"], s1["realized_cumulative"], s1["realization_pct"], s1["activities"]) == (120 * M, 50 * M,
                                                                                                  41.67, 2)
    assert (s2["budget"], s2["realized_cumulative"], s2["realization_pct"]) == (50 * M, 0, 0.0)
    assert (s3["budget"], s3["realized_cumulative"], s3["realization_pct"]) == (200 * M, 50 * M, 25.0)
    assert all(s["name"] for s in e["strategies"])


def test_indicators_sum_last_and_nulls(world):
    e = figures.evaluation(2025, 2, today=TODAY)
    a1, a2, b1 = world["a1"].indicator_ids, world["a2"].indicator_ids, world["b1"].indicator_ids
    rows = {r["indicator_id"]: r for r in e["indicators"]}
    assert len(rows) == 5
    s = rows[a1[0]]  # sum: 30 + 25
    assert (s["quarters"], s["cumulative"], s["achievement_pct"], s["rating"]) == ([30, 25, None, None], 55, 55.0,
                                                                                    "rendah")
    assert (s["renstra_realized"], s["renstra_pct"], s["renstra_rating"]) == (255, 51.0, "rendah")  # (200+55)/500
    last = rows[a1[1]]  # last: the value of quarter II
    assert (last["quarters"], last["cumulative"], last["achievement_pct"], last["rating"]) == (
        [40, 60, None, None], 60, 75.0, "sedang")
    assert last["renstra_realized"] is None and last["renstra_pct"] is None  # no Renstra figures given
    zero_target = rows[a2[0]]  # submitted only: not counted; and a zero target divides nothing anyway
    assert (zero_target["quarters"], zero_target["cumulative"], zero_target["achievement_pct"],
            zero_target["rating"]) == ([None] * 4, None, None, None)
    nothing = rows[a2[1]]  # the draft's 10 is never read
    assert (nothing["cumulative"], nothing["achievement_pct"]) == (None, None)
    level = rows[b1[0]]  # last, quarter II only a draft: the latest counted value is quarter I's
    assert (level["quarters"], level["cumulative"], level["achievement_pct"]) == ([20, None, None, None], 20, 40.0)
    assert (level["renstra_realized"], level["renstra_pct"]) == (20, 10.0)
    assert level["aggregation"] == "last" and level["target_end"] == 200 and level["achieved_before"] == 120
    assert not any(r["unverified_included"] for r in rows.values())


def test_include_unverified_counts_submitted_never_drafts_or_returned(world):
    e = figures.evaluation(2025, 2, include_unverified=True, today=TODAY)
    assert e["include_unverified"] is True and e["unverified_included"] is True
    assert e["realized_quarter"] == 30 * M
    assert e["realized_cumulative"] == 110 * M  # + a2's submitted 10 of quarter I; not its draft 40 nor a3's 5
    assert e["realization_pct"] == 29.73
    dinsos = _by(e["agencies"], "agency_id", world["dinsos"].id)
    assert dinsos["unverified_reports"] == 1
    assert dinsos["achievement_pct"] == 56.67  # 55, 75 and now a2's second indicator 4/10
    row = _by(e["indicators"], "indicator_id", world["a2"].indicator_ids[1])
    assert (row["quarters"], row["cumulative"], row["achievement_pct"], row["unverified_included"]) == (
        [4, None, None, None], 4, 40.0, True)
    assert _by(e["indicators"], "indicator_id", world["a2"].indicator_ids[0])["achievement_pct"] is None


def test_activity_rows(world):
    e = figures.evaluation(2025, 2, today=TODAY)
    rows = {r["activity_id"]: r for r in e["activities"]}
    a1 = rows[world["a1"].id]
    assert (a1["budget"], a1["budget_original"], a1["budget_revised"]) == (120 * M, 100 * M, 120 * M)
    assert a1["realized_quarters"] == [20 * M, 30 * M, None, None]
    assert (a1["realized_quarter"], a1["realized_cumulative"], a1["realization_pct"]) == (30 * M, 50 * M, 41.67)
    assert (a1["physical_progress"], a1["status"], a1["counted"], a1["late"]) == (45, "verified", True, False)
    assert (a1["problems"], a1["follow_up"]) == ("Kendala A", "Tindak A")
    assert (a1["achievement_pct"], a1["rating"], a1["indicator_count"]) == (65.0, "rendah", 2)
    a2 = rows[world["a2"].id]
    assert (a2["status"], a2["counted"], a2["late"], a2["problems"]) == ("draft", False, True, "")
    assert (a2["realized_cumulative"], a2["physical_progress"], a2["achievement_pct"]) == (0, None, None)
    a3 = rows[world["a3"].id]
    assert (a3["status"], a3["problems"], a3["realization_pct"], a3["budget_revised"]) == ("returned", "", None, None)
    b1 = rows[world["b1"].id]
    assert (b1["physical_progress"], b1["realized_quarters"], b1["late"]) == (30, [50 * M, None, None, None], True)
    assert world["old"].id not in rows


def test_no_draft_or_returned_text_anywhere(world):
    text = repr(figures.evaluation(2025, 2, include_unverified=True, today=TODAY))
    assert "Rahasia draf" not in text and "Teks dikembalikan" not in text


def test_one_agency_chosen(world):
    e = figures.evaluation(2025, 2, agency_id=world["dpmd"].id, today=TODAY)
    assert e["agency_id"] == world["dpmd"].id
    assert [a["agency_id"] for a in e["agencies"]] == [world["dpmd"].id]
    assert (e["budget"], e["realized_cumulative"], e["realization_pct"]) == (200 * M, 50 * M, 25.0)
    assert e["achievement_pct"] == 40.0
    assert {r["activity_id"] for r in e["indicators"]} == {world["b1"].id}
    assert {r["activity_id"] for r in e["activities"]} == {world["b1"].id}
    s1, s2, s3 = e["strategies"]
    assert (s1["budget"], s1["realization_pct"], s2["realization_pct"], s3["realization_pct"]) == (0, None, None, 25.0)
    assert e["csr"] == {"committed": 0, "contributed_verified": 0, "contributed_submitted": 0,
                        "contributed_verified_year": 0, "commitments": 0, "cut_off": date(2025, 6, 30),
                        "scope": "agency"}


def test_csr_cut_off_at_quarter_end(world):
    csr = figures.evaluation(2025, 2, today=TODAY)["csr"]
    assert csr == {"committed": 1_500_000, "contributed_verified": 500_000, "contributed_submitted": 50_000,
                   "contributed_verified_year": 600_000, "commitments": 2, "cut_off": date(2025, 6, 30),
                   "scope": "kabupaten"}
    own = figures.evaluation(2025, 2, agency_id=world["dinsos"].id, today=TODAY)["csr"]
    assert (own["committed"], own["contributed_verified"], own["contributed_verified_year"]) == (1_000_000, 300_000,
                                                                                                 400_000)
    assert figures.evaluation(2025, 3, today=TODAY)["csr"]["contributed_verified"] == 600_000


def test_first_quarter_has_no_previous(world):
    e = figures.evaluation(2025, 1, today=TODAY)
    assert e["realized_quarter"] == e["realized_cumulative"] == 70 * M
    assert e["previous_realized_cumulative"] is None and e["previous_realization_pct"] is None
    a1 = _by(e["indicators"], "indicator_id", world["a1"].indicator_ids[1])
    assert (a1["quarters"], a1["achievement_pct"]) == ([40, None, None, None], 50.0)


def test_an_empty_year_gives_nulls_not_errors(app):
    e = figures.evaluation(2031, 4, today=TODAY)
    assert (e["budget"], e["realized_cumulative"], e["realization_pct"], e["achievement_pct"], e["rating"]) == (
        0, 0, None, None, None)
    assert e["agencies"] == [] and e["indicators"] == [] and e["activities"] == []
    assert [s["realization_pct"] for s in e["strategies"]] == [None, None, None]


def test_totals_match_the_evaluation(world):
    for flag in (False, True):
        e = figures.evaluation(2025, 2, include_unverified=flag, today=TODAY)
        t = figures.totals(2025, 2, include_unverified=flag)
        for key in ("budget", "budget_original", "realized_quarter", "realized_cumulative", "realization_pct",
                    "previous_realization_pct", "achievement_pct", "rating", "rating_counts", "unverified_included"):
            assert t[key] == e[key], key


DETAIL = ("indicators", "activities", "projection", "window")


def _rollups(e: dict) -> dict:
    return {k: v for k, v in e.items() if k not in DETAIL}


def test_detail_off_keeps_the_rollups(world):
    full = figures.evaluation(2025, 2, today=TODAY)
    light = figures.evaluation(2025, 2, detail=False, today=TODAY)
    assert light["indicators"] == [] and light["activities"] == [] and light["projection"] is None
    assert _rollups(light) == _rollups(full)
    assert full["projection"] == sorted(
        ({k: a[k] for k in ("activity_id", "code", "name", "agency_id", "agency_name", "budget", "achievement_pct",
                            "realization_pct")} for a in full["activities"] if a["achievement_pct"] is not None),
        key=lambda p: p["activity_id"])


@pytest.mark.parametrize("agency", [None, "dinsos"])
def test_the_previous_quarters_achievement_is_what_the_comparison_gives(world, agency):
    agency_id = world[agency].id if agency else None
    for quarter in (1, 2, 3, 4):
        e = figures.evaluation(2025, quarter, agency_id=agency_id, detail=False, today=TODAY)
        before = None if quarter == 1 else compare.quarters_of_year(
            2025, agency_id=agency_id, up_to=quarter - 1)["quarters"][-1]["achievement_pct"]
        assert e["previous_achievement_pct"] == before
    assert figures.evaluation(2025, 3, agency_id=agency_id, today=TODAY)["previous_achievement_pct"] is not None


@pytest.mark.parametrize("agency", [None, "dinsos"])
def test_a_window_is_one_page_of_the_full_lists(world, agency):
    agency_id = world[agency].id if agency else None
    full = figures.evaluation(2025, 2, agency_id=agency_id, today=TODAY)
    n = len(full["activities"])
    assert n >= 2
    for offset, limit in ((0, 1), (1, 2), (n - 1, 5), (n + 3, 5), (0, 0), (0, n)):
        part = figures.evaluation(2025, 2, agency_id=agency_id, today=TODAY, window=(offset, limit))
        assert part["window"] == (offset, limit)
        assert part["activities"] == full["activities"][offset:offset + limit]
        ids = {a["activity_id"] for a in part["activities"]}
        assert part["indicators"] == [i for i in full["indicators"] if i["activity_id"] in ids]
        assert part["projection"] == full["projection"]  # always every activity's, from the roll-ups
        assert _rollups(part) == _rollups(full)


def test_scope_agency_id(world, make_user):
    officer = make_user("agency", agency=world["dinsos"])
    coordinator = make_user("coordinator")
    assert figures.scope_agency_id(officer, world["dpmd"].id) == world["dinsos"].id
    assert figures.scope_agency_id(officer, None) == world["dinsos"].id
    assert figures.scope_agency_id(coordinator, world["dpmd"].id) == world["dpmd"].id
    assert figures.scope_agency_id(coordinator, None) is None


def test_late_submission_counts_late(app, make_agency):
    agency = make_agency()
    a = activity(agency, indicators=[{"target": 10}])
    report(a, 2, realized=M, values={0: 10}, first_submitted_at=late_moment(2025, 2))
    e = figures.evaluation(2025, 2, today=TODAY)
    assert e["agencies"][0]["late"] == 1 and e["activities"][0]["late"] is True
    assert e["indicators"][0]["achievement_pct"] == 100.0 and e["indicators"][0]["rating"] == "sangat_tinggi"


# ---- comparisons --------------------------------------------------------------------------------------

def test_quarters_of_year_agree_with_each_quarter(world):
    series = compare.quarters_of_year(2025)
    assert [q["quarter"] for q in series["quarters"]] == [1, 2, 3, 4]
    for k in (1, 2, 3, 4):
        e = figures.evaluation(2025, k, detail=False, today=TODAY)
        point = series["quarters"][k - 1]
        assert (point["realized_quarter"], point["realized_cumulative"], point["realization_pct"],
                point["achievement_pct"], point["rating"]) == (e["realized_quarter"], e["realized_cumulative"],
                                                              e["realization_pct"], e["achievement_pct"], e["rating"])
    one = compare.quarters_of_year(2025, activity_id=world["a1"].id, up_to=2)
    assert [(q["realization_pct"], q["achievement_pct"]) for q in one["quarters"]] == [(16.67, 40.0), (41.67, 65.0)]


def test_same_quarter_last_year(world):
    agency = compare.same_quarter_last_year(2025, 2, agency_id=world["dpmd"].id)
    assert agency["previous"]["realization_pct"] == 90.0  # 9 of 10 in 2024
    assert agency["current"]["realization_pct"] == 25.0
    assert agency["change_realization_pct"] == -65.0
    act = compare.same_quarter_last_year(2025, 2, activity_id=world["b1"].id)
    assert act["previous_activity_id"] == world["old"].id
    assert (act["current"]["realization_pct"], act["previous"]["realization_pct"]) == (25.0, 90.0)
    assert act["change_achievement_pct"] is None  # last year's activity has no indicators
    new = compare.same_quarter_last_year(2025, 2, activity_id=world["a1"].id)
    assert new["previous"] is None and new["change_realization_pct"] is None


def test_trend_for_projection(world):
    rows = {r["activity_id"]: r for r in compare.trend_for_projection(2025, 2)}
    a1 = rows[world["a1"].id]
    assert a1["realization_pct_series"] == [16.67, 41.67]
    assert a1["physical_series"] == [20, 45]
    assert a1["achievement_series"] == [40.0, 65.0]  # mean of (30 %, 50 %), then of (55 %, 75 %)
    assert a1["projected_achievement_pct"] == 130.0 and a1["projected_realization_pct"] == 83.34
    assert rows[world["a2"].id]["achievement_series"] == [None, None]
    assert rows[world["a3"].id]["realization_pct_series"] == [None, None]
    assert compare.project_year_end(None, 2) is None and compare.project_year_end(30.0, 3) == 40.0


# ---- a bounded number of queries ------------------------------------------------------------------------

def _kabupaten(make_agency, scale: int) -> None:
    for n in range(2 * scale):
        agency = make_agency()
        for k in range(3):
            a = activity(agency, budget=(k + 1) * M, revised=M if k == 0 else None, strategy=f"S{k + 1}",
                         indicators=[{"target": 10}, {"target": 5, "aggregation": "last"}], commit=False)
            for quarter in (1, 2):
                report(a, quarter, status=("verified", "submitted", "draft")[(n + k + quarter) % 3], realized=M // 4,
                       physical=10 * quarter, values={0: 3, 1: quarter}, commit=False)
    db.session.commit()


def _queries_of(call) -> int:
    """Statements run by ``call`` (transaction control left out: whether a BEGIN is needed depends on
    what ran before, not on the figures)."""
    before = len(get_recorded_queries())
    call()
    return sum(1 for q in get_recorded_queries()[before:]
               if not q.statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")))


@pytest.mark.parametrize("detail", [True, False])
def test_query_count_does_not_grow_with_the_data(app, make_agency, detail):
    _kabupaten(make_agency, 1)
    def counts():
        return (_queries_of(lambda: figures.evaluation(2025, 2, detail=detail, today=TODAY)),
                _queries_of(lambda: figures.evaluation(2025, 2, detail=detail, today=TODAY, window=(2, 3))),
                _queries_of(lambda: figures.totals(2025, 2)),
                _queries_of(lambda: (compare.quarters_of_year(2025), compare.trend_for_projection(2025, 2))))

    small = counts()
    _kabupaten(make_agency, 4)  # five times the activities
    large = counts()
    assert large == small == ((8, 8) if detail else (6, 6)) + (1, 2)


@pytest.mark.parametrize(("year", "quarter"), [(2025, 0), (2025, 5), (1999, 2), (2101, 1)])
def test_a_quarter_that_does_not_exist_is_not_found(app, year, quarter):
    from tracker.errors import NotFound

    with pytest.raises(NotFound) as raised:
        figures.evaluation(year, quarter)
    assert "Triwulan" in raised.value.message or "Tahun" in raised.value.message
    with pytest.raises(NotFound):
        figures.totals(year, quarter)
    with pytest.raises(ValueError):  # and a ValueError, for callers that check one
        figures.evaluation(year, quarter)
