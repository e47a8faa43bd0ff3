"""Response headers, error pages that leak nothing, and configuration that refuses unsafe setups."""

from __future__ import annotations

import platform
from importlib.metadata import version

import pytest

from tests.conftest import base_config
from tracker import create_app

LEAKS = ["Traceback", "File \"", "werkzeug", "Werkzeug", "sqlalchemy", "SQLAlchemy", "jinja2", "site-packages",
         f"Python/{platform.python_version()}", f"Python {platform.python_version()}", version("flask"),
         version("werkzeug"), version("sqlalchemy")]

PRODUCTION_FERNET_KEY = "x7WxX0m8d1Y2b3c4d5e6f7g8h9i0j1k2l3m4n5o6p7Q="


def _csp_directives(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2] for part in header.split(";") if part.strip()}


def _assert_base_headers(response):
    csp = _csp_directives(response)
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] in ("'self'", "'none'")
    assert csp["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in csp.get("script-src", csp.get("default-src", ""))
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Server" not in response.headers or not any(ch.isdigit() for ch in response.headers["Server"])


def _assert_no_leak(body: str):
    for marker in LEAKS:
        assert marker not in body, marker


# ---- headers -------------------------------------------------------------------------------------

def test_headers_on_public_pages(client):
    for path in ("/login", "/health", "/api/v1/openapi.json", "/tidak-ada"):
        _assert_base_headers(client.get(path))


def test_no_store_on_authenticated_pages_and_api(make_user, client_as, api_as, client):
    user = make_user(role="admin")
    browser = client_as(user)
    for path in ("/", "/account/password", "/tidak-ada"):
        response = browser.get(path)
        _assert_base_headers(response)
        assert "no-store" in response.headers.get("Cache-Control", ""), path
    api = api_as(user)
    for response in (api.get("/api/v1/agencies"), api.get("/api/v1/agencies/999999"), client.get("/api/v1/agencies"),
                     client.post("/api/v1/tokens", json={"username": "x", "password": "y"})):
        _assert_base_headers(response)
        assert "no-store" in response.headers.get("Cache-Control", "")


def test_login_redirect_for_anonymous_is_not_cached_with_private_data(client):
    response = client.get("/")
    assert response.status_code in (302, 303)
    _assert_base_headers(response)


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert "max-age=" in secure.headers["Strict-Transport-Security"]


# ---- error bodies --------------------------------------------------------------------------------

def test_client_errors_leak_nothing(client, make_user, api_as):
    api = api_as(make_user(role="admin"))
    responses = [client.get("/tidak-ada"), client.get("/static/../wsgi.py"), client.get("/logout"),
                 api.get("/api/v1/tidak-ada"), api.post("/api/v1/agencies", data="{", content_type="application/json"),
                 api.delete("/api/v1/agencies")]
    for response in responses:
        assert 400 <= response.status_code < 500
        _assert_no_leak(response.get_data(as_text=True))


@pytest.fixture
def production_like(make_app):
    """Testing off and exceptions not propagated: what a real deployment does on an unexpected error."""
    broken = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False, DEBUG=False)

    def boom():
        raise RuntimeError("rahasia-internal: SELECT * FROM user_account; password=hunter2")

    broken.add_url_rule("/_boom", "boom", boom)
    broken.add_url_rule("/api/v1/_boom", "api_boom", boom)
    return broken


def test_unexpected_error_page_leaks_nothing(production_like, caplog):
    response = production_like.test_client().get("/_boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "rahasia-internal" not in body and "hunter2" not in body and "RuntimeError" not in body
    _assert_no_leak(body)
    assert "Terjadi kesalahan pada server" in body
    _assert_base_headers(response)
    # The details go to the log instead.
    assert any("rahasia-internal" in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_unexpected_api_error_is_json_and_leaks_nothing(production_like):
    response = production_like.test_client().get("/api/v1/_boom")
    assert response.status_code == 500
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["message"]
    text = response.get_data(as_text=True)
    assert "rahasia-internal" not in text and "RuntimeError" not in text
    _assert_no_leak(text)


def test_debug_is_off_by_default(make_app):
    config = base_config(TESTING=False)
    config.pop("TESTING")
    app = create_app(config)
    assert app.debug is False
    assert app.config["TRACKER_ENV"] == "development"


# ---- configuration ------------------------------------------------------------------------------

def _production_config(**overrides) -> dict:
    config = base_config(TESTING=False, TRACKER_ENV="production", PERSONAL_DATA_HASH_KEY="p" * 40,
                         PERSONAL_DATA_KEYS=PRODUCTION_FERNET_KEY)
    config.pop("PASSWORD_HASH_METHOD")
    config.update(overrides)
    return config


@pytest.mark.parametrize("key", ["dev-only-insecure-key", "", "short-key", "x" * 31])
def test_production_refuses_a_weak_secret_key(app, key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(_production_config(SECRET_KEY=key))


def test_production_from_the_environment_without_a_key(app, monkeypatch):
    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = _production_config()
    config.pop("SECRET_KEY")
    config.pop("TRACKER_ENV")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)
    monkeypatch.setenv("SECRET_KEY", "an-environment-provided-secret-of-sufficient-length-42")
    created = create_app(config)
    assert created.config["TRACKER_ENV"] == "production"


def test_production_accepts_a_strong_key(app):
    created = create_app(_production_config(SECRET_KEY="k" * 16 + "an-actually-random-string-0192837465"))
    assert created.debug is False


def test_development_default_key_is_allowed_only_outside_production(app, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("TRACKER_ENV", raising=False)
    config = base_config(TESTING=False)
    config.pop("SECRET_KEY")
    created = create_app(config)
    assert created.config["SECRET_KEY"] == "dev-only-insecure-key"
