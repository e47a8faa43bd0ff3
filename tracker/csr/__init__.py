"""CSR (TJSL): companies' commitments and contributions, their review by Bappeda, the figures."""

from flask import Blueprint, Flask

bp = Blueprint("csr", __name__)


def init_app(app: Flask) -> None:
    from tracker.csr import contribution_views, excel_views, review_views, views  # noqa: F401  (their routes register on bp)
    from tracker.plans.services import register_activity_panel

    register_activity_panel("csr", views.activity_panel)

    app.register_blueprint(bp, url_prefix="/csr")
