"""Password rules (length, common passwords, username) and the strength of the stored hash."""

from __future__ import annotations

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from tests.conftest import base_config, login
from tracker import create_app
from tracker.auth.models import User
from tracker.config import Config
from tracker.extensions import db

GOOD = "Kerupuk-Udang-Sambal-Matah-9"

PRODUCTION_FERNET_KEY = "x7WxX0m8d1Y2b3c4d5e6f7g8h9i0j1k2l3m4n5o6p7Q="


def _create(api, username, password, role="viewer"):
    return api.post("/api/v1/users", json={"username": username, "full_name": "Uji", "role": role,
                                           "password": password})


@pytest.fixture
def admin_api(make_user, api_as):
    return api_as(make_user(role="admin"))


@pytest.mark.parametrize("password", [
    "Pendek-1a",          # 9 characters
    "Abcdefgh-12",        # 11 characters: one short of the minimum
    "",
])
def test_short_passwords_are_refused(admin_api, password):
    response = _create(admin_api, "pendek", password)
    assert response.status_code == 422
    assert "minimal 12" in response.get_json()["error"]["fields"]["password"].lower()
    assert db.session.query(User).filter_by(username="pendek").count() == 0


def test_twelve_characters_are_enough(admin_api):
    assert _create(admin_api, "duabelas", "Gx7-kp2Qz!w9").status_code == 201


@pytest.mark.parametrize("password", [
    "password1234", "Password1234", "PASSWORD1234", "qwerty123456", "Bismillah2025!", "bismillah123456",
    "Indonesia1945!", "Merdeka!!2025", "Jakarta-123456", "Rahasia2025!!", "administrator1",
    "aaaaaaaaaaaa", "121212121212", "passwordpassword",
])
def test_common_passwords_are_refused(admin_api, password):
    response = _create(admin_api, "umum", password)
    assert response.status_code == 422, password
    assert "password" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("password", ["budi.santoso-Kuat-99", "xxBUDI.SANTOSOxx-2025", "Kuat99budi.santoso"])
def test_password_containing_the_username_is_refused(admin_api, password):
    response = _create(admin_api, "budi.santoso", password)
    assert response.status_code == 422
    assert "password" in response.get_json()["error"]["fields"]


def test_overlong_password_is_refused(admin_api):
    response = _create(admin_api, "panjang", "Aa1-" * 70)
    assert response.status_code in (400, 422)
    assert "password" in response.get_json()["error"]["fields"]


def test_good_password_is_accepted_and_works(app, admin_api):
    response = _create(admin_api, "pengguna.baik", GOOD)
    assert response.status_code == 201, response.get_json()
    assert "password" not in response.get_json() and "password_hash" not in response.get_json()
    user = db.session.query(User).filter_by(username="pengguna.baik").one()
    assert GOOD not in user.password_hash
    assert login(app.test_client(), "pengguna.baik", GOOD).status_code in (302, 303)


# ---- hashing ----------------------------------------------------------------------------------

def _scrypt_n(method: str) -> int:
    name, n, *_rest = method.split(":")
    assert name == "scrypt"
    return int(n)


def test_production_default_is_scrypt_2_17():
    assert _scrypt_n(Config.PASSWORD_HASH_METHOD) >= 2 ** 17


def test_hash_from_the_default_configuration_is_scrypt_131072(app):
    config = base_config()
    del config["PASSWORD_HASH_METHOD"]  # the test suite's fast setting; use the real default
    default_app = create_app(config)
    from tracker.auth.passwords import hash_password, verify_password

    with default_app.app_context():
        assert default_app.config["PASSWORD_HASH_METHOD"] == Config.PASSWORD_HASH_METHOD
        hashed = hash_password(GOOD)
        assert hashed.startswith("scrypt:131072:")
        assert verify_password(hashed, GOOD)
        assert not verify_password(hashed, GOOD + "x")
    # A user created by that app can sign in through it.
    from tracker.users.services import UserInput, create_user

    with default_app.app_context():
        create_user(UserInput(username="scrypt.user", role="viewer", password=GOOD))
        db.session.commit()
        stored = db.session.query(User).filter_by(username="scrypt.user").one().password_hash
        assert stored.startswith("scrypt:131072:")
        db.session.remove()
    assert login(default_app.test_client(), "scrypt.user", GOOD).status_code in (302, 303)


def test_werkzeug_scrypt_default_is_weaker_so_we_do_not_rely_on_it():
    # Guards the reason PASSWORD_HASH_METHOD names N explicitly.
    default = generate_password_hash("x", method="scrypt")
    assert _scrypt_n(default.split("$")[0]) < 2 ** 17


def test_pbkdf2_alternative_is_at_least_600000_iterations():
    hashed = generate_password_hash(GOOD, method="pbkdf2:sha256")
    iterations = int(hashed.split("$")[0].split(":")[2])
    assert iterations >= 600_000
    assert check_password_hash(hashed, GOOD)


def _production(**overrides):
    config = base_config(TESTING=False, TRACKER_ENV="production",
                         SECRET_KEY="a-strong-random-production-secret-0123456789abcdef",
                         PERSONAL_DATA_HASH_KEY="p" * 40, PERSONAL_DATA_KEYS=PRODUCTION_FERNET_KEY)
    config.pop("PASSWORD_HASH_METHOD")
    config.update(overrides)
    return config


@pytest.mark.parametrize("method", ["pbkdf2:sha256:1000", "pbkdf2:sha256:599999", "scrypt:32768:8:1",
                                    "scrypt", "plain", "md5"])
def test_production_refuses_weak_hash_methods(app, method):
    with pytest.raises(RuntimeError, match="PASSWORD_HASH_METHOD"):
        create_app(_production(PASSWORD_HASH_METHOD=method))


@pytest.mark.parametrize("method", [None, "scrypt:131072:8:1", "scrypt:262144:8:1", "pbkdf2:sha256:600000",
                                    "pbkdf2:sha256", "pbkdf2:sha512:1000000"])
def test_production_accepts_strong_hash_methods(app, method):
    overrides = {} if method is None else {"PASSWORD_HASH_METHOD": method}
    created = create_app(_production(**overrides))
    assert created.config["TRACKER_ENV"] == "production"
