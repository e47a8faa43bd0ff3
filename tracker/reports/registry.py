"""What reports exist: each renderer registers a (kind, format) with what it reads.

A renderer runs in the report worker (an app context, no request, no signed-in user), so everything
that depends on who asked — above all the OPD an OPD user is limited to — is resolved into
``ReportParams`` by the caller before the job is queued.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable

Progress = Callable[[int], None]  # 0–100; a renderer calls it now and then, the job page shows it


@dataclass(frozen=True)
class ReportParams:
    """Everything a rendering depends on besides the data (it is part of the cache key)."""

    kind: str                       # "evaluation" | "csr" | "agreements" | "opd_form"
    fmt: str                        # "pdf" | "xlsx"
    year: int | None = None
    quarter: int | None = None
    agency_id: int | None = None    # one OPD (forced to their own for an OPD user)
    company_id: int | None = None   # one company (forced to their own for a company user)
    meeting_id: int | None = None   # agreements: one meeting's, else all open and recent ones
    include_unverified: bool = False
    annex: bool = True              # evaluation: the annex with every activity
    locale: str = "id"

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ReportKind:
    kind: str
    fmt: str
    render: Callable[[ReportParams, Progress], bytes]
    # The models whose rows the report reads: their row count and latest change make the cache key.
    sources: tuple[type, ...]
    filename: Callable[[ReportParams], str]
    label: str  # shown on the report page (an N_ string, translated where shown)
    # Raise it when the renderer's output changes for the same data (a new layout): part of the cache key.
    version: int = 1


MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

_KINDS: dict[tuple[str, str], ReportKind] = {}


def register(kind: ReportKind) -> ReportKind:
    _KINDS[(kind.kind, kind.fmt)] = kind
    return kind


def get(kind: str, fmt: str) -> ReportKind | None:
    return _KINDS.get((kind, fmt))


def all_kinds() -> list[ReportKind]:
    return list(_KINDS.values())
