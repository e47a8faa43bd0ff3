"""Personal data (UU 27/2022): no NIK or KK in the clear in the database, the logs or error messages;
reveals only for the roles allowed, each audited; key rotation keeps every number readable."""

from __future__ import annotations

import logging
import re
from datetime import date

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from tests.beneficiaries_helpers import build_world, csv_file, person
from tests.conftest import audit_rows
from tracker.beneficiaries import identity, services, target_import
from tracker.beneficiaries.models import Beneficiary, TargetHousehold
from tracker.errors import Forbidden
from tracker.extensions import db
from tracker.poverty.import_files import ImportFailed

SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")


@pytest.fixture
def world(kabupaten, make_agency, make_user):
    world = build_world(kabupaten, make_agency, make_user)
    world["targets"] = [person(i) for i in range(1, 6)]
    target_import.import_list(csv_file(world["targets"]), "dtsen.csv", "DTSEN", date(2025, 1, 31),
                              world["users"]["bappeda"])
    services.add_people(world["sosial"], 2025, 1, [
        {"nik": world["targets"][0]["nik"], "kk": world["targets"][0]["kk"], "name": "Warga", "region_id":
         world["desa"][0].id},
        {"nik": person(40)["nik"], "name": "Luar Daftar", "region_id": world["desa"][0].id}], world["users"]["dinsos"])
    db.session.commit()
    return world


def _every_cell() -> str:
    cells = []
    for table in ("target_household", "beneficiary", "target_change", "target_list", "audit_log"):
        for row in db.session.execute(text(f"SELECT * FROM {table}")):
            cells += [str(v) for v in row]
    return " ".join(cells)


def test_no_number_in_the_clear_in_any_table(world):
    dump = _every_cell()
    assert not SIXTEEN_DIGITS.findall(dump)
    for p in world["targets"] + [person(40)]:
        assert p["nik"] not in dump and p["kk"] not in dump


def test_no_number_in_logs_or_error_messages(world, caplog):
    caplog.set_level(logging.DEBUG)
    bad = [{**person(7), "desil": "x"}, {**person(8), "nik": person(8)["nik"][:15]}]
    with pytest.raises(ImportFailed) as failed:
        target_import.import_list(csv_file(bad), "bad.csv", "DTSEN", date(2025, 2, 1), world["users"]["bappeda"])
    db.session.rollback()
    shown = " ".join(failed.value.lines()) + str(failed.value.fields) + caplog.text
    assert person(7)["nik"] not in shown and person(8)["nik"][:15] not in shown
    result = services.add_people(world["sosial"], 2025, 2, [{"nik": "620201170580000", "name": "X",
                                                             "region_id": world["desa"][0].id}], world["users"]["dinsos"])
    assert "620201170580000" not in str(result)


def test_reveal_only_for_bappeda_and_admin_and_audited(world):
    row = db.session.scalars(select(Beneficiary).order_by(Beneficiary.id)).first()
    for role in ("dinsos", "viewer", "company"):
        with pytest.raises(Forbidden):
            services.reveal(row, world["users"][role])
    shown = services.reveal(row, world["users"]["bappeda"])
    db.session.commit()
    assert shown == {"nik": world["targets"][0]["nik"], "kk": world["targets"][0]["kk"]}
    reveals = [r for r in audit_rows("beneficiary") if r.action == "reveal"]
    assert len(reveals) == 1 and reveals[0].user_id == world["users"]["bappeda"].id
    assert world["targets"][0]["nik"] not in str(reveals[0].before) + str(reveals[0].after) + reveals[0].summary


def test_an_agency_sees_households_only_in_the_desa_its_activities_cover(world):
    dinkes_scope = set(db.session.scalars(services.household_scope(world["users"]["dinkes"])))
    assert dinkes_scope == {world["desa"][3].id}
    household = db.session.scalars(select(TargetHousehold)).first()  # in desa 0, Dinsos's kecamatan
    assert services.get_household(household.id, world["users"]["dinsos"]).id == household.id
    from tracker.errors import NotFound

    with pytest.raises(NotFound):
        services.get_household(household.id, world["users"]["dinkes"])
    with pytest.raises(Forbidden):
        services.household_scope(world["users"]["company"])


def test_rotate_keys_re_encrypts_and_re_hashes(app, world, runner, monkeypatch):
    first_nik = world["targets"][0]["nik"]
    old_hash = identity.digest(first_nik)
    new_key = Fernet.generate_key().decode()
    # The app outlives the test: monkeypatch puts its settings back.
    monkeypatch.setitem(app.config, "PERSONAL_DATA_KEYS", f"{new_key},{base64_of_default(app)}")
    monkeypatch.setitem(app.config, "PERSONAL_DATA_HASH_KEY", "a-new-hash-key-of-forty-characters-00000")
    result = runner.invoke(args=["beneficiaries", "rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "6 rumah tangga" not in result.output and "5 rumah tangga sasaran, 2 penerima" in result.output
    monkeypatch.setitem(app.config, "PERSONAL_DATA_KEYS", new_key)  # the old key gone
    db.session.expire_all()
    household = db.session.scalar(select(TargetHousehold).where(TargetHousehold.nik_hash == identity.digest(first_nik)))
    assert household is not None and identity.digest(first_nik) != old_hash
    assert identity.unseal(household.nik_sealed) == first_nik
    beneficiary = db.session.scalars(select(Beneficiary).order_by(Beneficiary.id)).first()
    assert identity.unseal(beneficiary.kk_sealed) == world["targets"][0]["kk"]


def test_rotate_keys_refuses_when_a_key_is_missing(app, world, runner, monkeypatch):
    monkeypatch.setitem(app.config, "PERSONAL_DATA_KEYS", Fernet.generate_key().decode())
    result = runner.invoke(args=["beneficiaries", "rotate-keys"])
    assert result.exit_code != 0 and "dibatalkan" in result.output
    monkeypatch.setitem(app.config, "PERSONAL_DATA_KEYS", None)
    db.session.expire_all()
    household = db.session.scalars(select(TargetHousehold)).first()
    assert identity.unseal(household.nik_sealed) is not None  # nothing was changed


def base64_of_default(app) -> str:
    """The key the app derives from SECRET_KEY when PERSONAL_DATA_KEYS is empty (dev and tests)."""
    import base64
    import hashlib

    return base64.urlsafe_b64encode(hashlib.sha256(f"personal-data-seal:{app.config['SECRET_KEY']}".encode())
                                    .digest()).decode()
