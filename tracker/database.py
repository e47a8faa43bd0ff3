"""Engine set-up: SQLite pragmas and writing transactions that never fail with SQLITE_BUSY.

quality.md measured WAL with deferred transactions failing 60 % of read-then-write transactions
under concurrent writers; ``BEGIN IMMEDIATE`` failed none.  Safe-method requests (GET/HEAD/OPTIONS)
keep deferred transactions so readers never queue behind each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, has_request_context, request
from sqlalchemy import event

from tracker import changes
from tracker.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_read_only: ContextVar[bool] = ContextVar("tracker_read_only", default=False)


@contextmanager
def read_only() -> Iterator[None]:
    """Deferred (reading) transactions outside a request, e.g. a report rendered by the job queue.

    Outside a request every transaction begins IMMEDIATE, which on SQLite takes the write lock at
    once: right for the CLI and jobs that write, wrong for a long read, which would hold every web
    writer back for its whole duration.
    """
    token = _read_only.set(True)
    try:
        yield
    finally:
        _read_only.reset(token)


def _begin_statement() -> str:
    if _read_only.get() or (has_request_context() and request.method in SAFE_METHODS):
        return "BEGIN"
    return "BEGIN IMMEDIATE"


def configure_engine(app: Flask) -> None:
    engine = db.engine
    changes.install(engine)
    if engine.dialect.name != "sqlite":
        return
    synchronous = app.config.get("SQLITE_SYNCHRONOUS", "FULL").upper()
    if synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise RuntimeError(f"SQLITE_SYNCHRONOUS must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql(_begin_statement())


def sqlite_engine_options(uri: str) -> dict:
    if uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True}


# ---- query helpers shared by pages and API ----------------------------------------------------

def get_or_404(model, ident):
    """The row with this primary key, or the app's own 404 (``NotFound``, not werkzeug's)."""
    from tracker.errors import NotFound

    obj = db.session.get(model, ident)
    if obj is None:
        raise NotFound()
    return obj


def text_search(q: str, *columns):
    """A case-insensitive "contains ``q``" on any of ``columns``, with ``%`` and ``_`` in ``q`` taken
    literally (the one way every list, page or API, searches text)."""
    from sqlalchemy import or_

    return or_(*(column.icontains(q, autoescape=True) for column in columns))
