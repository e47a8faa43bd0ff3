from flask import Blueprint, render_template

from tracker.authz import permission_required

bp = Blueprint("users", __name__)


@bp.route("/")
@permission_required("users.manage")
def index():
    return render_template("errors/generic.html", status=200, message="Pengguna")
