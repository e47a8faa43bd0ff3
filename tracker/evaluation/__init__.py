"""The quarterly evaluation: budget and indicator figures, Permendagri 86/2017 ratings, roll-ups per
OPD and strategy, completeness, CSR, and the written summary (*ringkasan*) for the Rakor."""

from flask import Blueprint, Flask

bp = Blueprint("evaluation", __name__)


def init_app(app: Flask) -> None:
    from tracker.evaluation import views, views_compare, views_table  # noqa: F401  (their routes register on bp)

    app.register_blueprint(bp, url_prefix="/evaluation")
