"""Poverty data: BPS statistics, RPJMD/RPKD targets, kecamatan household counts (P3KE/DTSEN), and
where the money goes against where the poor are."""

from flask import Blueprint, Flask

bp = Blueprint("poverty", __name__)


def init_app(app: Flask) -> None:
    from tracker.poverty import views, views_import, views_manage  # noqa: F401  (their routes register on bp)

    app.register_blueprint(bp, url_prefix="/poverty")
