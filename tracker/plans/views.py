"""Rencana Aksi pages: the plan list with totals, one activity, approval, Excel download/upload.

The activity form lives in ``form_views`` (same blueprint).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker.auth.models import User
from tracker.authz import agency_scope, can, ensure_agency_access, permission_required
from tracker.database import get_or_404
from tracker.errors import AppError, NotFound
from tracker.extensions import db
from tracker.periods.services import MAX_YEAR, MIN_YEAR
from tracker.plans import bp, excel, excel_import, queries, services
from tracker.plans.forms import AgreeForm, UploadForm
from tracker.plans.models import FUNDING_CODES
from tracker.plans.validation import STRATEGIES, indicator_warnings, qty, stored_indicator_dicts
from tracker.reference.models import Agency, FundingSource, Region, Strategy
from tracker.types import jakarta_now
from tracker.web import page_arg

PER_PAGE = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.app_template_filter("qty")
def _qty(value):
    return qty(value)


def _int_arg(name: str, minimum: int = 1, maximum: int = 10**9) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdecimal() and minimum <= int(raw) <= maximum else None


def filters_from_request(scope: int | None, years: list[int]) -> queries.PlanFilters:
    agency_id = _int_arg("agency_id")
    if agency_id is not None and scope is not None and agency_id != scope:
        raise NotFound()  # another OPD's plan: as if it did not exist
    strategy = request.args.get("strategy") or None
    funding = request.args.get("funding_source") or None
    return queries.PlanFilters(
        year=_int_arg("year", MIN_YEAR, MAX_YEAR) or queries.default_year(years),
        agency_id=scope or agency_id,
        strategy=strategy if strategy in STRATEGIES else None,
        funding_source=funding if funding in FUNDING_CODES else None,
        region_id=_int_arg("kecamatan_id"),
        q=(request.args.get("q") or "").strip()[:200] or None,
    )


def _warnings_of(activities) -> dict[int, list[dict]]:
    return {a.id: indicator_warnings(stored_indicator_dicts(a)) for a in activities}


@bp.route("/")
@permission_required("plans.view")
def index():
    scope = agency_scope()
    years = queries.years_with_plans(scope)
    filters = filters_from_request(scope, years)
    year_options = sorted(set(years) | {filters.year, jakarta_now().year}, reverse=True)
    pagination = db.paginate(queries.activities_statement(filters, scope), page=page_arg(), per_page=PER_PAGE,
                             error_out=False)
    activities = pagination.items
    plans = services.plan_statuses((a.agency_id, a.year) for a in activities)
    agency = db.session.get(Agency, filters.agency_id) if filters.agency_id else None
    plan = services.get_plan(agency.id, filters.year) if agency else None
    totals = {
        "grand": queries.grand_total(filters, scope),
        "agencies": queries.totals_by_agency(filters, scope),
        "strategies": queries.totals_by_strategy(filters, scope),
        "funding": queries.totals_by_funding(filters, scope),
        "kecamatan": queries.totals_by_kecamatan(filters, scope),
    }
    agencies = [] if scope is not None else db.session.scalars(select(Agency).order_by(Agency.code)).all()
    return render_template(
        "plans/index.html", filters=filters, year_options=year_options, pagination=pagination,
        activities=activities, plans=plans, agency=agency, plan=plan, totals=totals, agencies=agencies,
        scope=scope, warnings=_warnings_of(activities),
        strategies=db.session.execute(select(Strategy.code, Strategy.name).order_by(Strategy.sort_order)).all(),
        funding_sources=db.session.execute(
            select(FundingSource.code, FundingSource.name).order_by(FundingSource.sort_order)).all(),
        kecamatan=db.session.execute(
            select(Region.id, Region.name).where(Region.level == "kecamatan").order_by(Region.code)).all(),
        agree_form=AgreeForm(),
    )


@bp.route("/activities/<int:activity_id>")
@permission_required("plans.view")
def detail(activity_id: int):
    activity = services.get_activity(activity_id)
    plan = services.get_plan(activity.agency_id, activity.year)
    user_ids = {r.created_by_id for r in activity.revisions if r.created_by_id}
    if plan and plan.agreed_by_id:
        user_ids.add(plan.agreed_by_id)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    has_progress = services.activity_has_progress(activity.id)
    return render_template("plans/detail.html", activity=activity, plan=plan, users=users, has_progress=has_progress,
                           warnings=indicator_warnings(stored_indicator_dicts(activity)), delete_form=AgreeForm(),
                           panels=services.activity_panels(activity))


@bp.route("/activities/<int:activity_id>/delete", methods=["POST"])
@permission_required("plans.edit")
def delete(activity_id: int):
    activity = services.get_activity(activity_id, "plans.edit")
    form = AgreeForm()
    if not form.validate_on_submit():
        flash(_("Formulir kedaluwarsa; muat ulang halaman lalu coba lagi."), "danger")
        return redirect(url_for("plans.detail", activity_id=activity_id), 303)
    agency_id, year, label = activity.agency_id, activity.year, f"{activity.code} {activity.name}"
    try:
        services.delete_activity(activity, current_user)
    except AppError as err:
        flash(err.message, "danger")
        return redirect(url_for("plans.detail", activity_id=activity_id), 303)
    db.session.commit()
    flash(_("Kegiatan %(k)s dihapus.", k=label), "success")
    return redirect(url_for("plans.index", agency_id=agency_id if agency_scope() is None else None, year=year), 303)


@bp.route("/<int:agency_id>/<int:year>/agree", methods=["POST"])
@permission_required("plans.approve")
def agree(agency_id: int, year: int):
    _agency_or_404(agency_id, "plans.approve")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise NotFound()
    form = AgreeForm()
    target = url_for("plans.index", agency_id=agency_id, year=year)
    if not form.validate_on_submit():
        flash(_("Formulir kedaluwarsa; muat ulang halaman lalu coba lagi."), "danger")
        return redirect(target, 303)
    try:
        plan = services.agree_plan(agency_id, year, current_user, form.note.data or "")
    except AppError as err:
        flash(err.message, "danger")
        return redirect(target, 303)
    db.session.commit()
    flash(_("Rencana aksi %(o)s tahun %(y)s disepakati. Perubahan pagu selanjutnya dicatat sebagai revisi APBD-P.",
            o=plan.agency.short_name, y=year), "success")
    return redirect(request.form.get("back") if (request.form.get("back") or "").startswith("/plans/") else target, 303)


def _agency_or_404(agency_id: int, permission: str) -> Agency:
    ensure_agency_access(agency_id, permission)
    return get_or_404(Agency, agency_id)


@bp.route("/<int:agency_id>/<int:year>/template.xlsx")
@permission_required("plans.view")
def template(agency_id: int, year: int):
    agency = _agency_or_404(agency_id, "plans.view")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise NotFound()
    return send_file(excel.build_template(agency, year), mimetype=XLSX, as_attachment=True,
                     download_name=excel.template_filename(agency, year))


@bp.route("/<int:agency_id>/<int:year>/upload", methods=["GET", "POST"])
@permission_required("plans.edit")
def upload(agency_id: int, year: int):
    agency = _agency_or_404(agency_id, "plans.edit")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise NotFound()
    form = UploadForm()
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            errors = [_("Formulir kedaluwarsa; muat ulang halaman lalu coba lagi.")]
            status = 400
        elif not form.file.data or not form.file.data.filename:
            form.file.errors = [_("Pilih berkas Excel (.xlsx) hasil unduhan template.")]
            status = 422
        else:
            try:
                result = excel_import.import_plan(agency, year, form.file.data.stream, current_user)
            except excel_import.ImportFailed as err:
                db.session.rollback()
                errors, status = err.lines(), 422
            else:
                db.session.commit()
                flash(_("Impor selesai: %(c)d kegiatan baru, %(u)d diubah, %(n)d tanpa perubahan.",
                        c=result["created"], u=result["updated"], n=result["unchanged"]), "success")
                for w in result["warnings"][:10]:
                    flash(_("Peringatan (%(c)s): %(m)s", c=w["cell"], m=w["message"]), "warning")
                return redirect(url_for("plans.index", agency_id=agency.id if agency_scope() is None else None,
                                        year=year), 303)
    plan = services.get_plan(agency.id, year)
    return render_template("plans/upload.html", form=form, agency=agency, year=year, errors=errors,
                           plan=plan), status


@bp.route("/export.xlsx")
@permission_required("plans.view")
def export():
    scope = agency_scope()
    filters = filters_from_request(scope, queries.years_with_plans(scope))
    return send_file(excel.export_activities(filters, scope), mimetype=XLSX, as_attachment=True,
                     download_name=excel.export_filename(filters))


@bp.app_context_processor
def _plan_helpers():
    return {"plan_can_edit": lambda agency_id: can(current_user, "plans.edit") and
            (agency_scope(current_user) in (None, agency_id))}


