"""The demo's by-name lists: two DTSEN target lists for the 17 kecamatan with the history between them,
valid-looking NIKs with this kabupaten's prefix and never a number in the clear, and activity lists that
give the matching something to do (exact, probable, confirmed, rejected, outside the list, counted by two
OPDs).  The same seed and date give the same lists."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from sqlalchemy import String, func, select

from tests.conftest import empty_tables
from tracker.beneficiaries import coverage, identity, regions
from tracker.beneficiaries.models import (CONFIRMED, EXACT, PROBABLE, REJECTED, UNMATCHED, Beneficiary, TargetChange,
                                          TargetHousehold, TargetList)
from tracker.extensions import db
from tracker.reference.models import Region

TODAY = "2026-12-03"


def load(runner, today: str = TODAY, seed: str = "2025") -> str:
    result = runner.invoke(args=["demo", "--today", today, "--seed", seed])
    assert result.exit_code == 0, result.output + repr(result.exception)
    db.session.expire_all()
    return result.output


def test_two_target_lists_with_history_over_every_kecamatan(app, runner):
    output = load(runner)
    assert "Penerima manfaat (BNBA): daftar sasaran DTSEN" in output
    lists = db.session.scalars(select(TargetList).order_by(TargetList.as_of)).all()
    assert len(lists) == 2 and lists[0].as_of < lists[1].as_of <= date.fromisoformat(TODAY)
    newer = lists[1]
    assert newer.added > 0 and newer.removed > 0 and newer.changed > 0
    kinds = Counter(db.session.scalars(select(TargetChange.kind).where(TargetChange.list_id == newer.id)))
    assert kinds["added"] == newer.added and kinds["removed"] == newer.removed
    assert kinds["desil"] + kinds["moved"] == newer.changed and kinds["desil"] and kinds["moved"]
    active = db.session.scalar(select(func.count()).select_from(TargetHousehold).where(TargetHousehold.active))
    assert active == newer.rows
    kecamatan = db.session.scalars(
        select(func.distinct(Region.parent_id)).join(TargetHousehold, TargetHousehold.region_id == Region.id)).all()
    assert len(kecamatan) == 17
    desil = set(db.session.scalars(select(func.distinct(TargetHousehold.desil))))
    assert desil == {1, 2, 3, 4}
    # verval results entered between the two lists
    assert db.session.scalar(select(func.count()).select_from(TargetHousehold)
                             .where(TargetHousehold.verval_result.is_not(None))) > 0


def test_numbers_look_real_and_are_never_stored_in_the_clear(app, runner):
    load(runner)
    prefix = regions.kabupaten_prefix()
    rows = db.session.execute(select(TargetHousehold.nik_masked, TargetHousehold.nik_sealed,
                                     TargetHousehold.nik_hash, TargetHousehold.name).limit(300)).all()
    # a few households carry a NIK issued elsewhere (they moved in), as real lists do
    home = sum(masked.startswith(prefix) for masked, *_ in rows)
    assert home >= len(rows) * 0.9
    for masked, sealed, digest, name in rows:
        assert re.fullmatch(r"\d{4}\*{8}\d{4}", masked)
        assert re.fullmatch(r"[0-9a-f]{64}", digest) and name and not any(c.isdigit() for c in name)
        number = identity.unseal(sealed)
        assert identity.mask(number) == masked and identity.digest(number) == digest
    # no text column of either table holds a NIK or KK (16 digits) in the clear
    for model in (TargetHousehold, Beneficiary):
        # (hex digests may hold 16 digits in a row by chance; they are checked above)
        columns = [c for c in model.__table__.columns
                   if isinstance(c.type, String) and not c.name.endswith("_hash")]
        for row in db.session.execute(select(*columns)):
            assert not any(v and re.search(r"(?<![0-9])[0-9]{16}(?![0-9])", v) for v in row), row


def test_the_activity_lists_give_the_matching_something_to_do(app, runner):
    load(runner)
    statuses = Counter(db.session.scalars(select(Beneficiary.match_status)))
    for status in (EXACT, PROBABLE, CONFIRMED, REJECTED, UNMATCHED):
        assert statuses[status] > 0, status
    assert statuses[EXACT] > statuses[PROBABLE] > statuses[REJECTED]
    nik_status = Counter(db.session.scalars(select(Beneficiary.nik_status)))
    assert len(nik_status) >= 3, nik_status  # valid, a typo or missing, ...
    assert db.session.scalar(select(func.count()).select_from(Beneficiary).where(
        Beneficiary.nik_hash.is_(None), Beneficiary.kk_hash.is_not(None))) > 0  # household rows by KK only
    years = set(db.session.scalars(select(func.distinct(Beneficiary.year))))
    assert years == {2025, 2026}
    assert any(coverage.double_counted(y) for y in years) and any(coverage.outside_target(y) for y in years)
    figures = coverage.coverage(2026)
    assert 0 < figures["reached"] < figures["target_households"]


def test_the_same_seed_and_date_give_the_same_lists(app, runner):
    def snapshot():
        # sorted here on every column: PostgreSQL returns ties of an ORDER BY in any order
        return (sorted(db.session.execute(select(TargetHousehold.nik_hash, TargetHousehold.name,
                                                 TargetHousehold.desil)).tuples()),
                sorted(db.session.execute(select(Beneficiary.name, Beneficiary.match_status, Beneficiary.year,
                                                 Beneficiary.quarter)).tuples()))

    load(runner, seed="7")
    first = snapshot()
    db.session.remove()
    empty_tables(app)
    load(runner, seed="7")
    assert snapshot() == first and first[0] and first[1]
