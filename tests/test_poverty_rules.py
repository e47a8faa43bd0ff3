"""The rules of poverty figures (``tracker.poverty.validation`` / ``services``): ranges, null measures,
regions by level, duplicates (409) and replace, versions, the audit trail, who may write."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import audit_rows
from tracker.errors import Conflict, Duplicate, Forbidden, ValidationFailed
from tracker.extensions import db
from tracker.poverty import services
from tracker.poverty.models import HouseholdCount, PovertyStat, PovertyTarget
from tracker.poverty.parsing import NOT_NUMBER, parse_count, parse_date, parse_decimal
from tracker.poverty.validation import clean_household, clean_stat, clean_target, household_warnings, stat_warnings


@pytest.fixture
def coordinator(make_user):
    return make_user(role="coordinator")


def _stat(region, **fields):
    return {"region_id": region.id, "year": 2024, "month": 3, "source": "BPS", "poor_count": 8740, "poor_pct": 6.66,
            **fields}


def _fields(excinfo) -> dict:
    return excinfo.value.fields or {}


# ---- parsing ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("8420", 8420), ("8.420", 8420), ("8 420", 8420), ("1.234.567", 1234567), ("8.420,00", 8420), ("Rp 750.000", 750000),
    (8420.0, 8420), (" 12 ", 12), ("", None), (None, None),
])
def test_counts_read_indonesian_thousands(text, expected):
    assert parse_count(text) == expected


@pytest.mark.parametrize("text", ["8,5", "1.23", "12.3456", "abc", "1,234", True, 8420.5, "8.42.0"])
def test_counts_refuse_what_is_not_a_whole_number(text):
    assert parse_count(text) is NOT_NUMBER


@pytest.mark.parametrize("text, expected", [
    ("6,59", 6.59), ("6.59", 6.59), ("6,6", 6.6), ("1.234,5", 1234.5), ("5,83 %", 5.83), ("\u22120,33", -0.33),
    (6, 6.0), ("", None),
])
def test_decimals_read_a_comma_or_a_dot(text, expected):
    assert parse_decimal(text) == pytest.approx(expected) if expected is not None else parse_decimal(text) is None


@pytest.mark.parametrize("text", ["6,5,9", "1.23,4", "x", float("nan"), float("inf"), "1e5"])
def test_decimals_refuse_garbage(text):
    assert parse_decimal(text) is NOT_NUMBER


def test_dates_iso_or_day_first():
    assert str(parse_date("2024-07-01")) == "2024-07-01"
    assert str(parse_date("01/07/2024")) == "2024-07-01"
    assert parse_date("31/02/2024") is NOT_NUMBER and parse_date("kemarin") is NOT_NUMBER


# ---- statistics -------------------------------------------------------------------------------

def test_a_statistic_keeps_missing_measures_empty(app, kabupaten):
    values = clean_stat({"region_id": kabupaten["kabupaten"].id, "year": 2024, "source": "BPS", "poor_pct": "6,66"})
    assert values["poor_pct"] == 6.66 and values["month"] is None
    for name in ("poor_count", "p1", "p2", "poverty_line", "extreme_poor_count", "extreme_pct", "source_date"):
        assert values[name] is None, name


@pytest.mark.parametrize("field, value", [
    ("poor_pct", 100.01), ("poor_pct", -0.1), ("extreme_pct", 101), ("poor_count", -1), ("extreme_poor_count", -5),
    ("p1", -0.01), ("p2", 101), ("poverty_line", 0), ("poverty_line", -100), ("poverty_line", 512345.5),
    ("poverty_line", 10**10), ("poor_count", 10**13), ("poor_count", "banyak"), ("year", 1999), ("year", 2101),
    ("year", None), ("month", 6), ("month", "Juni"), ("source", "BAPPEDA"), ("source", None),
    ("source_date", "2024-13-01"), ("source_document", "x" * 301), ("notes", "x" * 4001),
])
def test_each_rule_names_its_field(app, kabupaten, field, value):
    with pytest.raises(ValidationFailed) as excinfo:
        clean_stat(_stat(kabupaten["kabupaten"], **{field: value}))
    assert field in _fields(excinfo), _fields(excinfo)
    assert excinfo.value.status == 422


def test_the_bounds_themselves_are_allowed(app, kabupaten):
    values = clean_stat(_stat(kabupaten["kabupaten"], poor_pct=100, extreme_pct=0, poor_count=0, extreme_poor_count=0,
                              p1=0, p2=0, poverty_line=1, year=2000, month="September", source="bps"))
    assert (values["poor_pct"], values["month"], values["source"], values["year"]) == (100.0, 9, "BPS", 2000)


def test_extreme_poverty_cannot_exceed_poverty(app, kabupaten):
    with pytest.raises(ValidationFailed) as excinfo:
        clean_stat(_stat(kabupaten["kabupaten"], poor_count=8420, extreme_poor_count=9000, poor_pct=6.59,
                         extreme_pct=6.6))
    fields = _fields(excinfo)
    assert "9.000" in fields["extreme_poor_count"] and "8.420" in fields["extreme_poor_count"]
    assert "extreme_pct" in fields
    # one of the pair unknown: nothing to compare
    assert clean_stat(_stat(kabupaten["kabupaten"], poor_count=None, extreme_poor_count=9000))["extreme_poor_count"] == 9000


def test_regions_by_level(app, kabupaten):
    desa = kabupaten["desa"][0]
    with pytest.raises(ValidationFailed) as excinfo:
        clean_stat(_stat(desa))
    assert "kabupaten atau kecamatan" in _fields(excinfo)["region_id"]
    with pytest.raises(ValidationFailed) as excinfo:
        clean_stat(_stat(kabupaten["kabupaten"], region_id=999999))
    assert _fields(excinfo)["region_id"] == "Wilayah tidak ditemukan."
    assert clean_stat(_stat(kabupaten["kecamatan"][0]))["region_id"] == kabupaten["kecamatan"][0].id
    # household counts: kecamatan or desa, not the kabupaten
    assert clean_household({"region_id": desa.id, "year": 2024, "source": "P3KE", "households_d1": 3})["households_d1"] == 3
    with pytest.raises(ValidationFailed) as excinfo:
        clean_household({"region_id": kabupaten["kabupaten"].id, "year": 2024, "source": "P3KE"})
    assert "region_id" in _fields(excinfo)


def test_household_sources_and_counts(app, kabupaten):
    kec = kabupaten["kecamatan"][0]
    with pytest.raises(ValidationFailed) as excinfo:
        clean_household({"region_id": kec.id, "year": 2024, "source": "BPS", "households_d2": -1, "people_d4": "x"})
    assert set(_fields(excinfo)) == {"source", "households_d2", "people_d4"}
    values = clean_household({"region_id": kec.id, "year": 2024, "source": "DTSEN", "households_d1": "1.204"})
    assert values["households_d1"] == 1204 and values["households_d2"] is None and values["people_d1"] is None


def test_targets_need_a_measure_and_a_percentage(app, kabupaten):
    kab = kabupaten["kabupaten"]
    with pytest.raises(ValidationFailed) as excinfo:
        clean_target({"region_id": kab.id, "year": 2026, "measure": "poor_count", "value": None})
    assert set(_fields(excinfo)) == {"measure", "value"}
    with pytest.raises(ValidationFailed) as excinfo:
        clean_target({"region_id": kab.id, "year": 2026, "measure": "poor_pct", "value": 120})
    assert "value" in _fields(excinfo)
    assert clean_target({"region_id": kab.id, "year": 2026, "measure": "extreme_pct", "value": "0"})["value"] == 0.0


def test_warnings_are_not_errors(app, kabupaten):
    values = clean_stat(_stat(kabupaten["kabupaten"], p1=0.9, p2=1.2, poor_pct=None))
    warnings = stat_warnings(values)
    assert any("P2" in w for w in warnings) and any("tanpa persentase" in w for w in warnings)
    assert household_warnings({"households_d1": 10, "people_d1": 4})[0].startswith("Desil 1")


# ---- services: create, duplicates, replace, update, delete --------------------------------------

def test_create_is_audited_and_null_stays_null(app, kabupaten, coordinator):
    stat, replaced = services.create_stat(_stat(kabupaten["kabupaten"], p1=None), coordinator)
    db.session.commit()
    assert not replaced and stat.version == 1 and stat.p1 is None and stat.extreme_pct is None
    stored = db.session.scalar(select(PovertyStat))
    assert stored.p1 is None and stored.poor_count == 8740
    rows = audit_rows("poverty_stat")
    assert [r.action for r in rows] == ["create"] and rows[0].after["poor_count"] == 8740
    assert rows[0].username == coordinator.username and "Kotawaringin Timur 2024 (Maret)" in rows[0].summary


def test_a_duplicate_is_409_naming_it_unless_replaced(app, kabupaten, coordinator):
    kab = kabupaten["kabupaten"]
    first, _r = services.create_stat(_stat(kab, p1=0.97, notes="awal"), coordinator)
    db.session.commit()
    with pytest.raises(Duplicate) as excinfo:
        services.create_stat(_stat(kab, poor_count=8750), coordinator)
    assert excinfo.value.status == 409 and excinfo.value.existing.id == first.id
    assert "Kotawaringin Timur 2024 (Maret), sumber BPS" in excinfo.value.message
    db.session.rollback()
    # another round, another source: not a duplicate
    services.create_stat(_stat(kab, month=9), coordinator)
    services.create_stat(_stat(kab, month=None), coordinator)
    services.create_stat(_stat(kab, source="DTSEN"), coordinator)
    db.session.commit()
    # replace: the same row takes every value given; measures not given become empty
    stat, replaced = services.create_stat(_stat(kab, poor_count=8750), coordinator, replace=True)
    db.session.commit()
    assert replaced and stat.id == first.id and stat.poor_count == 8750 and stat.p1 is None and stat.notes == ""
    assert stat.version == 2
    assert db.session.scalar(select(func.count()).select_from(PovertyStat)) == 4
    replace_rows = [r for r in audit_rows("poverty_stat") if r.action == "replace"]
    assert replace_rows[0].before == {"poor_count": 8740, "p1": 0.97, "notes": "awal"}


def test_annual_figures_collide_with_each_other_too(app, kabupaten, coordinator):
    services.create_stat(_stat(kabupaten["kabupaten"], month=None), coordinator)
    db.session.commit()
    with pytest.raises(Duplicate):
        services.create_stat(_stat(kabupaten["kabupaten"], month=""), coordinator)


def test_update_checks_version_and_duplicates(app, kabupaten, coordinator):
    kab = kabupaten["kabupaten"]
    march, _r = services.create_stat(_stat(kab), coordinator)
    september, _r = services.create_stat(_stat(kab, month=9, poor_count=8800), coordinator)
    db.session.commit()
    with pytest.raises(Conflict):
        services.update_stat(march, {"poor_count": 1}, coordinator, expected_version=7)
    db.session.rollback()
    with pytest.raises(Duplicate) as excinfo:
        services.update_stat(september, {"month": 3}, coordinator, expected_version=1)
    assert excinfo.value.existing.id == march.id
    db.session.rollback()
    services.update_stat(march, {"extreme_pct": None, "poor_count": "8.741", "extreme_poor_count": 12}, coordinator,
                         expected_version=1)
    db.session.commit()
    assert march.poor_count == 8741 and march.version == 2
    # the cross rule sees the stored value it does not change
    with pytest.raises(ValidationFailed) as excinfo:
        services.update_stat(march, {"extreme_poor_count": 9000}, coordinator, expected_version=2)
    assert "extreme_poor_count" in _fields(excinfo)
    db.session.rollback()
    # nothing changed: no new version, no audit row
    before = len(audit_rows("poverty_stat"))
    services.update_stat(march, {"poor_count": 8741}, coordinator, expected_version=2)
    db.session.commit()
    assert march.version == 2 and len(audit_rows("poverty_stat")) == before


def test_delete_is_audited(app, kabupaten, coordinator):
    stat, _r = services.create_stat(_stat(kabupaten["kabupaten"]), coordinator)
    db.session.commit()
    with pytest.raises(Conflict):
        services.delete_stat(stat, coordinator, expected_version=3)
    db.session.rollback()
    services.delete_stat(stat, coordinator, expected_version=1)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(PovertyStat)) == 0
    assert audit_rows("poverty_stat")[-1].action == "delete"


def test_targets_and_households_have_their_own_keys(app, kabupaten, coordinator):
    kab, kec = kabupaten["kabupaten"], kabupaten["kecamatan"][0]
    services.create_target({"region_id": kab.id, "year": 2026, "measure": "poor_pct", "value": 5.5,
                            "source_document": "RPJMD 2021-2026"}, coordinator)
    services.create_target({"region_id": kab.id, "year": 2026, "measure": "extreme_pct", "value": 0}, coordinator)
    db.session.commit()
    with pytest.raises(Duplicate) as excinfo:
        services.create_target({"region_id": kab.id, "year": 2026, "measure": "poor_pct", "value": 5.0}, coordinator)
    assert "2026" in excinfo.value.message
    db.session.rollback()
    target, replaced = services.create_target({"region_id": kab.id, "year": 2026, "measure": "poor_pct", "value": 5.0},
                                              coordinator, replace=True)
    db.session.commit()
    assert replaced and target.value == 5.0 and target.source_document == ""
    assert db.session.scalar(select(func.count()).select_from(PovertyTarget)) == 2

    row, _r = services.create_household({"region_id": kec.id, "year": 2024, "source": "P3KE", "households_d1": 10},
                                        coordinator)
    services.create_household({"region_id": kec.id, "year": 2024, "source": "DTSEN", "households_d1": 12}, coordinator)
    db.session.commit()
    with pytest.raises(Duplicate):
        services.create_household({"region_id": kec.id, "year": 2024, "source": "P3KE"}, coordinator)
    db.session.rollback()
    services.update_household(row, {"households_d2": 7}, coordinator, 1)
    db.session.commit()
    assert row.total_households == 17 and row.people_d1 is None
    services.delete_household(row, coordinator)
    services.delete_target(target, coordinator, 2)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(HouseholdCount)) == 1
    assert {r.action for r in audit_rows("poverty_household_count")} == {"create", "update", "delete"}


@pytest.mark.parametrize("role", ["agency", "viewer", "company"])
def test_only_coordinators_and_admins_write(app, kabupaten, make_user, role):
    with pytest.raises(Forbidden):
        services.create_stat(_stat(kabupaten["kabupaten"]), make_user(role=role))
    admin = make_user(role="admin")
    stat, _r = services.create_stat(_stat(kabupaten["kabupaten"]), admin)
    assert stat.created_by_id == admin.id
