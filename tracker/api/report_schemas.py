"""API shapes of reports and their jobs (api.md "Evaluation and reports").

A report GET answers the file (200) when it is ready, else ``JobAccepted`` (202); the job's status is
``JobOut``, whose ``download_url`` (when done) is an API URL that takes the same token.
"""

from __future__ import annotations

from typing import Literal

from flask import url_for
from pydantic import Field

from tracker.api.params import AgencyFilter, Query, id_field
from tracker.api.schemas import Out
from tracker.reports.models import STATUSES, ReportJob
from tracker.types import to_jakarta_iso

Status = Literal[STATUSES]  # type: ignore[valid-type]


class EvaluationReportQuery(AgencyFilter):
    include_unverified: bool = Field(default=False, description="true/1: hitung juga laporan yang diajukan tetapi "
                                                                "belum diverifikasi (ditandai dalam laporan)")
    annex: bool = Field(default=True, description="false/0: tanpa lampiran seluruh kegiatan")


class OpdFormQuery(AgencyFilter):
    """``agency_id`` is required for Bappeda and viewers (an OPD user: always their own)."""


class CsrReportQuery(Query):
    company_id: int | None = id_field(description="Satu perusahaan (pengguna perusahaan: hanya miliknya)")


class AgreementsReportQuery(AgencyFilter):
    meeting_id: int | None = id_field(description="Kesepakatan satu rapat; tanpa ini: yang masih terbuka dan terbaru")


class JobAccepted(Out):
    job_id: str = Field(description="Pantau di status_url")
    status_url: str


class JobOut(Out):
    job_id: str
    kind: str
    format: str
    status: Status
    progress: int = Field(ge=0, le=100)
    download_url: str | None = Field(description="Bila selesai: URL API untuk mengunduh (token yang sama)")
    error: str | None = Field(description="Bila gagal: penjelasan singkat")
    size: int | None = Field(description="Ukuran berkas (byte) bila selesai")
    created_at: str
    started_at: str | None
    finished_at: str | None


def accepted_payload(job: ReportJob) -> dict:
    return {"job_id": job.id, "status_url": url_for("api.report_job_get", job_id=job.id)}


def job_payload(job: ReportJob) -> dict:
    done = job.status == "done"
    return {
        "job_id": job.id, "kind": job.kind, "format": job.fmt, "status": job.status, "progress": job.progress,
        "download_url": url_for("api.report_job_download_get", job_id=job.id) if done else None,
        "error": job.error if job.status == "failed" else None, "size": job.size if done else None,
        "created_at": to_jakarta_iso(job.created_at), "started_at": to_jakarta_iso(job.started_at),
        "finished_at": to_jakarta_iso(job.finished_at),
    }
