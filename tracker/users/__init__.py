"""The user registry: the administrator's pages over ``services``."""

from flask import Blueprint, Flask

bp = Blueprint("users", __name__)


def init_app(app: Flask) -> None:
    from tracker.users import views  # noqa: F401  (their routes register on bp)

    app.register_blueprint(bp, url_prefix="/admin/users")
