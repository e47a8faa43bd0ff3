"""Password rules (quality.md): length, common passwords, strong hashing."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

# A hash of a random string, so a login for an unknown user costs the same time as a real one.
_DUMMY_HASH: dict[str, str] = {}


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("tracker.auth").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Base words that stay weak whatever digits or symbols are added around them."""
    return frozenset(w for w in common_passwords() if w.isalpha())


def password_problem(password: str, username: str = "") -> str | None:
    """The reason a password is refused, in the UI language, or None when it is acceptable."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _("Kata sandi minimal %(n)d karakter.", n=minimum)
    if len(password) > 256:
        return _("Kata sandi maksimal 256 karakter.")
    lowered = password.lower()
    letters = re.sub(r"[^a-z]", "", lowered)
    if (
        lowered in common_passwords()
        or letters in common_words()
        or len(set(lowered)) <= 3
        or (username and username.lower() in lowered)
    ):
        return _("Kata sandi terlalu umum atau mudah ditebak. Gunakan gabungan beberapa kata yang tidak lazim.")
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        if method not in _DUMMY_HASH:
            _DUMMY_HASH[method] = generate_password_hash("not-a-real-password", method=method)
        check_password_hash(_DUMMY_HASH[method], password)
        return False
    return check_password_hash(password_hash, password)
