"""Concurrent writers (quality.md, Concurrency): no failure, no lost row, no silent overwrite.

Runs on whichever database the suite uses (SQLite by default, PostgreSQL with TEST_DATABASE_URL).
Each writer is a separate HTTP client with its own token, as separate browsers or scripts would be.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from tests.conftest import audit_rows
from tracker.audit.models import AuditLog
from tracker.extensions import db
from tracker.reference.models import Agency

WRITERS = 8
COMMITS = 200


def _run_parallel(workers):
    # The test's own session must not sit in a transaction meanwhile: outside a request it would hold
    # SQLite's write lock (transactions there begin IMMEDIATE) and every writer would wait on it.
    db.session.commit()
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def wrap(work):
        def run():
            try:
                barrier.wait()
                work()
            except BaseException as err:  # collected and reported by the test
                errors.append(err)
        return run

    threads = [threading.Thread(target=wrap(w)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return errors


@pytest.mark.slow
def test_eight_writers_lose_nothing(app, make_user, api_as):
    """8 writers x 200 audited commits each: every request succeeds, every row and audit row is there."""
    clients = [api_as(make_user(role="admin")) for _ in range(WRITERS)]
    statuses: list[Counter] = [Counter() for _ in range(WRITERS)]
    audit_before = db.session.scalar(select(func.count()).select_from(AuditLog))

    def writer(n):
        def work():
            api = clients[n]
            for i in range(COMMITS):
                response = api.post("/api/v1/agencies", json={
                    "code": f"{n}.{i:03d}", "name": f"Dinas Beban {n}-{i}", "short_name": f"B{n}-{i}"})
                statuses[n][response.status_code] += 1
        return work

    started = time.monotonic()
    errors = _run_parallel([writer(n) for n in range(WRITERS)])
    elapsed = time.monotonic() - started
    assert not errors, errors
    total = sum(statuses, Counter())
    assert total == Counter({201: WRITERS * COMMITS}), total
    codes = set(db.session.scalars(select(Agency.code)))
    assert codes == {f"{n}.{i:03d}" for n in range(WRITERS) for i in range(COMMITS)}
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == audit_before + WRITERS * COMMITS
    assert len(audit_rows("agency")) == WRITERS * COMMITS
    # Not a speed target (bench/ has those): a writer stuck behind a lock until its busy timeout, again
    # and again, would take many minutes; a loaded CI machine with the suite in two processes takes ~1.
    assert elapsed < 300, f"{WRITERS * COMMITS} commits took {elapsed:.1f} s"


@pytest.mark.slow
def test_eight_writers_updating_shared_rows(app, make_user, api_as, make_agency):
    """Read-modify-write on the same rows from 8 clients: each either wins or gets 409; none is lost."""
    agencies = [make_agency() for _ in range(4)]
    agency_ids = [a.id for a in agencies]  # plain ints: the writer threads have no database session
    clients = [api_as(make_user(role="admin")) for _ in range(WRITERS)]
    wins = Counter()
    other = Counter()

    def writer(n):
        def work():
            api = clients[n]
            for i in range(25):
                agency_id = agency_ids[(n + i) % len(agency_ids)]
                current = api.get(f"/api/v1/agencies/{agency_id}").get_json()
                response = api.patch(f"/api/v1/agencies/{agency_id}", json={
                    "short_name": f"W{n}-{i}", "version": current["version"]})
                if response.status_code == 200:
                    wins[agency_id] += 1
                elif response.status_code != 409:
                    other[response.status_code] += 1
        return work

    errors = _run_parallel([writer(n) for n in range(WRITERS)])
    assert not errors, errors
    assert not other, other
    for agency in agencies:
        db.session.refresh(agency)
        # Each accepted update bumped the version exactly once: none was silently overwritten.
        assert agency.version == 1 + wins[agency.id]
        updates = [r for r in audit_rows("agency") if r.action == "update" and r.entity_id == str(agency.id)]
        assert len(updates) == wins[agency.id]


def test_stale_version_race_one_wins_the_rest_get_409(app, make_user, api_as, make_agency):
    agency = make_agency(name="Dinas Rebutan")
    agency_id = agency.id
    clients = [api_as(make_user(role="admin")) for _ in range(WRITERS)]
    results: dict[int, int] = {}

    def writer(n):
        def work():
            response = clients[n].patch(f"/api/v1/agencies/{agency_id}", json={
                "name": f"Dinas Pemenang {n}", "version": 1})
            results[n] = response.status_code
        return work

    errors = _run_parallel([writer(n) for n in range(WRITERS)])
    assert not errors, errors
    assert sorted(results.values()) == [200] + [409] * (WRITERS - 1), results
    winner = next(n for n, status in results.items() if status == 200)
    db.session.refresh(agency)
    assert agency.name == f"Dinas Pemenang {winner}" and agency.version == 2
    updates = [r for r in audit_rows("agency") if r.action == "update"]
    assert len(updates) == 1 and updates[0].after == {"name": f"Dinas Pemenang {winner}"}


def test_concurrent_duplicate_creates_give_one_201_and_409s(app, make_user, api_as):
    clients = [api_as(make_user(role="admin")) for _ in range(WRITERS)]
    results: list[int] = []

    def writer(n):
        def work():
            results.append(clients[n].post("/api/v1/agencies", json={
                "code": "4.04.04", "name": f"Dinas Kembar {n}", "short_name": "Kembar"}).status_code)
        return work

    errors = _run_parallel([writer(n) for n in range(WRITERS)])
    assert not errors, errors
    assert sorted(results) == [201] + [409] * (WRITERS - 1), results
    assert db.session.scalar(select(func.count()).select_from(Agency)) == 1
    assert len(audit_rows("agency")) == 1


def test_long_read_outside_a_request_does_not_block_web_writers(app, make_user, api_as):
    """A report job reads inside ``read_only()``: writers go on meanwhile (SQLite) or anyway (PostgreSQL)."""
    from tracker.database import read_only

    api = api_as(make_user(role="admin"))
    db.session.commit()
    with read_only():
        assert db.session.scalar(select(func.count()).select_from(Agency)) == 0  # transaction now open
        started = time.monotonic()
        response = api.post("/api/v1/agencies", json={"code": "3.03.03", "name": "Dinas Laporan", "short_name": "L"})
        assert response.status_code == 201
        assert time.monotonic() - started < 5
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Agency)) == 1
