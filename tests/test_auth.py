"""Signing in and out, sessions, throttling and password changes, through the HTTP surface."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.conftest import PASSWORD, login
from tracker.auth.models import ApiToken, LoginFailure, LoginSession, User
from tracker.extensions import db
from tracker.types import utcnow

COOKIE = "tkpk_session"
WRONG = "Salah-Sekali-Kata-Sandi-1"
NEW_PASSWORD = "Kopi-Tubruk-Pagi-Hari-42"


def _set_cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def _without_csrf(html: str) -> str:
    return re.sub(r'(value|content)="[^"]*"', r'\1=""', html)


def _session_count(user) -> int:
    return db.session.scalar(select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id))


def _token_count(user) -> int:
    return db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id))


def _assert_signed_out(client):
    response = client.get("/")
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/login")


# ---- signing in -------------------------------------------------------------------------------

def test_login_success_redirects_home_and_signs_in(client, make_user):
    user = make_user(role="viewer")
    response = login(client, user)
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert _session_count(user) == 1
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_login_accepts_username_in_other_case_and_spaces(client, make_user):
    user = make_user(role="viewer", username="budi.santoso")
    response = login(client, "  Budi.Santoso ")
    assert response.status_code in (302, 303)
    assert client.get("/").status_code == 200
    assert _session_count(user) == 1


def test_wrong_password_and_unknown_user_look_the_same(app, make_user):
    user = make_user(role="viewer")
    wrong = login(app.test_client(), user, WRONG)
    unknown = login(app.test_client(), "tidak.ada.orangnya", WRONG)
    assert wrong.status_code == unknown.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in wrong.get_data(as_text=True)
    # The username field echoes what was typed; everything else must be identical.
    body_wrong = _without_csrf(wrong.get_data(as_text=True))
    body_unknown = _without_csrf(unknown.get_data(as_text=True))
    assert body_wrong == body_unknown
    assert _session_count(user) == 0


def test_inactive_user_cannot_sign_in_and_gets_the_same_message(client, make_user):
    user = make_user(role="viewer")
    user.active = False
    db.session.commit()
    response = login(client, user)
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    _assert_signed_out(client)


def test_sixth_bad_try_is_throttled_even_with_the_right_password(client, make_user):
    user = make_user(role="viewer")
    for _ in range(5):
        assert login(client, user, WRONG).status_code == 401
    sixth = login(client, user, PASSWORD)
    assert sixth.status_code == 429
    assert "Terlalu banyak percobaan" in sixth.get_data(as_text=True)
    _assert_signed_out(client)
    # The API token exchange shares the same counter.
    api = client.post("/api/v1/tokens", json={"username": user.username, "password": PASSWORD})
    assert api.status_code == 429
    assert api.get_json()["error"]["code"] == "rate_limited"


def test_throttle_is_counted_in_the_database_across_workers(make_app, app, make_user):
    """Two app instances (two gunicorn workers) share one count."""
    user = make_user(role="viewer")
    worker_a, worker_b = make_app().test_client(), make_app().test_client()
    for i in range(5):
        worker = worker_a if i % 2 == 0 else worker_b
        assert login(worker, user, WRONG).status_code == 401
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 5
    assert login(worker_b, user, PASSWORD).status_code == 429
    assert login(make_app().test_client(), user, PASSWORD).status_code == 429


def test_throttle_cannot_be_dodged_by_varying_case_or_spaces(client, make_user):
    user = make_user(role="viewer", username="siti.aminah")
    for variant in ("siti.aminah", "SITI.AMINAH", " siti.aminah", "siti.aminah ", "  Siti.Aminah"):
        assert login(client, variant, WRONG).status_code == 401
    assert login(client, user, PASSWORD).status_code == 429


def test_throttle_window_expires(client, make_user):
    user = make_user(role="viewer")
    for _ in range(5):
        login(client, user, WRONG)
    assert login(client, user, PASSWORD).status_code == 429
    db.session.execute(update(LoginFailure).values(at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    assert login(client, user, PASSWORD).status_code in (302, 303)


def test_successful_login_clears_the_failures_for_that_user(client, make_user):
    user = make_user(role="viewer")
    for _ in range(4):
        login(client, user, WRONG)
    assert login(client, user, PASSWORD).status_code in (302, 303)
    client.post("/logout")
    for _ in range(4):
        assert login(client, user, WRONG).status_code == 401
    assert login(client, user, PASSWORD).status_code in (302, 303)


def test_one_address_trying_many_accounts_is_throttled(app, make_user):
    """A shared office address may try a few accounts, but not endlessly (4 x the per-user limit)."""
    user = make_user(role="viewer")
    client = app.test_client()
    limit = app.config["LOGIN_MAX_FAILURES"] * 4
    for i in range(limit):
        assert login(client, f"tebakan{i}", WRONG).status_code == 401
    assert login(client, user, PASSWORD).status_code == 429
    # Another address is not affected.
    other = app.test_client()
    response = other.post("/login", data={"username": user.username, "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "192.0.2.77"})
    assert response.status_code in (302, 303)


# ---- next= ------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", [
    "//evil.com", "/\\evil.com", "\\\\evil.com", "javascript:alert(1)", "https://evil.com",
    "http://evil.com/", "///evil.com", "/\t/evil.com", " //evil.com", "evil.com",
])
def test_next_only_accepts_local_paths(client, make_user, target):
    user = make_user(role="viewer")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD, "next": target})
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["//evil.com", "/\\evil.com", "javascript:alert(1)", "https://evil.com"])
def test_language_switch_next_is_local_only(client, target):
    response = client.post("/language", data={"lang": "en", "next": target})
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/"


def test_language_choice_is_kept_for_a_signed_in_user(app, client_as, make_user):
    user = make_user(role="viewer")
    browser = client_as(user)
    assert browser.post("/language", data={"lang": "en", "next": "/"}).headers["Location"] == "/"
    db.session.refresh(user)
    assert user.language == "en"
    assert 'lang="en"' in browser.get("/").get_data(as_text=True)
    # A new sign-in elsewhere starts in the saved language.
    assert 'lang="en"' in client_as(user).get("/").get_data(as_text=True)
    browser.post("/language", data={"lang": "xx", "next": "/"})
    db.session.refresh(user)
    assert user.language == "en"


def test_next_local_path_is_followed(client, make_user):
    user = make_user(role="admin")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                           "next": "/admin/users/?page=2"})
    assert response.headers["Location"] == "/admin/users/?page=2"


def test_login_page_carries_next_from_the_redirect(client, make_user):
    first = client.get("/admin/users/")
    assert first.status_code in (302, 303)
    assert first.headers["Location"].startswith("/login")
    page = client.get(first.headers["Location"])
    assert 'value="/admin/users/"' in page.get_data(as_text=True)


def test_signed_in_user_visiting_login_with_evil_next_goes_home(client, make_user):
    user = make_user(role="viewer")
    login(client, user)
    response = client.get("/login?next=//evil.com")
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/"


# ---- sessions ---------------------------------------------------------------------------------

def test_login_starts_a_new_session(client, make_user):
    """Session fixation: nothing planted before sign-in survives it, and each sign-in gets a new id."""
    user = make_user(role="viewer")
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
        sess["_user_id"] = "attacker-chosen-token"
    before = client.get_cookie(COOKIE).value
    login(client, user)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        first_token = sess["_user_id"]
    assert first_token != "attacker-chosen-token"
    assert client.get_cookie(COOKIE).value != before
    client.post("/logout")
    login(client, user)
    with client.session_transaction() as sess:
        assert sess["_user_id"] != first_token
    # The cookie holds a random token, never the row id.
    assert first_token != str(user.id)


def test_logout_ends_the_session_on_the_server(app, client, make_user):
    user = make_user(role="viewer")
    login(client, user)
    stolen = client.get_cookie(COOKIE).value
    response = client.post("/logout")
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/login")
    _assert_signed_out(client)
    assert _session_count(user) == 0
    replay = app.test_client()
    replay.set_cookie(COOKIE, stolen)
    _assert_signed_out(replay)


def test_logout_only_ends_this_browser(app, client_as, make_user):
    user = make_user(role="viewer")
    office, phone = client_as(user), client_as(user)
    office.post("/logout")
    _assert_signed_out(office)
    assert phone.get("/").status_code == 200


def test_get_logout_is_not_allowed(client, make_user):
    user = make_user(role="viewer")
    login(client, user)
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_deactivation_ends_sessions_and_revokes_tokens(app, client_as, api_as, make_user):
    admin = make_user(role="admin")
    user = make_user(role="coordinator")
    browser = client_as(user)
    token_client = api_as(user)
    assert token_client.get("/api/v1/agencies").status_code == 200
    response = api_as(admin).patch(f"/api/v1/users/{user.id}", json={"active": False, "version": user.version})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["active"] is False
    _assert_signed_out(browser)
    assert token_client.get("/api/v1/agencies").status_code == 401
    assert _session_count(user) == 0 and _token_count(user) == 0
    # Reactivating does not bring the old session back.
    db.session.refresh(user)
    api_as(admin).patch(f"/api/v1/users/{user.id}", json={"active": True, "version": user.version})
    _assert_signed_out(browser)
    assert token_client.get("/api/v1/agencies").status_code == 401


def test_inactive_user_row_blocks_existing_session_even_without_cleanup(app, client_as, make_user):
    """A flag flipped directly in the database (another worker, a script) is honoured at once."""
    user = make_user(role="viewer")
    browser = client_as(user)
    db.session.execute(update(User).where(User.id == user.id).values(active=False))
    db.session.commit()
    _assert_signed_out(browser)


def test_admin_password_reset_ends_sessions_and_tokens(app, client_as, api_as, make_user):
    from tracker.users.services import reset_password

    admin = make_user(role="admin")
    user = make_user(role="viewer")
    browser = client_as(user)
    token_client = api_as(user)
    reset_password(user, NEW_PASSWORD, actor=admin)
    db.session.commit()
    _assert_signed_out(browser)
    assert token_client.get("/api/v1/agencies").status_code == 401
    # Old password no longer works; the new one does, and asks for a change first.
    assert login(app.test_client(), user, PASSWORD).status_code == 401
    response = login(app.test_client(), user, NEW_PASSWORD)
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/account/password"


def test_role_change_ends_sessions(app, client_as, api_as, make_user):
    admin = make_user(role="admin")
    user = make_user(role="coordinator")
    browser = client_as(user)
    response = api_as(admin).patch(f"/api/v1/users/{user.id}", json={"role": "viewer", "version": user.version})
    assert response.status_code == 200, response.get_json()
    _assert_signed_out(browser)


def test_idle_session_expires_on_the_server(app, client_as, make_user):
    user = make_user(role="viewer")
    browser = client_as(user)
    limit = app.config["PERMANENT_SESSION_LIFETIME"]
    db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - limit - timedelta(minutes=1)))
    db.session.commit()
    _assert_signed_out(browser)
    assert _session_count(user) == 0


def test_activity_keeps_the_session_alive(app, client_as, make_user):
    user = make_user(role="viewer")
    browser = client_as(user)
    limit = app.config["PERMANENT_SESSION_LIFETIME"]
    almost = utcnow() - limit + timedelta(minutes=5)
    db.session.execute(update(LoginSession).values(last_seen_at=almost))
    db.session.commit()
    assert browser.get("/").status_code == 200
    seen = db.session.scalar(select(LoginSession.last_seen_at))
    assert seen > almost + timedelta(minutes=4)


def test_idle_limit_comes_from_configuration(make_app, app, make_user):
    short = make_app(PERMANENT_SESSION_LIFETIME=timedelta(minutes=2))
    user = make_user(role="viewer")
    browser = short.test_client()
    login(browser, user)
    assert browser.get("/").status_code == 200
    db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=3)))
    db.session.commit()
    _assert_signed_out(browser)


def test_session_cookie_flags(client, make_user):
    user = make_user(role="viewer")
    response = login(client, user)
    cookies = _set_cookies(response)
    session_cookies = [c for c in cookies if c.startswith(COOKIE + "=")]
    assert session_cookies, cookies
    cookie = session_cookies[-1]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in development


def test_session_cookie_secure_when_configured(make_app, app, make_user):
    secure = make_app(SESSION_COOKIE_SECURE=True)
    user = make_user(role="viewer")
    response = login(secure.test_client(), user)
    cookie = [c for c in _set_cookies(response) if c.startswith(COOKIE + "=")][-1]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_no_remember_me_cookie(client, make_user):
    user = make_user(role="viewer")
    page = client.get("/login").get_data(as_text=True)
    assert "remember" not in page.lower()
    response = client.post("/login", data={"username": user.username, "password": PASSWORD, "remember": "y"})
    names = [c.split("=", 1)[0] for c in _set_cookies(response)]
    assert names and set(names) == {COOKIE}
    assert client.get_cookie("remember_token") is None


# ---- own password -----------------------------------------------------------------------------

def _change(client, current, new, confirm=None):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new, "confirm": new if confirm is None else confirm})


def test_change_password_requires_login(client):
    response = client.get("/account/password")
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/login")


def test_change_password_wrong_current_is_refused(app, client_as, make_user):
    user = make_user(role="viewer")
    browser = client_as(user)
    response = _change(browser, WRONG, NEW_PASSWORD)
    assert response.status_code == 200
    assert "Kata sandi saat ini salah." in response.get_data(as_text=True)
    assert login(app.test_client(), user, NEW_PASSWORD).status_code == 401
    assert login(app.test_client(), user, PASSWORD).status_code in (302, 303)


@pytest.mark.parametrize("weak", ["pendek-1A", "password1234", "Bismillah2025!"])
def test_change_password_weak_new_is_refused(app, client_as, make_user, weak):
    user = make_user(role="viewer")
    browser = client_as(user)
    response = _change(browser, PASSWORD, weak)
    assert response.status_code == 200
    assert "is-invalid" in response.get_data(as_text=True)
    assert login(app.test_client(), user, PASSWORD).status_code in (302, 303)


def test_change_password_confirmation_must_match(app, client_as, make_user):
    user = make_user(role="viewer")
    browser = client_as(user)
    response = _change(browser, PASSWORD, NEW_PASSWORD, confirm=NEW_PASSWORD + "x")
    assert response.status_code == 200
    assert login(app.test_client(), user, PASSWORD).status_code in (302, 303)


def test_change_password_success(app, client_as, api_as, make_user):
    user = make_user(role="viewer")
    browser = client_as(user)
    other_browser = client_as(user)
    token_client = api_as(user)
    response = _change(browser, PASSWORD, NEW_PASSWORD)
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/"
    # This browser stays signed in; other sessions and tokens end.
    assert browser.get("/").status_code == 200
    _assert_signed_out(other_browser)
    assert token_client.get("/api/v1/agencies").status_code == 401
    assert login(app.test_client(), user, PASSWORD).status_code == 401
    assert login(app.test_client(), user, NEW_PASSWORD).status_code in (302, 303)


def test_forced_change_after_reset_clears_the_flag(app, make_user):
    from tracker.users.services import reset_password

    user = make_user(role="viewer")
    reset_password(user, NEW_PASSWORD)
    db.session.commit()
    browser = app.test_client()
    assert login(browser, user, NEW_PASSWORD).headers["Location"] == "/account/password"
    response = _change(browser, NEW_PASSWORD, "Teh-Manis-Sore-Hari-17")
    assert response.status_code in (302, 303)
    db.session.refresh(user)
    assert user.must_change_password is False
    assert login(app.test_client(), user, "Teh-Manis-Sore-Hari-17").headers["Location"] == "/"
