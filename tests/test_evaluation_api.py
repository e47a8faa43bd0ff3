"""The evaluation API (api.md "Evaluation and reports"): ``GET /api/v1/evaluation/{year}/{quarter}``
with the contract's fields and the added ones (summary, kabupaten totals, activities, dates as ISO
text), the unverified switch, ``null`` where nothing divides, OPD scoping (own OPD forced, another
OPD 404, never another OPD's rows or drafts), the comparison endpoint, bad input and the query count."""

from __future__ import annotations

import json

import pytest

from tests.conftest import count_queries
from tests.evaluation_page_helpers import QUARTER, YEAR, M, build_world, more_activities
from tracker import memo
from tracker.extensions import db

URL = f"/api/v1/evaluation/{YEAR}/{QUARTER}"


def _by(rows, key, value):
    return next(r for r in rows if r[key] == value)


@pytest.fixture
def world(app, make_agency, make_company, make_user):
    return build_world(make_agency, make_company, make_user)


@pytest.fixture
def api(world, api_as):
    return {role: api_as(user) for role, user in world["users"].items()}


def test_contract_fields_and_kabupaten_figures(world, api):
    response = api["coordinator"].get(URL)
    assert response.status_code == 200
    e = response.get_json()
    assert (e["year"], e["quarter"], e["agency_id"], e["include_unverified"], e["unverified_included"]) == (
        YEAR, QUARTER, None, False, False)
    assert (e["budget"], e["budget_original"], e["realized_quarter"], e["realized_cumulative"]) == (
        370 * M, 350 * M, 30 * M, 100 * M)
    assert e["realization_pct"] == 27.03 and e["previous_realization_pct"] == 18.92
    assert (e["achievement_pct"], e["rating"]) == (56.67, "rendah")
    assert (e["quarter_end"], e["due_date"]) == ("2025-06-30", "2025-07-10")  # dates as ISO text
    dinsos = _by(e["agencies"], "agency_id", world["dinsos"].id)
    assert {k: dinsos[k] for k in ("budget", "realized_cumulative", "realization_pct", "activities", "reported",
                                   "verified", "late", "achievement_pct", "rating")} == {
        "budget": 170 * M, "realized_cumulative": 50 * M, "realization_pct": 29.41, "activities": 2, "reported": 1,
        "verified": 1, "late": 1, "achievement_pct": 65.0, "rating": "rendah"}
    dpmd = _by(e["agencies"], "agency_id", world["dpmd"].id)
    assert (dpmd["realization_pct"], dpmd["achievement_pct"], dpmd["rating"]) == (25.0, 40.0, "sangat_rendah")
    assert [s["strategy"] for s in e["strategies"]] == ["S1", "S2", "S3"]
    s3 = _by(e["strategies"], "strategy", "S3")
    assert (s3["budget"], s3["realized_cumulative"], s3["realization_pct"]) == (200 * M, 50 * M, 25.0)
    assert (e["csr"]["committed"], e["csr"]["contributed_verified"], e["csr"]["cut_off"]) == (
        1_500_000, 500_000, "2025-06-30")
    ind = _by(e["indicators"], "indicator_id", world["a1"].indicator_ids[0])
    assert ind["quarters"] == [30.0, 25.0, None, None] and ind["cumulative"] == 55.0
    assert (ind["target"], ind["achievement_pct"], ind["rating"]) == (100.0, 55.0, "rendah")
    assert (ind["target_end"], ind["achieved_before"], ind["renstra_realized"], ind["renstra_pct"]) == (
        500.0, 200.0, 255.0, 51.0)
    a1 = _by(e["activities"], "activity_id", world["a1"].id)
    assert a1["realized_quarters"] == [20 * M, 30 * M, None, None] and a1["status"] == "verified"
    assert a1["first_submitted_at"].endswith("+07:00")
    assert e["kabupaten"] is None  # the kabupaten itself is shown


def test_nothing_to_divide_by_is_null(world, api):
    e = api["admin"].get(URL).get_json()
    assert _by(e["activities"], "activity_id", world["b2"].id)["realization_pct"] is None  # pagu 0
    a2_indicator = _by(e["indicators"], "indicator_id", world["a2"].indicator_ids[0])
    assert a2_indicator["cumulative"] is None and a2_indicator["achievement_pct"] is None
    assert a2_indicator["rating"] is None
    assert _by(e["indicators"], "indicator_id", world["a1"].indicator_ids[1])["renstra_pct"] is None
    empty = api["admin"].get("/api/v1/evaluation/2030/1").get_json()
    assert (empty["budget"], empty["realization_pct"], empty["achievement_pct"], empty["rating"]) == (0, None, None, None)
    assert empty["agencies"] == [] and empty["summary"]["sentences"] == []
    assert empty["previous_realization_pct"] is None  # quarter I has no previous quarter


