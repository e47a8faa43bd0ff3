"""The audit trail: one row per change, added to the session of the change itself."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any, Iterable

from flask import g, has_request_context
from flask_login import current_user

from tracker.audit.models import AuditLog
from tracker.extensions import db


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict:
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that differ, so the log says what actually changed."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def client_ip() -> str:
    """The address the change came from, noted per request by ``tracker.audit.init_app``."""
    return g.get("audit_client_ip", "") if has_request_context() else ""


def record(
    action: str,
    entity: str,
    entity_id: Any = "",
    *,
    before: dict | None = None,
    after: dict | None = None,
    summary: str = "",
    agency_id: int | None = None,
    company_id: int | None = None,
    actor=None,
) -> AuditLog:
    """Add an audit row to the current transaction; it commits or rolls back with the change."""
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    row = AuditLog(
        user_id=getattr(actor, "id", None),
        username=getattr(actor, "username", "") or ("cli" if not has_request_context() else ""),
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        agency_id=agency_id,
        company_id=company_id,
        summary=summary[:300],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        ip=client_ip(),
    )
    db.session.add(row)
    return row
