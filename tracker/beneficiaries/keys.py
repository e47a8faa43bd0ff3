"""Key rotation for NIK and KK numbers: every sealed number re-encrypted under the first key of
``PERSONAL_DATA_KEYS`` and its hash made again under the current ``PERSONAL_DATA_HASH_KEY``.

To rotate: put the new Fernet key first and keep the old ones after it, restart, run
``flask --app wsgi beneficiaries rotate-keys``, then drop the old keys.  A new hash key can be set at
the same time (the hashes are made again from the decrypted numbers); until the command has run,
matching by number finds nothing new, so run it straight after the restart.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select, update

from tracker.beneficiaries import identity
from tracker.beneficiaries.models import Beneficiary, TargetHousehold
from tracker.extensions import db

BATCH = 2000


class RotationFailed(Exception):
    """A sealed number no configured key opens: the old key was removed before the rotation."""


def _rotate(model) -> int:
    table = model.__table__
    done, last_id = 0, 0
    while True:
        rows = db.session.execute(select(table.c.id, table.c.nik_sealed, table.c.kk_sealed)
                                  .where(table.c.id > last_id).order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return done
        changes = []
        for row_id, nik_sealed, kk_sealed in rows:
            values = {"b_id": row_id}
            for prefix, token in (("nik", nik_sealed), ("kk", kk_sealed)):
                digits = identity.unseal(token)
                if token and digits is None:
                    raise RotationFailed(f"{table.name} {row_id}: {prefix} cannot be opened with the configured keys")
                values[f"{prefix}_sealed"] = identity.seal(digits)
                values[f"{prefix}_hash"] = identity.digest(digits)
            changes.append(values)
        db.session.connection().execute(
            update(table).where(table.c.id == bindparam("b_id")).values(
                nik_sealed=bindparam("nik_sealed"), nik_hash=bindparam("nik_hash"),
                kk_sealed=bindparam("kk_sealed"), kk_hash=bindparam("kk_hash")), changes)
        done += len(rows)
        last_id = rows[-1][0]


def rotate_keys() -> dict[str, int]:
    """Rotate every row; the caller commits (all or nothing)."""
    return {"target_household": _rotate(TargetHousehold), "beneficiary": _rotate(Beneficiary)}
