"""The activity form: new, edit, and the live check the page calls while it is filled in."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker.authz import agency_scope, ensure_agency_access, permission_required
from tracker.errors import AppError, Conflict, NotFound, ValidationFailed
from tracker.extensions import db
from tracker.forms import form_version
from tracker.plans import bp, queries, services
from tracker.plans.forms import (
    ActivityForm,
    blank_row,
    form_data,
    indicator_rows,
    input_name,
    next_index,
    place_errors,
    rows_from_activity,
)
from tracker.plans.validation import RegionIndex, clean_activity, indicator_warnings, parse_int, stored_indicator_dicts
from tracker.reference.models import Agency
from tracker.types import jakarta_now


def _year_choices() -> list[int]:
    now = jakarta_now().year
    return sorted(set(queries.years_with_plans(agency_scope())) | {now - 1, now, now + 1}, reverse=True)


def _handle_row_buttons(rows: list[dict]) -> bool:
    """No-JavaScript fallback: 'add row' and 'remove row' are submit buttons; True if one was pressed."""
    action = request.form.get("action", "")
    if action == "add_indicator":
        rows.append(blank_row(next_index(rows)))
        return True
    if action.startswith("remove_indicator:"):
        index = parse_int(action.split(":", 1)[1])
        rows[:] = [r for r in rows if r["index"] != index]
        return True
    return False


def _render(form, rows, *, activity=None, plan=None, agency=None, status=200):
    return render_template("plans/form.html", form=form, rows=rows, activity=activity, plan=plan, agency=agency,
                           agreed=services.is_agreed(plan), template_row=blank_row("__INDEX__")), status


def _flash_warnings(activity) -> None:
    for w in indicator_warnings(stored_indicator_dicts(activity)):
        flash(_("Peringatan: %(m)s", m=w["message"]), "warning")


@bp.route("/activities/new", methods=["GET", "POST"])
@permission_required("plans.edit")
def new_activity():
    scope = agency_scope()
    form = ActivityForm()
    agencies = None if scope is not None else db.session.scalars(
        select(Agency).where(Agency.active.is_(True)).order_by(Agency.code)).all()
    form.fill_choices(agencies, _year_choices())
    if request.method == "GET":
        agency_id = scope or parse_int(request.args.get("agency_id") or "")
        if agency_id and scope is None:
            ensure_agency_access(agency_id, "plans.edit")
        form.agency_id.data = str(agency_id or "")
        year = parse_int(request.args.get("year") or "") or queries.default_year(queries.years_with_plans(scope))
        form.year.data = str(year)
        form.beneficiary_unit.data = "KK"
        rows = [blank_row(0)]
    else:
        rows = indicator_rows(request.form)
        if scope is not None:
            form.agency_id.data = str(scope)
    agency = db.session.get(Agency, parse_int(form.agency_id.data or "") or 0)
    year = parse_int(form.year.data or "")
    plan = services.get_plan(agency.id, year) if agency and year else None
    if request.method == "GET" or _handle_row_buttons(rows):
        return _render(form, rows, plan=plan, agency=agency)
    if not form.validate():
        flash(_("Formulir kedaluwarsa; muat ulang halaman lalu coba lagi."), "danger")
        return _render(form, rows, plan=plan, agency=agency, status=400)
    try:
        activity = services.create_activity(form_data(form, rows), current_user)
    except ValidationFailed as err:
        db.session.rollback()
        for message in place_errors(form, rows, err.fields):
            flash(message, "danger")
        flash(err.message, "danger")
        return _render(form, rows, plan=plan, agency=agency, status=422)
    db.session.commit()
    flash(_("Kegiatan %(k)s disimpan.", k=activity.code), "success")
    activity = services.get_activity(activity.id)
    _flash_warnings(activity)
    return redirect(url_for("plans.detail", activity_id=activity.id), 303)


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@permission_required("plans.edit")
def edit_activity(activity_id: int):
    activity = services.get_activity(activity_id, "plans.edit")
    plan = services.get_plan(activity.agency_id, activity.year)
    agreed = services.is_agreed(plan)
    form = ActivityForm(obj=None)
    form.fill_choices(None, [activity.year])
    if request.method == "GET":
        for key in ("program", "kegiatan", "code", "name", "strategy", "funding_source", "beneficiary_unit"):
            getattr(form, key).data = getattr(activity, key)
        form.budget.data = f"{activity.effective_budget:,}".replace(",", ".")
        form.target_beneficiaries.data = f"{activity.target_beneficiaries:,}".replace(",", ".")
        form.region_ids.data = [str(r.id) for r in activity.regions]
        form.version.data = str(activity.version)
        rows = rows_from_activity(activity) or [blank_row(0)]
    else:
        rows = indicator_rows(request.form)
    form.year.data = str(activity.year)
    if request.method == "GET" or _handle_row_buttons(rows):
        return _render(form, rows, activity=activity, plan=plan, agency=activity.agency)
    if not form.validate():
        flash(_("Formulir kedaluwarsa; muat ulang halaman lalu coba lagi."), "danger")
        return _render(form, rows, activity=activity, plan=plan, agency=activity.agency, status=400)
    data = form_data(form, rows, budget_key="budget_revised" if agreed else "budget")
    data.pop("agency_id", None)
    data.pop("year", None)
    if not agreed:
        data.pop("revision_reason", None)
    try:
        services.update_activity(activity, data, current_user, expected_version=form_version(form))
    except ValidationFailed as err:
        db.session.rollback()
        activity = services.get_activity(activity_id, "plans.edit")
        for message in place_errors(form, rows, err.fields):
            flash(message, "danger")
        flash(err.message, "danger")
        return _render(form, rows, activity=activity, plan=plan, agency=activity.agency, status=422)
    except Conflict as err:
        db.session.rollback()
        flash(err.message, "danger")
        activity = services.get_activity(activity_id, "plans.edit")
        return _render(form, rows, activity=activity, plan=plan, agency=activity.agency, status=409)
    db.session.commit()
    flash(_("Perubahan kegiatan %(k)s disimpan.", k=activity.code), "success")
    activity = services.get_activity(activity_id)
    _flash_warnings(activity)
    return redirect(url_for("plans.detail", activity_id=activity_id), 303)


@bp.route("/activities/check", methods=["POST"])
@permission_required("plans.edit")
def check_activity():
    """Validate the form as it is being filled in (no write): messages keyed by input name."""
    form = ActivityForm()
    if not form.validate():
        return jsonify({"fields": {}, "warnings": [], "error": _("Formulir kedaluwarsa; muat ulang halaman.")}), 400
    rows = indicator_rows(request.form)
    current, agreed = None, False
    activity_id = parse_int(form.activity_id.data or "")
    if activity_id:
        current = services.get_activity(activity_id, "plans.edit")
        agreed = services.is_agreed(services.get_plan(current.agency_id, current.year))
    else:
        agency_id = agency_scope() or parse_int(form.agency_id.data or "")
        if agency_id:
            try:
                ensure_agency_access(agency_id, "plans.edit")
            except NotFound:
                return jsonify({"fields": {"agency_id": _("OPD tidak ditemukan.")}, "warnings": []})
    data = form_data(form, rows, budget_key="budget_revised" if agreed else "budget")
    if not agreed:
        data.pop("revision_reason", None)
    fields, warnings = {}, []
    try:
        cleaned = clean_activity(data, regions=RegionIndex.load(), current=current, agreed=agreed)
        warnings = cleaned.warnings
    except AppError as err:
        fields = err.fields or {}
        warnings = getattr(err, "warnings", [])
    finally:
        db.session.rollback()
    return jsonify({
        "fields": {input_name(k, rows): v for k, v in fields.items()},
        "warnings": [{"field": input_name(w["field"], rows), "message": w["message"]} for w in warnings],
    })
