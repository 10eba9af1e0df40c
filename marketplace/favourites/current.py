"""This request's favourites and recently viewed products: the account's rows or the guest's cookies.

Pages stored in the anonymous page cache are shared by every visitor without a login and without
any cookie but the neutral ones (`marketplace.cache._anonymous_get`). The `favourites` cookie is not
neutral: a guest holding one never gets (or fills) a shared page, so the visitors whose pages may be
shared have no saved hearts (drawn empty, without a query). The `recently_viewed` cookie is neutral
(home, listings and search do not show it, and stay cached for a visitor who looked at products);
the product page, which draws the list, declares `personal=shows_recently_viewed`: a visitor with
something to show there gets their own page, never stored and sent `private, no-store`.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, has_request_context

from marketplace.accounts.access import request_user
from marketplace.extensions import db
from marketplace.favourites import services
from marketplace.favourites.models import Favourite, StockAlert
from marketplace.request_locals import this_request

#: The product ids this visitor opened, newest first: "12.7.31".
RECENT_COOKIE = "recently_viewed"
MAX_RECENT = 10
#: request.environ key: the favourite ids, read at most once per request.
_MEMO = "marketplace.favourite_ids"
#: request.environ key: whether the login waits for any product to come back (read with it).
_ALERTS_MEMO = "marketplace.login_has_pending_alerts"


def guest_favourite_ids() -> list[int]:
    return services.parse_id_cookie(
        this_request().cookies.get(services.FAVOURITES_COOKIE), services.MAX_GUEST_FAVOURITES
    )


def recent_ids() -> list[int]:
    return services.parse_id_cookie(this_request().cookies.get(RECENT_COOKIE), MAX_RECENT)


def request_favourite_ids() -> frozenset[int]:
    """Products this visitor saved: one query for an account, the cookie for a guest, else none."""
    if not has_request_context():
        return frozenset()
    environ = this_request().environ
    if _MEMO not in environ:
        user = request_user()
        if user is not None:
            environ[_MEMO] = services.favourite_product_ids(db.session, user)
        else:
            environ[_MEMO] = frozenset(guest_favourite_ids())
    return environ[_MEMO]


def account_favourite_ids_column(user_id: sa.ColumnElement[int]) -> sa.ScalarSelect:
    """The products the account `user_id` (a column of the caller's statement) saved, as text
    "12,7,31" (NULL for none): read with the logged-in user in one statement."""
    return (
        sa.select(sa.func.aggregate_strings(sa.cast(Favourite.product_id, sa.String), ","))
        .where(Favourite.user_id == user_id)
        .scalar_subquery()
    )


def remember_favourite_ids(text: str | None) -> None:
    """This request's saved ids, read with the user: `request_favourite_ids` will not read them."""
    if has_request_context():
        saved = frozenset(int(pid) for pid in text.split(",")) if text else frozenset()
        this_request().environ[_MEMO] = saved


def account_has_alerts_column(user_id: sa.ColumnElement[int]) -> sa.Exists:
    """Whether the account `user_id` (a column of the caller's statement) waits for any product to
    come back in stock: most do not, and their out-of-stock pages skip reading their alert there."""
    return (
        sa.select(StockAlert.id).where(StockAlert.user_id == user_id, StockAlert.sent_at.is_(None)).exists()
    )


def remember_has_alerts(value: bool | None) -> None:
    this_request().environ[_ALERTS_MEMO] = bool(value)


def may_have_pending_alert() -> bool:
    """False only when the login's read said this visitor waits for no product."""
    return not has_request_context() or this_request().environ.get(_ALERTS_MEMO, True)


def set_id_cookie(response, name: str, ids: list[int], *, days: int) -> None:
    """Write (or, when empty, delete) one of our id-list cookies."""
    options = {"httponly": True, "samesite": "Lax", "secure": current_app.config.get("PRODUCTION", False)}
    if ids:
        response.set_cookie(name, services.format_id_cookie(ids), max_age=days * 24 * 3600, **options)
    else:
        response.delete_cookie(name, **options)


def shows_recently_viewed() -> bool:
    """Whether this product page draws the visitor's recently viewed row: the cookie names a product
    other than the one shown (read from the request alone, before any cache lookup)."""
    current = (this_request().view_args or {}).get("product_id")
    return any(pid != current for pid in recent_ids())
