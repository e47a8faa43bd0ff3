"""API shapes of the by-name lists (api.md "Beneficiaries and the target list"): the target list and its
households, an activity's beneficiaries, the match decision and the coverage figures.

NIK and KK leave the server masked (``nik_masked``, ``kk_masked``); ``nik``/``kk`` are filled only on
``GET .../{id}?reveal=1`` for the roles allowed (``services.may_reveal``), and are ``null`` otherwise.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from tracker.api.schemas import Id, In, Out, Year, documented
from tracker.beneficiaries.models import MATCH_STATUSES, SOURCES, Beneficiary, TargetHousehold, TargetList
from tracker.beneficiaries.services import MAX_PEOPLE
from tracker.types import to_jakarta_iso

Source = Literal[SOURCES]  # type: ignore[valid-type]
MatchStatus = Literal[MATCH_STATUSES]  # type: ignore[valid-type]
REVEALED = "Nomor lengkap: hanya dengan ?reveal=1 untuk Bappeda/admin (dicatat di log audit); selain itu null"


# ---- the target list ----------------------------------------------------------------------------

class TargetListOut(Out):
    id: int
    source: Source
    as_of: dt.date
    filename: str
    rows: int
    added: int
    removed: int
    changed: int
    imported_at: str | None
    imported_by_id: int | None


class TargetImportOut(Out):
    id: int
    rows: int
    added: int
    removed: int
    changed: int


class TargetHouseholdOut(Out):
    id: int
    nik_masked: str
    kk_masked: str | None
    nik: str | None = Field(default=None, description=REVEALED)
    kk: str | None = Field(default=None, description=REVEALED)
    name: str
    sex: str | None
    region_id: int
    desil: int | None
    active: bool
    nik_outside: bool = Field(description="NIK terbitan kabupaten lain")
    verval_result: str | None
    reached_by: list[int] = Field(description="Kegiatan yang menjangkaunya (cocok NIK/KK atau dikonfirmasi)")
    version: int


# ---- beneficiaries ------------------------------------------------------------------------------

class PersonIn(In):
    nik: str | None = Field(default=None, max_length=40)
    kk: str | None = Field(default=None, max_length=40)
    name: str = Field(max_length=200, **documented(minLength=1))
    birth_date: dt.date | None = None
    address: str | None = Field(default=None, max_length=500)
    region_id: Id = Field(description="Desa/kelurahan")


class PeopleIn(In):
    year: Year = Field(description="Tahun kegiatan")
    quarter: int = Field(ge=1, le=4)
    people: list[PersonIn] = Field(max_length=MAX_PEOPLE)


class RowProblemOut(Out):
    row: int = Field(description="Urutan orang dalam people (mulai 1), atau baris berkas")
    field: str
    message: str


class AddResultOut(Out):
    added: int
    matched_exact: int
    matched_probable: int
    unmatched: int
    errors: list[RowProblemOut] = Field(description="Baris yang tidak ditambahkan")
    warnings: list[RowProblemOut] = Field(default_factory=list, description="Ditambahkan, tetapi perlu diperiksa")


class BeneficiaryOut(Out):
    id: int
    activity_id: int
    year: int
    quarter: int
    nik_masked: str | None
    kk_masked: str | None
    nik: str | None = Field(default=None, description=REVEALED)
    kk: str | None = Field(default=None, description=REVEALED)
    nik_status: str
    name: str
    birth_date: dt.date | None
    address: str
    region_id: int
    match_status: MatchStatus
    target_household_id: int | None
    match_score: int | None
    matched_by_id: int | None
    matched_at: str | None
    created_at: str | None
    version: int


class MatchIn(In):
    target_household_id: Id | None = Field(description="Rumah tangga sasaran yang dikonfirmasi; null: tolak")
    version: int


# ---- coverage -----------------------------------------------------------------------------------

class DesilCoverageOut(Out):
    desil: int | None
    target: int
    reached: int


class RegionCoverageOut(Out):
    region_id: int | None
    target: int
    reached: int


class CoverageOut(Out):
    year: int
    region_id: int | None
    target_households: int
    reached: int
    unreached: int
    by_desil: list[DesilCoverageOut]
    by_region: list[RegionCoverageOut] = Field(description="Per kecamatan; di bawah kecamatan/desa: per desa")
    double_counted: int
    outside_target: int


# ---- serialisation ------------------------------------------------------------------------------

def target_list_out(t: TargetList) -> dict:
    return TargetListOut.model_validate({
        **{k: getattr(t, k) for k in ("id", "source", "as_of", "filename", "rows", "added", "removed", "changed",
                                      "imported_by_id")},
        "imported_at": to_jakarta_iso(t.imported_at)}).model_dump(mode="json")


def household_out(h: TargetHousehold, reached_by: list[int], revealed: dict | None = None) -> dict:
    return TargetHouseholdOut.model_validate({
        **{k: getattr(h, k) for k in ("id", "nik_masked", "kk_masked", "name", "sex", "region_id", "desil", "active",
                                      "nik_outside", "verval_result", "version")},
        **(revealed or {}), "reached_by": reached_by}).model_dump(mode="json")


def beneficiary_out(b: Beneficiary, revealed: dict | None = None) -> dict:
    return BeneficiaryOut.model_validate({
        **{k: getattr(b, k) for k in ("id", "activity_id", "year", "quarter", "nik_masked", "kk_masked", "nik_status",
                                      "name", "birth_date", "address", "region_id", "match_status",
                                      "target_household_id", "match_score", "matched_by_id", "version")},
        "matched_at": to_jakarta_iso(b.matched_at), "created_at": to_jakarta_iso(b.created_at),
        **(revealed or {})}).model_dump(mode="json")
