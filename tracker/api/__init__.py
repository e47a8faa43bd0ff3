"""JSON API v1 (api.md).  Importing the feature modules registers their routes on ``bp``."""

from tracker.api.core import bp
from tracker.extensions import csrf

# Cookie-less bearer authentication: cross-site requests cannot ride on a session here.
csrf.exempt(bp)

from tracker.api import openapi, periods, plans, progress, reference, tokens, users  # noqa: E402,F401

__all__ = ["bp"]
