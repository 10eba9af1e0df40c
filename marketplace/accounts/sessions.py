"""Which user a login session belongs to: "<id>:<nonce>", so rotating the nonce ends the session."""

from __future__ import annotations

import hmac

from sqlalchemy.orm import Session

from marketplace.accounts.models import User, new_session_nonce


def load_user_from_session_id(session: Session, session_id: str) -> User | None:
    """The active user whose current session id is `session_id`, else None (anonymous)."""
    user_part, sep, nonce = (session_id or "").partition(":")
    if not sep or not nonce:
        return None
    try:
        user_id = int(user_part)
    except ValueError:
        return None
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(user.session_nonce.encode(), nonce.encode()):
        return None
    return user


def end_all_sessions(session: Session, user: User) -> None:
    """Invalidate every session and remember-me cookie issued to `user` so far (flushes)."""
    user.session_nonce = new_session_nonce()
    session.flush()
