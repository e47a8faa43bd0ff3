"""The progress API's shapes (pydantic, validated and documented in the OpenAPI document) and the
item as the API shows it."""

from __future__ import annotations

from datetime import date
from typing import Literal

from flask import url_for
from pydantic import Field

from tracker.api.schemas import Id, In, Out, Year, documented
from tracker.progress import rules, workflow
from tracker.progress.context import ItemContext
from tracker.types import to_jakarta_iso


class ProgressValueIn(In):
    indicator_id: Id
    value: float | None = Field(default=None, **documented(minimum=0))


class ProgressIn(In):
    budget_realized: int | None = Field(default=None, **documented(minimum=0, maximum=rules.MAX_MONEY))
    physical_progress: float | None = Field(default=None, **documented(minimum=0, maximum=100))
    progress_drop_reason: str | None = Field(
        default=None, **documented(maxLength=rules.TEXT_LIMITS["progress_drop_reason"]))
    beneficiaries_reached: int | None = Field(default=None, **documented(minimum=0, maximum=rules.MAX_COUNT))
    problems: str | None = Field(default=None, **documented(maxLength=rules.TEXT_LIMITS["problems"]))
    follow_up: str | None = Field(default=None, **documented(maxLength=rules.TEXT_LIMITS["follow_up"]))
    indicator_values: list[ProgressValueIn] | None = Field(default=None, max_length=200)
    version: int | None = Field(default=None, description="Wajib saat mengubah laporan yang sudah ada")


class ProgressCommentIn(In):
    comment: str | None = Field(default=None, max_length=2000)


class ProgressReturnIn(In):
    comment: str = Field(max_length=2000)


class ProgressBulkIn(In):
    action: Literal["submit", "verify", "return"]
    year: Year
    quarter: int = Field(ge=1, le=4)
    activity_ids: list[Id] = Field(min_length=1, max_length=500)
    comment: str | None = Field(default=None, max_length=2000)


class ProgressValueOut(Out):
    indicator_id: int
    value: float


class ProgressFlagOut(Out):
    code: str
    indicator_id: int | None = None
    message: str


class ProgressAttachmentOut(Out):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: str | None
    download_url: str


class ProgressOut(Out):
    id: int
    activity_id: int
    agency_id: int
    year: int
    quarter: int
    status: Literal["draft", "submitted", "returned", "verified"]
    budget_realized: int | None
    budget_realized_cumulative: int
    effective_budget: int
    physical_progress: float | None
    progress_drop_reason: str
    beneficiaries_reached: int | None
    indicator_values: list[ProgressValueOut]
    problems: str
    follow_up: str
    review_comment: str
    submitted_at: str | None
    verified_at: str | None
    returned_at: str | None
    due_date: str
    late: bool
    complete: bool
    flags: list[ProgressFlagOut]
    attachments: list[ProgressAttachmentOut]
    updated_at: str | None
    version: int


class ProgressEventOut(Out):
    at: str | None
    username: str | None
    action: str
    from_status: str | None
    to_status: str | None
    comment: str


class ProgressBulkOut(Out):
    done: list[int]
    errors: dict[str, str]


class ProgressSubmitCompleteOut(Out):
    submitted: list[int]
    incomplete: int
    errors: dict[str, str]


class ProgressCompletenessOut(Out):
    agency_id: int
    agency_name: str
    year: int
    quarter: int
    activities: int
    reported: int
    verified: int
    submitted: int
    returned: int
    draft: int
    missing: int
    late: int


class ProgressTaskOut(Out):
    kind: Literal["due", "late", "returned", "review", "agreements_overdue", "agreements_confirm"]
    year: int
    quarter: int
    due_date: str
    count: int
    message: str
    activity_ids: list[int]


class ProgressImportOut(Out):
    created: int
    updated: int
    submitted: int
    unchanged: int


# ---- serialisation ------------------------------------------------------------------------------------

def attachment_dict(att) -> dict:
    return {"id": att.id, "original_name": att.original_name, "content_type": att.content_type, "size": att.size,
            "sha256": att.sha256, "uploaded_at": to_jakarta_iso(att.uploaded_at),
            "download_url": url_for("api.download_attachment_get", attachment_id=att.id)}


def report_dict(ctx: ItemContext, today: date | None = None) -> dict:
    report = ctx.report
    return {
        "id": report.id,
        "activity_id": report.activity_id,
        "agency_id": ctx.activity.agency_id,
        "year": report.year,
        "quarter": report.quarter,
        "status": report.status,
        "budget_realized": report.budget_realized,
        "budget_realized_cumulative": ctx.budget_cumulative(),
        "effective_budget": ctx.activity.effective_budget,
        "physical_progress": report.physical_progress,
        "progress_drop_reason": report.progress_drop_reason,
        "beneficiaries_reached": report.beneficiaries_reached,
        "indicator_values": [{"indicator_id": v.indicator_id, "value": v.value} for v in report.values],
        "problems": report.problems,
        "follow_up": report.follow_up,
        "review_comment": report.review_comment,
        "submitted_at": to_jakarta_iso(report.submitted_at),
        "verified_at": to_jakarta_iso(report.verified_at),
        "returned_at": to_jakarta_iso(report.returned_at),
        "due_date": ctx.period.due_date.isoformat(),
        "late": rules.report_late(report, ctx.period, today),
        "complete": not workflow.missing_for_submit(report, ctx.indicators),
        "flags": ctx.flags(),
        "attachments": [attachment_dict(a) for a in report.attachments],
        "updated_at": to_jakarta_iso(report.updated_at),
        "version": report.version,
    }


def progress_out(ctx: ItemContext) -> dict:
    return ProgressOut.model_validate(report_dict(ctx)).model_dump(mode="json")
