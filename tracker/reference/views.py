from flask import Blueprint, render_template

from tracker.authz import permission_required

bp = Blueprint("reference", __name__)


@bp.route("/agencies")
@permission_required("agencies.view")
def agencies():
    return render_template("errors/generic.html", status=200, message="OPD")


@bp.route("/companies")
@permission_required("companies.manage")
def companies():
    return render_template("errors/generic.html", status=200, message="Perusahaan")


@bp.route("/regions")
@permission_required("regions.manage")
def regions():
    return render_template("errors/generic.html", status=200, message="Wilayah")
