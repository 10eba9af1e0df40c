"""Test fixtures: every database test runs once on SQLite and once on PostgreSQL.

`app` is parametrized over the backends; each test starts from empty tables in a schema built
once per session from the models (a separate test proves migrations build the same schema).

Tests share one app per backend for the session (building one costs ~80 ms, and its cold Jinja and
Babel caches more): after each test its config is put back, the limiter and the page cache are
reset and the outbox and media directories emptied. Settings read on every request
(`PER_REQUEST_SETTINGS`) are set on the shared app for that test alone. A module that overrides
`app_overrides` with settings the app reads when it is built (page cache, locale, Stripe keys, …)
shares one app per set of values too, the last few kept per backend (a module's tests ask for the
same set). Rate limits and Redis (`OWN_APP_SETTINGS`: the one Limiter's storage is set when an app
is built) and a test marked `own_app` (one that adds routes, say) get an app of their own.
"""

from __future__ import annotations

import atexit
import functools
import gc
import os
import shutil
import sys
import tempfile
from collections import OrderedDict
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from jinja2 import BytecodeCache

from marketplace import create_app
from marketplace.cache import MemoryBackend
from marketplace.extensions import db, limiter
from marketplace.markets.context import RATE_TABLES
from tests.chromium import browser, playwright_instance  # noqa: F401  (the session's one Chromium)
from tests.clients import IsolatedClient
from tests.factories import TEST_HASH_METHOD
from tests.race.harness import _race_servers, race_server  # noqa: F401  (the session's one gunicorn per backend for races)

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# Under pytest-xdist (`make test` runs two workers) each worker empties tables of its own database.
POSTGRES_TEST_DB = os.environ.get("TEST_POSTGRES_DB", "pasar_desa_test") + (
    f"_{os.environ['PYTEST_XDIST_WORKER']}" if os.environ.get("PYTEST_XDIST_WORKER") else ""
)

# In memory where the machine has it: the SQLite file's fsync on every commit is then free.
_SHM = Path("/dev/shm")  # noqa: S108  (mkdtemp makes a private 0700 directory there)
_TMP = Path(tempfile.mkdtemp(prefix="pasar-desa-tests-", dir=_SHM if _SHM.is_dir() else None))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)  # memory, not disk: never leave it behind
# The demo's pictures are encoded once per machine (~15 s of CPU), not once per process that seeds:
# the pytest-xdist workers and the `make run` a test starts share the user's cache folder, as pip's
# does. Entries are keyed by the drawn picture and the encoder's settings: a change is a miss, never
# a stale picture (marketplace/demo/picture_cache.py).
_USER_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
os.environ.setdefault("DEMO_PICTURES_CACHE", str(_USER_CACHE / "pasar-desa" / "demo-pictures"))
# A test process allocates in bursts (apps, pages, ORM rows) and frees almost all of it by reference
# counting: collecting every 700 allocations cost ~6% of its CPU (measured with gc.callbacks on
# tests/labels, cart, orders and markets: 3.9 s of garbage collection, 1.8 s with this and gc.freeze).
gc.set_threshold(7000, 20, 20)


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
            # Tests need no durability across a crash: a commit need not wait for the WAL's fsync.
            conn.exec_driver_sql(f'ALTER DATABASE "{POSTGRES_TEST_DB}" SET synchronous_commit = off')
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
    if "database_url" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("one_database"):
        metafunc.parametrize("database_url", _BACKENDS[:1], indirect=True, scope="session")
        return
    spread = metafunc.definition.get_closest_marker("spread_over_databases")
    if spread and len(_BACKENDS) > 1:
        name, values = spread.args
        # Each value on one database, in turn: every assertion still runs on both databases and
        # every value is walked, at half the browser time of running each value on each.
        count = max(len(_BACKENDS), len(values))
        pairs = [(_BACKENDS[i % len(_BACKENDS)], values[i % len(values)]) for i in range(count)]
        metafunc.parametrize(("database_url", name), pairs, indirect=["database_url"], scope="session")
        return
    metafunc.parametrize("database_url", _BACKENDS, indirect=True, scope="session")
    if spread:  # one database only: every value runs on it
        metafunc.parametrize(spread.args[0], spread.args[1])


