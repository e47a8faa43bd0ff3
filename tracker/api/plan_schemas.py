"""API shapes of the action plans (api.md "Action plans").

Bodies are deliberately loose on values (plain ``str``/``int``): the rules and their Indonesian
messages live in ``tracker.plans.validation`` and apply identically to the form and the Excel import.
Types are still strict (a string for ``budget`` is a 400).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_serializer

from tracker.api.schemas import Id, In, Out, documented
from tracker.plans.models import AGGREGATIONS, BENEFICIARY_UNITS, FUNDING_CODES
from tracker.plans.validation import MAX_BUDGET, MAX_COUNT, MAX_INDICATORS, MAX_REGIONS, MAX_TARGET
from tracker.types import to_jakarta_iso

STRATEGY_ENUM = {"enum": ["S1", "S2", "S3"]}
FUNDING_ENUM = {"enum": list(FUNDING_CODES)}
AGGREGATION_ENUM = {"enum": list(AGGREGATIONS)}
UNIT_ENUM = {"enum": list(BENEFICIARY_UNITS)}
MONEY = documented(minimum=0, maximum=MAX_BUDGET)
COUNT = documented(minimum=0, maximum=MAX_COUNT)
TARGET = documented(minimum=0, maximum=MAX_TARGET)
TEXT = documented(minLength=1)
TARGET_END_DOC = "Target Renstra PD/RPJMD akhir periode (Permendagri 86/2017 kolom 5); null = tidak dicatat"
ACHIEVED_BEFORE_DOC = ("Realisasi capaian Renstra s.d. tahun lalu (kolom 6; untuk agregasi last: nilai akhir tahun "
                       "lalu); null = tidak dicatat")
RENSTRA_PATCH_DOC = ". Pada PATCH, kunci yang tidak dikirim membiarkan nilai tersimpan indikator itu"


class IndicatorIn(In):
    id: Id | None = Field(default=None, description="Id indikator yang sudah ada (PATCH); kosong = indikator baru")
    name: str = Field(max_length=300, **TEXT)
    unit: str = Field(max_length=40, **TEXT)
    aggregation: str = Field(default="sum", json_schema_extra=AGGREGATION_ENUM,
                             description="sum: target triwulan dijumlahkan; last: nilai triwulan terakhir")
    target: float = Field(**TARGET)
    quarter_targets: list[float | None] | None = Field(
        default=None, description="Target TW I–IV (4 nilai)",
        json_schema_extra={"minItems": 4, "maxItems": 4,
                           "items": {"anyOf": [{"type": "number", "minimum": 0, "maximum": MAX_TARGET},
                                               {"type": "null"}]}})
    target_end: float | None = Field(default=None, description=TARGET_END_DOC + RENSTRA_PATCH_DOC, **TARGET)
    achieved_before: float | None = Field(default=None, description=ACHIEVED_BEFORE_DOC + RENSTRA_PATCH_DOC,
                                          **TARGET)


class ActivityIn(In):
    agency_id: Id | None = Field(default=None,
                                 description="Wajib untuk koordinator; pengguna OPD selalu OPD-nya sendiri")
    year: int = Field(**documented(minimum=2000, maximum=2100))
    program: str = Field(max_length=300, **TEXT)
    kegiatan: str = Field(max_length=300, **TEXT)
    code: str = Field(max_length=40, description="Kode sub kegiatan SIPD, mis. 1.06.02.2.01.0001",
                      **documented(pattern=r"^\d\.\d{2}\.\d{2}\.\d\.\d{2}\.\d{4}$"))
    name: str = Field(max_length=300, **TEXT)
    strategy: str = Field(json_schema_extra=STRATEGY_ENUM)
    funding_source: str = Field(json_schema_extra=FUNDING_ENUM)
    budget: int = Field(description="Pagu (Rp). Pada rencana yang sudah disepakati, kegiatan baru dicatat sebagai "
                                    "tambahan APBD-P", **MONEY)
    region_ids: list[Id] = Field(**documented(minItems=1, maxItems=MAX_REGIONS))
    target_beneficiaries: int = Field(default=0, **COUNT)
    beneficiary_unit: str = Field(default="KK", json_schema_extra=UNIT_ENUM)
    indicators: list[IndicatorIn] = Field(**documented(minItems=1, maxItems=MAX_INDICATORS))
    revision_reason: str | None = Field(default=None, max_length=1000)


class ActivityPatch(In):
    version: int
    program: str = Field(default=None, max_length=300, **TEXT)
    kegiatan: str = Field(default=None, max_length=300, **TEXT)
    code: str = Field(default=None, max_length=40,
                      **documented(pattern=r"^\d\.\d{2}\.\d{2}\.\d\.\d{2}\.\d{4}$"))
    name: str = Field(default=None, max_length=300, **TEXT)
    strategy: str = Field(default=None, json_schema_extra=STRATEGY_ENUM)
    funding_source: str = Field(default=None, json_schema_extra=FUNDING_ENUM)
    budget: int = Field(default=None, **MONEY, description=(
        "Sebelum disepakati: pagu. Sesudah disepakati: nilai yang berbeda dari pagu murni dicatat sebagai "
        "revisi APBD-P (revision_reason wajib); pagu murni tetap tersimpan"))
    budget_revised: int = Field(default=None, description="Pagu APBD-P baru (hanya setelah disepakati)", **MONEY)
    revision_reason: str | None = Field(default=None, max_length=1000)
    region_ids: list[Id] = Field(default=None, **documented(minItems=1, maxItems=MAX_REGIONS))
    target_beneficiaries: int = Field(default=None, **COUNT)
    beneficiary_unit: str = Field(default=None, json_schema_extra=UNIT_ENUM)
    indicators: list[IndicatorIn] = Field(default=None, **documented(minItems=1, maxItems=MAX_INDICATORS),
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
    target_end: float | None = Field(description=TARGET_END_DOC)
    achieved_before: float | None = Field(description=ACHIEVED_BEFORE_DOC)


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
