"""API shapes of the action plans (api.md "Action plans").

Bodies are deliberately loose on values (plain ``str``/``int``): the rules and their Indonesian
messages live in ``tracker.plans.validation`` and apply identically to the form and the Excel import.
Types are still strict (a string for ``budget`` is a 400).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_serializer

from tracker.api.schemas import In, Out
from tracker.plans.models import AGGREGATIONS, BENEFICIARY_UNITS, FUNDING_CODES
from tracker.types import to_jakarta_iso

STRATEGY_ENUM = {"enum": ["S1", "S2", "S3"]}
FUNDING_ENUM = {"enum": list(FUNDING_CODES)}
AGGREGATION_ENUM = {"enum": list(AGGREGATIONS)}
UNIT_ENUM = {"enum": list(BENEFICIARY_UNITS)}


class IndicatorIn(In):
    id: int | None = Field(default=None, description="Id indikator yang sudah ada (PATCH); kosong = indikator baru")
    name: str = Field(max_length=300)
    unit: str = Field(max_length=40)
    aggregation: str = Field(default="sum", json_schema_extra=AGGREGATION_ENUM,
                             description="sum: target triwulan dijumlahkan; last: nilai triwulan terakhir")
    target: float
    quarter_targets: list[float | None] | None = Field(default=None, description="Target TW I–IV (4 nilai)")


class ActivityIn(In):
    agency_id: int | None = Field(default=None,
                                  description="Wajib untuk koordinator; pengguna OPD selalu OPD-nya sendiri")
    year: int
    program: str = Field(max_length=300)
    kegiatan: str = Field(max_length=300)
    code: str = Field(max_length=40, description="Kode sub kegiatan SIPD, mis. 1.06.02.2.01.0001")
    name: str = Field(max_length=300)
    strategy: str = Field(json_schema_extra=STRATEGY_ENUM)
    funding_source: str = Field(json_schema_extra=FUNDING_ENUM)
    budget: int = Field(description="Pagu (Rp). Pada rencana yang sudah disepakati, kegiatan baru dicatat sebagai "
                                    "tambahan APBD-P")
    region_ids: list[int]
    target_beneficiaries: int = 0
    beneficiary_unit: str = Field(default="KK", json_schema_extra=UNIT_ENUM)
    indicators: list[IndicatorIn]
    revision_reason: str | None = Field(default=None, max_length=1000)


class ActivityPatch(In):
    version: int
    program: str | None = Field(default=None, max_length=300)
    kegiatan: str | None = Field(default=None, max_length=300)
    code: str | None = Field(default=None, max_length=40)
    name: str | None = Field(default=None, max_length=300)
    strategy: str | None = Field(default=None, json_schema_extra=STRATEGY_ENUM)
    funding_source: str | None = Field(default=None, json_schema_extra=FUNDING_ENUM)
    budget: int | None = Field(default=None, description=(
        "Sebelum disepakati: pagu. Sesudah disepakati: nilai yang berbeda dari pagu murni dicatat sebagai "
        "revisi APBD-P (revision_reason wajib); pagu murni tetap tersimpan"))
    budget_revised: int | None = Field(default=None, description="Pagu APBD-P baru (hanya setelah disepakati)")
    revision_reason: str | None = Field(default=None, max_length=1000)
    region_ids: list[int] | None = None
    target_beneficiaries: int | None = None
    beneficiary_unit: str | None = Field(default=None, json_schema_extra=UNIT_ENUM)
    indicators: list[IndicatorIn] | None = Field(default=None,
                                                 description="Mengganti seluruh daftar; dicocokkan dengan id")


class RegionRef(Out):
    id: int
    code: str
    name: str
    level: str


class IndicatorOut(Out):
    id: int
    position: int
    name: str
    unit: str
    aggregation: str
    target: float
    quarter_targets: list[float | None]


class RevisionOut(Out):
    id: int
    old_budget: int
    new_budget: int
    reason: str
    created_at: datetime
    created_by_id: int | None

    @field_serializer("created_at")
    def _jakarta(self, value: datetime | None):
        return to_jakarta_iso(value)


class WarningOut(BaseModel):
    field: str
    message: str


class ActivityOut(Out):
    id: int
    agency_id: int
    agency_code: str
    agency_name: str
    year: int
    program: str
    kegiatan: str
    program_code: str
    kegiatan_code: str
    code: str
    name: str
    strategy: str
    funding_source: str
    budget: int = Field(description="Pagu murni (APBD)")
    budget_revised: int | None = Field(description="Pagu APBD-P terakhir, jika ada revisi")
    effective_budget: int = Field(description="Pagu yang berlaku (dasar realisasi)")
    region_ids: list[int]
    regions: list[RegionRef]
    target_beneficiaries: int
    beneficiary_unit: str
    indicators: list[IndicatorOut]
    revisions: list[RevisionOut]
    warnings: list[WarningOut]
    plan_status: str = Field(description="draft | agreed")
    created_at: datetime
    updated_at: datetime
    version: int

    @field_serializer("created_at", "updated_at")
    def _jakarta(self, value: datetime | None):
        return to_jakarta_iso(value)


class PlanOut(Out):
    agency_id: int
    agency_code: str
    agency_name: str
    year: int
    status: str = Field(description="draft | agreed")
    agreed_at: datetime | None
    agreed_by_id: int | None
    note: str
    activities: int
    budget: int
    effective_budget: int
    version: int | None

    @field_serializer("agreed_at")
    def _jakarta(self, value: datetime | None):
        return to_jakarta_iso(value)


class AgreeIn(In):
    note: str | None = Field(default=None, max_length=500)
    version: int | None = None


class TotalRow(BaseModel):
    key: str
    name: str
    activities: int
    budget: int
    effective_budget: int


class PlanTotalsOut(BaseModel):
    year: int | None
    activities: int
    budget: int
    effective_budget: int
    revised: int
    agencies: list[TotalRow]
    strategies: list[TotalRow]
    funding_sources: list[TotalRow]
    kecamatan: list[TotalRow]


class ImportResultOut(BaseModel):
    created: int
    updated: int
    unchanged: int
