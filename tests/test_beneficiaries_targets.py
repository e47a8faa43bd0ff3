"""Importing the target list: a good file, a bad one (every problem by row, nothing kept), and a newer
list replacing the current one with its history (added, removed, moved desil, moved desa)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.beneficiaries_helpers import HEADER, build_world, csv_file, person, xlsx_file
from tracker.beneficiaries import target_import
from tracker.beneficiaries.models import TargetChange, TargetHousehold, TargetList
from tracker.extensions import db
from tracker.poverty.import_files import ImportFailed


@pytest.fixture
def world(kabupaten, make_agency, make_user):
    return build_world(kabupaten, make_agency, make_user)


def _import(stream, world, name="dtsen.csv", as_of=date(2025, 1, 31), source="DTSEN"):
    result = target_import.import_list(stream, name, source, as_of, world["users"]["bappeda"])
    db.session.commit()
    return result


def test_a_good_csv_is_imported_whole(world):
    people = [person(i, desa="62.02.01.2001" if i % 2 else "62.02.02.2002", desil=1 + i % 4) for i in range(1, 21)]
    result = _import(csv_file(people), world)
    assert (result.rows, result.added, result.removed, result.changed) == (20, 20, 0, 0)
    households = db.session.scalars(select(TargetHousehold).order_by(TargetHousehold.id)).all()
    assert len(households) == 20
    first = households[0]
    assert first.name == "Warga Nomor 1" and first.desil == 2 and first.active
    assert first.nik_masked == people[0]["nik"][:4] + "********" + people[0]["nik"][-4:]
    assert first.birth_date == date.fromisoformat(people[0]["tanggal_lahir"])
    assert first.region_id == world["desa"][0].id
    assert db.session.scalar(select(func.count()).select_from(TargetChange).where(TargetChange.kind == "added")) == 20


def test_xlsx_with_english_headers_and_a_sheet_named_data(world):
    english = ["nik", "kk", "name", "sex", "birth_date", "address", "region_code", "desil"]
    people = [{e: person(i)[h] for e, h in zip(english, HEADER)} for i in range(1, 4)]
    result = _import(xlsx_file(people, english), world, name="p3ke.xlsx", source="P3KE")
    assert result.added == 3
    assert db.session.scalar(select(TargetList.source)) == "P3KE"


def test_every_bad_row_is_named_and_nothing_is_kept(world):
    good = person(1)
    people = [good,
              {**person(2), "nik": "62020112345"},  # too short
              {**person(3), "kode_wilayah": "99.99.99.9999"},  # not a desa here
              {**person(4), "desil": "sebelas"},
              {**person(5), "nama": "  "},
              {**person(6), "tanggal_lahir": "kemarin"},
              {**good, "nama": "Orang Lain"}]  # the same NIK twice
    with pytest.raises(ImportFailed) as failed:
        _import(csv_file(people), world)
    fields = failed.value.fields
    assert "row 3: nik" in fields and "16 digit" in fields["row 3: nik"]
    assert "row 4: region_code" in fields
    assert "row 5: desil" in fields
    assert "row 6: name" in fields
    assert "row 7: birth_date" in fields
    assert "row 8: nik" in fields and "sebelumnya" in fields["row 8: nik"]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(TargetHousehold)) == 0
    assert db.session.scalar(select(func.count()).select_from(TargetList)) == 0


@pytest.mark.parametrize("header, missing", [(["nik", "nama", "desil"], "region_code"),
                                             (["nik", "nama", "kode_wilayah", "desil", "warna"], None)])
def test_a_header_problem_refuses_the_file(world, header, missing):
    with pytest.raises(ImportFailed) as failed:
        _import(csv_file([person(1)], header), world)
    text = " ".join(failed.value.fields.values())
    assert (missing in text) if missing else ("warna" in text)


def test_a_nik_typed_as_a_number_in_excel_is_refused_not_guessed(world):
    people = [{**person(1), "nik": int(person(1)["nik"])}]
    with pytest.raises(ImportFailed) as failed:
        _import(xlsx_file(people), world, name="dtsen.xlsx")
    assert "Teks" in failed.value.fields["row 2: nik"]


def test_a_newer_list_replaces_the_old_one_and_keeps_the_history(world):
    old = [person(i) for i in range(1, 6)]
    _import(csv_file(old), world, as_of=date(2025, 1, 31))
    newer = [old[0],  # unchanged
             {**old[1], "desil": 3},  # moved desil
             {**old[2], "kode_wilayah": "62.02.01.2002"},  # moved desa
             old[3],  # old[4] is gone
             person(9)]  # new
    result = _import(csv_file(newer), world, as_of=date(2025, 6, 30))
    assert (result.rows, result.added, result.removed, result.changed) == (5, 1, 1, 2)
    active = db.session.scalar(select(func.count()).select_from(TargetHousehold).where(TargetHousehold.active))
    assert active == 5
    assert db.session.scalar(select(func.count()).select_from(TargetHousehold)) == 6  # the one gone stays, inactive
    kinds = db.session.execute(select(TargetChange.kind, TargetChange.old_value, TargetChange.new_value)
                               .where(TargetChange.list_id == result.target_list.id)
                               .order_by(TargetChange.kind)).all()
    assert sorted(k for k, _, _ in kinds) == ["added", "desil", "moved", "removed"]
    assert ("desil", "1", "3") in kinds
    lists = target_import.list_history()
    assert [tl.as_of for tl in lists] == [date(2025, 6, 30), date(2025, 1, 31)]
    assert (lists[0].added, lists[0].removed, lists[0].changed) == (1, 1, 2)


def test_no_number_is_stored_in_the_clear(world):
    people = [person(i) for i in range(1, 4)]
    _import(csv_file(people), world)
    dump = " ".join(str(v) for row in db.session.execute(select(TargetHousehold.__table__)).all() for v in row)
    for p in people:
        assert p["nik"] not in dump and p["kk"] not in dump
