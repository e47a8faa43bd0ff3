"""Quarterly progress (triwulan): OPD reports, Bappeda's review, the completeness board."""

from flask import Blueprint, Flask

bp = Blueprint("progress", __name__)


def init_app(app: Flask) -> None:
    from tracker.plans.services import register_activity_dependents
    from tracker.progress import review_views, views  # noqa: F401  (their routes register on bp)
    from tracker.progress.queries import activities_with_reports

    register_activity_dependents("progress", activities_with_reports)

    app.register_blueprint(bp, url_prefix="/progress")
