"""One query per list for page and API: ``%`` and ``_`` are searched literally everywhere, and every
API list honours ``page``/``per_page`` (api.md, "Lists")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import login
from tests.progress_helpers import make_activity
from tracker.auth.models import LoginFailure
from tracker.extensions import db
from tracker.progress.models import ProgressReport
from tracker.types import utcnow


@pytest.fixture
def wildcard_world(make_agency, make_company, make_user):
    """Names that tell a literal search from a wildcard one: "100%" vs "1000", "a_b" vs "axb"."""
    return {
        "agencies": [make_agency(name="Dinas Capaian 100% Tuntas", short_name="Tuntas"),
                     make_agency(name="Dinas Seribu 1000 Rumah", short_name="Seribu")],
        "companies": [make_company(name="PT Sawit_Raya"), make_company(name="PT SawitXRaya")],
        "users": [make_user(role="viewer", username="pemantau_satu"), make_user(role="viewer", username="pemantauxsatu")],
        "admin": make_user(role="admin", username="admin.uji"),
    }


@pytest.mark.parametrize("path, q, wanted, unwanted", [
    ("/api/v1/agencies", "100%", "Dinas Capaian 100% Tuntas", "Dinas Seribu 1000 Rumah"),
    ("/api/v1/companies", "t_r", None, "PT SawitXRaya"),
    ("/api/v1/companies", "Sawit_", "PT Sawit_Raya", "PT SawitXRaya"),
    ("/api/v1/users", "pemantau_", "pemantau_satu", "pemantauxsatu"),
])
def test_api_searches_wildcards_literally(wildcard_world, api_as, path, q, wanted, unwanted):
    api = api_as(wildcard_world["admin"])
    body = api.get(path, query_string={"q": q}).get_json()
    texts = [item.get("name") or item.get("username") for item in body["items"]]
    if wanted:
        assert wanted in texts
    assert unwanted not in texts, (q, texts)


@pytest.mark.parametrize("path, q, wanted, unwanted", [
    ("/reference/agencies", "100%", "Dinas Capaian 100% Tuntas", "Dinas Seribu 1000 Rumah"),
    ("/reference/companies", "Sawit_", "PT Sawit_Raya", "PT SawitXRaya"),
    ("/admin/users/", "pemantau_", "pemantau_satu", "pemantauxsatu"),
])
def test_pages_search_wildcards_literally(wildcard_world, client_as, path, q, wanted, unwanted):
    text = client_as(wildcard_world["admin"]).get(path, query_string={"q": q}).get_data(as_text=True)
    assert wanted in text and unwanted not in text


def test_progress_search_is_literal_on_page(make_agency, make_user, client_as):
    agency = make_agency()
    make_activity(agency, name="Bantuan 100% lunas")
    make_activity(agency, name="Bantuan 1000 rumah")
    text = client_as(make_user(role="coordinator")).get(
        f"/progress/2025/2?agency_id={agency.id}&q=100%25").get_data(as_text=True)
    assert "Bantuan 100% lunas" in text and "Bantuan 1000 rumah" not in text


def test_plan_search_is_literal_through_page_and_api(make_agency, make_user, client_as, api_as):
    agency = make_agency()
    make_activity(agency, name="Sambungan air_bersih")
    make_activity(agency, name="Sambungan airXbersih")
    user = make_user(role="coordinator")
    text = client_as(user).get(f"/plans/?year=2025&agency_id={agency.id}&q=air_").get_data(as_text=True)
    assert "Sambungan air_bersih" in text and "Sambungan airXbersih" not in text
    names = [a["name"] for a in api_as(user).get("/api/v1/activities?year=2025&q=air_").get_json()["items"]]
    assert names == ["Sambungan air_bersih"]


def test_api_lists_paginate(make_agency, make_user, api_as):
    for _ in range(3):
        make_agency()
    api = api_as(make_user(role="admin"))
    first = api.get("/api/v1/agencies?per_page=2").get_json()
    second = api.get("/api/v1/agencies?per_page=2&page=2").get_json()
    assert first["total"] == second["total"] >= 3 and first["per_page"] == 2 and len(first["items"]) == 2
    assert {a["id"] for a in first["items"]}.isdisjoint(a["id"] for a in second["items"])


def test_lists_computed_in_python_paginate_too(make_agency, make_user, api_as):
    """The completeness grid and a report's history honour page/per_page (no ``per_page = len(items)``)."""
    agencies = [make_agency() for _ in range(3)]
    for agency in agencies:
        make_activity(agency)
    api = api_as(make_user(role="coordinator"))
    page = api.get("/api/v1/progress/completeness?year=2025&per_page=5&page=2").get_json()
    assert page["per_page"] == 5 and page["page"] == 2 and page["total"] >= 12 and len(page["items"]) == 5
    periods = api.get("/api/v1/periods?year=2025&per_page=3").get_json()
    assert periods["total"] == 4 and len(periods["items"]) == 3 and periods["per_page"] == 3


def test_progress_list_pages_through_reports(make_agency, make_user, api_as):
    agency = make_agency()
    for _ in range(3):
        activity = make_activity(agency)
        db.session.add(ProgressReport(activity_id=activity.id, year=2025, quarter=1, status="draft"))
    db.session.commit()
    api = api_as(make_user(role="coordinator"))
    pages = [api.get(f"/api/v1/progress?year=2025&per_page=2&page={n}").get_json() for n in (1, 2)]
    assert [len(p["items"]) for p in pages] == [2, 1] and pages[0]["total"] == 3
    ids = [item["activity_id"] for p in pages for item in p["items"]]
    assert len(set(ids)) == 3


def test_old_login_failures_are_purged(app, make_user):
    user = make_user(role="viewer")
    db.session.add(LoginFailure(username="someone", ip="10.0.0.9", at=utcnow() - timedelta(days=3)))
    db.session.commit()
    client = app.test_client()
    response = login(client, user.username, "salah-sekali-kata-sandinya")
    assert response.status_code == 401  # the login form again, with the same message for every failure
    usernames = list(db.session.scalars(select(LoginFailure.username)))
    assert usernames == [user.username]  # the three-day-old one is gone, the new one counted
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 1


def test_superscript_digits_in_the_query_are_not_numbers(make_user, client_as):
    """"²".isdigit() is true but int("²") fails: page and year arguments use isdecimal()."""
    web = client_as(make_user(role="coordinator"))
    for url in ("/plans/?page=%C2%B2", "/plans/?year=%C2%B2", "/?year=%C2%B2", "/csr/summary?year=%C2%B2",
                "/meetings/?year=%C2%B2", "/poverty/?year=%C2%B2", "/periods/?year=%C2%B2", "/audit/?page=%C2%B2"):
        assert web.get(url).status_code in (200, 302, 303), url