def pytest_configure(config):
    config.addinivalue_line("markers", "own_app: the test changes the app itself (adds routes): build it one")
    config.addinivalue_line(
        "markers",
        "one_database(reason): run on the first database only (SQLite): the subject is something else "
        "(Redis, gunicorn, a second process) that behaves the same whatever the database",
    )
    config.addinivalue_line(
        "markers",
        "spread_over_databases(name, values): parametrize `name` with `values` spread over the databases "
        "(the first on SQLite, the second on PostgreSQL) instead of each on both: for browser tests whose "
        "variations (language, JavaScript on or off) do not depend on the database",
    )
    if getattr(config.option, "dist", "no") == "loadscope":
        # The workers send their modules heaviest first (below); keep that order rather than
        # xdist's default (most tests first), which left the few long modules for the end.
        config.option.loadscopereorder = False


#: Node id prefixes whose tests share a session-wide server: each group is one pytest-xdist unit, so
#: one worker starts that server once per backend instead of every worker that draws one of them.
SHARED_SERVER_UNITS = {
    "tests/race/": "race_server",
    "tests/payments/test_webhook.py::test_same_event_ten_times_across_gunicorn_workers": "race_server",
}


def pytest_xdist_make_scheduler(config, log):
    if getattr(config.option, "dist", "no") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedServerScopes(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            for prefix, unit in SHARED_SERVER_UNITS.items():
                if nodeid.startswith(prefix):
                    return unit
            return super()._split_scope(nodeid)

    return SharedServerScopes(config, log)


#: Rough seconds a test costs, by marker: what orders the modules under pytest-xdist.
_COST_BY_MARKER = {"slow": 10.0, "browser": 4.0}
_DEFAULT_COST = 0.1


def _module_of(item) -> str:
    return item.nodeid.split("::", 1)[0]


@pytest.hookimpl(trylast=True)  # after pytest's own reordering by fixture parameters
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist, run the costliest modules first (longest-processing-time-first scheduling).

    `--dist loadscope` hands each worker a whole module at a time, in the order the workers
    collected them; a long module handed out last keeps one core busy alone at the end. Ordering
    the modules by their estimated cost (the `slow` and `browser` markers) lets the short ones
    fill in around the long ones. Tests keep their order within a module.
    """
    if not hasattr(config, "workerinput"):
        return
    costs: dict[str, float] = {}
    for item in items:
        cost = max(
            (c for name, c in _COST_BY_MARKER.items() if item.get_closest_marker(name)), default=_DEFAULT_COST
        )
        costs[_module_of(item)] = costs.get(_module_of(item), 0.0) + cost
    items.sort(key=lambda item: -costs[_module_of(item)])


_schema_ready: dict[str, str] = {}
#: Apps shared by tests, by (database URL, the settings they were built with), least recently used first.
_shared_apps: OrderedDict[tuple[str, str], Flask] = OrderedDict()
#: The shared apps' config as built, put back after each test.
_shared_configs: dict[tuple[str, str], dict] = {}
#: Apps with settings of their own kept per backend besides the default one (each holds a pool).
_KEPT_APPS_PER_DATABASE = 3


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
    app, _ = _shared_app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        if backend == "postgresql":
            with db.engine.begin() as connection:
                _create_emptying_function(connection)
    _schema_ready[backend] = url
    return url


class _CompiledTemplates(BytecodeCache):
    """Compiled templates shared by every app this process builds (keyed by name and source).

    Each app has its own Jinja environment, and compiling a template costs milliseconds: tests
    that build an app of their own (about one in ten) recompiled every page they rendered.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_compiled_templates = _CompiledTemplates()


def _build_app(config: dict) -> Flask:
    app = create_app(config)
    app.jinja_env.bytecode_cache = _compiled_templates
    # The app, its url map, templates and the imported modules live until the session ends: out of
    # the collector's way, so each full collection walks what tests made, not ~650,000 objects.
    gc.freeze()
    return app


def _settings_key(settings: dict) -> str:
    return repr(sorted(settings.items()))


def _shared_app(url: str, settings: dict | None = None) -> tuple[Flask, tuple[str, str]]:
    """The app built with `settings` (none: the defaults) on `url`, and its key."""
    key = (url, _settings_key(settings or {}))
    app = _shared_apps.pop(key, None)
    if app is None:
        app = _build_app({**_overrides(url), **(settings or {})})
        _shared_configs[key] = dict(app.config)
    _shared_apps[key] = app
    kept = [k for k in _shared_apps if k[0] == url and k[1] != _settings_key({})]
    for old in kept[: max(0, len(kept) - _KEPT_APPS_PER_DATABASE)]:
        with _shared_apps.pop(old).app_context():
            db.engine.dispose()
        del _shared_configs[old]
    return app, key


@pytest.fixture(autouse=True)
def _stripe_forgets_last_tests_keys():
    """Tables are emptied between tests, so an order number comes round again, and with it the
    idempotency key of its Checkout Session: the process's Stripe harness, if started, forgets the
    keys of earlier tests, as Stripe does a day later (two tests' orders drew one number and the
    second was refused as a reused key)."""
    server = sys.modules.get("marketplace.payments.local_stripe.server")
    harness = server and server.started_harness()
    if harness is not None:
        harness.forget_idempotency_keys()


@pytest.fixture(scope="session", autouse=True)
def _dispose_shared_apps():
    yield
    for app in _shared_apps.values():
        with app.app_context():
            db.engine.dispose()


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
        # scrypt costs ~120 ms a login; tests whose subject is the hash format set "scrypt" back.
        "PASSWORD_HASH_METHOD": TEST_HASH_METHOD,
    }


