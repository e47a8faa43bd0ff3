"""CSRF: every form POST needs the token; the API (bearer tokens, no cookies) needs none."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tracker.audit.models import AuditLog
from tracker.auth.models import LoginSession
from tracker.extensions import db

TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|<meta name="csrf-token" content="([^"]+)"')
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def csrf_token(html: str) -> str:
    match = TOKEN_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def _sign_in(client, user) -> str:
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]
    return csrf_token(client.get("/").get_data(as_text=True))


def _audit_count():
    return db.session.scalar(select(func.count()).select_from(AuditLog))


def test_login_without_token_is_400(csrf_app, app, make_user):
    user = make_user(role="viewer")
    client = csrf_app.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code in (302, 303)
    response = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                           "csrf_token": "forged-token"})
    assert response.status_code == 400


def test_login_with_the_form_token_works(csrf_app, app, make_user):
    user = make_user(role="viewer")
    client = csrf_app.test_client()
    _sign_in(client, user)
    assert client.get("/").status_code == 200


def test_token_from_another_browser_is_refused(csrf_app, app, make_user):
    user = make_user(role="viewer")
    attacker, victim = csrf_app.test_client(), csrf_app.test_client()
    token = csrf_token(attacker.get("/login").get_data(as_text=True))
    victim.get("/login")
    response = victim.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 400


def test_logout_needs_the_token(csrf_app, app, make_user):
    user = make_user(role="viewer")
    client = csrf_app.test_client()
    token = _sign_in(client, user)
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code in (302, 303)
    assert client.get("/").status_code in (302, 303)
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_language_switch_needs_the_token(csrf_app, app, make_user):
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert client.post("/language", data={"lang": "en", "next": "/login"}).status_code == 400
    assert 'lang="id"' in client.get("/login").get_data(as_text=True)
    response = client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": csrf_token(page)})
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/login"
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)


def test_every_form_post_needs_the_token(csrf_app, app, make_user):
    """Generated from the URL map: each non-API write route refuses a signed-in POST without token."""
    user = make_user(role="admin")
    client = csrf_app.test_client()
    _sign_in(client, user)
    before = _audit_count()
    checked = []
    for rule in csrf_app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[^:>]+:)?\w+>", "1", rule.rule)
        for method in sorted(rule.methods & WRITE_METHODS):
            response = client.open(path, method=method, data={"name": "x"})
            checked.append(rule.endpoint)
            assert response.status_code == 400, f"{method} {rule.rule} -> {response.status_code}"
    assert {"auth.login", "auth.logout", "auth.set_language", "auth.change_password"} <= set(checked)
    assert _audit_count() == before
    assert client.get("/").status_code == 200


def test_api_post_needs_no_csrf_token(csrf_app, app, make_user):
    admin = make_user(role="admin")
    client = csrf_app.test_client()
    response = client.post("/api/v1/tokens", json={"username": admin.username, "password": PASSWORD})
    assert response.status_code == 201
    token = response.get_json()["token"]
    created = client.post("/api/v1/agencies", json={"code": "7.01.01", "name": "Dinas CSRF", "short_name": "CSRF"},
                          headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201, created.get_json()


def test_browser_session_does_not_authenticate_the_api(csrf_app, app, make_user):
    admin = make_user(role="admin")
    client = csrf_app.test_client()
    token = _sign_in(client, admin)
    assert client.get("/").status_code == 200
    before = _audit_count()
    for method, path, body in [("GET", "/api/v1/agencies", None), ("GET", "/api/v1/users", None),
                               ("POST", "/api/v1/agencies", {"code": "7.02.01", "name": "Dinas X", "short_name": "X"}),
                               ("DELETE", "/api/v1/tokens/current", None)]:
        response = client.open(path, method=method, json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 401, f"{method} {path}"
        assert response.get_json()["error"]["code"] == "unauthorized"
    assert _audit_count() == before
