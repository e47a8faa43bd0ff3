"""The audit log: every change, who made it and when, written with the change itself."""

from flask import Blueprint, Flask

bp = Blueprint("audit", __name__)


def init_app(app: Flask) -> None:
    from tracker.audit import views  # noqa: F401  (their routes register on bp)

    app.register_blueprint(bp, url_prefix="/audit")
