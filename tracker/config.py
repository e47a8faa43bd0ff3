"""Configuration: safe defaults, then ``TRACKER_*`` / well-known environment variables.

Load order (later wins): ``Config`` defaults -> environment -> the ``test_config`` mapping given to
``create_app``.  Every variable is listed in the README.
"""

from __future__ import annotations

import os
from datetime import timedelta

DEV_SECRET_KEY = "dev-only-insecure-key"


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return "sqlite:///" + os.path.join(instance_path, "tracker.sqlite3")
    # Heroku-style URLs and bare postgresql:// both mean psycopg 3 here.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def from_environment(instance_path: str) -> dict:
    """Settings read from the process environment when the app is created."""
    env = os.environ
    return {
        "SECRET_KEY": env.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "TRACKER_ENV": env.get("TRACKER_ENV", "development"),
        "REDIS_URL": env.get("REDIS_URL") or None,
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), False),
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=_int("SESSION_IDLE_MINUTES", 60)),
        "MAX_CONTENT_LENGTH": _int("MAX_UPLOAD_MB", 10) * 1024 * 1024,
        "UPLOAD_FOLDER": env.get("UPLOAD_FOLDER") or os.path.join(instance_path, "uploads"),
        "REPORT_FOLDER": env.get("REPORT_FOLDER") or os.path.join(instance_path, "reports"),
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS"), False),
        "MAIL_FROM": env.get("MAIL_FROM", "tkpk-tracker@localhost"),
        "REGION_NAME": env.get("REGION_NAME") or None,
        "API_TOKEN_DAYS": _int("API_TOKEN_DAYS", 30),
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCKOUT_MINUTES": _int("LOGIN_LOCKOUT_MINUTES", 15),
        "DEFAULT_DUE_DAY": _int("DEFAULT_DUE_DAY", 10),
        "SQLITE_SYNCHRONOUS": env.get("SQLITE_SYNCHRONOUS", "FULL"),
        "MEMO_ENTRIES": _int("MEMO_ENTRIES", 64),
        "PERSONAL_DATA_HASH_KEY": env.get("PERSONAL_DATA_HASH_KEY") or None,
        "PERSONAL_DATA_KEYS": env.get("PERSONAL_DATA_KEYS") or None,
        "BENEFICIARY_NAME_THRESHOLD": _int("BENEFICIARY_NAME_THRESHOLD", 85),
        "TARGET_LIST_MAX_MB": _int("TARGET_LIST_MAX_MB", 60),
        "MEMO_MAX_BYTES": _int("MEMO_MAX_MB", 64) * 1024 * 1024,
    }


class Config:
    """Defaults that need no environment at all (the embedded SQLite setup)."""

    TRACKER_ENV = "development"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_RECORD_QUERIES = False
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, which has an idle limit
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "tkpk_session"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    LANGUAGES = ("id", "en")
    JSON_SORT_KEYS = False
    # scrypt with N = 2**17 (quality.md asks for >= 2**17; Werkzeug's default is 2**15).
    PASSWORD_HASH_METHOD = "scrypt:131072:8:1"
    PASSWORD_MIN_LENGTH = 12
    API_PER_PAGE_DEFAULT = 50
    API_PER_PAGE_MAX = 500
    # A short wait: a sync worker waiting on a render serves nobody else (bench/reports.py saw 8 s
    # stalls of the dashboard with 8); a quick report still comes back in the same request.
    REPORT_WAIT_SECONDS = 2


MIN_SCRYPT_N = 2 ** 17
MIN_PBKDF2_ITERATIONS = 600_000


def password_hash_method_is_strong(method: str) -> bool:
    """scrypt with N >= 2**17 or PBKDF2 with >= 600,000 iterations (quality.md, Passwords)."""
    from werkzeug.security import DEFAULT_PBKDF2_ITERATIONS

    parts = (method or "").split(":")
    try:
        if parts[0] == "scrypt":
            return len(parts) >= 2 and int(parts[1]) >= MIN_SCRYPT_N  # bare "scrypt" is Werkzeug's 2**15
        if parts[0] == "pbkdf2":
            iterations = int(parts[2]) if len(parts) > 2 else DEFAULT_PBKDF2_ITERATIONS
            return iterations >= MIN_PBKDF2_ITERATIONS
    except ValueError:
        return False
    return False


def check_production_safety(config: dict) -> None:
    """Refuse to run in production with a guessable key or weak password hashing (quality.md, Config)."""
    if config.get("TESTING") or config.get("TRACKER_ENV") != "production":
        return
    key = config.get("SECRET_KEY") or ""
    if key == DEV_SECRET_KEY or len(key) < 32:
        raise RuntimeError(
            "SECRET_KEY must be set to a random string of at least 32 characters in production "
            '(e.g. python -c "import secrets; print(secrets.token_urlsafe(48))").'
        )
    if not password_hash_method_is_strong(config.get("PASSWORD_HASH_METHOD", "")):
        raise RuntimeError(
            "PASSWORD_HASH_METHOD is too weak for production: use scrypt with N >= 2**17 "
            "(the default, scrypt:131072:8:1) or pbkdf2 with >= 600000 iterations."
        )
    _check_personal_data_keys(config)


def _check_personal_data_keys(config: dict) -> None:
    """NIK and KK numbers (UU 27/2022) are hashed and encrypted under keys of their own; derived ones
    would change with SECRET_KEY and lose every stored number."""
    from cryptography.fernet import Fernet

    if len(config.get("PERSONAL_DATA_HASH_KEY") or "") < 32:
        raise RuntimeError("PERSONAL_DATA_HASH_KEY must be set to a random string of at least 32 characters in "
                           'production (python -c "import secrets; print(secrets.token_urlsafe(48))").')
    keys = [k.strip() for k in (config.get("PERSONAL_DATA_KEYS") or "").split(",") if k.strip()]
    if not keys:
        raise RuntimeError('PERSONAL_DATA_KEYS must be set in production (python -c "from cryptography.fernet '
                           'import Fernet; print(Fernet.generate_key().decode())").')
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            raise RuntimeError("PERSONAL_DATA_KEYS holds a key that is not a Fernet key (32 url-safe base64 bytes, "
                               "as Fernet.generate_key() prints).") from None
