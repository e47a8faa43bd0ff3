"""Server-side login sessions: a random token in the cookie, its hash in the database.

Deleting the row ends the session for every worker (logout, deactivation, password reset), and
the idle limit is checked on the server, not trusted to the cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, request, session
from flask_login import login_user, logout_user
from sqlalchemy import delete, select, update
from sqlalchemy.exc import OperationalError

from tracker.auth.models import ApiToken, LoginSession, User
from tracker.extensions import db, login_manager
from tracker.types import utcnow

LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> None:
    """Sign ``user`` in with a fresh session (no fixation: the old session data is dropped)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(
        token_hash=hash_token(token), user_id=user.id,
        ip=(request.remote_addr or "")[:45], user_agent=(request.user_agent.string or "")[:200],
    ))
    # A plain UPDATE: signing in is not an edit of the account, so it must not bump ``version``
    # (an administrator editing the account meanwhile would get a false conflict).
    db.session.execute(update(User).where(User.id == user.id).values(last_login_at=utcnow()))
    user.login_token = token
    session.permanent = True
    login_user(user, remember=False)


def end_session(user: User | None) -> None:
    token = getattr(user, "login_token", None)
    if token:
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == hash_token(token)))
    logout_user()
    session.clear()


def end_all_sessions(user: User) -> None:
    """Sign the user out everywhere: browser sessions and API tokens."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """Resolve the cookie's token; runs first in each request (see ``create_app``).

    The lookup and its bookkeeping (idle expiry, last seen) use their own short transaction, so
    they never ride on, or wait behind, the request's own transaction.
    """
    if not token:
        return None
    now = utcnow()
    idle = current_app.config["PERMANENT_SESSION_LIFETIME"]
    with db.engine.connect() as connection:
        row = connection.execute(
            select(LoginSession.id, LoginSession.user_id, LoginSession.last_seen_at, User.active)
            .join(User, User.id == LoginSession.user_id)
            .where(LoginSession.token_hash == hash_token(token))
        ).first()
        if row is None:
            return None
        last_seen = row.last_seen_at
        expired = not row.active or now - last_seen > idle
        try:
            if expired:
                connection.execute(delete(LoginSession).where(LoginSession.id == row.id))
            elif now - last_seen > LAST_SEEN_RESOLUTION:
                connection.execute(update(LoginSession).where(LoginSession.id == row.id).values(last_seen_at=now))
            connection.commit()
        except OperationalError:
            current_app.logger.warning("could not update login session bookkeeping", exc_info=True)
    if expired:
        return None
    user = db.session.get(User, row.user_id)
    if user is not None:
        user.login_token = token
    return user
