"""UI language: Bahasa Indonesia by default, English on request.

Source strings are written in Indonesian; ``translations/en`` holds the English catalogue.
"""

from __future__ import annotations

import os

from flask import current_app, has_request_context, request, session
from flask_login import current_user


def N_(message: str) -> str:
    """Marks a string kept in a constant for extraction (``pybabel extract -k N_``); it is
    translated where it is shown, with ``_(constant)``."""
    return message


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI, job queue: messages in the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/"):
        # The API answers in Indonesian unless the client asks for English explicitly.
        return request.accept_languages.best_match(languages, default="id") if request.headers.get("Accept-Language") else "id"
    lang = session.get("lang")
    if lang in languages:
        return lang
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def translation_directory() -> str:
    return os.path.join(os.path.dirname(__file__), "translations")
