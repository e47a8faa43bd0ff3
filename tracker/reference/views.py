"""Reference-data pages: OPDs, companies and regions (list, search, create, edit).

Views only read the form, call the service (which validates, changes and audits) and commit.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker.authz import permission_required
from tracker.database import get_or_404
from tracker.extensions import db
from tracker.forms import form_version, opt_int
from tracker.reference import bp, queries, services
from tracker.reference.forms import LEVEL_CHOICES, AgencyForm, CompanyForm, RegionForm
from tracker.reference.models import Agency, Company, Region, RegionLevel
from tracker.web import form_status, page_arg, save_form

PER_PAGE = 50


def _search_arg() -> str:
    return request.args.get("q", "").strip()[:100]


def _status_arg() -> bool | None:
    return {"active": True, "inactive": False}.get(request.args.get("status", ""))


# ---- agencies ----------------------------------------------------------------------------------

@bp.route("/agencies")
@permission_required("agencies.view")
def agencies():
    q = _search_arg()
    stmt = queries.agency_list(q, active=_status_arg())
    pagination = db.paginate(stmt, page=page_arg(), per_page=PER_PAGE, error_out=False)
    return render_template("reference/agencies.html", pagination=pagination, q=q,
                           status=request.args.get("status", ""))


def _agency_data(form: AgencyForm) -> dict:
    return {"code": form.code.data, "name": form.name.data, "short_name": form.short_name.data,
            "active": form.active.data}


@bp.route("/agencies/new", methods=["GET", "POST"])
@permission_required("agencies.manage")
def agency_new():
    form = AgencyForm()
    if form.validate_on_submit():
        agency = save_form(form, lambda: services.create_agency(_agency_data(form)))
        if agency is not None:
            flash(_("OPD %(name)s ditambahkan.", name=agency.short_name), "success")
            return redirect(url_for("reference.agencies"))
    return render_template("reference/agency_form.html", form=form, agency=None), form_status(form)


@bp.route("/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
@permission_required("agencies.manage")
def agency_edit(agency_id: int):
    agency = get_or_404(Agency, agency_id)
    # On POST only what was posted counts (a missing version is stale, never 'current').
    form = AgencyForm(obj=agency) if request.method == "GET" else AgencyForm()
    if form.validate_on_submit():
        version = form_version(form)
        saved = save_form(form, lambda: services.update_agency(agency, _agency_data(form), expected_version=version))
        if saved is not None:
            flash(_("Perubahan OPD %(name)s disimpan.", name=agency.short_name), "success")
            return redirect(url_for("reference.agencies"))
    return render_template("reference/agency_form.html", form=form, agency=agency), form_status(form)


# ---- companies ---------------------------------------------------------------------------------

@bp.route("/companies")
@permission_required("companies.manage")
def companies():
    q = _search_arg()
    stmt = queries.company_list(q, active=_status_arg())
    pagination = db.paginate(stmt, page=page_arg(), per_page=PER_PAGE, error_out=False)
    return render_template("reference/companies.html", pagination=pagination, q=q,
                           status=request.args.get("status", ""))


def _company_data(form: CompanyForm) -> dict:
    return {key: getattr(form, key).data for key in
            ("name", "sector", "address", "contact_name", "contact_email", "active")}


@bp.route("/companies/new", methods=["GET", "POST"])
@permission_required("companies.manage")
def company_new():
    form = CompanyForm()
    if form.validate_on_submit():
        company = save_form(form, lambda: services.create_company(_company_data(form)))
        if company is not None:
            flash(_("Perusahaan %(name)s ditambahkan.", name=company.name), "success")
            return redirect(url_for("reference.companies"))
    return render_template("reference/company_form.html", form=form, company=None), form_status(form)


@bp.route("/companies/<int:company_id>/edit", methods=["GET", "POST"])
@permission_required("companies.manage")
def company_edit(company_id: int):
    company = get_or_404(Company, company_id)
    form = CompanyForm(obj=company) if request.method == "GET" else CompanyForm()
    if form.validate_on_submit():
        version = form_version(form)
        saved = save_form(form, lambda: services.update_company(company, _company_data(form), expected_version=version))
        if saved is not None:
            flash(_("Perubahan perusahaan %(name)s disimpan.", name=company.name), "success")
            return redirect(url_for("reference.companies"))
    return render_template("reference/company_form.html", form=form, company=company), form_status(form)


# ---- regions -----------------------------------------------------------------------------------

LEVEL_LABELS = dict(LEVEL_CHOICES)


def _parent_options() -> list[Region]:
    """Every region that can be a parent (kabupaten and kecamatan), in tree order."""
    return list(db.session.scalars(
        select(Region).where(Region.level.in_((RegionLevel.KABUPATEN.value, RegionLevel.KECAMATAN.value)))
        .order_by(Region.code)
    ))


def _region_label(region: Region) -> str:
    return f"{region.code} · {LEVEL_LABELS[region.level]} {region.name}"


def _parent_choices(options: list[Region]) -> list[tuple]:
    return [("", _("— tanpa induk (kabupaten/kota) —"))] + [(r.id, _region_label(r)) for r in options]


@bp.route("/regions")
@permission_required("regions.manage")
def regions():
    q = _search_arg()
    level = request.args.get("level", "")
    level = level if level in LEVEL_LABELS else ""
    parent_id = opt_int(request.args.get("parent"))
    parent_options = _parent_options()
    by_id = {r.id: r for r in parent_options}
    parent = by_id.get(parent_id) if parent_id else None

    stmt = queries.region_list(q, level or None, parent.id if parent is not None else None, subtree=True)
    pagination = db.paginate(stmt, page=page_arg(), per_page=PER_PAGE, error_out=False)

    # Names of the parents of this page's rows: kabupaten and kecamatan are already loaded above.
    items = pagination.items
    child_counts = {}
    if items:
        ids = [r.id for r in items]
        child_counts = dict(db.session.execute(
            select(Region.parent_id, func.count()).where(Region.parent_id.in_(ids)).group_by(Region.parent_id)
        ).all())
    rows = []
    for region in items:
        path = []
        node = by_id.get(region.parent_id)
        while node is not None:
            path.append(node)
            node = by_id.get(node.parent_id)
        rows.append({"region": region, "parents": path, "children": child_counts.get(region.id, 0)})

    breadcrumb = []
    node = parent
    while node is not None:
        breadcrumb.insert(0, node)
        node = by_id.get(node.parent_id)
    return render_template(
        "reference/regions.html", pagination=pagination, rows=rows, q=q, level=level, parent=parent,
        breadcrumb=breadcrumb, parent_options=parent_options, level_labels=LEVEL_LABELS,
    )


def _region_data(form: RegionForm) -> dict:
    return {"code": form.code.data, "name": form.name.data, "level": form.level.data,
            "parent_id": form.parent_id.data}


@bp.route("/regions/new", methods=["GET", "POST"])
@permission_required("regions.manage")
def region_new():
    form = RegionForm()
    options = _parent_options()
    form.parent_id.choices = _parent_choices(options)
    if request.method == "GET":
        # "Add below this one": preselect the parent and the level that goes under it.
        parent = next((r for r in options if r.id == opt_int(request.args.get("parent"))), None)
        if parent is not None:
            form.parent_id.data = parent.id
            form.level.data = (RegionLevel.KECAMATAN if parent.level == RegionLevel.KABUPATEN
                               else RegionLevel.DESA).value
            form.code.data = parent.code + "."
    if form.validate_on_submit():
        region = save_form(form, lambda: services.create_region(_region_data(form)))
        if region is not None:
            flash(_("Wilayah %(code)s %(name)s ditambahkan.", code=region.code, name=region.name), "success")
            return redirect(url_for("reference.regions", parent=region.parent_id or None))
    return render_template("reference/region_form.html", form=form, region=None), form_status(form)


@bp.route("/regions/<int:region_id>/edit", methods=["GET", "POST"])
@permission_required("regions.manage")
def region_edit(region_id: int):
    region = get_or_404(Region, region_id)
    form = RegionForm(obj=region) if request.method == "GET" else RegionForm()
    form.parent_id.choices = _parent_choices([r for r in _parent_options() if r.id != region.id])
    if form.validate_on_submit():
        version = form_version(form)
        saved = save_form(form, lambda: services.update_region(region, _region_data(form), expected_version=version))
        if saved is not None:
            flash(_("Perubahan wilayah %(code)s disimpan.", code=region.code), "success")
            return redirect(url_for("reference.regions", parent=region.parent_id or None))
    return render_template("reference/region_form.html", form=form, region=region), form_status(form)
