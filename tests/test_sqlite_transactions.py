"""SQLite's write lock: taken when a state-changing request's transaction begins, never by a GET.

The parallel-request proofs are in tests/race/test_money_races.py; these show the mechanism
(`marketplace/extensions.py`) cheaply, on the test database's SQLite file.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.extensions import db


@pytest.fixture
def sqlite_only(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's transaction control")


def _holds_write_lock() -> bool:
    """True when this session's connection is inside a transaction after only a SELECT."""
    db.session.execute(sa.select(User.id).limit(1))
    return db.session.connection().connection.dbapi_connection.in_transaction


@pytest.mark.parametrize(
    ("method", "locked"), [("GET", False), ("HEAD", False), ("POST", True), ("DELETE", True)]
)
def test_state_changing_requests_begin_immediate(app, sqlite_only, method, locked):
    with app.test_request_context("/", method=method):
        try:
            assert _holds_write_lock() is locked
        finally:
            db.session.remove()


def test_with_for_update_takes_the_write_lock_outside_requests(app, session, sqlite_only):
    session.execute(sa.select(User.id).limit(1))
    assert not session.connection().connection.dbapi_connection.in_transaction  # a plain read: no lock
    session.execute(sa.select(User.id).limit(1).with_for_update())
    assert session.connection().connection.dbapi_connection.in_transaction
    session.rollback()


def test_savepoints_inside_a_write_request_roll_back_alone(app, sqlite_only):
    """BEGIN IMMEDIATE first, so a SAVEPOINT is part of the request's transaction."""
    with app.test_request_context("/", method="POST"):
        try:
            db.session.add(User(email="kept@example.test", name="Kept", password_hash="x"))
            with db.session.begin_nested() as nested:
                db.session.add(User(email="dropped@example.test", name="Dropped", password_hash="x"))
                db.session.flush()
                nested.rollback()
            db.session.commit()
        finally:
            db.session.remove()
    emails = db.session.scalars(sa.select(User.email)).all()
    assert emails == ["kept@example.test"]
