"""JSON API v1 (api.md).  Importing the route modules registers their routes on ``bp``."""

from flask import Flask

from tracker.api.core import bp


def init_app(app: Flask) -> None:
    from tracker.api import (  # noqa: F401  (importing a route module registers its routes)
        beneficiaries,
        csr,
        csr_lists,
        evaluation,
        meetings,
        openapi,
        periods,
        plans,
        poverty,
        progress,
        progress_lists,
        reference,
        reports,
        tokens,
        users,
    )
    from tracker.extensions import csrf

    # Cookie-less bearer authentication: cross-site requests cannot ride on a session here.
    csrf.exempt(bp)
    app.register_blueprint(bp)


__all__ = ["bp", "init_app"]
