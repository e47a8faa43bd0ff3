"""API shapes of the poverty data (api.md "Poverty data"): statistics, targets, household counts by
desil, and the figures (trend, change, ranking with poverty pockets, source disagreements, money
against poverty).

Bodies are strict on types (a string for ``poor_count`` is a 400) and loose on values: the rules and
their Indonesian messages are ``tracker.poverty.validation``'s (422), the same for the pages and the
file import; the document states them through ``documented(...)``.  Any measure may be null.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from tracker.api.schemas import Id, In, Out, documented
from tracker.periods.services import MAX_YEAR, MIN_YEAR
from tracker.poverty.models import HOUSEHOLD_SOURCES, MEASURES, SOURCES, HouseholdCount, PovertyStat, PovertyTarget
from tracker.poverty.validation import (
    MAX_COUNT,
    MAX_INDEX,
    MAX_POVERTY_LINE,
    TEXT_LIMITS,
    household_warnings,
    stat_warnings,
)
from tracker.types import to_jakarta_iso

Source = Literal[SOURCES]  # type: ignore[valid-type]
HouseholdSource = Literal[HOUSEHOLD_SOURCES]  # type: ignore[valid-type]
Measure = Literal[MEASURES]  # type: ignore[valid-type]
Month = Literal[3, 9]
YEAR = documented(minimum=MIN_YEAR, maximum=MAX_YEAR)
COUNT = documented(minimum=0, maximum=MAX_COUNT)
PCT = documented(minimum=0, maximum=100)
INDEX = documented(minimum=0, maximum=MAX_INDEX)
LINE = documented(minimum=1, maximum=MAX_POVERTY_LINE)
REPLACE = "true: bila data dengan kunci yang sama sudah ada, data itu diganti seluruhnya (tanpa true: 409)"
DOCUMENT = Field(default="", max_length=TEXT_LIMITS["source_document"], description="Dokumen sumber")


# ---- statistics -------------------------------------------------------------------------------

class StatIn(In):
    region_id: Id = Field(description="Kabupaten atau kecamatan")
    year: int = Field(**YEAR)
    month: Month | None = Field(default=None, description="3 = Maret, 9 = September; null = angka tahunan")
    source: Source
    poor_count: int | None = Field(default=None, description="Jumlah penduduk miskin (jiwa)", **COUNT)
    poor_pct: float | None = Field(default=None, description="Persentase penduduk miskin P0", **PCT)
    p1: float | None = Field(default=None, description="Indeks kedalaman kemiskinan", **INDEX)
    p2: float | None = Field(default=None, description="Indeks keparahan kemiskinan", **INDEX)
    poverty_line: int | None = Field(default=None, description="Garis kemiskinan (Rp/kapita/bulan)", **LINE)
    extreme_poor_count: int | None = Field(default=None, description="Tidak lebih dari poor_count", **COUNT)
    extreme_pct: float | None = Field(default=None, description="Tidak lebih dari poor_pct", **PCT)
    source_document: str = DOCUMENT
    source_date: dt.date | None = None
    notes: str = Field(default="", max_length=TEXT_LIMITS["notes"])
    replace: bool = Field(default=False, description=REPLACE)


class StatPatch(In):
    version: int
    region_id: Id = Field(default=None)
    year: int = Field(default=None, **YEAR)
    month: Month | None = None
    source: Source = None
    poor_count: int | None = Field(default=None, **COUNT)
    poor_pct: float | None = Field(default=None, **PCT)
    p1: float | None = Field(default=None, **INDEX)
    p2: float | None = Field(default=None, **INDEX)
    poverty_line: int | None = Field(default=None, **LINE)
    extreme_poor_count: int | None = Field(default=None, **COUNT)
    extreme_pct: float | None = Field(default=None, **PCT)
    source_document: str = Field(default=None, max_length=TEXT_LIMITS["source_document"])
    source_date: dt.date | None = None
    notes: str = Field(default=None, max_length=TEXT_LIMITS["notes"])


class _Located(Out):
    id: int
    region_id: int
    region_code: str
    region_name: str
    region_level: str
    year: int


class StatOut(_Located):
    month: int | None
    source: str
    poor_count: int | None
    poor_pct: float | None
    p1: float | None
    p2: float | None
    poverty_line: int | None
    extreme_poor_count: int | None
    extreme_pct: float | None
    source_document: str
    source_date: dt.date | None
    notes: str
    warnings: list[str] = Field(description="Hal yang janggal tetapi mungkin benar (bukan kesalahan)")
    replaced: bool = Field(default=False, description="POST dengan replace=true: data lama diganti")
    created_at: str | None
    updated_at: str | None
    version: int


# ---- targets ----------------------------------------------------------------------------------

class TargetIn(In):
    region_id: Id = Field(description="Kabupaten (atau kecamatan)")
    year: int = Field(**YEAR)
    measure: Measure
    value: float = Field(description="Target dalam persen", **PCT)
    source_document: str = Field(default="", max_length=TEXT_LIMITS["source_document"],
                                 description="RPJMD/RPKD yang menetapkan target")
    replace: bool = Field(default=False, description=REPLACE)


class TargetPatch(In):
    version: int
    region_id: Id = Field(default=None)
    year: int = Field(default=None, **YEAR)
    measure: Measure = None
    value: float = Field(default=None, **PCT)
    source_document: str = Field(default=None, max_length=TEXT_LIMITS["source_document"])


class TargetOut(_Located):
    measure: str
    value: float
    source_document: str
    replaced: bool = False
    created_at: str | None
    updated_at: str | None
    version: int


# ---- household counts -------------------------------------------------------------------------

def _desil(kind: str, d: int, default=None):
    return Field(default=default, description=f"{kind} desil {d}", **COUNT)


class HouseholdIn(In):
    region_id: Id = Field(description="Kecamatan atau desa/kelurahan")
    year: int = Field(**YEAR)
    source: HouseholdSource
    households_d1: int | None = _desil("Rumah tangga", 1)
    households_d2: int | None = _desil("Rumah tangga", 2)
    households_d3: int | None = _desil("Rumah tangga", 3)
    households_d4: int | None = _desil("Rumah tangga", 4)
    people_d1: int | None = _desil("Jiwa", 1)
    people_d2: int | None = _desil("Jiwa", 2)
    people_d3: int | None = _desil("Jiwa", 3)
    people_d4: int | None = _desil("Jiwa", 4)
    source_document: str = DOCUMENT
    source_date: dt.date | None = None
    replace: bool = Field(default=False, description=REPLACE)


class HouseholdPatch(In):
    version: int
    region_id: Id = Field(default=None)
    year: int = Field(default=None, **YEAR)
    source: HouseholdSource = None
    households_d1: int | None = _desil("Rumah tangga", 1)
    households_d2: int | None = _desil("Rumah tangga", 2)
    households_d3: int | None = _desil("Rumah tangga", 3)
    households_d4: int | None = _desil("Rumah tangga", 4)
    people_d1: int | None = _desil("Jiwa", 1)
    people_d2: int | None = _desil("Jiwa", 2)
    people_d3: int | None = _desil("Jiwa", 3)
    people_d4: int | None = _desil("Jiwa", 4)
    source_document: str = Field(default=None, max_length=TEXT_LIMITS["source_document"])
    source_date: dt.date | None = None


class HouseholdOut(_Located):
    source: str
    households: list[int | None] = Field(description="Rumah tangga desil 1–4")
    people: list[int | None] = Field(description="Jiwa desil 1–4")
    total_households: int | None
    total_people: int | None
    households_d1: int | None
    households_d2: int | None
    households_d3: int | None
    households_d4: int | None
    people_d1: int | None
    people_d2: int | None
    people_d3: int | None
    people_d4: int | None
    source_document: str
    source_date: dt.date | None
    warnings: list[str]
    replaced: bool = False
    created_at: str | None
    updated_at: str | None
    version: int


# ---- serialisation --------------------------------------------------------------------------

def _common(row, fields: tuple[str, ...], replaced: bool) -> dict:
    return {**{k: getattr(row, k) for k in ("id", "region_id", "year", "version", *fields)},
            "region_code": row.region.code, "region_name": row.region.name, "region_level": row.region.level,
            "replaced": replaced, "created_at": to_jakarta_iso(row.created_at),
            "updated_at": to_jakarta_iso(row.updated_at)}


def stat_out(stat: PovertyStat, replaced: bool = False) -> dict:
    fields = ("month", "source", "poor_count", "poor_pct", "p1", "p2", "poverty_line", "extreme_poor_count",
              "extreme_pct", "source_document", "source_date", "notes")
    return StatOut.model_validate({**_common(stat, fields, replaced), "warnings": stat_warnings(stat)}
                                  ).model_dump(mode="json")


def target_out(target: PovertyTarget, replaced: bool = False) -> dict:
    return TargetOut.model_validate(_common(target, ("measure", "value", "source_document"), replaced)
                                    ).model_dump(mode="json")


def household_out(row: HouseholdCount, replaced: bool = False) -> dict:
    fields = ("source", *(f"{k}_d{d}" for k in ("households", "people") for d in (1, 2, 3, 4)), "source_document",
              "source_date", "total_households", "total_people")
    return HouseholdOut.model_validate({**_common(row, fields, replaced), "households": row.households(),
                                        "people": row.people(), "warnings": household_warnings(row)}
                                       ).model_dump(mode="json")


# ---- figures ----------------------------------------------------------------------------------

class RegionBrief(Out):
    id: int
    code: str
    name: str


class TrendOut(Out):
    year: int
    stat_id: int | None = Field(description="Statistik BPS yang dipakai (Maret, else tahunan, else September)")
    source: str | None
    month: int | None
    source_document: str | None
    source_date: dt.date | None
    poor_count: int | None
    poor_pct: float | None
    extreme_poor_count: int | None
    extreme_pct: float | None
    p1: float | None
    p2: float | None
    poverty_line: int | None
    target_poor_pct: float | None
    target_extreme_pct: float | None


class ChangeOut(Out):
    year: int
    previous_year: int
    poor_count: int | None
    previous_poor_count: int | None
    poor_count_change: int | None
    poor_pct: float | None
    previous_poor_pct: float | None
    poor_pct_change: float | None = Field(description="Poin persentase, dua desimal")
    sentence: str = Field(description="Mis. 'naik 150 jiwa, +0,03 poin'")


class RankingRowOut(Out):
    rank: int | None
    region_id: int
    code: str
    name: str
    households: list[int | None]
    people: list[int | None]
    total_households: int | None
    total_people: int | None
    share_pct: float | None = Field(description="Bagian dari rumah tangga miskin kabupaten (%)")
    pocket: bool = Field(description="Kantong kemiskinan: bagian ≥ pocket_factor × rata-rata bagian kecamatan")
    from_desa: bool = Field(description="Dijumlah dari data desa")
    source_date: dt.date | None
    source_document: str


class MissingOut(Out):
    region_id: int
    code: str
    name: str


class RankingOut(Out):
    year: int
    source: str | None
    sources: list[str]
    total_households: int | None
    total_people: int | None
    average_share_pct: float | None
    pocket_factor: float
    rows: list[RankingRowOut]
    missing: list[MissingOut] = Field(description="Kecamatan tanpa data tahun dan sumber ini")


class FigureOut(Out):
    id: int
    source: str
    month: int | None
    value: float | int
    source_document: str
    source_date: dt.date | None


class DisagreementOut(Out):
    kind: Literal["statistic", "households"]
    region_id: int
    code: str
    name: str
    level: str
    year: int
    measure: str
    label: str
    spread: float | int = Field(description="Selisih angka terbesar dan terkecil")
    figures: list[FigureOut] = Field(description="Setiap sumber berdampingan, tidak digabung")


class PovertySummaryOut(Out):
    year: int
    kabupaten: RegionBrief | None
    trend: list[TrendOut]
    change: ChangeOut | None = Field(description="null bila angka tahun ini atau tahun lalu tidak ada")
    ranking: RankingOut
    disagreements: list[DisagreementOut]


class MoneyRowOut(Out):
    region_id: int
    code: str
    name: str
    poor_households: int | None
    poor_share_pct: float | None
    rank: int | None
    pocket: bool
    budget: int = Field(description="Pagu kegiatan OPD di kecamatan ini (Rp, dibagi rata antar lokasi)")
    budget_share_pct: float | None
    csr_committed: int = Field(description="Komitmen CSR di kecamatan ini (Rp, dibagi rata antar lokasi)")
    csr_share_pct: float | None
    little_budget: bool
    little_csr: bool
    receives_little: bool = Field(description="Kantong kemiskinan yang bagian anggaran atau CSR-nya kurang dari "
                                              "little_factor × bagian rumah tangga miskinnya")


class MoneyTotalsOut(Out):
    poor_households: int | None
    budget_total: int
    budget_located: int = Field(description="Pagu yang berlokasi di kecamatan (penyebut bagian anggaran)")
    budget_unlocated: int = Field(description="Seluruh kabupaten / tidak berlokasi: di luar bagian kecamatan")
    csr_committed: int
    csr_located: int
    csr_unlocated: int


class MoneyVsPovertyOut(Out):
    year: int
    source: str | None
    sources: list[str]
    little_factor: float
    pocket_factor: float
    totals: MoneyTotalsOut
    rows: list[MoneyRowOut]