#: Settings the app reads on every request (never when it is built): overriding only these keeps
#: the shared app, with the values set for the one test.
PER_REQUEST_SETTINGS = frozenset(
    {"MEDIA_ROOT", "WTF_CSRF_ENABLED", "MAX_CONTENT_LENGTH", "OUTBOX_DIR", "SERVER_NAME_FOR_LINKS"}
)
#: Settings that give a test an app of its own: the one Limiter takes its storage from the last
#: app built, and Redis clients are made when the app is.
OWN_APP_SETTINGS = frozenset({"RATELIMIT_ENABLED", "RATELIMIT_STORAGE_URI", "REDIS_URL"})


#: A PL/pgSQL function holding the DELETEs, made in each test database when its schema is built.
_EMPTYING_FUNCTION = "pd_test_empty_all_tables"
#: The PostgreSQL databases (by name) whose schema, built this session, has that function.
_emptying_function_in: set[str] = set()


def _create_emptying_function(connection: sa.Connection) -> None:
    """The DELETEs as one PL/pgSQL function: its statements are planned once per connection and
    the plans kept, where the same DELETEs sent as text were parsed and planned for every test
    (1.7 ms against 3.4-5.5 ms a test on 72 tables, measured 2026-12-07 on a loaded machine)."""
    body = "\n".join(f"{delete};" for delete in _deletes_children_first())
    connection.exec_driver_sql(
        f"CREATE OR REPLACE FUNCTION {_EMPTYING_FUNCTION}() RETURNS void LANGUAGE plpgsql "
        f"AS $$ BEGIN\n{body}\nEND $$"
    )
    _emptying_function_in.add(connection.engine.url.database)


def empty_all_tables(connection: sa.Connection) -> None:
    """Delete every row, children first, in one round trip on PostgreSQL.

    DELETE rather than TRUNCATE: TRUNCATE costs 100-500 ms on 39 tables, these DELETEs about 1 ms.
    Sequences are not reset, so tests must not count on ids starting at 1.
    """
    deletes = _deletes_children_first()
    if connection.dialect.name == "postgresql":
        if connection.engine.url.database in _emptying_function_in:
            connection.exec_driver_sql(f"SELECT {_EMPTYING_FUNCTION}()")
        else:  # a database whose schema a test built itself
            connection.exec_driver_sql("; ".join(deletes))
    else:  # sqlite3 runs one statement per call; plain SQL skips SQLAlchemy's compiling of each
        for delete in deletes:
            connection.exec_driver_sql(delete)


