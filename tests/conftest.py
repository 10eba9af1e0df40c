"""Test fixtures: every database test runs once on SQLite and once on PostgreSQL.

`app` is parametrized over the backends; each test starts from empty tables in a schema built
once per session from the models (a separate test proves migrations build the same schema).
"""

from __future__ import annotations

import contextvars
import os
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from marketplace import create_app
from marketplace.extensions import db

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
POSTGRES_TEST_DB = os.environ.get("TEST_POSTGRES_DB", "pasar_desa_test")

_TMP = Path(tempfile.mkdtemp(prefix="pasar-desa-tests-"))


def _postgres_url() -> str | None:
    """Create (once) and return the test database's URL, or None when PostgreSQL is unreachable."""
    admin_url = sa.make_url(POSTGRES_ADMIN_URL)
    try:
        engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": POSTGRES_TEST_DB}
            ).scalar()
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{POSTGRES_TEST_DB}"')
        engine.dispose()
    except sa.exc.OperationalError as error:
        if os.environ.get("CI"):
            raise RuntimeError(f"PostgreSQL is required in CI but unreachable: {error}") from error
        return None
    return admin_url.set(database=POSTGRES_TEST_DB).render_as_string(hide_password=False)


def _sqlite_url() -> str:
    return f"sqlite:///{_TMP / 'test.db'}"


_BACKENDS = os.environ.get("TEST_DATABASES", "sqlite,postgresql").split(",")


def pytest_generate_tests(metafunc):
    # Parametrize here rather than on the fixture so the ids read test[sqlite] / test[postgresql].
    if "database_url" in metafunc.fixturenames:
        metafunc.parametrize("database_url", _BACKENDS, indirect=True, scope="session")


_schema_ready: dict[str, str] = {}


@pytest.fixture(scope="session")
def database_url(request) -> str:
    backend = request.param
    if backend in _schema_ready:
        return _schema_ready[backend]
    if backend == "sqlite":
        url = _sqlite_url()
    elif backend == "postgresql":
        url = _postgres_url()
        if url is None:
            pytest.skip("PostgreSQL is not reachable (set CI=1 to make this a failure)")
    else:
        raise ValueError(f"unknown test database {backend!r}")
    app = create_app(_overrides(url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    _schema_ready[backend] = url
    return url


def _overrides(url: str) -> dict:
    return {
        "TESTING": True,
        # Tests read English (the msgids); tests of the Indonesian default override this back.
        "BABEL_DEFAULT_LOCALE": "en",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MEDIA_ROOT": str(_TMP / "media"),
        "OUTBOX_DIR": str(_TMP / "outbox"),
        "SERVER_NAME_FOR_LINKS": "http://localhost",
    }


def empty_all_tables(connection: sa.Connection) -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    else:
        for table in tables:
            connection.execute(table.delete())


@pytest.fixture
def app_overrides() -> dict:
    """Override in a test module to change settings for its tests."""
    return {}


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, as a real server does.

    The `app` fixture keeps one app context open for the whole test; without this Flask would reuse
    it for requests, so `g` (the logged-in user, the CSRF token, the locale) and the SQLAlchemy
    session would leak from one request to the next and hide real bugs.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(database_url, app_overrides):
    app = create_app({**_overrides(database_url), **app_overrides})
    app.test_client_class = IsolatedClient
    with app.app_context():
        with db.engine.begin() as connection:
            empty_all_tables(connection)
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def session(app):
    """The app's SQLAlchemy session: services take it first, tests commit like views do."""
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def count_queries(app):
    """Use as `with count_queries() as counter: ...; counter.count` to count SQL statements."""
    from contextlib import contextmanager

    class Counter:
        def __init__(self):
            self.statements: list[str] = []

        @property
        def count(self) -> int:
            return len(self.statements)

    @contextmanager
    def counting():
        counter = Counter()

        def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
            counter.statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
        try:
            yield counter
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before_cursor_execute)

    return counting
