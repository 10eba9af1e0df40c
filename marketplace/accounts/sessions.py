"""Which user a login session belongs to."""

from __future__ import annotations

from sqlalchemy.orm import Session

from marketplace.accounts.models import User


def load_user_from_session_id(session: Session, session_id: str) -> User | None:
    try:
        user_id = int(session_id)
    except (TypeError, ValueError):
        return None
    user = session.get(User, user_id)
    return user if user is not None and user.active else None
