"""Beneficiaries by name and address (BNBA): the DTSEN/P3KE/DTKS target list, who each activity's program
reached, the matching of the two, coverage per desa, and the verification list through the camat."""

from flask import Blueprint, Flask

bp = Blueprint("beneficiaries", __name__)


def init_app(app: Flask) -> None:
    from tracker.beneficiaries import (  # noqa: F401  (their routes register on bp)
        views_coverage,
        views_lists,
        views_targets,
        views_verval,
    )

    app.register_blueprint(bp, url_prefix="/beneficiaries")