def test_the_switch_counts_submitted_reports_and_says_so(world, api):
    e = api["viewer"].get(URL, query_string={"include_unverified": "1"}).get_json()
    assert (e["include_unverified"], e["unverified_included"]) == (True, True)
    assert (e["realized_cumulative"], e["realization_pct"], e["achievement_pct"]) == (110 * M, 29.73, 52.5)
    assert e["realized_quarter"] == 30 * M  # a2's quarter II is a draft: never counted
    a2 = _by(e["activities"], "activity_id", world["a2"].id)
    assert a2["unverified_included"] is True and a2["realized_cumulative"] == 10 * M
    assert _by(e["agencies"], "agency_id", world["dinsos"].id)["unverified_reports"] == 1
    assert _by(e["indicators"], "indicator_id", world["a2"].indicator_ids[0])["achievement_pct"] == 40.0
    assert "belum diverifikasi" in " ".join(e["summary"]["sentences"])
    assert api["viewer"].get(URL, query_string={"include_unverified": "true"}).get_json()["realization_pct"] == 29.73
    assert api["viewer"].get(URL, query_string={"include_unverified": "false"}).get_json()["realization_pct"] == 27.03


def test_drafts_and_returned_text_never_appear(world, api):
    for role in ("coordinator", "dinsos"):
        text = json.dumps(api[role].get(URL, query_string={"include_unverified": "1"}).get_json())
        assert "Rahasia draf" not in text
        assert "Kendala A" in text if role == "coordinator" else True


def test_an_opd_user_sees_its_own_opd_and_the_kabupaten_totals_only(world, api):
    e = api["dinsos"].get(URL).get_json()
    assert e["agency_id"] == world["dinsos"].id
    assert [a["agency_id"] for a in e["agencies"]] == [world["dinsos"].id]
    assert {a["agency_id"] for a in e["activities"]} == {world["dinsos"].id}
    assert {i["agency_id"] for i in e["indicators"]} == {world["dinsos"].id}
    assert (e["budget"], e["realization_pct"], e["achievement_pct"]) == (170 * M, 29.41, 65.0)
    assert (e["csr"]["committed"], e["csr"]["contributed_verified"], e["csr"]["scope"]) == (1_000_000, 300_000, "agency")
    assert e["kabupaten"]["realization_pct"] == 27.03 and e["kabupaten"]["budget"] == 370 * M
    text = json.dumps(e)
    assert "DPMD" not in text and "Padat karya" not in text and "Rahasia" not in text
    assert "Dinas Sosial" in " ".join(e["summary"]["sentences"])
    # naming its own OPD is the same answer; another OPD, or one that does not exist, is 404
    assert api["dinsos"].get(URL, query_string={"agency_id": world["dinsos"].id}).get_json()["budget"] == 170 * M
    for other in (world["dpmd"].id, 999999):
        response = api["dinsos"].get(URL, query_string={"agency_id": other})
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_a_coordinator_may_choose_one_opd(world, api):
    e = api["coordinator"].get(URL, query_string={"agency_id": world["dpmd"].id}).get_json()
    assert (e["agency_id"], e["budget"], e["realization_pct"], e["activity_count"]) == (world["dpmd"].id, 200 * M, 25.0, 2)
    assert e["kabupaten"]["achievement_pct"] == 56.67
    assert api["coordinator"].get(URL, query_string={"agency_id": 999999}).status_code == 404


def test_company_users_are_refused(world, api):
    for url in (URL, URL + "/compare"):
        response = api["company"].get(url)
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("url, status, field", [
    (f"/api/v1/evaluation/{YEAR}/5", 404, None),
    (f"/api/v1/evaluation/1999/{QUARTER}", 404, None),
    (f"{URL}?include_unverified=maybe", 400, "include_unverified"),
    (f"{URL}?agency_id=x", 400, "agency_id"),
    (f"{URL}?agency_id=0", 400, "agency_id"),
    (f"{URL}/compare?activity_id=abc", 400, "activity_id"),
    (f"{URL}/compare?activity_id=999999", 404, None),
])
def test_bad_input_is_a_clear_error(world, api, url, status, field):
    response = api["coordinator"].get(url)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["message"]
    if field:
        assert field in error["fields"]


def test_compare_quarters_and_last_year(world, api):
    c = api["coordinator"].get(URL + "/compare").get_json()
    assert (c["year"], c["quarter"], c["agency_id"], c["activity_id"], c["budget"]) == (YEAR, QUARTER, None, None, 370 * M)
    assert [(q["quarter"], q["realized_cumulative"], q["realization_pct"], q["achievement_pct"]) for q in c["quarters"]] == [
        (1, 70 * M, 18.92, 40.0), (2, 100 * M, 27.03, 56.67)]  # quarter I: mean(30, 50, 40)
    last = c["same_quarter_last_year"]
    assert (last["previous"]["year"], last["previous"]["realization_pct"], last["previous"]["achievement_pct"]) == (
        2024, 90.0, None)
    assert (last["change_realization_pct"], last["change_achievement_pct"]) == (-62.97, None)


