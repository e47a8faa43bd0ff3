"""The NIK and KK rules: 16 digits, a province that exists, this kabupaten's prefix (or flagged as from
outside), a birth date encoded in it that can be real (day + 40 for women), a serial other than 0000;
and how the numbers are kept: keyed hash, Fernet token, mask."""

from __future__ import annotations

from datetime import date

import pytest

from tests.beneficiaries_helpers import nik
from tests.conftest import base_config
from tracker import create_app
from tracker.beneficiaries import identity

TODAY = date(2026, 12, 4)


def check(value):
    return identity.check_nik(value, "6202", TODAY)


def test_a_nik_from_here_gives_its_birth_date_and_sex():
    man, woman = check(nik("620201", date(1980, 5, 17), "L", 3)), check(nik("620201", date(1980, 5, 17), "P", 3))
    assert (man.status, man.birth_date, man.sex) == ("valid", date(1980, 5, 17), "L")
    assert (woman.status, woman.birth_date, woman.sex) == ("valid", date(1980, 5, 17), "P")
    assert woman.digits[6:8] == "57"


def test_separators_and_spaces_are_read_through():
    assert check("6202 0117 0580 0003").digits == "6202011705800003"
    assert check("'6202011705800003").status == "valid"  # Excel's text marker


def test_a_nik_from_another_kabupaten_is_flagged_not_refused():
    assert check(nik("630101")).status == "outside"


@pytest.mark.parametrize("value, words", [
    ("620201170580000", "16 digit"),
    ("62020117058000031", "16 digit"),
    ("6202A11705800003", "angka"),
    ("0002011705800003", "provinsi"),
    ("9902011705800003", "provinsi"),
    ("6202013205800003", "tanggal lahir"),  # day 32
    ("6202017205800003", "tanggal lahir"),  # day 72 = 32 for a woman
    ("6202011713800003", "tanggal lahir"),  # month 13
    ("6202013002800003", "tanggal lahir"),  # 30 February
    ("6202011705800000", "0000"),
    (6202011705800003, "Teks"),  # a number cell: Excel has already lost precision
    (6.202011705800003e15, "Teks"),
])
def test_invalid_niks_say_why(value, words):
    checked = check(value)
    assert checked.status == "invalid" and words in checked.problem


def test_the_century_and_a_birth_in_the_future():
    assert check(nik("620201", date(2005, 1, 1))).birth_date == date(2005, 1, 1)
    assert check(nik("620201", date(1926, 12, 31))).birth_date == date(1926, 12, 31)
    assert check("6202010112260003").birth_date == date(2026, 12, 1)  # three days old
    assert check("6202013112260003").birth_date == date(1926, 12, 31)  # 31 Dec 2026 would be tomorrow's


def test_missing_and_kk_rules():
    assert check(None).status == check("").status == "missing"
    assert identity.check_kk("6202010101230001", "6202").status == "valid"
    assert identity.check_kk("620201010123", "6202").status == "invalid"


def test_mask_shows_the_first_and_last_four():
    assert identity.mask("6202011705800003") == "6202********0003"
    assert identity.mask(None) is None


def test_hash_is_keyed_and_the_token_opens_only_with_the_key(app):
    with app.test_request_context():
        digits = "6202011705800003"
        token = identity.seal(digits)
        assert digits not in token and identity.unseal(token) == digits
        first = identity.digest(digits)
        assert first == identity.digest(digits) and digits not in first
    other = create_app(base_config(SECRET_KEY="another-key-entirely-0123456789abcdef"))
    with other.test_request_context():
        assert identity.digest(digits) != first
        assert identity.unseal(token) is None


def test_rotation_keeps_old_tokens_readable(app):
    from cryptography.fernet import Fernet

    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before = create_app(base_config(PERSONAL_DATA_KEYS=old_key))
    with before.test_request_context():
        token = identity.seal("6202011705800003")
    after = create_app(base_config(PERSONAL_DATA_KEYS=f"{new_key},{old_key}"))
    with after.test_request_context():
        assert identity.unseal(token) == "6202011705800003"
        rotated = identity.reseal(token)
    only_new = create_app(base_config(PERSONAL_DATA_KEYS=new_key))
    with only_new.test_request_context():
        assert identity.unseal(rotated) == "6202011705800003" and identity.unseal(token) is None


def _production(**keys):
    config = base_config(TESTING=False, TRACKER_ENV="production", SECRET_KEY="s" * 48, **keys)
    config.pop("PASSWORD_HASH_METHOD")
    return config


@pytest.mark.parametrize("keys, words", [
    ({}, "PERSONAL_DATA_HASH_KEY"),
    ({"PERSONAL_DATA_HASH_KEY": "short"}, "PERSONAL_DATA_HASH_KEY"),
    ({"PERSONAL_DATA_HASH_KEY": "h" * 40}, "PERSONAL_DATA_KEYS"),
    ({"PERSONAL_DATA_HASH_KEY": "h" * 40, "PERSONAL_DATA_KEYS": "not-a-fernet-key"}, "Fernet"),
])
def test_production_refuses_to_start_without_the_keys(app, keys, words):
    with pytest.raises(RuntimeError, match=words):
        create_app(_production(**keys))


def test_production_starts_with_the_keys(app):
    from cryptography.fernet import Fernet

    created = create_app(_production(PERSONAL_DATA_HASH_KEY="h" * 40, PERSONAL_DATA_KEYS=Fernet.generate_key().decode()))
    assert created.config["TRACKER_ENV"] == "production"
