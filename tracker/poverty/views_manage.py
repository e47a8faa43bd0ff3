"""Bappeda's data management pages: the lists of statistics, targets and household counts (filtered,
paged) and the forms to add, change and delete each.  A duplicate key shows the stored row and offers
"Ganti data yang ada" (the same create, with ``replace=True``); a stale version is a conflict, nothing
overwritten.  Thin views: every rule is in ``services`` / ``validation``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker.authz import permission_required
from tracker.errors import Conflict
from tracker.extensions import db
from tracker.forms import form_version, opt_int
from tracker.poverty import bp, queries, services
from tracker.poverty.forms import DeleteForm, HouseholdForm, StatForm, TargetForm
from tracker.poverty.models import BPS, DTSEN, HOUSEHOLD_SOURCES, MEASURES, POOR_PCT, SOURCES
from tracker.poverty.validation import measure_label, source_label
from tracker.poverty.views import year_arg
from tracker.reference.models import Region
from tracker.web import form_status, page_arg, save_form

EDIT = "poverty.edit"
PER_PAGE = 50


@dataclass(frozen=True)
class Kind:
    name: str  # "stat", "target", "household"
    form: type
    create: Callable
    update: Callable
    delete: Callable
    get: Callable
    label: Callable  # the row -> "Baamang 2024 (Maret), sumber BPS"
    list_endpoint: str
    template: str
    title_new: str
    title_edit: str


def _stat_label(s) -> str:
    return services.stat_label(s.region_id, s.year, s.month, s.source)


def _target_label(t) -> str:
    return services.target_label(t.region_id, t.year, t.measure)


def _household_label(h) -> str:
    return services.household_label(h.region_id, h.year, h.source)


STAT = Kind("stat", StatForm, services.create_stat, services.update_stat, services.delete_stat, services.get_stat,
            _stat_label, "poverty.stats", "poverty/stat_form.html", "Tambah statistik kemiskinan",
            "Ubah statistik kemiskinan")
TARGET = Kind("target", TargetForm, services.create_target, services.update_target, services.delete_target,
              services.get_target, _target_label, "poverty.targets", "poverty/target_form.html",
              "Tambah target kemiskinan", "Ubah target kemiskinan")
HOUSEHOLD = Kind("household", HouseholdForm, services.create_household, services.update_household,
                 services.delete_household, services.get_household, _household_label, "poverty.households",
                 "poverty/household_form.html", "Tambah jumlah rumah tangga miskin",
                 "Ubah jumlah rumah tangga miskin")


# ---- lists -----------------------------------------------------------------------------------------

def _filters(choices) -> dict:
    """``region_id``, ``year`` and ``source``/``measure`` from the query string; odd values are dropped."""
    region_id = opt_int(request.args.get("region_id"))
    raw = (request.args.get("source") or request.args.get("measure") or "").strip()
    choice = raw.upper() if raw.upper() in choices else raw if raw in choices else None
    return {"region_id": region_id, "year": year_arg(None), "choice": choice}


def _regions(levels) -> list[Region]:
    return list(db.session.scalars(select(Region).where(Region.level.in_(levels)).order_by(Region.code)))


def _list_page(template: str, stmt, filters: dict, levels, choices: list[tuple[str, str]], choice_name: str):
    pagination = db.paginate(stmt, page=page_arg(), per_page=PER_PAGE, error_out=False)
    filtered = any(v is not None for v in filters.values())
    return render_template(template, pagination=pagination, rows=pagination.items, filters=filters,
                           filtered=filtered, regions=_regions(levels), years=queries.years(), choices=choices,
                           choice_name=choice_name, delete_form=DeleteForm())


@bp.route("/stats")
@permission_required(EDIT)
def stats():
    f = _filters(SOURCES)
    return _list_page("poverty/stats.html", queries.stat_list(f["region_id"], f["year"], f["choice"]), f,
                      ("kabupaten", "kecamatan"), [(s, source_label(s)) for s in SOURCES], "source")


@bp.route("/targets")
@permission_required(EDIT)
def targets():
    f = _filters(MEASURES)
    return _list_page("poverty/targets.html", queries.target_list(f["region_id"], f["year"], f["choice"]), f,
                      ("kabupaten", "kecamatan"), [(m, measure_label(m)) for m in MEASURES], "measure")


@bp.route("/households")
@permission_required(EDIT)
def households():
    f = _filters(HOUSEHOLD_SOURCES)
    return _list_page("poverty/households.html", queries.household_list(f["region_id"], f["year"], f["choice"]), f,
                      ("kecamatan",), [(s, source_label(s)) for s in HOUSEHOLD_SOURCES], "source")


# ---- the forms -------------------------------------------------------------------------------------

def _render(kind: Kind, form, *, row=None, existing=None, status: int = 200):
    return render_template(kind.template, form=form, row=row, existing=existing, kind=kind.name,
                           title=_(kind.title_edit if row is not None else kind.title_new),
                           back=url_for(kind.list_endpoint, year=form.year.data or None),
                           delete_form=DeleteForm(formdata=None, data={"version": str(row.version)}) if row else None,
                           existing_label=kind.label(existing) if existing is not None else None), status


def _refused(form) -> int:
    return 409 if form_status(form) == 409 else 422


def _stale_as_conflict(call: Callable) -> Callable:
    """A stale version is shown with the pages' one conflict message (``web.conflict_message``)."""
    def run():
        try:
            return call()
        except Conflict:
            raise Conflict() from None
    return run


