"""Signing in and out, one's own password and language, sessions and API tokens."""

from flask import Blueprint, Flask

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    from tracker.auth import views  # noqa: F401  (their routes register on bp)

    app.register_blueprint(bp)