def test_compare_one_activity_against_its_namesake(world, api):
    c = api["coordinator"].get(URL + "/compare", query_string={"activity_id": world["b1"].id}).get_json()
    assert (c["activity_id"], c["agency_id"], c["budget"]) == (world["b1"].id, world["dpmd"].id, 200 * M)
    last = c["same_quarter_last_year"]
    assert last["previous_activity_id"] == world["old"].id
    assert (last["current"]["realization_pct"], last["previous"]["realization_pct"], last["change_realization_pct"]) == (
        25.0, 90.0, -65.0)
    # another OPD's activity is not found for an OPD user; nor is an activity of another year
    assert api["dinsos"].get(URL + "/compare", query_string={"activity_id": world["b1"].id}).status_code == 404
    assert api["coordinator"].get(URL + "/compare", query_string={"activity_id": world["old"].id}).status_code == 404
    own = api["dinsos"].get(URL + "/compare", query_string={"activity_id": world["a1"].id}).get_json()
    assert own["quarters"][-1]["realization_pct"] == 41.67  # 50 of 120 jt


def test_compare_for_an_opd_user_is_its_own_opd(world, api):
    c = api["dinsos"].get(URL + "/compare").get_json()
    assert (c["agency_id"], c["budget"], c["quarters"][-1]["realization_pct"]) == (world["dinsos"].id, 170 * M, 29.41)
    assert c["same_quarter_last_year"]["previous"] is None  # Dinsos had nothing in 2024
    assert api["dinsos"].get(URL + "/compare", query_string={"agency_id": world["dpmd"].id}).status_code == 404


def test_the_document_describes_both_routes(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/api/v1/evaluation/{year}/{quarter}"]["get"]
    assert op["tags"] == ["evaluation"]
    assert {p["name"] for p in op["parameters"]} == {"year", "quarter", "agency_id", "include_unverified", "page",
                                                      "per_page"}
    compare = doc["paths"]["/api/v1/evaluation/{year}/{quarter}/compare"]["get"]
    assert {p["name"] for p in compare["parameters"]} == {"year", "quarter", "agency_id", "include_unverified",
                                                           "activity_id"}
    schema = doc["components"]["schemas"]["EvaluationOut"]
    assert {"budget", "realized_quarter", "realized_cumulative", "realization_pct", "agencies", "strategies", "csr",
            "indicators", "summary", "include_unverified", "kabupaten"} <= set(schema["properties"])
    assert "/api/v1/evaluation/{year}/{quarter}/compare" in doc["paths"]


def test_the_detail_rows_can_be_paged(world, api):
    """``page``/``per_page`` (an addition): one page of the activity list and its indicators; the roll-ups,
    the summary and everything else stay the whole scope's.  Without them every row, as before."""
    full = api["coordinator"].get(URL).get_json()
    assert full["detail_page"] is None and len(full["activities"]) == full["activity_count"] >= 3
    for page, per_page in ((1, 1), (2, 2), (3, 1), (9, 50)):
        part = api["coordinator"].get(URL, query_string={"page": page, "per_page": per_page}).get_json()
        start = (page - 1) * per_page
        assert part["activities"] == full["activities"][start:start + per_page]
        ids = {a["activity_id"] for a in part["activities"]}
        assert part["indicators"] == [i for i in full["indicators"] if i["activity_id"] in ids]
        assert part["detail_page"] == {"page": page, "per_page": per_page, "total": full["activity_count"],
                                       "pages": -(-full["activity_count"] // per_page)}
        rest = {k: v for k, v in part.items() if k not in ("activities", "indicators", "detail_page")}
        assert rest == {k: v for k, v in full.items() if k not in ("activities", "indicators", "detail_page")}
    only_page = api["coordinator"].get(URL, query_string={"page": 1}).get_json()
    assert only_page["detail_page"]["per_page"] == 50
    for bad in ({"per_page": 0}, {"per_page": 501}, {"page": 0}, {"page": "x"}):
        response = api["coordinator"].get(URL, query_string=bad)
        assert response.status_code == 400 and set(response.get_json()["error"]["fields"]) == set(bad)


def test_the_query_count_does_not_grow_with_the_data(world, api):
    def queries(**args):
        memo.clear()  # the figures computed, not remembered (test_memo.py)
        with count_queries() as found:
            assert api["coordinator"].get(URL, query_string=args).status_code == 200
        return len(found)

    queries()  # the first call also records the token's use
    small = queries(), queries(per_page=2, page=2)
    more_activities(world["dinsos"])
    more_activities(world["dpmd"])
    db.session.expire_all()
    assert (queries(), queries(per_page=2, page=2)) == small
