"""Which user a login session belongs to: "<id>:<nonce>", so rotating the nonce ends the session."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.accounts.models import User, new_session_nonce


def load_user_from_session_id(
    session: Session, session_id: str, *, extra: Sequence[tuple[sa.ColumnElement, Callable]] = ()
) -> User | None:
    """The active user whose current session id is `session_id`, else None (anonymous).

    `extra`: (column, receiver) pairs read in the same statement as the user, columns correlated on
    `User.id` (what other domains show on every page of a logged-in visitor: the cart count, the
    saved products); each receiver gets its column's value once the session is accepted.
    """
    user_part, sep, nonce = (session_id or "").partition(":")
    if not sep or not nonce:
        return None
    try:
        user_id = int(user_part)
    except ValueError:
        return None
    if extra:
        row = session.execute(
            sa.select(User, *(column for column, _receiver in extra)).where(User.id == user_id)
        ).first()
        user, values = (row[0], row[1:]) if row is not None else (None, ())
    else:
        user, values = session.get(User, user_id), ()
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(user.session_nonce.encode(), nonce.encode()):
        return None
    for (_column, receiver), value in zip(extra, values, strict=True):
        receiver(value)
    return user


def end_all_sessions(session: Session, user: User) -> None:
    """Invalidate every session and remember-me cookie issued to `user` so far (flushes)."""
    user.session_nonce = new_session_nonce()
    session.flush()
