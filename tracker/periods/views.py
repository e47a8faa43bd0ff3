from flask import Blueprint, render_template

from tracker.authz import permission_required

bp = Blueprint("periods", __name__)


@bp.route("/")
@permission_required("periods.manage")
def index():
    return render_template("errors/generic.html", status=200, message="Triwulan")
