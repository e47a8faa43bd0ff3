"""Test fixtures, flaskr-style, grown for roles and two databases.

The schema comes from the real migrations, once per session.  Between tests every table except the
migration-seeded reference tables is emptied.  ``TEST_DATABASE_URL=postgresql://...`` runs the whole
suite against PostgreSQL (the database is wiped first); otherwise a temporary SQLite file is used.
"""

from __future__ import annotations

import contextvars
import glob
import os
import shutil
import tempfile
from contextlib import contextmanager
from typing import Iterator

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import delete, select, text

from tracker import create_app
from tracker.extensions import db

PASSWORD = "Kuat-Sekali-Rahasia-77"
SEEDED_TABLES = {"strategy", "funding_source", "alembic_version"}

_tmpdir = tempfile.mkdtemp(prefix="tracker-tests-")
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
_WORKER_URL: dict[str, str] = {}
TRANSLATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tracker", "translations")


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """Compile each ``.po`` catalogue whose ``.mo`` is missing or stale (as ``make`` does), so the
    suite runs the same without ``make test``."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in glob.glob(os.path.join(TRANSLATIONS, "*", "LC_MESSAGES", "*.po")):
        mo = po[:-3] + ".mo"
        if os.path.exists(mo) and os.path.getmtime(mo) >= os.path.getmtime(po):
            continue
        with open(po, "rb") as f:
            catalog = read_po(f)
        tmp = f"{mo}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            write_mo(f, catalog, use_fuzzy=True)
        os.replace(tmp, mo)  # atomic: a parallel run never reads half a file


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database beside the given one
    (``<name>_gw0``, ...), created on first use; SQLite files are per process already."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    given = make_url(url)
    own = given.set(database=f"{given.database}_{worker}")
    admin = create_engine(given, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": own.database}).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    finally:
        admin.dispose()
    return own.render_as_string(hide_password=False)


def database_uri() -> str:
    if TEST_DATABASE_URL:
        url = TEST_DATABASE_URL
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        if url not in _WORKER_URL:
            _WORKER_URL[url] = _worker_database(url)
        return _WORKER_URL[url]
    return "sqlite:///" + os.path.join(_tmpdir, "test.sqlite3")


def base_config(**overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_uri(),
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast in tests; production default is tested
        "SQLALCHEMY_RECORD_QUERIES": True,
        "UPLOAD_FOLDER": os.path.join(_tmpdir, "uploads"),
        "REPORT_FOLDER": os.path.join(_tmpdir, "reports"),
        "SQLITE_SYNCHRONOUS": "NORMAL",
    }
    config.update(overrides)
    return config


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own application context, as in production.

    The ``app`` fixture keeps an application context pushed for the test body; Flask would reuse it
    for each request, so ``g`` (the API user, Flask-Login's cached user) and the database session
    would leak from one request into the next and hide bugs (a revoked token still working, a
    signed-out browser still signed in, a view that forgets to commit).  Here the test's own session
    is committed first (as a shared session would have been by the request), then the request runs
    with no application context visible, so it pushes a fresh one and tears it down.
    """

    def open(self, *args, **kwargs):
        if self.preserve_context or _cv_app.get(None) is None:
            return super().open(*args, **kwargs)
        db.session.commit()
        ctx = contextvars.copy_context()
        ctx.run(_cv_app.set, None)
        return ctx.run(super().open, *args, **kwargs)


def _reset_schema(app) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()


@pytest.fixture(scope="session")
def _migrated_app():
    os.environ.setdefault("TRACKER_INSTANCE_PATH", os.path.join(_tmpdir, "instance"))
    app = create_app(base_config())
    app.test_client_class = IsolatedClient
    _reset_schema(app)
    yield app
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(_tmpdir, ignore_errors=True)


def empty_tables(app) -> None:
    from tracker import memo

    with app.app_context():
        memo.clear()  # emptying the tables sets the change counters back
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in SEEDED_TABLES:
                    conn.execute(delete(table))


@pytest.fixture
def app(_migrated_app):
    empty_tables(_migrated_app)
    with _migrated_app.app_context():
        yield _migrated_app
        db.session.remove()


@pytest.fixture
def make_app(_migrated_app):
    """Another app on the same database with other settings (e.g. CSRF switched on)."""
    def factory(**overrides):
        other = create_app(base_config(**overrides))
        other.test_client_class = IsolatedClient
        return other
    return factory


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# ---- data factories -------------------------------------------------------------------------------

