"""Login throttling counted in the database, so every gunicorn worker sees the same count."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from tracker.auth.models import LoginFailure
from tracker.errors import RateLimited
from tracker.extensions import db
from tracker.types import utcnow

# One address may try several accounts (a shared office NAT), but not endlessly.
IP_FACTOR = 4


def normalize(username: str | None) -> str:
    """The form a username is counted under: the same one sign-in looks the account up by,
    so ' Admin' and 'admin' share one count."""
    return (username or "").strip().lower()[:60]


def _window_start():
    return utcnow() - timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])


def check(username: str, ip: str) -> None:
    """Raise RateLimited once the limit of failures in the window is reached."""
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    since = _window_start()
    by_user = db.session.scalar(
        select(func.count()).select_from(LoginFailure)
        .where(LoginFailure.username == normalize(username), LoginFailure.at >= since)
    )
    by_ip = db.session.scalar(
        select(func.count()).select_from(LoginFailure).where(LoginFailure.ip == ip, LoginFailure.at >= since)
    )
    if by_user >= limit or by_ip >= limit * IP_FACTOR:
        raise RateLimited()


def record_failure(username: str, ip: str) -> None:
    """Count a failure and commit it at once: the failed request itself changes nothing else.
    Failures older than a day count for nothing any more and are dropped on the way, so the table
    stays as small as the last day's attempts."""
    purge_old()
    db.session.add(LoginFailure(username=normalize(username), ip=ip[:45]))
    db.session.commit()


def clear(username: str) -> None:
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == normalize(username)))


def purge_old() -> int:
    """Delete failures older than a day, or than the lockout window when that is set longer."""
    keep = max(timedelta(days=1), timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"]))
    result = db.session.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - keep))
    return result.rowcount or 0
