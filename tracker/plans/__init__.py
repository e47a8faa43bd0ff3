"""Rencana Aksi: the OPDs' action plans (activities, indicators, budgets) and their Excel round trip."""

from flask import Blueprint, Flask

bp = Blueprint("plans", __name__)


def init_app(app: Flask) -> None:
    from tracker.plans import form_views, views  # noqa: F401  (their routes register on bp)

    app.register_blueprint(bp, url_prefix="/plans")
