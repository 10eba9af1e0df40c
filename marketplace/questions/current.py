"""Whether this request's logged-in visitor has questions waiting for an answer anywhere, read with
the login (GET pages): most buyers have none, and their product pages then skip the read of their
waiting questions on the product shown."""

from __future__ import annotations

import sqlalchemy as sa
from flask import has_request_context, request

from marketplace.questions.models import ProductQuestion

#: request.environ key: the flag, when it was read with the login.
_MEMO = "marketplace.login_has_waiting_questions"


def account_has_waiting_column(user_id: sa.ColumnElement[int]) -> sa.Exists:
    """Whether the account `user_id` (a column of the caller's statement) asked a question that
    waits for an answer and is shown (a hidden one is not)."""
    return (
        sa.select(ProductQuestion.id)
        .where(
            ProductQuestion.asker_id == user_id,
            ProductQuestion.answered_at.is_(None),
            ProductQuestion.hidden_at.is_(None),
        )
        .exists()
    )


def remember_has_waiting(value: bool | None) -> None:
    request.environ[_MEMO] = bool(value)


def may_have_waiting() -> bool:
    """False only when the login's read said this visitor has no waiting question."""
    return not has_request_context() or request.environ.get(_MEMO, True)
