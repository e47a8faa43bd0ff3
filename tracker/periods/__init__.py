"""Quarters (triwulan): due dates, lateness and locking."""

from flask import Blueprint, Flask

bp = Blueprint("periods", __name__)


def init_app(app: Flask) -> None:
    from tracker.periods import views  # noqa: F401  (their routes register on bp)

    app.register_blueprint(bp, url_prefix="/periods")