@pytest.fixture
def make_agency(app):
    from tracker.reference.services import create_agency

    counter = iter(range(1, 10_000))

    def factory(code=None, name=None, short_name=None):
        n = next(counter)
        agency = create_agency({"code": code or f"9.{n:02d}.01", "name": name or f"Dinas Uji {n}",
                                "short_name": short_name or f"Uji {n}"})
        db.session.commit()
        return agency
    return factory


@pytest.fixture
def make_company(app):
    from tracker.reference.services import create_company

    counter = iter(range(1, 10_000))

    def factory(name=None, **fields):
        company = create_company({"name": name or f"PT Uji {next(counter)}", **fields})
        db.session.commit()
        return company
    return factory


@pytest.fixture
def make_user(app, make_agency, make_company):
    from tracker.users.services import UserInput, create_user

    counter = iter(range(1, 10_000))

    def factory(role="agency", agency=None, company=None, username=None, password=PASSWORD):
        if role == "agency" and agency is None:
            agency = make_agency()
        if role == "company" and company is None:
            company = make_company()
        user = create_user(UserInput(
            username=username or f"{role}{next(counter)}", full_name=f"Pengguna {role}", role=role,
            agency_id=agency.id if agency is not None and role == "agency" else None,
            company_id=company.id if company is not None and role == "company" else None,
            password=password,
        ))
        db.session.commit()
        return user
    return factory


@pytest.fixture
def make_region(app):
    from tracker.reference.services import create_region

    def factory(code, name, level, parent=None):
        region = create_region({"code": code, "name": name, "level": level,
                                "parent_id": parent.id if parent is not None else None})
        db.session.commit()
        return region
    return factory


@pytest.fixture
def kabupaten(make_region):
    """A small kabupaten: two kecamatan with two desa each."""
    kab = make_region("62.02", "Kotawaringin Timur", "kabupaten")
    kec1 = make_region("62.02.01", "Baamang", "kecamatan", kab)
    kec2 = make_region("62.02.02", "Pulau Hanaut", "kecamatan", kab)
    desa = [make_region("62.02.01.2001", "Baamang Hulu", "desa", kec1),
            make_region("62.02.01.2002", "Tinduk", "desa", kec1),
            make_region("62.02.02.2001", "Bapinang Hilir", "desa", kec2),
            make_region("62.02.02.2002", "Hanaut", "desa", kec2)]
    return {"kabupaten": kab, "kecamatan": [kec1, kec2], "desa": desa}


# ---- signing in -----------------------------------------------------------------------------------

def login(client, user_or_name, password=PASSWORD):
    username = getattr(user_or_name, "username", user_or_name)
    return client.post("/login", data={"username": username, "password": password})


class ApiClient:
    """Test client that speaks JSON with a bearer token, as an outside system would."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def _headers(self, extra=None):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def open(self, path, method="GET", **kw):
        return self.client.open(path, method=method, headers=self._headers(kw.pop("headers", None)), **kw)

    def get(self, path, **kw):
        return self.client.get(path, headers=self._headers(kw.pop("headers", None)), **kw)

    def delete(self, path, **kw):
        return self.client.delete(path, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, path, json=None, **kw):
        return self.client.post(path, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def put(self, path, json=None, **kw):
        return self.client.put(path, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def patch(self, path, json=None, **kw):
        return self.client.patch(path, json=json, headers=self._headers(kw.pop("headers", None)), **kw)


@pytest.fixture
def client_as(app):
    """``client_as(user)`` -> a browser-like test client signed in as that user."""
    def factory(user, password=PASSWORD):
        client = app.test_client()
        response = login(client, user, password)
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
        return client
    return factory


@pytest.fixture
def api_as(app):
    """``api_as(user)`` -> an ApiClient holding a fresh token for that user."""
    def factory(user, password=PASSWORD):
        client = app.test_client()
        response = client.post("/api/v1/tokens", json={"username": user.username, "password": password})
        assert response.status_code == 201, response.get_json()
        return ApiClient(client, response.get_json()["token"])
    return factory


@contextmanager
def count_queries() -> Iterator[list]:
    """Collects every SQL statement the engine runs inside the block, whichever app context
    (the test's or a request's) runs it."""
    from sqlalchemy import event

    engine = db.engine
    found: list = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            found.append(statement)

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def audit_rows(entity: str | None = None):
    from tracker.audit.models import AuditLog

    stmt = select(AuditLog).order_by(AuditLog.id)
    if entity:
        stmt = stmt.where(AuditLog.entity == entity)
    return db.session.scalars(stmt).all()