@functools.cache
def _deletes_children_first() -> tuple[str, ...]:
    # Sorting the tables by their foreign keys costs ~0.7 ms, and every test's `app` empties them.
    return tuple(f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables))


class _DefaultOverrides(dict):
    """The settings every test gets: tests that keep them share one app."""


@pytest.fixture
def app_overrides() -> dict:
    """Override in a test module to change settings for its tests."""
    return _DefaultOverrides()


@pytest.fixture
def app(request, database_url, app_overrides):
    if request.node.get_closest_marker("own_app") or not OWN_APP_SETTINGS.isdisjoint(app_overrides):
        yield from _own_app(database_url, app_overrides)
    else:
        yield from _on_shared_app(database_url, app_overrides)


def _own_app(url: str, app_overrides: dict):
    app = _build_app({**_overrides(url), **app_overrides})
    app.test_client_class = IsolatedClient
    with app.app_context():
        with db.engine.begin() as connection:
            empty_all_tables(connection)
        yield app
        db.session.remove()
        db.engine.dispose()


def forget_kept(app) -> None:
    """Drop what `app` keeps by the cache's generations and counters, as a restarted process would:
    emptying the tables restarts them, so values kept under the same numbers would be another test's."""
    app.extensions.pop(RATE_TABLES, None)
    for kept in _kept_by_generation_keys():
        app.extensions.pop(kept, None)


def _kept_by_generation_keys() -> tuple[str, ...]:
    # Imported with the app, not before it.
    from marketplace.api import views as api_views
    from marketplace.site import views as site_views
    from marketplace.storefront import product_page, views

    return (
        product_page.PRODUCT_PAGES, views.PLACE_COUNTS, views.PLACE_LISTS, views.HOME_CARDS,
        views.LISTING_PAGES, views.CHOICES, views.VILLAGE_HEADINGS, api_views.API_PAGES,
        api_views.API_ITEMS, api_views.API_PLACES, site_views.SITEMAP_COUNT, views.SPELLING_WORDS,
    )  # fmt: skip


def _on_shared_app(url: str, app_overrides: dict):
    built_with = {k: v for k, v in app_overrides.items() if k not in PER_REQUEST_SETTINGS}
    app, key = _shared_app(url, built_with)
    app.config.update(app_overrides)
    app.test_client_class = IsolatedClient
    # One Limiter serves every app, and the last app built set its switch: follow this one's.
    limiter.enabled = app.config["RATELIMIT_ENABLED"]
    cache = app.extensions["page_cache"]
    if isinstance(cache.backend, MemoryBackend):
        cache.backend._entries.clear()
    forget_kept(app)
    for directory in (_TMP / "outbox", _TMP / "media"):
        shutil.rmtree(directory, ignore_errors=True)
    try:
        with app.app_context():
            with db.engine.begin() as connection:
                empty_all_tables(connection)
            yield app
            db.session.remove()
    finally:
        app.config.clear()
        app.config.update(_shared_configs[key])


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
    """Use as `with count_queries() as counter: ...; counter.count` to count SQL statements.

    `count_queries(reader=True)` also counts the statements of the page cache's reader (its own
    autocommit engine: the stamp and counters, and a logged-in visitor's account row on a page)."""
    from contextlib import contextmanager

    class Counter:
        def __init__(self):
            self.statements: list[str] = []

        @property
        def count(self) -> int:
            return len(self.statements)

        @property
        def product_reads(self) -> int:
            """Statements reading products for a page: cards, a listing's count or its ids."""
            return sum("from products" in s.lower() and "cache_generations" not in s for s in self.statements)

    @contextmanager
    def counting(*, reader: bool = False):
        counter = Counter()

        def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
            counter.statements.append(statement)

        engines = [db.engine]
        backend = app.extensions["page_cache"].backend
        if reader and hasattr(backend, "reader"):
            engines.append(backend.reader())
        for engine in engines:
            sa.event.listen(engine, "before_cursor_execute", before_cursor_execute)
        try:
            yield counter
        finally:
            for engine in engines:
                sa.event.remove(engine, "before_cursor_execute", before_cursor_execute)

    return counting
