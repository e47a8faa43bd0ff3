"""Response headers every page and API answer carries (quality.md: Headers)."""

from __future__ import annotations

from flask import Flask, abort, request
from flask_login import current_user

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def register_security_headers(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        # No text we store may hold NUL (PostgreSQL refuses it, SQLite would keep it): refuse it at the
        # door for query strings and forms, the same on both databases.  JSON bodies: api.core.parse_body.
        sources = [request.args]
        if request.method in ("POST", "PUT", "PATCH") and not request.path.startswith("/api/"):
            sources.append(request.form)  # (reading the API's body here would consume it)
        for source in sources:
            for _name, values in source.lists():
                if any("\x00" in value for value in values):
                    abort(400)

    @app.after_request
    def set_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith("/api/") or (current_user and current_user.is_authenticated):
            if not request.path.startswith("/static/"):
                headers["Cache-Control"] = "no-store"
        headers.pop("Server", None)
        return response
