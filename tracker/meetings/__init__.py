"""Coordination meetings (Rakor) and their agreements, followed up until done."""

from flask import Blueprint, Flask

bp = Blueprint("meetings", __name__)


def init_app(app: Flask) -> None:
    from tracker.meetings import agreement_views, followup_views, reminders, views  # noqa: F401  (routes on bp)

    reminders.register()  # overdue agreements join the OPDs' and Bappeda's tasks and reminder e-mails

    app.register_blueprint(bp, url_prefix="/meetings")
