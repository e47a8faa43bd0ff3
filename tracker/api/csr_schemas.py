"""API shapes of CSR (api.md "CSR"): commitments, contributions, their review and the figures.

As with the plans, bodies are strict on types (a string for ``amount`` is a 400) and loose on values:
the rules and their Indonesian messages live in ``tracker.csr.validation`` and apply alike to the
pages, the API and the Excel import; the document states them through ``documented(...)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from flask import url_for
from pydantic import Field

from tracker.api.schemas import Id, In, Out, documented
from tracker.csr.models import BENEFICIARY_UNITS, KINDS, CsrCommitment, CsrContribution
from tracker.csr.validation import MAX_AMOUNT, MAX_BENEFICIARIES, MAX_REGIONS, STRATEGIES, TEXT_LIMITS
from tracker.periods.services import MAX_YEAR, MIN_YEAR
from tracker.review import MAX_COMMENT, STATUSES
from tracker.types import to_jakarta_iso

STRATEGY = {"enum": list(STRATEGIES)}
KIND = {"enum": list(KINDS)}
MONEY = documented(minimum=1, maximum=MAX_AMOUNT)
# ``validation`` reads a missing or empty unit as "KK"; the API names the unit or leaves it out.
BeneficiaryUnit = Literal[BENEFICIARY_UNITS]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]


# ---- commitments ----------------------------------------------------------------------------------

class CommitmentIn(In):
    company_id: Id | None = Field(default=None, description="Wajib untuk koordinator/admin; pengguna perusahaan: "
                                                             "perusahaannya sendiri (boleh dikosongkan)")
    year: int = Field(**documented(minimum=MIN_YEAR, maximum=MAX_YEAR))
    title: str = Field(max_length=TEXT_LIMITS["title"], **documented(minLength=1))
    description: str = Field(default="", max_length=TEXT_LIMITS["description"])
    strategy: str = Field(json_schema_extra=STRATEGY)
    region_ids: list[Id] = Field(description="Kecamatan dan/atau desa", **documented(minItems=1, maxItems=MAX_REGIONS))
    amount: int = Field(description="Nilai komitmen (Rp)", **MONEY)
    activity_id: Id | None = Field(default=None, description="Kegiatan OPD tahun yang sama yang didukung")


class CommitmentPatch(In):
    version: int
    title: str = Field(default=None, max_length=TEXT_LIMITS["title"], **documented(minLength=1))
    description: str = Field(default=None, max_length=TEXT_LIMITS["description"])
    strategy: str = Field(default=None, json_schema_extra=STRATEGY)
    region_ids: list[Id] = Field(default=None, **documented(minItems=1, maxItems=MAX_REGIONS))
    amount: int = Field(default=None, description="Setelah ada kontribusi terverifikasi, perubahan nilai dicatat "
                                                  "sebagai revisi (revision_reason wajib)", **MONEY)
    activity_id: Id | None = Field(default=None, description="null: tidak lagi mendukung kegiatan OPD")
    revision_reason: str | None = Field(default=None, max_length=TEXT_LIMITS["revision_reason"])


class RegionRef(Out):
    id: int
    code: str
    name: str
    level: str


class CommitmentRevisionOut(Out):
    id: int
    old_amount: int
    new_amount: int
    reason: str
    at: str | None
    by_id: int | None


class CommitmentOut(Out):
    id: int
    company_id: int
    company_name: str
    year: int
    title: str
    description: str
    strategy: str
    amount: int = Field(description="Nilai komitmen (Rp)")
    committed: int = Field(description="Sama dengan amount")
    activity_id: int | None
    region_ids: list[int]
    regions: list[RegionRef]
    contributed_verified: int = Field(description="Jumlah kontribusi terverifikasi (Rp)")
    contributed_pending: int = Field(description="Jumlah kontribusi diajukan, menunggu verifikasi (Rp)")
    over_committed: bool = Field(description="Kontribusi terverifikasi melebihi nilai komitmen")
    revisions: list[CommitmentRevisionOut]
    created_at: str | None
    updated_at: str | None
    version: int


# ---- contributions --------------------------------------------------------------------------------

class ContributionIn(In):
    date: dt.date = Field(description="Dalam tahun komitmen, tidak setelah hari ini")
    kind: str = Field(json_schema_extra=KIND, description="cash: tunai; in_kind: natura (barang/jasa, nilai taksiran)")
    amount: int = Field(description="Rupiah (natura: nilai taksiran)", **MONEY)
    description: str = Field(default="", max_length=TEXT_LIMITS["description"],
                             description="Wajib untuk natura: uraian barang/jasa")
    beneficiaries: int = Field(default=0, **documented(minimum=0, maximum=MAX_BENEFICIARIES))
    beneficiary_unit: BeneficiaryUnit = "KK"
    submit: bool = Field(default=True, description="false: simpan sebagai draf tanpa diajukan")


class ContributionPatch(In):
    version: int
    date: dt.date = Field(default=None)
    kind: str = Field(default=None, json_schema_extra=KIND)
    amount: int = Field(default=None, **MONEY)
    description: str = Field(default=None, max_length=TEXT_LIMITS["description"])
    beneficiaries: int = Field(default=None, **documented(minimum=0, maximum=MAX_BENEFICIARIES))
    beneficiary_unit: BeneficiaryUnit = None


VERSION = "Bila dikirim: harus versi yang sekarang (409 jika usang)"


class SubmitIn(In):
    version: int | None = Field(default=None, description=VERSION)


class VerifyIn(In):
    comment: str | None = Field(default=None, max_length=MAX_COMMENT)
    version: int | None = Field(default=None, description=VERSION)


class ReturnIn(In):
    comment: str = Field(max_length=MAX_COMMENT, **documented(minLength=1))
    version: int | None = Field(default=None, description=VERSION)


class ContributionBulkIn(In):
    action: Literal["submit", "verify", "return"]
    contribution_ids: list[Id] = Field(min_length=1, max_length=500)
    comment: str | None = Field(default=None, max_length=MAX_COMMENT, description="Wajib untuk return")


class CsrAttachmentOut(Out):
    id: int
    contribution_id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: str | None
    download_url: str


class ContributionOut(Out):
    id: int
    commitment_id: int
    commitment_title: str
    company_id: int
    company_name: str
    year: int
    date: dt.date
    kind: str
    amount: int
    description: str
    beneficiaries: int
    beneficiary_unit: str
    status: Status
    review_comment: str
    first_submitted_at: str | None
    submitted_at: str | None
    verified_at: str | None
    returned_at: str | None
    attachments: list[CsrAttachmentOut]
    created_at: str | None
    updated_at: str | None
    version: int


class ContributionEventOut(Out):
    at: str | None
    username: str | None
    action: str
    from_status: str | None
    to_status: str | None
    comment: str


class ContributionBulkOut(Out):
    done: list[int]
    errors: dict[str, str]


# ---- figures --------------------------------------------------------------------------------------

class FiguresOut(Out):
    commitments: int
    committed: int
    contributed_verified: int
    contributed_pending: int


class CompanyFiguresOut(FiguresOut):
    company_id: int
    company_name: str
    sector: str


class SectorFiguresOut(FiguresOut):
    sector: str


class StrategyFiguresOut(FiguresOut):
    strategy: str
    name: str


class YearFiguresOut(FiguresOut):
    year: int


class KecamatanFiguresOut(FiguresOut):
    region_id: int
    code: str
    name: str


class CsrSummaryOut(Out):
    totals: FiguresOut
    by_company: list[CompanyFiguresOut]
    by_sector: list[SectorFiguresOut]
    by_strategy: list[StrategyFiguresOut]
    by_kecamatan: list[KecamatanFiguresOut] = Field(
        description="Komitmen di beberapa kecamatan dibagi rata (Rupiah bulat, sisa ke kecamatan pertama)")
    by_year: list[YearFiguresOut]


# ---- serialisation --------------------------------------------------------------------------------

def commitment_out(c: CsrCommitment, sums: dict[str, int]) -> dict:
    """``sums``: ``{"verified", "pending"}`` of its contributions (``queries.contributed_by_commitment``)."""
    return CommitmentOut.model_validate({
        **{k: getattr(c, k) for k in ("id", "company_id", "year", "title", "description", "strategy", "amount",
                                      "activity_id", "version")},
        "company_name": c.company.name,
        "committed": c.amount,
        "region_ids": [r.id for r in c.regions],
        "regions": c.regions,
        "contributed_verified": sums["verified"],
        "contributed_pending": sums["pending"],
        "over_committed": sums["verified"] > c.amount,
        "revisions": [{"id": r.id, "old_amount": r.old_amount, "new_amount": r.new_amount, "reason": r.reason,
                       "at": to_jakarta_iso(r.at), "by_id": r.by_id} for r in c.revisions],
        "created_at": to_jakarta_iso(c.created_at),
        "updated_at": to_jakarta_iso(c.updated_at),
    }).model_dump(mode="json")


def attachment_out(a) -> dict:
    return CsrAttachmentOut.model_validate({
        "id": a.id, "contribution_id": a.contribution_id, "original_name": a.original_name,
        "content_type": a.content_type, "size": a.size, "sha256": a.sha256, "uploaded_at": to_jakarta_iso(a.uploaded_at),
        "download_url": url_for("api.csr_download_attachment_get", attachment_id=a.id),
    }).model_dump(mode="json")


def contribution_out(c: CsrContribution) -> dict:
    commitment = c.commitment
    return ContributionOut.model_validate({
        **{k: getattr(c, k) for k in ("id", "commitment_id", "date", "kind", "amount", "description", "beneficiaries",
                                      "beneficiary_unit", "status", "review_comment", "version")},
        "commitment_title": commitment.title,
        "company_id": commitment.company_id,
        "company_name": commitment.company.name,
        "year": commitment.year,
        **{k: to_jakarta_iso(getattr(c, k)) for k in ("first_submitted_at", "submitted_at", "verified_at",
                                                      "returned_at", "created_at", "updated_at")},
        "attachments": [attachment_out(a) for a in c.attachments],
    }).model_dump(mode="json")


def figures(row: dict) -> dict:
    """A row of ``tracker.csr.queries`` (committed, verified, pending) in the API's names."""
    out = {k: v for k, v in row.items() if k not in ("verified", "pending")}
    return {**out, "contributed_verified": row["verified"], "contributed_pending": row["pending"]}
