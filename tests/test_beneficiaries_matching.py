"""Matching beneficiaries to the target list: by NIK, by KK, by name + birth date + desa (probable, then
confirmed or rejected by a person), and the rules about who may add and decide."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.beneficiaries_helpers import build_world, csv_file, person
from tracker.beneficiaries import services, target_import
from tracker.beneficiaries.models import Beneficiary, TargetHousehold
from tracker.errors import Conflict, Locked, NotFound, ValidationFailed
from tracker.extensions import db
from tracker.periods.services import get_period, lock


@pytest.fixture
def world(kabupaten, make_agency, make_user):
    world = build_world(kabupaten, make_agency, make_user)
    world["targets"] = [person(i, desa="62.02.01.2001", name=n) for i, n in
                        enumerate(["Siti Aminah", "Budi Santoso", "Rahmat Hidayat", "Nur Aini"], start=1)]
    target_import.import_list(csv_file(world["targets"]), "dtsen.csv", "DTSEN", date(2025, 1, 31),
                              world["users"]["bappeda"])
    db.session.commit()
    return world


def _add(world, people, user="dinsos", activity="sosial", quarter=1):
    result = services.add_people(world[activity], 2025, quarter, people, world["users"][user])
    db.session.commit()
    return result


def _household(nik_digits):
    from tracker.beneficiaries import identity

    return db.session.scalar(select(TargetHousehold).where(TargetHousehold.nik_hash == identity.digest(nik_digits)))


def test_exact_by_nik_probable_by_name_and_unmatched(world):
    desa = world["desa"][0].id
    siti, budi, rahmat = world["targets"][:3]
    result = _add(world, [
        {"nik": siti["nik"], "name": "Siti Aminah", "region_id": desa},
        # a NIK typo, the name spelt differently: probable through name + birth date + desa
        {"nik": budi["nik"][:-1] + "9", "name": "Budi Santosa", "birth_date": budi["tanggal_lahir"], "region_id": desa},
        # no NIK at all, titles and word order differ
        {"name": "Hidayat, Rahmat, S.Pd", "birth_date": rahmat["tanggal_lahir"], "region_id": desa},
        # someone not on the list
        {"nik": person(77)["nik"], "name": "Orang Baru", "region_id": desa},
    ])
    assert (result["added"], result["matched_exact"], result["matched_probable"], result["unmatched"]) == (4, 1, 2, 1)
    rows = db.session.scalars(select(Beneficiary).order_by(Beneficiary.id)).all()
    assert [r.match_status for r in rows] == ["exact", "probable", "probable", "unmatched"]
    assert rows[0].target_household_id == _household(siti["nik"]).id
    assert rows[1].target_household_id == _household(budi["nik"]).id and rows[1].match_score >= 85
    assert rows[2].target_household_id == _household(rahmat["nik"]).id


def test_a_different_birth_date_or_desa_is_no_match(world):
    siti = world["targets"][0]
    result = _add(world, [
        {"name": "Siti Aminah", "birth_date": "1990-01-01", "region_id": world["desa"][0].id},
        {"name": "Siti Aminah", "birth_date": siti["tanggal_lahir"], "region_id": world["desa"][1].id},
    ])
    assert result["unmatched"] == 2


def test_household_programs_match_by_kk(world):
    nur = world["targets"][3]
    result = _add(world, [{"kk": nur["kk"], "name": "Keluarga Nur Aini", "region_id": world["desa"][0].id}])
    assert result["matched_exact"] == 1


def test_confirm_and_reject_a_probable_match(world):
    budi = world["targets"][1]
    desa = world["desa"][0].id
    for quarter in (1, 2):  # the same person twice in one quarter would be refused as a duplicate
        _add(world, [{"name": "Budi Santosa", "birth_date": budi["tanggal_lahir"], "region_id": desa}], quarter=quarter)
    first, second = db.session.scalars(select(Beneficiary).order_by(Beneficiary.id)).all()
    bappeda = world["users"]["bappeda"]
    services.decide_match(first, first.target_household_id, first.version, bappeda)
    services.decide_match(second, None, second.version, world["users"]["dinsos"])
    db.session.commit()
    assert (first.match_status, second.match_status) == ("confirmed", "rejected")
    assert second.target_household_id is None and first.matched_by_id == bappeda.id
    with pytest.raises(Conflict):
        services.decide_match(first, None, first.version - 1, bappeda)
    # A new target list makes the automatic matches again; people's decisions stay.
    target_import.import_list(csv_file(world["targets"]), "dtsen2.csv", "DTSEN", date(2025, 6, 30), bappeda)
    db.session.commit()
    db.session.expire_all()
    assert [r.match_status for r in db.session.scalars(select(Beneficiary).order_by(Beneficiary.id))] == \
        ["confirmed", "rejected"]


def test_rows_with_errors_are_left_out_and_named(world):
    desa = world["desa"][0].id
    result = _add(world, [
        {"name": "", "region_id": desa, "birth_date": "1980-01-01"},
        {"name": "Tanpa Desa", "region_id": 999999, "birth_date": "1980-01-01"},
        {"name": "Tanpa Apa Pun", "region_id": desa},
        {"nik": "12345", "name": "NIK Salah", "birth_date": "1980-01-01", "region_id": desa},
        {"nik": world["targets"][0]["nik"], "name": "Siti", "region_id": desa},
        {"nik": world["targets"][0]["nik"], "name": "Siti lagi", "region_id": desa},
    ])
    assert result["added"] == 2
    assert [(e["row"], e["field"]) for e in result["errors"]] == [(1, "name"), (2, "region_id"), (3, "nik"), (6, "nik")]
    assert [(w["row"], w["field"]) for w in result["warnings"]] == [(4, "nik")]
    assert "12345" not in str(result)


def test_only_the_own_opd_adds_and_a_locked_quarter_refuses(world):
    desa = world["desa"][0].id
    with pytest.raises(NotFound):
        _add(world, [{"name": "A", "birth_date": "1980-01-01", "region_id": desa}], user="dinkes")
    db.session.rollback()
    lock(get_period(2025, 1), world["users"]["bappeda"])
    db.session.commit()
    with pytest.raises(Locked):
        _add(world, [{"name": "A", "birth_date": "1980-01-01", "region_id": desa}])
    db.session.rollback()
    with pytest.raises(ValidationFailed):
        services.add_people(world["sosial"], 2024, 2, [], world["users"]["dinsos"])
