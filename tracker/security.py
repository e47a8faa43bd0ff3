"""Response headers every page and API answer carries (quality.md: Headers)."""

from __future__ import annotations

import re

from flask import Flask, request
from flask_babel import gettext as _
from flask_login import current_user

from tracker.errors import BadRequest

# Control characters but tab, line feed and carriage return.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]")

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


def strip_control_characters(text: str) -> str:
    """For text that arrives in a file (an Excel cell), where refusing would only annoy: drop them."""
    return CONTROL_CHARACTERS.sub("", text)


def register_security_headers(app: Flask) -> None:
    @app.before_request
    def refuse_control_characters():
        # No text we store may hold a control character (NUL: PostgreSQL refuses it, SQLite would keep
        # it; ESC and the like would break the Excel and PDF exports): refuse them at the door for query
        # strings and forms, the same on both databases.  JSON bodies: api.core.parse_body.
        sources = [request.args]
        if request.method in ("POST", "PUT", "PATCH") and not request.path.startswith("/api/"):
            sources.append(request.form)  # (reading the API's body here would consume it)
        for source in sources:
            for name, values in source.lists():
                if any(CONTROL_CHARACTERS.search(value) for value in values):
                    raise BadRequest(_("Isian berisi karakter kendali yang tidak sah; hapus lalu kirim lagi."),
                                     {name: _("Berisi karakter yang tidak sah.")})

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
