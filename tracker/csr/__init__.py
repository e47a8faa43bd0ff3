"""CSR (TJSL): companies' commitments and contributions, their review by Bappeda, the figures."""

from flask import Blueprint, Flask

bp = Blueprint("csr", __name__)


def init_app(app: Flask) -> None:
    from tracker.csr import views  # noqa: F401  (its routes register on bp)

    app.register_blueprint(bp, url_prefix="/csr")
