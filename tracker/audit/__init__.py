"""The audit log: every change, who made it and when, written with the change itself."""

from flask import Blueprint, Flask, g, request

bp = Blueprint("audit", __name__)


def init_app(app: Flask) -> None:
    from tracker.audit import views  # noqa: F401  (their routes register on bp)

    app.register_blueprint(bp, url_prefix="/audit")

    @app.before_request
    def note_client_address():
        # The audit rows of this request record where it came from; services never read the request.
        g.audit_client_ip = (request.remote_addr or "")[:45]
