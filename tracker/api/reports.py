"""Report endpoints (api.md "Evaluation and reports"): the Rakor report, an OPD's quarterly form, the
CSR report and the agreements list, as PDF or Excel, and the jobs that render them.

A report GET answers ``200`` with the file when it is ready (cached, or rendered within the short
wait ``REPORT_WAIT_SECONDS``), else ``202 {"job_id", "status_url"}``.  ``GET /jobs/<id>`` gives the
status, progress, ``download_url`` (done) or ``error`` (failed); the download takes the same token.

Scoping exactly as the pages: an OPD user's report is always their own OPD's (naming another OPD, or
one that does not exist, is 404, as ``/evaluation``); a job is visible to the user who asked (and to
Bappeda), another user's is 404.
"""

from __future__ import annotations

from flask import jsonify
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from tracker.api.core import route
from tracker.api.evaluation import scoped_agency
from tracker.api.report_schemas import (
    AgreementsReportQuery,
    CsrReportQuery,
    EvaluationReportQuery,
    JobAccepted,
    JobOut,
    OpdFormQuery,
    accepted_payload,
    job_payload,
)
from tracker.authz import company_scope
from tracker.errors import NotFound
from tracker.extensions import db
from tracker.reference.models import Company
from tracker.reports import jobs, registry
from tracker.reports.models import DONE
from tracker.reports.registry import MEDIA_TYPES, ReportParams

TAG = "reports"
VIEW = "reports.view"
FORMATS = ("pdf", "xlsx")


def answer(params: ReportParams):
    """The file when the job is done, else 202 with where to follow it."""
    if registry.get(params.kind, params.fmt) is None:
        raise NotFound(_("Jenis laporan ini belum tersedia."))
    job = jobs.request_report(current_user, params)
    if job.status == DONE:
        return jobs.send_job_file(job)
    response = jsonify(accepted_payload(job))
    response.status_code = 202
    response.headers["Location"] = accepted_payload(job)["status_url"]
    return response


def _locale() -> str:
    return str(get_locale() or "id")


def scoped_company(company_id: int | None) -> int | None:
    own = company_scope(current_user)
    if company_id is None:
        return own
    if (own is not None and own != company_id) or db.session.get(Company, company_id) is None:
        raise NotFound(_("Perusahaan tidak ditemukan."))
    return company_id


def _named(view, name: str):
    """Route endpoints are named after the view function: one function per format."""
    view.__name__ = view.__qualname__ = name
    return view


def _register(fmt: str) -> None:
    media = MEDIA_TYPES[fmt]
    suffix = fmt.upper()

    def evaluation_report(year: int, quarter: int, params: EvaluationReportQuery):
        return answer(ReportParams(kind="evaluation", fmt=fmt, year=year, quarter=quarter,
                                   agency_id=scoped_agency(params.agency_id),
                                   include_unverified=params.include_unverified, annex=params.annex,
                                   locale=_locale()))

    def opd_form_report(year: int, quarter: int, params: OpdFormQuery):
        return answer(ReportParams(kind="opd_form", fmt=fmt, year=year, quarter=quarter,
                                   agency_id=scoped_agency(params.agency_id), locale=_locale()))

    def csr_report(year: int, params: CsrReportQuery):
        return answer(ReportParams(kind="csr", fmt=fmt, year=year, company_id=scoped_company(params.company_id),
                                   locale=_locale()))

    def agreements_report(params: AgreementsReportQuery):
        return answer(ReportParams(kind="agreements", fmt=fmt, agency_id=scoped_agency(params.agency_id),
                                   meeting_id=params.meeting_id, locale=_locale()))

    common = {"tag": TAG, "permission": VIEW, "binary": media, "accepted": JobAccepted, "statuses": (422,)}
    route(f"/reports/evaluation/<int:year>/<int:quarter>.{fmt}", "GET", query=EvaluationReportQuery,
          summary=f"Laporan Rakor satu triwulan ({suffix}): berkas bila siap, selain itu 202 dengan job",
          **common)(_named(evaluation_report, f"evaluation_report_{fmt}"))
    route(f"/reports/opd-form/<int:year>/<int:quarter>.{fmt}", "GET", query=OpdFormQuery,
          summary=f"Formulir triwulan satu OPD ({suffix}); agency_id wajib kecuali bagi pengguna OPD",
          **common)(_named(opd_form_report, f"opd_form_report_{fmt}"))
    route(f"/reports/csr/<int:year>.{fmt}", "GET", query=CsrReportQuery,
          summary=f"Laporan CSR satu tahun ({suffix})", **common)(_named(csr_report, f"csr_report_{fmt}"))
    route(f"/reports/agreements.{fmt}", "GET", query=AgreementsReportQuery,
          summary=f"Daftar kesepakatan rapat dan tindak lanjutnya ({suffix})",
          **common)(_named(agreements_report, f"agreements_report_{fmt}"))


for _fmt in FORMATS:
    _register(_fmt)


@route("/jobs/<job_id>", "GET", tag=TAG, permission=VIEW, response=JobOut,
       summary="Status pekerjaan laporan: queued, running, done (download_url) atau failed (error)")
def report_job(job_id: str):
    job = jobs.visible_job(current_user, job_id)
    jobs.keep_going(job)
    return jsonify(JobOut.model_validate(job_payload(job)).model_dump(mode="json"))


@route("/jobs/<job_id>/download", "GET", tag=TAG, permission=VIEW, binary=tuple(MEDIA_TYPES.values()),
       summary="Unduh laporan yang sudah selesai (404 bila belum selesai atau milik pengguna lain)")
def report_job_download(job_id: str):
    return jobs.send_job_file(jobs.visible_job(current_user, job_id))
