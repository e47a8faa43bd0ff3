"""UI language: Bahasa Indonesia by default, English on request (pages, API, catalogue)."""

from __future__ import annotations

import os
import re
from collections import Counter

import pytest
from babel.messages.pofile import read_po

from tests.conftest import PASSWORD, TRANSLATIONS, login
from tests.progress_helpers import make_activity
from tracker.extensions import db

EN_PO = os.path.join(TRANSLATIONS, "en", "LC_MESSAGES", "messages.po")
# %(name)s, %d, %% ... as Python's %-formatting reads them.
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_]\w*\))?[-#0 +]?\d*(?:\.\d+)?[sdifrxXeEgGc%]")


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def choose(client, lang: str, next_path: str = "/login"):
    response = client.post("/language", data={"lang": lang, "next": next_path})
    assert response.status_code in (302, 303)
    return response


# ---- pages ------------------------------------------------------------------------------------------

def test_default_ui_is_indonesian(client):
    html = page(client.get("/login"))
    assert '<html lang="id">' in html
    assert "Nama pengguna" in html and "Kata sandi" in html
    assert "Username" not in html


def test_english_can_be_chosen_and_back(client):
    choose(client, "en")
    html = page(client.get("/login"))
    assert '<html lang="en">' in html
    assert "Username" in html and "Password" in html and "Sign in" in html
    assert "Nama pengguna" not in html

    choose(client, "id")
    html = page(client.get("/login"))
    assert '<html lang="id">' in html and "Nama pengguna" in html


def test_signed_in_users_choice_is_kept_on_the_account(app, make_user, client_as):
    user = make_user(role="coordinator")
    browser = client_as(user)
    choose(browser, "en", "/")
    db.session.refresh(user)
    assert user.language == "en"

    other = app.test_client()  # another browser: a new session, no language in it yet
    assert login(other, user).status_code in (302, 303)
    html = page(other.get("/"))
    assert '<html lang="en">' in html
    assert "Welcome, " in html and "Sign out" in html and "Settings" in html
    assert "Selamat datang" not in html
    # Someone else, signed out, still gets the default language.
    assert '<html lang="id">' in page(app.test_client().get("/login"))


def test_form_errors_follow_the_language(app, make_user, client_as):
    user = make_user(role="viewer")
    form = {"current_password": PASSWORD, "new_password": "Baru-Sekali-Rahasia-88", "confirm": "Lain-Sama-Sekali-99"}

    browser = client_as(user)
    assert "Kata sandi tidak sama." in page(browser.post("/account/password", data=form))
    choose(browser, "en", "/account/password")
    html = page(browser.post("/account/password", data=form))
    assert "The passwords do not match." in html
    assert "Kata sandi tidak sama." not in html

    anonymous = app.test_client()
    choose(anonymous, "en")
    response = anonymous.post("/login", data={"username": user.username, "password": "salah-salah-salah"})
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)


def test_numbers_keep_indonesian_format_in_english(make_user, client_as):
    coordinator = make_user(role="coordinator")
    activity = make_activity(make_user().agency, budget=1_234_567)
    browser = client_as(coordinator)
    choose(browser, "en", "/")
    html = page(browser.get(f"/plans/activities/{activity.id}"))
    assert '<html lang="en">' in html
    assert "Original budget (APBD)" in html
    assert "Rp 1.234.567" in html


# ---- API --------------------------------------------------------------------------------------------

def error_message(response, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["error"]["message"]


def test_api_errors_indonesian_by_default_english_on_request(client):
    assert error_message(client.get("/api/v1/agencies"), 401) == \
        "Token API diperlukan (header Authorization: Bearer <token>)."
    assert error_message(client.get("/api/v1/agencies", headers={"Accept-Language": "en"}), 401) == \
        "An API token is required (header Authorization: Bearer <token>)."


def test_api_default_messages_are_translated(make_user, api_as):
    viewer = api_as(make_user(role="viewer"))
    english = {"Accept-Language": "en"}
    # An error class's default message and a plain HTTP error.
    assert error_message(viewer.get("/api/v1/users"), 403) == "Anda tidak berwenang melakukan ini."
    assert error_message(viewer.get("/api/v1/users", headers=english), 403) == "You are not authorised to do this."
    assert error_message(viewer.get("/api/v1/tidak-ada", headers=english), 404) == "Page or record not found."


def test_api_field_errors_are_translated(client):
    body = {"username": 5, "password": "x"}
    indonesian = client.post("/api/v1/tokens", json=body)
    assert indonesian.status_code == 400
    assert indonesian.get_json()["error"]["fields"]["username"] == "Harus berupa teks."
    english = client.post("/api/v1/tokens", json=body, headers={"Accept-Language": "en"})
    assert english.get_json()["error"]["fields"]["username"] == "Must be text."


# ---- the catalogue ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def english_catalogue():
    with open(EN_PO, "rb") as f:
        return read_po(f)


def _texts(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def test_english_catalogue_is_complete(english_catalogue):
    messages = [m for m in english_catalogue if m.id]
    assert len(messages) > 500
    untranslated = [m.id for m in messages if not all(s.strip() for s in _texts(m.string))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    assert not english_catalogue.fuzzy
    assert list(english_catalogue.obsolete) == []


def test_english_placeholders_match_the_source(english_catalogue):
    problems = []
    for message in english_catalogue:
        if not message.id:
            continue
        wanted = Counter(PLACEHOLDER.findall(_texts(message.id)[-1]))
        for text in _texts(message.string):
            if Counter(PLACEHOLDER.findall(text)) != wanted:
                problems.append((message.id, text))
    assert problems == []
    assert [(m.id, errors) for m, errors in english_catalogue.check()] == []


def test_built_in_validator_messages_follow_the_ui_language(client):
    """WTForms' own messages ("This field is required.") come in Indonesian by default."""
    page = client.post("/login", data={"username": "", "password": ""}).get_data(as_text=True)
    assert "Wajib diisi." in page
    assert "This field is required." not in page
    client.post("/language", data={"lang": "en", "next": "/login"})
    page = client.post("/login", data={"username": "", "password": ""}).get_data(as_text=True)
    assert "This field is required." in page
    assert "Wajib diisi." not in page
