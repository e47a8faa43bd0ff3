"""Per-table change counters: what a cache key reads instead of scanning the tables it depends on.

Every transaction that inserts, updates or deletes rows of a table adds one to that table's counter
in ``data_change``, in the same transaction, just before it commits. A cache keyed by the counters
of the tables it read (``counters``) therefore sees every committed change, whatever the code path
(an ORM flush, a bulk ``update()``, a Core ``insert()`` on ``session.connection()``), in one query
that costs the same on the small and the large demo.

The bump happens at commit, in table-name order, so the counter rows are locked only for the
moment of the commit and always in the same order: two writers never wait for each other in a
cycle (PostgreSQL), and a rolled-back transaction bumps nothing. Writes that bypass SQLAlchemy
(``psql`` by hand, a restored backup) do not count: after one, ``flask --app wsgi data-changed``
(``forget_everything``) makes every cache start again.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy import BigInteger, Engine, String, event, inspect, select, text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db

TABLE = "data_change"
_TOUCHED = "tracker_touched_tables"
_READY = "tracker_data_change_ready"
# Bookkeeping written by a request or a job's progress bar, which no cache reads.
_NOT_COUNTED = frozenset({TABLE, "alembic_version", "login_session", "api_token", "report_job"})
_BUMP = text(f"INSERT INTO {TABLE} (table_name, counter) VALUES (:name, 1) "
             f"ON CONFLICT (table_name) DO UPDATE SET counter = {TABLE}.counter + 1")


class DataChange(db.Model):
    __tablename__ = TABLE

    table_name: Mapped[str] = mapped_column(String(63), primary_key=True)
    counter: Mapped[int] = mapped_column(BigInteger, default=0)


def counters(table_names: Iterable[str]) -> dict[str, int]:
    """``{table: counter}`` for these tables; a table never written through the app counts 0."""
    names = sorted(set(table_names))
    found = dict(db.session.execute(select(DataChange.table_name, DataChange.counter)
                                    .where(DataChange.table_name.in_(names))).tuples().all()) if names else {}
    return {name: int(found.get(name, 0)) for name in names}


def all_counters() -> tuple[tuple[str, int], ...]:
    """Every table's counter, in name order: the key of a cache that may read any table."""
    return tuple(db.session.execute(select(DataChange.table_name, DataChange.counter)
                                    .order_by(DataChange.table_name)).tuples().all())


def has_unsaved_writes(session) -> bool:
    """Whether this session's transaction has written what the counters do not show yet."""
    if session.new or session.dirty or session.deleted:
        return True
    if not session.in_transaction():
        return False
    return bool(session.connection().info.get(_TOUCHED))


def forget_everything() -> int:
    """Raise every table's counter by a large random jump: after data was changed outside the app
    (``psql``, a restored backup), every cache misses once, in every worker, without a restart. The
    jump (not +1) keeps a restored database's counters from meeting the ones remembered before the
    restore. Returns the number of tables."""
    jump = secrets.randbelow(2**40) + 2**20
    names = sorted(t.name for t in db.metadata.sorted_tables if t.name not in _NOT_COUNTED)
    for name in names:
        db.session.execute(text(f"INSERT INTO {TABLE} (table_name, counter) VALUES (:name, :jump) "
                                f"ON CONFLICT (table_name) DO UPDATE SET counter = {TABLE}.counter + :jump"),
                           {"name": name, "jump": jump})
    db.session.commit()
    return len(names)


def _touched_table(context) -> str | None:
    if context is None or not (context.isinsert or context.isupdate or context.isdelete):
        return None
    compiled = getattr(context, "compiled", None)
    table = getattr(getattr(compiled, "statement", None), "table", None)
    name = getattr(table, "name", None)
    return name if name and name not in _NOT_COUNTED else None


def _after_cursor_execute(conn, _cursor, _statement, _parameters, context, _executemany) -> None:
    if context is not None and context.isddl:  # a migration may have dropped (or made) the table
        conn.info.pop(_READY, None)
    name = _touched_table(context)
    if name:
        conn.info.setdefault(_TOUCHED, set()).add(name)


def _ready(conn) -> bool:
    """Whether ``data_change`` exists: not while the migrations before it run."""
    if not conn.info.get(_READY):
        conn.info[_READY] = inspect(conn).has_table(TABLE)
    return conn.info[_READY]


def _on_commit(conn) -> None:
    touched = conn.info.pop(_TOUCHED, None)
    if touched and _ready(conn):
        conn.execute(_BUMP, [{"name": name} for name in sorted(touched)])


def _on_rollback(conn) -> None:
    conn.info.pop(_TOUCHED, None)


def install(engine: Engine) -> None:
    """Count the writes made through ``engine`` (once per engine: tests make many apps)."""
    if event.contains(engine, "after_cursor_execute", _after_cursor_execute):
        return
    event.listen(engine, "after_cursor_execute", _after_cursor_execute)
    event.listen(engine, "commit", _on_commit)
    event.listen(engine, "rollback", _on_rollback)
