"""API shapes (pydantic): request bodies are validated with them, responses dumped through them,
and the OpenAPI document is generated from them, so the three cannot drift apart."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from tracker.types import to_jakarta_iso

RoleName = Literal["admin", "coordinator", "agency", "company", "viewer"]
# A row id, bounded as the database's INTEGER column is (a larger one is 'not found' on both databases).
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Year = Annotated[int, Field(ge=2000, le=2100)]


def documented(**constraints) -> dict:
    """Bounds stated in the document but checked by the feature's own rules, which answer with their
    Indonesian messages (422) on every surface alike: pages, API, Excel."""
    return {"json_schema_extra": constraints}
RegionLevelName = Literal["kabupaten", "kecamatan", "desa"]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class In(BaseModel):
    # Unknown keys (status, verified_by...) are ignored, never applied: see quality.md, mass assignment.
    model_config = ConfigDict(extra="ignore")


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


# ---- tokens --------------------------------------------------------------------------------------

class TokenIn(In):
    username: str = Field(max_length=200)
    password: str = Field(max_length=300)


class TokenOut(Out):
    token: str
    expires_at: str


# ---- reference data ---------------------------------------------------------------------------

class AgencyIn(In):
    code: str = Field(min_length=1, max_length=30)
    name: str = Field(min_length=1, max_length=200)
    short_name: str = Field(min_length=1, max_length=60)


class AgencyPatch(In):
    code: str = Field(default=None, min_length=1, max_length=30)
    name: str = Field(default=None, min_length=1, max_length=200)
    short_name: str = Field(default=None, min_length=1, max_length=60)
    active: bool | None = None
    version: int


class AgencyOut(Out):
    id: int
    code: str
    name: str
    short_name: str
    active: bool
    version: int


class CompanyIn(In):
    name: str = Field(min_length=1, max_length=200)
    sector: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=300)
    contact_name: str = Field(default="", max_length=120)
    contact_email: str = Field(default="", max_length=200)


class CompanyPatch(In):
    name: str = Field(default=None, min_length=1, max_length=200)
    sector: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=300)
    contact_name: str | None = Field(default=None, max_length=120)
    contact_email: str | None = Field(default=None, max_length=200)
    active: bool | None = None
    version: int


class CompanyOut(Out):
    id: int
    name: str
    sector: str
    address: str
    contact_name: str
    contact_email: str
    active: bool
    version: int


class RegionIn(In):
    code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=120)
    level: RegionLevelName
    parent_id: Id | None = None


class RegionOut(Out):
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    version: int


class StrategyOut(Out):
    code: str
    name: str


class FundingSourceOut(Out):
    code: str
    name: str


# ---- users ---------------------------------------------------------------------------------------

class UserIn(In):
    username: str = Field(min_length=1, max_length=60)
    full_name: str = Field(default="", max_length=120)
    email: str = Field(default="", max_length=200)
    role: RoleName
    agency_id: Id | None = None
    company_id: Id | None = None
    password: str = Field(max_length=256, **documented(minLength=12))


class UserPatch(In):
    full_name: str | None = Field(default=None, max_length=120)
    email: str | None = Field(default=None, max_length=200)
    role: RoleName = None
    agency_id: Id | None = None
    company_id: Id | None = None
    active: bool = None
    version: int


class UserOut(Out):
    id: int
    username: str
    full_name: str
    email: str
    role: str
    agency_id: int | None
    company_id: int | None
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    version: int

    @field_serializer("created_at", "last_login_at")
    def _jakarta(self, value: datetime | None):
        return to_jakarta_iso(value)


# ---- periods -------------------------------------------------------------------------------------

class PeriodOut(Out):
    year: int
    quarter: int
    due_date: date
    locked: bool
    locked_at: datetime | None
    lock_reason: str
    late: bool = False
    version: int

    @field_serializer("locked_at")
    def _jakarta(self, value: datetime | None):
        return to_jakarta_iso(value)


class LockIn(In):
    reason: str | None = Field(default=None, max_length=500)


class UnlockIn(In):
    reason: str = Field(max_length=500, **documented(minLength=1))


class PeriodPatch(In):
    due_date: date
    version: int
