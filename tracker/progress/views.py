from flask import Blueprint, render_template

from tracker.authz import permission_required

bp = Blueprint("progress", __name__)


@bp.route("/")
@permission_required("progress.view")
def index():
    return render_template("errors/generic.html", status=200, message="progress")
