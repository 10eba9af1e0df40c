"""Which user a login session belongs to: "<id>:<nonce>", so rotating the nonce ends the session."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from functools import cache, lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from marketplace.accounts.models import User, new_session_nonce


def load_user_from_session_id(
    session: Session,
    session_id: str,
    *,
    extra: Sequence[tuple[sa.ColumnElement, Callable]] = (),
    read: Callable[[sa.Select, dict], tuple | None] | None = None,
) -> User | None:
    """The active user whose current session id is `session_id`, else None (anonymous).

    `extra`: (column, receiver) pairs read in the same statement as the user, columns correlated on
    `User.id` (what other domains show on every page of a logged-in visitor: the cart count, the
    saved products); each receiver gets its column's value once the session is accepted.

    `read`: runs the statement outside `session` (one round trip on a connection of its own, without
    the session's BEGIN and ROLLBACK: a page's read); the accepted user is then attached to
    `session` as if loaded there. Every request still reads the row, so a disabled account or a
    rotated nonce (logout, password change) ends the session on the next request.
    """
    user_part, sep, nonce = (session_id or "").partition(":")
    if not sep or not nonce:
        return None
    try:
        user_id = int(user_part)
    except ValueError:
        return None
    if read is not None:
        return _read_outside(session, read, user_id, nonce, extra)
    if extra:
        row = session.execute(
            sa.select(User, *(column for column, _receiver in extra)).where(User.id == user_id)
        ).first()
        user, values = (row[0], row[1:]) if row is not None else (None, ())
    else:
        user, values = session.get(User, user_id), ()
    if user is None or not _accepted(user.active, user.session_nonce, nonce):
        return None
    for (_column, receiver), value in zip(extra, values, strict=True):
        receiver(value)
    return user


def _accepted(active: bool, session_nonce: str, nonce: str) -> bool:
    return bool(active) and hmac.compare_digest(session_nonce.encode(), nonce.encode())


@cache  # the mapper's column attributes, in the order `_outside_statement` selects them
def _user_attributes() -> tuple[str, ...]:
    return tuple(prop.key for prop in sa.inspect(User).column_attrs)


@lru_cache(maxsize=8)  # per set of extra columns: built once, so SQLAlchemy derives its cache key once
def _outside_statement(extra: tuple) -> sa.Select:
    columns = [prop.columns[0] for prop in sa.inspect(User).column_attrs]
    return sa.select(*columns, *(column for column, _receiver in extra)).where(
        User.__table__.c.id == sa.bindparam("user_id")
    )


def _read_outside(session: Session, read, user_id: int, nonce: str, extra) -> User | None:
    attributes = _user_attributes()
    row = read(_outside_statement(tuple(extra)), {"user_id": user_id})
    if row is None:
        return None
    fields = dict(zip(attributes, row, strict=False))
    if not _accepted(fields["active"], fields["session_nonce"], nonce):
        return None
    user = session.identity_map.get(identity_key(User, user_id))
    if user is None:
        user = User.__mapper__.class_manager.new_instance()
        for key, value in fields.items():
            set_committed_value(user, key, value)
        make_transient_to_detached(user)  # persistent once added, nothing to flush; the rest lazy
        session.add(user)
    for (_column, receiver), value in zip(extra, row[len(attributes) :], strict=True):
        receiver(value)
    return user


def end_all_sessions(session: Session, user: User) -> None:
    """Invalidate every session and remember-me cookie issued to `user` so far (flushes)."""
    user.session_nonce = new_session_nonce()
    session.flush()
