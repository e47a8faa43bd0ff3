"""Remembered page figures (tracker.memo): an unchanged scope is served without recomputing, any
committed write — through a page, the API or any worker — shows at once, and the language, the scope
and the switch each have their own figures."""

from __future__ import annotations

import pytest

from tests.conftest import count_queries
from tests.evaluation_page_helpers import QUARTER, YEAR, build_world, texts
from tracker import memo
from tracker.extensions import db
from tracker.plans.models import Activity

PAGE = "/evaluation/"
ARGS = {"year": YEAR, "quarter": QUARTER}


@pytest.fixture
def world(app, make_agency, make_company, make_user):
    return build_world(make_agency, make_company, make_user)


def budget_shown(client, **args) -> tuple[str, int]:
    with count_queries() as queries:
        response = client.get(PAGE, query_string={**ARGS, **args})
    assert response.status_code == 200
    return texts(response.get_data(as_text=True), "data-figure")["budget"], len(queries)


def test_unchanged_data_is_served_from_memory_and_a_commit_shows_at_once(world, client_as):
    coordinator = client_as(world["users"]["coordinator"])
    first, computed = budget_shown(coordinator)
    again, remembered = budget_shown(coordinator)
    assert first == again == "Rp 370.000.000" and remembered < computed
    db.session.get(Activity, world["b1"].id).budget_revised = 300_000_000
    db.session.commit()
    changed, recomputed = budget_shown(coordinator)
    assert changed == "Rp 470.000.000" and recomputed == computed


def test_each_scope_switch_and_language_has_its_own_figures(world, client_as):
    coordinator, dinsos = client_as(world["users"]["coordinator"]), client_as(world["users"]["dinsos"])
    assert budget_shown(coordinator)[0] == "Rp 370.000.000"
    assert budget_shown(dinsos)[0] == "Rp 170.000.000"  # the OPD user's own scope, not the kabupaten's
    assert budget_shown(coordinator, agency_id=world["dpmd"].id)[0] == "Rp 200.000.000"
    assert "Sebaran predikat indikator" in coordinator.get(PAGE, query_string=ARGS).get_data(as_text=True)
    coordinator.post("/language", data={"lang": "en"})
    english = coordinator.get(PAGE, query_string=ARGS).get_data(as_text=True)
    assert "Distribution of indicator ratings" in english and "Sebaran predikat indikator" not in english


def test_uncommitted_writes_are_never_remembered(world, app):
    from tracker.evaluation import views

    def shown():
        with app.test_request_context(PAGE, query_string=ARGS):
            return memo.remembered("probe", 1, lambda: views.figures.totals(YEAR, QUARTER)["budget"])

    before = shown()
    db.session.get(Activity, world["b1"].id).budget_revised = 300_000_000
    db.session.flush()
    assert shown() == before + 100_000_000  # computed inside the writing transaction, not stored
    db.session.rollback()
    assert shown() == before


def test_memo_entries_zero_switches_remembering_off(app, make_app):
    other = make_app(MEMO_ENTRIES=0)
    with other.app_context():
        calls = []
        for _ in range(2):
            memo.remembered("probe", 1, lambda: calls.append(1))
        assert len(calls) == 2


def test_the_api_evaluation_is_remembered_and_follows_a_commit(world, api_as):
    api = api_as(world["users"]["coordinator"])
    url = f"/api/v1/evaluation/{YEAR}/{QUARTER}"

    def answer():
        with count_queries() as queries:
            response = api.get(url)
        assert response.status_code == 200
        return response.get_json()["budget"], len(queries)

    (first, computed), (again, remembered) = answer(), answer()
    assert first == again == 370_000_000 and remembered < computed
    db.session.get(Activity, world["b1"].id).budget_revised = 300_000_000
    db.session.commit()
    assert answer()[0] == 470_000_000
    assert api.get(url, query_string={"per_page": 1}).get_json()["detail_page"]["per_page"] == 1


@pytest.mark.parametrize("role, before, after", [("coordinator", "Rp 370.000.000", "Rp 470.000.000"),
                                                 ("dinsos", "Rp 170.000.000", "Rp 270.000.000")])
def test_the_dashboards_follow_a_commit(world, client_as, role, before, after):
    home = client_as(world["users"][role])
    url = f"/?year={YEAR}&quarter={QUARTER}"
    assert before in home.get(url).get_data(as_text=True)
    assert before in home.get(url).get_data(as_text=True)  # remembered
    activity = world["b1"] if role == "coordinator" else world["a1"]
    db.session.get(Activity, activity.id).budget_revised = (activity.budget_revised or activity.budget) + 100_000_000
    db.session.commit()
    html = home.get(url).get_data(as_text=True)
    assert after in html and before not in html
