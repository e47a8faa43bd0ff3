"""Figures a page computed, kept in this process while the data they were computed from is unchanged.

``remembered(name, key, compute)`` returns what ``compute()`` returned the last time it ran with the
same ``name`` and ``key`` and the same change counters of every table (``tracker.changes``): one
small query decides, whatever the size of the data. Any committed write, by any worker, changes a
counter, so nothing stale is ever served; each worker keeps its own copy, so the app stays stateless.

The counters are read before ``compute()`` runs, so a value is never stored under counters newer
than the data it saw. Inside a transaction that has written (a test's uncommitted rows, a POST that
re-reads), nothing is remembered or reused: the counters do not show those writes yet.

A remembered value is shared by every later request: callers must treat it as read-only.
After restoring a database backup, restart the app (the counters go back with the data).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

from tracker import changes
from tracker.extensions import db

T = TypeVar("T")
DEFAULT_ENTRIES = 64
DEFAULT_BYTES = 64 * 1024 * 1024
FIGURES_SIZE = 256 * 1024  # what one page's figures (dicts of one page of rows) are reckoned to take
_EXTENSION = "tracker_memo"


def _size(value) -> int:
    return len(value) if isinstance(value, (bytes, str)) else FIGURES_SIZE


class _Store:
    """Least recently used first out, within a number of entries and of (reckoned) bytes."""

    def __init__(self, entries: int, max_bytes: int) -> None:
        self.entries, self.max_bytes = max(0, entries), max_bytes
        self.values: OrderedDict[Hashable, object] = OrderedDict()
        self.bytes = 0
        self.lock = threading.Lock()

    def get(self, key: Hashable):
        with self.lock:
            if key in self.values:
                self.values.move_to_end(key)
                return True, self.values[key]
        return False, None

    def put(self, key: Hashable, value) -> None:
        if _size(value) > self.max_bytes:
            return
        with self.lock:
            if key in self.values:
                self.bytes -= _size(self.values.pop(key))
            self.values[key] = value
            self.bytes += _size(value)
            while len(self.values) > self.entries or self.bytes > self.max_bytes:
                self.bytes -= _size(self.values.popitem(last=False)[1])


def _store() -> _Store:
    store = current_app.extensions.get(_EXTENSION)
    if store is None:
        config = current_app.config
        store = current_app.extensions[_EXTENSION] = _Store(config.get("MEMO_ENTRIES", DEFAULT_ENTRIES),
                                                            config.get("MEMO_MAX_BYTES", DEFAULT_BYTES))
    return store


def clear() -> None:
    """Forget everything (tests empty the tables, which sets the counters back)."""
    store = current_app.extensions.get(_EXTENSION)
    if store is not None:
        with store.lock:
            store.values.clear()
            store.bytes = 0


def remembered(name: str, key: Hashable, compute: Callable[[], T]) -> T:
    store = _store()
    if store.entries == 0:
        return compute()
    counters = changes.all_counters()
    if changes.has_unsaved_writes(db.session()):
        return compute()
    full_key = (name, key, counters)
    found, value = store.get(full_key)
    if found:
        return value  # type: ignore[return-value]
    value = compute()
    store.put(full_key, value)
    return value
