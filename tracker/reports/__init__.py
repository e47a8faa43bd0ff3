"""Reports for the Rakor: the evaluation as a print-ready PDF and an Excel workbook, an OPD's quarterly
form, the CSR report and the agreements list, rendered by a job queue (Huey) and cached by the data
they are built from.

``registry`` says what reports exist (each renderer module, imported by ``kinds``, registers itself);
``jobs`` asks for one (scope, cache, queue); ``queue`` is Huey and the task that renders a job;
``worker`` the consumer, its heartbeat and its start from the web process; ``cache`` the key;
``settings`` the place, signer and logo every report prints.  The pages are ``views`` and
``views_settings``; the API ``tracker.api.reports``; the worker's command ``tracker.cli.reports``.
"""

import os

from flask import Blueprint, Flask

bp = Blueprint("reports", __name__)


def configure(app: Flask) -> None:
    """The queue's settings from the environment (``README``, Configuration); a value given to
    ``create_app`` wins.  Tests default to the in-memory queue, no worker start and no wait."""
    env = os.environ
    app.config.setdefault("REPORTS_QUEUE", env.get("REPORTS_QUEUE") or None)
    autostart = env.get("REPORTS_AUTOSTART_WORKER")
    app.config.setdefault("REPORTS_AUTOSTART_WORKER",
                          None if autostart is None else autostart.strip().lower() in {"1", "true", "yes", "on"})
    app.config.setdefault("REPORT_JOB_TIMEOUT_SECONDS", int(env.get("REPORT_JOB_TIMEOUT_SECONDS") or 1800))
    if env.get("REPORT_WAIT_SECONDS") and not app.testing:
        app.config["REPORT_WAIT_SECONDS"] = float(env["REPORT_WAIT_SECONDS"])


def init_app(app: Flask) -> None:
    from tracker.reports import kinds  # noqa: F401  (each renderer registers itself in the registry)
    from tracker.reports import queue
    from tracker.reports import views, views_settings  # noqa: F401  (their routes register on bp)

    configure(app)
    queue.init_app(app)
    app.register_blueprint(bp, url_prefix="/reports")
