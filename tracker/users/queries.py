"""The user list, shared by the admin page and the API."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.sql import Select

from tracker.auth.models import User
from tracker.database import text_search


def user_list(q: str = "", role: str | None = None, active: bool | None = None) -> Select:
    stmt = select(User).order_by(User.username)
    if q:
        stmt = stmt.where(text_search(q, User.username, User.full_name, User.email))
    if role:
        stmt = stmt.where(User.role == role)
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    return stmt
