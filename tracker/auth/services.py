"""Signing in: checking a password, changing one's own password, API tokens.  (The registry of
accounts is ``tracker.users.services``.)

Services validate, change, audit and flush; the caller commits (one transaction per request).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from tracker.audit import services as audit
from tracker.auth.models import ApiToken, User
from tracker.auth.passwords import hash_password, password_problem, verify_password
from tracker.auth.sessions import end_all_sessions, hash_token
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.types import utcnow


def change_own_password(user: User, current: str, new: str) -> None:
    errors: dict[str, str] = {}
    if not verify_password(user.password_hash, current):
        errors["current_password"] = _("Kata sandi saat ini salah.")
    problem = password_problem(new, user.username)
    if problem:
        errors["new_password"] = problem
    elif current == new:
        errors["new_password"] = _("Kata sandi baru harus berbeda dari yang lama.")
    if errors:
        raise ValidationFailed(_("Kata sandi tidak diubah."), errors)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    # Other browsers and tokens signed in with the old password end; this one is renewed by the view.
    end_all_sessions(user)
    db.session.flush()
    audit.record("change_password", "user", user.id, summary=f"{user.username} mengganti kata sandi", actor=user)


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    ok = verify_password(user.password_hash if user else None, password or "")
    if user is None or not ok or not user.active:
        return None
    return user


# ---- API tokens -------------------------------------------------------------------------------

def issue_token(user: User) -> tuple[str, ApiToken]:
    raw = secrets.token_urlsafe(32)
    token = ApiToken(
        token_hash=hash_token(raw), user_id=user.id,
        expires_at=utcnow() + timedelta(days=current_app.config["API_TOKEN_DAYS"]),
    )
    db.session.add(token)
    db.session.flush()
    return raw, token


def user_for_token(raw: str) -> tuple[User, ApiToken] | None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.expires_at <= utcnow() or not token.user.active:
        return None
    return token.user, token


def revoke_token(token: ApiToken) -> None:
    db.session.delete(token)
