"""The home page (each role's dashboard for the chosen quarter, then the year's quarters and the registry) and
the health check."""

from flask import Blueprint, Flask

bp = Blueprint("main", __name__)


def init_app(app: Flask) -> None:
    from tracker.main import views  # noqa: F401  (its routes register on bp)

    app.register_blueprint(bp)
