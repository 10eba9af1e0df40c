"""Flask extensions, created unbound so any module can import them without cycles."""

from __future__ import annotations

import click
from flask import has_request_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite ignores foreign keys unless told, and WAL lets readers run beside a writer."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


#: Requests that only read; every other request may change something.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _sqlite_write_lock_wanted() -> bool:
    """A request that may change something (POST, PUT, PATCH, DELETE, Stripe's webhook), or a
    `flask` command other than `shell`: its transactions read and decide under the write lock."""
    if has_request_context():
        return request.method not in SAFE_METHODS
    command = click.get_current_context(silent=True)
    return command is not None and command.info_name != "shell"


def _take_sqlite_write_lock(dbapi_connection) -> None:
    # In pysqlite's default mode SELECTs run outside any transaction and it sends a deferred BEGIN
    # before the first INSERT/UPDATE/DELETE. Not inside a transaction yet (and not AUTOCOMMIT):
    # begin one holding the write lock, waiting up to busy_timeout for another writer to finish.
    if dbapi_connection.isolation_level is not None and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    """SQLite's `with_for_update()`: writers are serialized from the start of their transaction.

    SQLite has no row locks and ignores FOR UPDATE, so a read-check-write ("left to refund", a
    balance) read before the write lock is taken lets two requests both pass the check. A request
    that may write (and a `flask` command) begins with BEGIN IMMEDIATE, so its reads happen under
    the lock; a second one waits (busy_timeout) instead of failing. GET requests keep the default:
    reads outside a transaction, never queued behind a writer (WAL), a deferred BEGIN before a
    lazy write.
    """
    if conn.dialect.name == "sqlite" and _sqlite_write_lock_wanted():
        _take_sqlite_write_lock(conn.connection.dbapi_connection)


@event.listens_for(Engine, "before_execute")
def _sqlite_for_update(conn, clauseelement, multiparams, params, execution_options) -> None:
    """Anywhere else (a GET's lazy write, a test calling a service), `with_for_update()` takes
    SQLite's write lock before the locking SELECT, as PostgreSQL takes the row lock."""
    if conn.dialect.name == "sqlite" and getattr(clauseelement, "_for_update_arg", None) is not None:
        _take_sqlite_write_lock(conn.connection.dbapi_connection)
