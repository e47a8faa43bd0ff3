"""Command line (product.md §6): user create, demo, backup."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from tests.conftest import database_uri, login
from tracker import ROOT
from tracker.audit.models import AuditLog
from tracker.auth.models import LoginFailure, User
from tracker.extensions import db
from tracker.reference.models import Agency

IS_POSTGRES = database_uri().startswith("postgresql")
GOOD = "Kerupuk-Udang-Sambal-Matah-9"


def _create_args(name, *extra):
    return ["user", "create", name, *extra, "--password-stdin"]


# ---- user create ---------------------------------------------------------------------------------

def test_user_create_reads_the_password_from_stdin(app, runner, make_agency):
    agency = make_agency(code="1.05.01")
    result = runner.invoke(args=_create_args("opd.dinsos", "--role", "agency", "--agency", "1.05.01",
                                             "--full-name", "Operator Dinsos"), input=GOOD + "\n")
    assert result.exit_code == 0, result.output
    assert "opd.dinsos" in result.output
    assert GOOD not in result.output
    user = db.session.scalar(select(User).where(User.username == "opd.dinsos"))
    assert user.role == "agency" and user.agency_id == agency.id and user.full_name == "Operator Dinsos"
    assert login(app.test_client(), "opd.dinsos", GOOD).status_code in (302, 303)


def test_user_create_company_and_viewer(app, runner, make_company):
    company = make_company()
    result = runner.invoke(args=_create_args("csr.pt", "--role", "company", "--company", str(company.id)),
                           input=GOOD + "\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=_create_args("pimpinan", "--role", "viewer"), input=GOOD + "\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.company_id).where(User.username == "csr.pt")) == company.id


@pytest.mark.parametrize("password", ["pendek", "password1234", "Bismillah2025!", ""])
def test_user_create_weak_password_fails_with_a_message(runner, password):
    result = runner.invoke(args=_create_args("lemah", "--role", "viewer"), input=password + "\n")
    assert result.exit_code != 0
    assert "Kata sandi" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_user_create_needs_the_binding(runner, make_agency):
    make_agency(code="1.05.01")
    for args, word in ((["--role", "agency"], "OPD"), (["--role", "agency", "--agency", "9.99.99"], "9.99.99"),
                       (["--role", "company"], "perusahaan"), (["--role", "company", "--company", "999999"],
                                                                "erusahaan")):
        result = runner.invoke(args=_create_args("terikat", *args), input=GOOD + "\n")
        assert result.exit_code != 0, args
        assert word in result.output, (args, result.output)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_user_create_duplicate_and_bad_role(runner, make_user):
    make_user(role="viewer", username="sudah.ada")
    result = runner.invoke(args=_create_args("sudah.ada", "--role", "viewer"), input=GOOD + "\n")
    assert result.exit_code != 0 and "dipakai" in result.output
    result = runner.invoke(args=_create_args("raja", "--role", "raja"), input=GOOD + "\n")
    assert result.exit_code != 0


def test_password_is_never_taken_from_argv(runner):
    result = runner.invoke(args=["user", "create", "argv.user", "--role", "viewer", "--password", GOOD])
    assert result.exit_code != 0
    result = runner.invoke(args=["user", "create", "argv.user", "--role", "viewer", GOOD], input=GOOD + "\n")
    assert result.exit_code != 0
    result = runner.invoke(args=["user", "create", "argv.user", "--role", "viewer"], input=GOOD + "\n")
    assert result.exit_code != 0  # --password-stdin is required, so the intent is explicit
    help_text = runner.invoke(args=["user", "create", "--help"]).output
    assert "--password-stdin" in help_text
    assert "--password " not in help_text and "--password=" not in help_text
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def _subprocess_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_APP", "SECRET_KEY", "TRACKER_ENV")}
    env.update({"DATABASE_URL": database_uri(), "TRACKER_INSTANCE_PATH": os.environ["TRACKER_INSTANCE_PATH"]})
    env.update(extra)
    return env


def test_user_create_through_the_real_entry_point(app, make_agency):
    """The documented command line, in its own process, reading the real standard input."""
    agency = make_agency(code="1.06.01")
    command = [sys.executable, "-m", "flask", "--app", "wsgi", *_create_args("opd.proses", "--role", "agency",
                                                                           "--agency", "1.06.01")]
    done = subprocess.run(command, input=GOOD + "\n", capture_output=True, text=True, cwd=ROOT,
                          env=_subprocess_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    user = db.session.scalar(select(User).where(User.username == "opd.proses"))
    assert user is not None and user.agency_id == agency.id
    assert user.password_hash.startswith("scrypt:131072:")  # the production default, not the test setting
    assert login(app.test_client(), "opd.proses", GOOD).status_code in (302, 303)
    weak_command = [sys.executable, "-m", "flask", "--app", "wsgi", *_create_args("opd.lemah", "--role", "viewer")]
    weak = subprocess.run(weak_command, input="password1234\n",
                          capture_output=True, text=True, cwd=ROOT, env=_subprocess_env(), timeout=120)
    assert weak.returncode != 0 and "Kata sandi" in weak.stderr


# ---- demo ----------------------------------------------------------------------------------------

def test_demo_loads_into_an_empty_database_and_refuses_twice(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "admin" in result.output and "coordinator" in result.output and "agency" in result.output
    users = db.session.scalar(select(func.count()).select_from(User))
    agencies = db.session.scalar(select(func.count()).select_from(Agency))
    assert users >= 5 and agencies >= 5
    # Every printed login works.
    lines = [line.split() for line in result.output.splitlines() if line.startswith("  ")]
    logins = [(parts[0], parts[1]) for parts in lines if len(parts) >= 3]
    assert len(logins) >= 5
    for username, password in logins:
        assert login(app.test_client(), username, password).status_code in (302, 303), username

    again = runner.invoke(args=["demo"])
    assert again.exit_code != 0
    assert "sudah berisi data" in again.output
    assert db.session.scalar(select(func.count()).select_from(User)) == users

    tolerant = runner.invoke(args=["demo", "--if-empty"])
    assert tolerant.exit_code == 0, tolerant.output
    assert db.session.scalar(select(func.count()).select_from(User)) == users


def test_demo_refuses_when_someone_already_set_up_the_database(runner, make_user):
    make_user(role="admin")
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0 and "sudah berisi data" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert runner.invoke(args=["demo", "--if-empty"]).exit_code == 0


# ---- backup --------------------------------------------------------------------------------------

@pytest.fixture
def sqlite_source(make_app, tmp_path):
    """A separate SQLite database of a few MB (the backup needs more than one step to copy it)."""
    path = tmp_path / "source.sqlite3"
    source_app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with source_app.app_context():
        upgrade()
        filler = "x" * 2000
        db.session.add_all(AuditLog(action="seed", entity="filler", entity_id=str(i), summary="isi",
                                    after={"text": filler}) for i in range(3000))
        db.session.commit()
        db.session.remove()
    return source_app, path


def test_backup_under_write_load_keeps_every_acknowledged_row(sqlite_source, tmp_path):
    source_app, path = sqlite_source
    assert os.path.getsize(path) > 4 * 1024 * 1024
    acknowledged: list[int] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer():
        try:
            with source_app.app_context():
                i = 0
                while not stop.is_set():
                    db.session.add(LoginFailure(username=f"tulis{i}", ip="10.0.0.1"))
                    db.session.commit()
                    acknowledged.append(i)
                    i += 1
                db.session.remove()
        except BaseException as err:  # reported below
            errors.append(err)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while len(acknowledged) < 50 and time.monotonic() < deadline:
            time.sleep(0.01)
        acknowledged_before = len(acknowledged)
        dest = tmp_path / "copy.sqlite3"
        started = time.monotonic()
        result = source_app.test_cli_runner().invoke(args=["backup", str(dest)])
        elapsed = time.monotonic() - started
        written_during = len(acknowledged) - acknowledged_before
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not errors, errors
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert elapsed < 10, f"backup took {elapsed:.1f} s under load"
    assert acknowledged_before >= 50 and written_during > 0  # the copy really was taken under load

    copy = sqlite3.connect(dest)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        names = {row[0] for row in copy.execute("SELECT username FROM login_failure")}
        assert {f"tulis{i}" for i in range(acknowledged_before)} <= names
        assert copy.execute("SELECT count(*) FROM audit_log WHERE action = 'seed'").fetchone()[0] == 3000
        assert copy.execute("SELECT count(*) FROM strategy").fetchone()[0] == 3
    finally:
        copy.close()


def test_backup_copy_opens_as_the_application_database(sqlite_source, make_app, tmp_path):
    source_app, _path = sqlite_source
    dest = tmp_path / "restored.sqlite3"
    result = source_app.test_cli_runner().invoke(args=["backup", str(dest)])
    assert result.exit_code == 0, result.output
    restored = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{dest}")
    with restored.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 3000
        db.session.remove()


def test_backup_refuses_to_overwrite(sqlite_source, tmp_path):
    source_app, _path = sqlite_source
    dest = tmp_path / "exists.sqlite3"
    dest.write_bytes(b"keep me")
    result = source_app.test_cli_runner().invoke(args=["backup", str(dest)])
    assert result.exit_code != 0 and "sudah ada" in result.output
    assert dest.read_bytes() == b"keep me"


def test_backup_of_postgresql_points_to_pg_dump(make_app, tmp_path):
    """Needs no server: the command refuses before connecting."""
    pg_app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://tracker@127.0.0.1:1/tidak_ada")
    result = pg_app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.dump")])
    assert result.exit_code != 0
    assert "pg_dump" in result.output
    assert not (tmp_path / "x.dump").exists()


@pytest.mark.skipif(not IS_POSTGRES, reason="the suite runs on SQLite (set TEST_DATABASE_URL to a PostgreSQL URL)")
def test_backup_refuses_on_the_postgresql_suite_database(runner, tmp_path):
    assert db.engine.dialect.name == "postgresql"
    result = runner.invoke(args=["backup", str(tmp_path / "x.sqlite3")])
    assert result.exit_code != 0
    assert "pg_dump" in result.output
