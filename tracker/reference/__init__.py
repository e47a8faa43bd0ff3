"""Reference data: OPDs, companies, the region tree, strategies and funding sources."""

from flask import Blueprint, Flask

bp = Blueprint("reference", __name__)


def init_app(app: Flask) -> None:
    from tracker.reference import queries, views  # noqa: F401  (views: their routes register on bp)

    app.register_blueprint(bp, url_prefix="/reference")
    app.add_template_filter(queries.funding_name, "funding_name")
