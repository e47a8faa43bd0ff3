"""The per-table change counters the caches read: every committed write through SQLAlchemy raises
the counter of the table it wrote, whatever the path; reading, a rollback or a write to another table
leaves it alone."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update

from tests.evaluation_helpers import activity
from tracker import changes
from tracker.extensions import db
from tracker.plans.models import Activity, activity_region
from tracker.reference.models import Agency


def counter(table: str) -> int:
    db.session.commit()  # a fresh snapshot: what another worker would read now
    return changes.counters([table])[table]


def test_an_orm_insert_update_and_delete_each_raise_the_counter_once(app, make_agency):
    agency = make_agency()
    before = counter("activity")
    made = activity(agency)
    after_insert = counter("activity")
    db.session.get(Activity, made.id).budget = 5
    db.session.commit()
    after_update = counter("activity")
    db.session.delete(db.session.get(Activity, made.id))
    db.session.commit()
    assert [after_insert - before, after_update - after_insert, counter("activity") - after_update] == [1, 1, 1]


def test_bulk_statements_and_core_inserts_on_the_session_connection_count(app, make_agency, make_region):
    agency, region = make_agency(), make_region("62.02", "Kotawaringin Timur", "kabupaten")
    made = activity(agency)
    before = counter("activity")
    db.session.execute(update(Activity).where(Activity.id == made.id).values(budget=7))
    db.session.commit()
    after_bulk = counter("activity")
    links_before = counter("activity_region")
    db.session.connection().execute(insert(activity_region), [{"activity_id": made.id, "region_id": region.id}])
    db.session.commit()
    assert counter("activity_region") == links_before + 1
    db.session.execute(delete(Activity).where(Activity.id == -1))  # a statement that matched nothing
    db.session.commit()
    assert after_bulk == before + 1
    assert counter("activity") == after_bulk + 1  # counted all the same: a cache only misses once


def test_reading_a_rollback_and_other_tables_leave_the_counter_alone(app, make_agency):
    agency = make_agency()
    made = activity(agency)
    before = counter("activity")
    db.session.scalars(select(Activity)).all()
    db.session.commit()
    db.session.get(Activity, made.id).budget = 9
    db.session.flush()
    db.session.rollback()
    db.session.get(Agency, agency.id).name = "Dinas Lain"
    db.session.commit()
    assert counter("activity") == before
    assert db.session.get(Activity, made.id).budget != 9


def test_a_table_never_written_counts_zero_and_the_counters_are_one_query(app):
    from tests.conftest import count_queries

    with count_queries() as queries:
        found = changes.counters(["no_such_table", "activity", "region"])
    assert found["no_such_table"] == 0 and set(found) == {"no_such_table", "activity", "region"}
    assert len(queries) == 1


def test_data_changed_raises_every_counter_by_a_large_jump_and_the_caches_miss(app, runner, make_agency):
    from tracker import memo

    activity(make_agency())
    before = changes.all_counters()
    calls = []
    memo.remembered("probe", 1, lambda: calls.append(1))
    result = runner.invoke(args=["data-changed"])
    assert result.exit_code == 0 and "tabel" in result.output
    after = dict(changes.all_counters())
    assert all(after[name] >= counter + 2**20 for name, counter in before)
    assert after["poverty_stat"] >= 2**20  # a table never written before gets its row too
    memo.remembered("probe", 1, lambda: calls.append(1))
    assert len(calls) == 2
