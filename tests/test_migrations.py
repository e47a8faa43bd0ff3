"""Migrations: one head, models equal to migrations, a fresh database upgrades (and downgrades)."""

from __future__ import annotations

import os

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from tests.conftest import IsolatedClient, database_uri
from tracker import ROOT
from tracker.extensions import db

MIGRATIONS = os.path.join(ROOT, "migrations")


def _script() -> ScriptDirectory:
    config = AlembicConfig(os.path.join(MIGRATIONS, "alembic.ini"))
    config.set_main_option("script_location", MIGRATIONS)
    return ScriptDirectory.from_config(config)


def test_single_head():
    heads = _script().get_heads()
    assert len(heads) == 1, f"several migration heads, merge them: {heads}"


def test_history_is_linear_and_complete():
    script = _script()
    revisions = list(script.walk_revisions())
    assert revisions, "no migrations"
    bases = [r for r in revisions if r.down_revision is None]
    assert len(bases) == 1
    for revision in revisions:
        assert callable(getattr(revision.module, "upgrade", None)), revision.revision
        assert callable(getattr(revision.module, "downgrade", None)), revision.revision


def test_database_is_at_head(app):
    current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    assert current == list(_script().get_heads())


def test_models_match_migrations(app, runner):
    """``flask db check``: autogenerate finds nothing to add, drop or alter."""
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output + repr(result.exception)


def test_upgrade_from_empty_and_back_on_a_fresh_sqlite_file(make_app, tmp_path):
    fresh = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    with fresh.app_context():
        assert inspect(db.engine).get_table_names() == []
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        model_tables = {t.name for t in db.metadata.sorted_tables}
        assert model_tables <= tables
        from tracker.reference.models import FundingSource, Strategy

        assert db.session.scalars(select(Strategy.code).order_by(Strategy.sort_order)).all() == ["S1", "S2", "S3"]
        assert len(db.session.scalars(select(FundingSource.code)).all()) == 7
        db.session.remove()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert model_tables <= set(inspect(db.engine).get_table_names())
        db.session.remove()
        db.engine.dispose()
    # And the upgraded database serves the application.
    fresh.test_client_class = IsolatedClient
    assert fresh.test_client().get("/health").get_json() == {"status": "ok"}


def test_upgrade_through_the_command_line(make_app, tmp_path):
    fresh = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    result = fresh.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    with fresh.app_context():
        assert "user_account" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_suite_database_dialect_is_the_requested_one(app):
    wanted = "postgresql" if database_uri().startswith("postgresql") else "sqlite"
    assert db.engine.dialect.name == wanted