def _defaults(kind: Kind, form) -> None:
    """A new form: the year and region from the query string (e.g. from a filtered list)."""
    year = year_arg(None)
    form.year.data = str(year) if year else ""
    region_id = opt_int(request.args.get("region_id"))
    kabupaten = queries.kabupaten_region()
    if region_id is None and kind is not HOUSEHOLD and kabupaten is not None:
        region_id = kabupaten.id
    form.region_id.data = str(region_id) if region_id else ""
    if kind is STAT:
        form.source.data, form.month.data = BPS, "3"
    elif kind is TARGET:
        form.measure.data = POOR_PCT
    else:
        form.source.data = DTSEN


def _expired(kind: Kind, form, row=None):
    flash(_("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
    return _render(kind, form, row=row, status=400)


def create_page(kind: Kind):
    form = kind.form()
    form.fill_choices()
    if request.method == "GET":
        _defaults(kind, form)
        return _render(kind, form)
    if not form.validate():
        return _expired(kind, form)
    replace = bool(form.replace.data)

    def action():
        try:
            return kind.create(form.values(), current_user, replace=replace)
        except services.DuplicateFigure as err:  # not an error to fix: a choice to offer (the panel)
            existing_id = err.existing.id
            db.session.rollback()
            return existing_id

    result = save_form(form, action)
    if isinstance(result, int):
        return _render(kind, form, existing=kind.get(result), status=409)
    if result is None:
        return _render(kind, form, status=_refused(form))
    row, replaced = result
    if replaced:
        flash(_("Data %(l)s yang sudah ada diganti dengan isian ini.", l=kind.label(row)), "success")
    else:
        flash(_("Data %(l)s disimpan.", l=kind.label(row)), "success")
    return redirect(url_for(kind.list_endpoint, year=row.year), 303)


def edit_page(kind: Kind, row):
    form = kind.form()
    form.fill_choices()
    if request.method == "GET":
        form.load(row)
        return _render(kind, form, row=row)
    if not form.validate():
        return _expired(kind, form, row)
    saved = save_form(form, _stale_as_conflict(
        lambda: kind.update(row, form.values(), current_user, form_version(form))))
    if saved is None:
        return _render(kind, form, row=kind.get(row.id), status=_refused(form))
    flash(_("Perubahan data %(l)s disimpan.", l=kind.label(saved)), "success")
    return redirect(url_for(kind.list_endpoint, year=saved.year), 303)


def delete_row(kind: Kind, row):
    form = DeleteForm()
    year, label = row.year, kind.label(row)
    if not form.validate():
        flash(_("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
        return redirect(url_for(kind.list_endpoint, year=year), 303)

    def action():
        kind.delete(row, current_user, form_version(form))
        return True

    if save_form(form, _stale_as_conflict(action)):
        flash(_("Data %(l)s dihapus.", l=label), "success")
    return redirect(url_for(kind.list_endpoint, year=year), 303)


@bp.route("/stats/new", methods=["GET", "POST"])
@permission_required(EDIT)
def stat_new():
    return create_page(STAT)


@bp.route("/stats/<int:stat_id>/edit", methods=["GET", "POST"])
@permission_required(EDIT)
def stat_edit(stat_id: int):
    return edit_page(STAT, services.get_stat(stat_id))


@bp.route("/stats/<int:stat_id>/delete", methods=["POST"])
@permission_required(EDIT)
def stat_delete(stat_id: int):
    return delete_row(STAT, services.get_stat(stat_id))


@bp.route("/targets/new", methods=["GET", "POST"])
@permission_required(EDIT)
def target_new():
    return create_page(TARGET)


@bp.route("/targets/<int:target_id>/edit", methods=["GET", "POST"])
@permission_required(EDIT)
def target_edit(target_id: int):
    return edit_page(TARGET, services.get_target(target_id))


@bp.route("/targets/<int:target_id>/delete", methods=["POST"])
@permission_required(EDIT)
def target_delete(target_id: int):
    return delete_row(TARGET, services.get_target(target_id))


@bp.route("/households/new", methods=["GET", "POST"])
@permission_required(EDIT)
def household_new():
    return create_page(HOUSEHOLD)


@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@permission_required(EDIT)
def household_edit(household_id: int):
    return edit_page(HOUSEHOLD, services.get_household(household_id))


@bp.route("/households/<int:household_id>/delete", methods=["POST"])
@permission_required(EDIT)
def household_delete(household_id: int):
    return delete_row(HOUSEHOLD, services.get_household(household_id))
