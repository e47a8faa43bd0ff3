"""Importing the target list (DTSEN, P3KE, DTKS): all rows or none, and a newer list replaces the current
one while keeping its history (who was added, who left, who moved desil or desa).

The file streams through in one pass; rows are written in batches inside the one transaction, so an
error anywhere rolls every batch back (``ImportFailed`` lists each problem as ``row N: column``).
A household is the same across lists when its NIK is: its row is updated in place and the change
recorded as a ``TargetChange``; one the new list no longer names becomes inactive, never deleted,
so the beneficiaries matched to it keep their history.  After the import every automatic match is
made again against the new list (``matching.rematch``); a person's confirmations stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import IO

from flask_babel import gettext as _
from sqlalchemy import func, insert, select, update

from tracker.audit import services as audit
from tracker.beneficiaries import identity, matching, regions
from tracker.beneficiaries.models import (
    ADDED,
    DESIL_CHANGED,
    MOVED,
    REMOVED,
    SOURCES,
    TargetChange,
    TargetHousehold,
    TargetList,
)
from tracker.beneficiaries.people import (
    columns,
    date_cell,
    identity_fields,
    name_key,
    rows,
    sex_cell,
    text_cell,
)
from tracker.extensions import db
from tracker.poverty.import_files import MAX_ERRORS, ImportFailed, RowError, file_error

BATCH = 2000
REQUIRED = ("nik", "name", "region_code", "desil")


@dataclass
class TargetImport:
    target_list: TargetList
    rows: int
    added: int
    removed: int
    changed: int


def _desil(value) -> tuple[int | None, str]:
    text = str(value if value is not None else "").strip()
    if not text:
        return None, _("desil wajib diisi (1–10)")
    try:
        number = int(float(text.replace(",", ".")))
    except ValueError:
        return None, _("desil harus angka 1–10")
    if not 1 <= number <= 10 or float(text.replace(",", ".")) != number:
        return None, _("desil harus angka bulat 1–10")
    return number, ""


class _Reader:
    """Checks one row at a time and collects the problems; the fields of a good row, else ``None``."""

    def __init__(self, index: dict[str, int], desa: dict[str, int], prefix: str):
        self.index, self.desa, self.prefix = index, desa, prefix
        self.errors: list[RowError] = []
        self.seen: set[str] = set()

    def cell(self, values: list, field: str):
        position = self.index.get(field)
        return values[position] if position is not None and position < len(values) else None

    def fail(self, row: int, field: str, message: str) -> None:
        self.errors.append(RowError(row, field, message))

    def read(self, row: int, values: list) -> dict | None:
        before = len(self.errors)
        nik = identity.check_nik(self.cell(values, "nik"), self.prefix)
        if not nik.usable:
            self.fail(row, "nik", nik.problem or _("NIK wajib diisi"))
        elif nik.digits in self.seen:
            self.fail(row, "nik", _("NIK yang sama sudah ada di baris sebelumnya"))
        kk = identity.check_kk(self.cell(values, "kk"), self.prefix)
        if kk.status == identity.INVALID:
            self.fail(row, "kk", kk.problem)
        name = text_cell(self.cell(values, "name"), 120)
        if not name_key(name):
            self.fail(row, "name", _("nama wajib diisi"))
        sex, problem = sex_cell(self.cell(values, "sex"))
        if problem:
            self.fail(row, "sex", problem)
        born, problem = date_cell(self.cell(values, "birth_date"))
        if problem:
            self.fail(row, "birth_date", problem)
        region_id = regions.desa_id(self.desa, self.cell(values, "region_code"))
        if region_id is None:
            self.fail(row, "region_code", _("kode desa/kelurahan '%(c)s' tidak ada di kabupaten ini",
                                            c=text_cell(self.cell(values, "region_code"), 30)))
        desil, problem = _desil(self.cell(values, "desil"))
        if problem:
            self.fail(row, "desil", problem)
        if len(self.errors) > before:
            return None
        self.seen.add(nik.digits)
        return {"nik": nik, "kk": kk, "name": name, "name_key": name_key(name), "sex": sex or nik.sex,
                "birth_date": born or nik.birth_date, "address": text_cell(self.cell(values, "address"), 255),
                "region_id": region_id, "desil": desil, "nik_outside": nik.status == identity.OUTSIDE}


def import_list(stream: IO[bytes], filename: str, source: str, as_of: date, actor) -> TargetImport:
    """Import a target list file; the caller commits.  Raises ``ImportFailed`` (nothing written)."""
    if source not in SOURCES:
        raise ImportFailed([RowError(0, "", _("sumber harus salah satu dari %(s)s", s=", ".join(SOURCES)))])
    reader_rows = rows(filename, stream)
    header = next(reader_rows, None)
    if header is None:
        raise file_error(_("berkas kosong."))
    index, errors = columns(header[1], REQUIRED)
    if errors:
        raise ImportFailed(errors)
    target_list = TargetList(source=source, as_of=as_of, filename=(filename or "")[:255],
                             imported_by_id=getattr(actor, "id", None))
    db.session.add(target_list)
    db.session.flush()
    reader = _Reader(index, regions.desa_codes(), regions.kabupaten_prefix())
    counts = {"rows": 0, "added": 0, "changed": 0}
    batch: list[dict] = []
    for row, values in reader_rows:
        fields = reader.read(row, values)
        counts["rows"] += 1
        if fields is not None and not reader.errors:
            batch.append(fields)
            if len(batch) >= BATCH:
                _write(batch, target_list.id, counts)
                batch = []
        elif len(reader.errors) >= MAX_ERRORS * 4:
            break  # enough to show; reading on would only make the list longer
    if not counts["rows"]:
        raise file_error(_("berkas tidak berisi baris data di bawah baris judul."))
    if reader.errors:
        db.session.rollback()
        raise ImportFailed(reader.errors)
    _write(batch, target_list.id, counts)
    removed = _remove_absent(target_list.id)
    target_list.rows, target_list.added = counts["rows"], counts["added"]
    target_list.changed, target_list.removed = counts["changed"], removed
    audit.record("import", "target_list", target_list.id, actor=actor,
                 after={"source": source, "as_of": as_of.isoformat(), "rows": counts["rows"],
                        "added": counts["added"], "removed": removed, "changed": counts["changed"]},
                 summary=_("Daftar sasaran %(s)s per %(d)s diimpor: %(n)d baris", s=source,
                           d=as_of.isoformat(), n=counts["rows"]))
    matching.rematch()
    return TargetImport(target_list, counts["rows"], counts["added"], removed, counts["changed"])


def _write(batch: list[dict], list_id: int, counts: dict) -> None:
    if not batch:
        return
    hashes = {}
    for fields in batch:
        fields["identity"] = identity_fields("nik", fields["nik"])
        hashes[fields["identity"]["nik_hash"]] = fields
    existing = db.session.execute(
        select(TargetHousehold.id, TargetHousehold.nik_hash, TargetHousehold.desil, TargetHousehold.region_id,
               TargetHousehold.active).where(TargetHousehold.nik_hash.in_(list(hashes)))).all()
    known = {row.nik_hash: row for row in existing}
    new_rows, updates, changes = [], [], []
    for nik_hash, fields in hashes.items():
        values = {"name": fields["name"], "name_key": fields["name_key"], "sex": fields["sex"],
                  "birth_date": fields["birth_date"], "address": fields["address"], "region_id": fields["region_id"],
                  "desil": fields["desil"], "nik_outside": fields["nik_outside"], "active": True,
                  "last_list_id": list_id, **identity_fields("kk", fields["kk"])}
        old = known.get(nik_hash)
        if old is None:
            new_rows.append({**values, **fields["identity"], "first_list_id": list_id, "version": 1})
            continue
        updates.append({"b_id": old.id, **values})
        kinds = []
        if not old.active:
            kinds.append((ADDED, None, str(fields["desil"])))
        if old.desil != fields["desil"]:
            kinds.append((DESIL_CHANGED, str(old.desil), str(fields["desil"])))
        if old.region_id != fields["region_id"]:
            kinds.append((MOVED, str(old.region_id), str(fields["region_id"])))
        if kinds:
            counts["changed"] += 1
        changes += [{"list_id": list_id, "household_id": old.id, "kind": k, "old_value": o, "new_value": n}
                    for k, o, n in kinds]
    if new_rows:
        db.session.execute(insert(TargetHousehold), new_rows)
        counts["added"] += len(new_rows)
        added_ids = db.session.execute(select(TargetHousehold.id, TargetHousehold.desil).where(
            TargetHousehold.nik_hash.in_([r["nik_hash"] for r in new_rows]))).all()
        changes += [{"list_id": list_id, "household_id": i, "kind": ADDED, "old_value": None, "new_value": str(d)}
                    for i, d in added_ids]
    if updates:
        table = TargetHousehold.__table__
        statement = update(table).where(table.c.id == db.bindparam("b_id")).values(
            version=table.c.version + 1, **{k: db.bindparam(k) for k in updates[0] if k != "b_id"})
        db.session.connection().execute(statement, updates)
    if changes:
        db.session.execute(insert(TargetChange), changes)


def _remove_absent(list_id: int) -> int:
    """Households the new list no longer names: inactive, with a ``removed`` change each."""
    gone = select(TargetHousehold.id, TargetHousehold.desil).where(
        TargetHousehold.active.is_(True), TargetHousehold.last_list_id != list_id)
    rows_ = db.session.execute(gone).all()
    if not rows_:
        return 0
    db.session.execute(insert(TargetChange), [
        {"list_id": list_id, "household_id": i, "kind": REMOVED, "old_value": str(d), "new_value": None}
        for i, d in rows_])
    db.session.execute(update(TargetHousehold).where(TargetHousehold.active.is_(True),
                                                     TargetHousehold.last_list_id != list_id)
                       .values(active=False, version=TargetHousehold.version + 1)
                       .execution_options(synchronize_session=False))
    return len(rows_)


def current_list() -> TargetList | None:
    return db.session.scalar(select(TargetList).order_by(TargetList.id.desc()).limit(1))


def list_history() -> list[TargetList]:
    return list(db.session.scalars(select(TargetList).order_by(TargetList.id.desc())))


def active_count() -> int:
    return db.session.scalar(select(func.count()).select_from(TargetHousehold)
                             .where(TargetHousehold.active.is_(True))) or 0
