"""Pages of the target list (DTSEN/P3KE/DTKS): the list in force and its imports, importing a newer one
(all rows or none, problems listed by row), the template, what each import changed, the households
(filtered by place, desil and whether a program reached them; NIK masked) and one household, whose
full NIK/KK a coordinator may open (a POST, audited, never cached).

Thin over ``target_import``, ``coverage`` and ``services``: an OPD user sees the households of the desa
its activities cover (another one is 404), company users nothing.
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from tracker.authz import can, permission_required
from tracker.beneficiaries import bp, coverage, services, target_import
from tracker.beneficiaries.forms_targets import SOURCE_LABELS, RevealForm, TargetImportForm
from tracker.beneficiaries.lists_excel import TARGET_TEMPLATE_FILENAME, target_template_bytes
from tracker.beneficiaries.models import CHANGE_KINDS, TargetChange, TargetHousehold, TargetList
from tracker.beneficiaries.verval import RESULT_LABELS
from tracker.beneficiaries.views_coverage import desil_arg, region_arg, region_choices, trail, year_arg
from tracker.beneficiaries.views_lists import _file_lines, desa_names
from tracker.auth.models import User
from tracker.beneficiaries.people import name_key
from tracker.errors import NotFound
from tracker.extensions import db
from tracker.files import larger_upload, xlsx_download
from tracker.formatting import date_id, number
from tracker.i18n import N_
from tracker.plans.models import Activity
from tracker.poverty.import_files import ImportFailed
from tracker.web import page_arg

PER_PAGE = 50
CHANGE_LABELS = {"added": N_("Masuk daftar"), "removed": N_("Keluar dari daftar"), "desil": N_("Desil berubah"),
                 "moved": N_("Pindah desa/kelurahan")}


def _moved_between(changes) -> list[int]:
    """The desa a "moved" change names (its old and new values are desa ids), to name them in one query."""
    return [int(v) for c in changes if c.kind == "moved" for v in (c.old_value, c.new_value) if v and v.isdecimal()]


def _history_page():
    return db.paginate(select(TargetList).order_by(TargetList.id.desc()), page=page_arg(), per_page=20,
                       error_out=False)


def render_targets(form: TargetImportForm | None = None, problem: dict | None = None, status: int = 200):
    history = _history_page()
    users = _usernames({t.imported_by_id for t in history.items})
    return render_template("beneficiaries/targets_index.html", history=history, current=target_import.current_list(),
                           active=target_import.active_count(), users=users, source_labels=SOURCE_LABELS,
                           form=form or TargetImportForm(formdata=None), problem=problem,
                           may_import=can(current_user, "targets.import")), status


def _usernames(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids))).tuples().all()) if ids else {}


@bp.route("/targets")
@permission_required("beneficiaries.view")
def targets():
    return render_targets()


@bp.route("/targets", methods=["POST"])
@larger_upload("TARGET_LIST_MAX_MB")  # a kabupaten's list runs to 200,000 rows
@permission_required("targets.import")
def targets_import():
    form = TargetImportForm()
    if not form.validate():
        if "csrf_token" in form.errors:
            flash(_("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
            return render_targets(form, status=400)
        return render_targets(form, status=422)
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = [_("Pilih berkas Excel (.xlsx) atau CSV untuk diimpor.")]
        return render_targets(form, status=422)
    try:
        result = target_import.import_list(upload.stream, upload.filename, form.source.data, form.as_of.data,
                                           current_user)
    except ImportFailed as err:
        db.session.rollback()
        problem = {"message": err.message, "lines": _file_lines(err), "filename": upload.filename,
                   "count": len(err.errors)}
        return render_targets(form, problem=problem, status=422)
    db.session.commit()
    flash(_("Daftar sasaran %(s)s per %(d)s diimpor dari %(f)s: %(n)s baris; %(a)s masuk, %(r)s keluar, %(c)s berubah "
            "desil atau desa. Pencocokan penerima manfaat sudah diperbarui.", s=form.source.data,
            d=date_id(form.as_of.data), f=upload.filename, n=number(result.rows), a=number(result.added),
            r=number(result.removed), c=number(result.changed)), "success")
    return redirect(url_for("beneficiaries.targets"), 303)


@bp.route("/targets/template.xlsx")
@permission_required("targets.import")
def target_template():
    return xlsx_download(target_template_bytes(), TARGET_TEMPLATE_FILENAME)


@bp.route("/targets/<int:list_id>/changes")
@permission_required("targets.import")
def target_changes(list_id: int):
    target_list = db.session.get(TargetList, list_id)
    if target_list is None:
        raise NotFound(_("Daftar sasaran tidak ditemukan."))
    kind = (request.args.get("kind") or "").strip()
    query = select(TargetChange).where(TargetChange.list_id == target_list.id)
    if kind in CHANGE_KINDS:
        query = query.where(TargetChange.kind == kind)
    else:
        kind = ""
    counts = dict(db.session.execute(select(TargetChange.kind, func.count()).where(
        TargetChange.list_id == target_list.id).group_by(TargetChange.kind)).tuples().all())
    pagination = db.paginate(query.order_by(TargetChange.id), page=page_arg(), per_page=PER_PAGE, error_out=False)
    ids = {c.household_id for c in pagination.items}
    households = ({h.id: h for h in db.session.scalars(select(TargetHousehold).where(TargetHousehold.id.in_(ids)))}
                  if ids else {})
    rows = [(c, households[c.household_id]) for c in pagination.items]
    places = desa_names([h.region_id for h in households.values()]
                        + _moved_between([c for c, _h in rows]))
    return render_template("beneficiaries/targets_changes.html", target_list=target_list, kind=kind, counts=counts,
                           kinds=CHANGE_KINDS, labels=CHANGE_LABELS, pagination=pagination, rows=rows, desa=places)


# ---- households ---------------------------------------------------------------------------------

def _reached_arg() -> bool | None:
    return {"1": True, "0": False}.get((request.args.get("reached") or "").strip())


@bp.route("/households")
@permission_required("beneficiaries.view")
def households():
    year, region = year_arg(), region_arg()
    desil, reached = desil_arg(None), _reached_arg()
    name = (request.args.get("q") or "").strip()[:60]
    scope = services.household_scope(current_user)
    query = coverage.household_filter(region.id if region else None, desil, reached, year, scope)
    if name:
        key = name_key(name)
        if key:
            query = query.where(TargetHousehold.name_key.contains(key, autoescape=True))
    pagination = db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False)
    rows = pagination.items
    reached_by = coverage.reached_by([h.id for h in rows], year)
    return render_template("beneficiaries/targets_households.html", year=year, region=region, trail=trail(region),
                           desil=desil, reached=reached, name=name, pagination=pagination, rows=rows,
                           reached_by=reached_by, desa=desa_names(h.region_id for h in rows), choices=region_choices(),
                           scoped=scope is not None, result_labels=RESULT_LABELS)


def render_household(household_id: int, revealed: dict | None = None):
    row = services.get_household(household_id, current_user)
    reached = coverage.reached_by([row.id]).get(row.id, [])
    activities = (db.session.scalars(select(Activity).where(Activity.id.in_(reached)).order_by(Activity.year.desc(),
                                                                                              Activity.code)).all()
                  if reached else [])
    changes = db.session.execute(
        select(TargetChange, TargetList).join(TargetList, TargetList.id == TargetChange.list_id)
        .where(TargetChange.household_id == row.id).order_by(TargetChange.id.desc()).limit(50)).all()
    places = desa_names([row.region_id] + _moved_between([c for c, _l in changes]))
    response = Response(render_template(
        "beneficiaries/targets_household.html", h=row, activities=activities, changes=changes, desa=places,
        labels=CHANGE_LABELS, result_labels=RESULT_LABELS, revealed=revealed,
        may_reveal=services.may_reveal(current_user), reveal_form=RevealForm(formdata=None)))
    # The page names a person: no shared cache, and with full numbers nothing kept at all.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/households/<int:household_id>")
@permission_required("beneficiaries.view")
def household(household_id: int):
    return render_household(household_id)


@bp.route("/households/<int:household_id>/reveal", methods=["POST"])
@permission_required("beneficiaries.view")
def household_reveal(household_id: int):
    row = services.get_household(household_id, current_user)
    form = RevealForm()
    if not form.validate():
        flash(_("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
        return redirect(url_for("beneficiaries.household", household_id=row.id), 303)
    numbers = services.reveal(row, current_user)  # 403 for roles that may not; the audit row is written here
    db.session.commit()
    return render_household(row.id, revealed=numbers)
