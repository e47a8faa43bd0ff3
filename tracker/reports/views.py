"""The report page "Laporan": choose a report (kind, year, quarter, OPD, verified-only, format), press
"Buat laporan", follow its progress on the job page (htmx polls the status), download it when done;
earlier renderings listed.  Thin: asking is ``jobs.request_report`` (scope, cache, queue), nothing is
rendered here.  The settings page is ``views_settings``.
"""

from __future__ import annotations

import json

from flask import redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker.authz import agency_scope, can, permission_required
from tracker.errors import ValidationFailed
from tracker.evaluation.views_common import default_quarter
from tracker.extensions import db
from tracker.i18n import N_
from tracker.periods.services import quarter_label
from tracker.periods.services import today as jakarta_today
from tracker.plans.queries import default_year, years_with_plans
from tracker.reference.models import Agency
from tracker.reports import bp, jobs, registry
from tracker.reports.forms import ROMAN, ReportForm
from tracker.reports.models import DONE, FAILED, QUEUED, RUNNING, ReportJob
from tracker.web import apply_errors

STATUS_LABELS = {QUEUED: N_("Menunggu antrean"), RUNNING: N_("Sedang dibuat"), DONE: N_("Selesai"), FAILED: N_("Gagal")}
STATUS_COLOURS = {QUEUED: "secondary", RUNNING: "info", DONE: "success", FAILED: "danger"}
RECENT = 30


def status_label(status: str) -> str:
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def kind_label(kind: str) -> str:
    for k in registry.all_kinds():
        if k.kind == kind:
            return _(k.label)
    return kind


def file_size(size: int | None) -> str:
    from tracker.formatting import number

    if not size:
        return "—"
    if size < 1024 * 1024:
        return f"{number(size / 1024, 0 if size >= 10 * 1024 else 1)} KB"
    return f"{number(size / 1024 / 1024, 1)} MB"


@bp.record_once
def register_template_globals(state):
    state.app.jinja_env.globals.update(
        report_status_label=status_label, report_status_colour=STATUS_COLOURS.get, report_kind_label=kind_label,
        report_file_size=file_size)


# ---- the choice ------------------------------------------------------------------------------------------

def kind_choices() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for k in jobs.kinds_for(current_user):
        seen.setdefault(k.kind, _(k.label))
    return list(seen.items())


def fixed_agency():
    scope = agency_scope(current_user)
    return db.session.get(Agency, scope) if scope is not None else None


def new_form(formdata=None) -> ReportForm:
    form = ReportForm(formdata=formdata)
    years = years_with_plans(agency_scope(current_user))
    year = default_year(years)
    form.fill_choices(kind_choices(), fixed_agency(), year)
    if formdata is None:
        form.year.data = str(year)
        form.quarter.data = str(default_quarter(year, jakarta_today()))
        form.fmt.data = "pdf"
        for field, arg in ((form.kind, "kind"), (form.year, "year"), (form.quarter, "quarter"),
                           (form.agency_id, "agency_id"), (form.fmt, "fmt")):
            if request.args.get(arg) in {value for value, _label in field.choices}:
                field.data = request.args[arg]
        if form.agency_id.choices and fixed_agency() is not None:
            form.agency_id.data = form.agency_id.choices[0][0]
    return form


# ---- describing a job ------------------------------------------------------------------------------------

def describe(job: ReportJob, agencies: dict[int, str]) -> str:
    """"Triwulan II 2025 · Dinas Sosial · termasuk belum diverifikasi" from the job's parameters."""
    p = json.loads(job.params)
    parts = []
    if p.get("quarter"):
        parts.append(_("Triwulan %(r)s %(y)s", r=ROMAN[p["quarter"] - 1], y=p.get("year")))
    elif p.get("year"):
        parts.append(_("Tahun %(y)s", y=p["year"]))
    if p.get("agency_id"):
        parts.append(agencies.get(p["agency_id"], _("OPD #%(n)s", n=p["agency_id"])))
    elif p.get("kind") in ("evaluation",):
        parts.append(_("Seluruh kabupaten"))
    if p.get("include_unverified"):
        parts.append(_("termasuk data belum diverifikasi"))
    return " · ".join(str(x) for x in parts)


def agency_names(rows: list[ReportJob]) -> dict[int, str]:
    ids = {json.loads(j.params).get("agency_id") for j in rows} - {None}
    if not ids:
        return {}
    return dict(db.session.execute(select(Agency.id, Agency.short_name).where(Agency.id.in_(sorted(ids)))).all())


def job_rows(rows: list[ReportJob]) -> list[dict]:
    names = agency_names(rows)
    return [{"job": j, "description": describe(j, names)} for j in rows]


# ---- pages -----------------------------------------------------------------------------------------------

def render_index(form: ReportForm, status: int = 200):
    everyone = can(current_user, "reports.all_jobs") and request.args.get("semua") == "1"
    rows = jobs.recent_jobs(current_user, limit=RECENT, everyone=everyone)
    return render_template("reports/index.html", form=form, rows=job_rows(rows), everyone=everyone,
                           fixed=fixed_agency(), has_kinds=bool(form.kind.choices),
                           quarter_label=quarter_label), status


@bp.route("/")
@permission_required("reports.view")
def index():
    return render_index(new_form())


@bp.route("/", methods=["POST"])
@permission_required("reports.view")
def create():
    form = new_form(request.form)
    if not form.validate():
        return render_index(form, 400)
    locale = str(get_locale() or "id")
    try:
        job = jobs.request_report(current_user, form.params(locale))
    except ValidationFailed as err:
        db.session.rollback()
        field_map = {"company_id": "agency_id", "meeting_id": "kind"}
        apply_errors(form, err, field_map)
        return render_index(form, 422)
    return redirect(url_for("reports.job", job_id=job.id), code=303)


@bp.route("/jobs/<job_id>")
@permission_required("reports.view")
def job(job_id: str):
    found = jobs.visible_job(current_user, job_id)
    jobs.keep_going(found)
    return render_template("reports/job.html", job=found, row=job_rows([found])[0],
                           mine=found.created_by_id == current_user.id)


@bp.route("/jobs/<job_id>/status")
@permission_required("reports.view")
def job_status(job_id: str):
    """The status fragment the job page polls (htmx); it stops polling once the job is done or failed."""
    found = jobs.visible_job(current_user, job_id)
    jobs.keep_going(found)
    return render_template("reports/_job_status.html", job=found)


@bp.route("/jobs/<job_id>/download")
@permission_required("reports.view")
def download(job_id: str):
    return jobs.send_job_file(jobs.visible_job(current_user, job_id))
