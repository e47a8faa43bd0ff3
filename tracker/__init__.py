"""TKPK Tracker: quarterly poverty-reduction action plans, progress and evaluation."""

from __future__ import annotations

import logging
import os

from flask import Flask
from flask_login import current_user

from tracker.config import Config, check_production_safety, from_environment
from tracker.files import UploadRequest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
        instance_path=os.environ.get("TRACKER_INSTANCE_PATH") or os.path.join(ROOT, "instance"),
    )
    app.request_class = UploadRequest
    app.config.from_object(Config)
    app.config.update(from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    check_production_safety(app.config)
    os.makedirs(app.instance_path, exist_ok=True)

    from tracker.database import sqlite_engine_options

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **sqlite_engine_options(app.config["SQLALCHEMY_DATABASE_URI"]),
        **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
    }
    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_commands(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    return app


def register_extensions(app: Flask) -> None:
    from tracker.auth import sessions  # noqa: F401  (registers the Flask-Login user loader)
    from tracker.database import configure_engine
    from tracker.extensions import babel, csrf, db, login_manager, migrate
    from tracker.i18n import select_locale, translation_directory
    from tracker.models import import_all_models

    import_all_models()
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"), compare_type=True,
                     render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = None  # sessions are server-side rows (tracker.auth.sessions)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=translation_directory())
    with app.app_context():
        configure_engine(app)


def register_converters(app: Flask) -> None:
    from werkzeug.routing import IntegerConverter

    class IdConverter(IntegerConverter):
        """``<int:...>`` limited to what an INTEGER column holds: a huge id is 'not found' (404),
        not a database error."""

        def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):  # noqa: A002
            super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

        def to_python(self, value: str) -> int:
            # Out of range is "no such object" whatever the method: letting the rule fail to match
            # would make werkzeug answer 405 where another method's rule of the same path matched.
            from werkzeug.exceptions import NotFound
            from werkzeug.routing import ValidationError

            try:
                return super().to_python(value)
            except ValidationError:
                raise NotFound() from None

    app.url_map.converters["int"] = IdConverter


def register_blueprints(app: Flask) -> None:
    """Each feature registers itself (its blueprint, URL prefix and what it lends other features)."""
    from tracker import (api, audit, auth, beneficiaries, csr, evaluation, main, meetings, periods, plans, poverty,
                         progress, reference, reports, users)

    for feature in (main, auth, users, reference, periods, audit, plans, progress, csr, poverty, meetings, beneficiaries,
                    evaluation, reports, api):
        feature.init_app(app)


def register_request_hooks(app: Flask) -> None:
    from tracker.authz import register_template_helpers
    from tracker.errors import register_error_handlers
    from tracker.formatting import register_filters
    from tracker.security import register_security_headers

    @app.before_request
    def resolve_user_first():
        # Resolve the signed-in user before the request opens its own transaction
        # (see tracker.auth.sessions.load_user); the API authenticates by token instead.
        from flask import request

        if not request.path.startswith(("/api/", "/static/")):
            current_user._get_current_object()

    @app.before_request
    def enforce_password_change():
        # An account whose password an administrator set must choose its own before anything else.
        from flask import redirect, request, url_for

        if (
            current_user.is_authenticated
            and getattr(current_user, "must_change_password", False)
            and not request.path.startswith(("/api/", "/static/"))
            and request.endpoint not in {"auth.change_password", "auth.logout", "auth.set_language"}
        ):
            return redirect(url_for("auth.change_password"))

    register_error_handlers(app)
    register_filters(app)
    register_template_helpers(app)
    register_security_headers(app)

    from flask_babel import get_locale

    from tracker.web import page_url

    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["get_locale"] = get_locale  # <html lang>, the language switch

    @app.context_processor
    def inject_globals():
        return {"region_name": app.config.get("REGION_NAME")}


def register_commands(app: Flask) -> None:
    from tracker.cli import register

    register(app)
