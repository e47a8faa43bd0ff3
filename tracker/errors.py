"""Errors the rules raise, and how each surface (HTML page, JSON API) shows them.

Services raise ``AppError`` subclasses; the API turns them into the error shape of api.md and pages
into a flash message or an error page.  Never a 500 for bad input.
"""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from tracker.extensions import db
from tracker.i18n import N_


class AppError(Exception):
    status = 400
    code = "bad_request"
    default_message = N_("Permintaan tidak valid.")

    def __init__(self, message: str | None = None, fields: dict[str, str] | None = None):
        super().__init__(message or self.default_message)
        self.message = message or _(self.default_message)
        self.fields = fields or None


class BadRequest(AppError):
    status, code, default_message = 400, "bad_request", N_("Permintaan tidak valid.")


class Unauthorized(AppError):
    status, code, default_message = 401, "unauthorized", N_("Silakan masuk terlebih dahulu.")


class Forbidden(AppError):
    status, code, default_message = 403, "forbidden", N_("Anda tidak berwenang melakukan ini.")


class NotFound(AppError):
    status, code, default_message = 404, "not_found", N_("Data tidak ditemukan.")


class Conflict(AppError):
    status, code, default_message = 409, "conflict", N_("Data telah diubah oleh pengguna lain.")


def check_version(obj, expected: int | None, *, required: bool = False, stale: str | None = None,
                  missing: str | None = None, error: type[Conflict] | None = None) -> None:
    """Optimistic locking, the one check: the ``version`` the client read must be the current one.

    ``expected=None`` means the server itself is changing the row (CLI, demo, tests) and is let
    through, unless ``required``: a client updating something it must have read (a progress
    report created by someone else meanwhile).  Pages send ``tracker.forms.form_version`` (a missing
    or garbled one is stale); the API's bodies declare ``version`` as a required integer.
    ``stale``/``missing`` are messages (``stale`` may use ``%(a)s`` for the client's version and
    ``%(b)s`` for the server's); ``error`` a ``Conflict`` subclass the caller catches.
    """
    error = error or Conflict
    if expected is None:
        if required:
            raise error(missing or stale and stale % {"a": "–", "b": obj.version} or None)
        return
    if expected != obj.version:
        raise error(stale % {"a": expected, "b": obj.version} if stale else None)


class PayloadTooLarge(AppError):
    status, code, default_message = 413, "payload_too_large", N_("Berkas terlalu besar.")


class ValidationFailed(AppError):
    status, code, default_message = 422, "validation_error", N_("Data tidak valid.")


class Duplicate(ValidationFailed):
    """A unique value already taken: shown on the form like any validation problem, but answered
    as ``409 conflict`` by the API (api.md: conflict = stale version, duplicate)."""

    status, code, default_message = 409, "conflict", N_("Data sudah ada (duplikat).")


class Locked(AppError):
    status, code, default_message = 423, "locked", N_("Triwulan ini sudah dikunci.")


class RateLimited(AppError):
    status, code, default_message = 429, "rate_limited", N_("Terlalu banyak percobaan. Coba lagi nanti.")


HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_error", 423: "locked", 429: "rate_limited",
}

HTTP_MESSAGES = {
    400: N_("Permintaan tidak valid."),
    401: N_("Silakan masuk terlebih dahulu."),
    403: N_("Anda tidak berwenang melakukan ini."),
    404: N_("Halaman atau data tidak ditemukan."),
    405: N_("Metode tidak diizinkan untuk alamat ini."),
    413: N_("Berkas atau data terlalu besar."),
    429: N_("Terlalu banyak permintaan. Coba lagi nanti."),
    500: N_("Terjadi kesalahan pada server. Kejadian ini sudah dicatat."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    if wants_json():
        body: dict = {"error": {"code": code, "message": message}}
        if fields:
            body["error"]["fields"] = fields
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message, fields=fields), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(AppError)
    def handle_app_error(err: AppError):
        db.session.rollback()
        if err.status == 401 and not wants_json():
            from tracker.extensions import login_manager

            return login_manager.unauthorized()  # pages send the visitor to the login form
        return error_response(err.status, err.code, err.message, err.fields)

    @app.errorhandler(StaleDataError)
    def handle_stale(err):
        db.session.rollback()
        return error_response(409, "conflict", _("Data telah diubah oleh pengguna lain. Muat ulang lalu ulangi."))

    @app.errorhandler(IntegrityError)
    def handle_integrity(err):
        # Unique keys raced past the service's own check: report as a duplicate, keep the data.
        db.session.rollback()
        app.logger.info("integrity error mapped to 409: %s", err.orig)
        return error_response(409, "conflict", _("Data bentrok dengan data yang sudah ada (duplikat)."))

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def handle_unstorable(err):
        # A value the database cannot hold (a number out of range, a NUL character): bad input, not a 500.
        db.session.rollback()
        app.logger.info("unstorable value refused: %s", err)
        return error_response(400, "bad_request", _("Nilai di luar rentang atau berisi karakter yang tidak sah."))

    @app.errorhandler(CSRFError)
    def handle_csrf(err):
        return error_response(400, "bad_request", _("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."))

    @app.errorhandler(HTTPException)
    def handle_http(err: HTTPException):
        status = err.code or 500
        message = _(HTTP_MESSAGES[status]) if status in HTTP_MESSAGES else (err.description or "")
        response = make_response(error_response(status, HTTP_CODES.get(status, "error"), message))
        valid_methods = getattr(err, "valid_methods", None)
        if status == 405 and valid_methods:
            response.headers["Allow"] = ", ".join(valid_methods)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(err: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if app.config.get("PROPAGATE_EXCEPTIONS"):
            raise err
        return error_response(500, "server_error", _(HTTP_MESSAGES[500]))
