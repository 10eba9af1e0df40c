"""The header's cart badge: how many items this visitor's cart holds, read only when a page shows it.

Cached public pages are shared by every anonymous visitor, so the count must never be part of a
stored page. Only visitors without a login and without any cookie but the neutral ones have their
pages stored (`marketplace.cache._anonymous_get`); a guest cart lives behind the `cart_token`
cookie, so exactly those visitors have no cart: their count is 0 without a query. Everyone else
(a login, a cart cookie) bypasses the cache and pays for one SUM over their cart's lines.
"""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Session

from marketplace.cart import services
from marketplace.cart.current import request_user
from marketplace.cart.models import Cart, CartLine
from marketplace.extensions import db
from marketplace.request_locals import this_request

#: request.environ key: the count, read at most once per request (the environ lives exactly as long
#: as the request; `g` can outlive several when an app context was already pushed).
_MEMO = "marketplace.header_cart_count"


def count_cart_items(session: Session, *, user=None, token: str | None = None) -> int:
    """Units in the account's cart, else in the guest cart of `token`; 0 when there is none.

    One query, whether or not the cart exists (no cart row is loaded).
    """
    if user is not None and getattr(user, "id", None) is not None:
        count = session.scalar(_count_statement(by_account=True), {"user_id": user.id})
    elif services.valid_cart_token(token):  # the same rule find_cart applies to the cookie
        count = session.scalar(_count_statement(by_account=False), {"token": token})
    else:
        return 0
    return int(count or 0)


@cache  # two statements, built once: read on nearly every page, building one cost more than running it
def _count_statement(*, by_account: bool) -> sa.Select:
    query = sa.select(sa.func.coalesce(sa.func.sum(CartLine.quantity), 0)).join(
        Cart, Cart.id == CartLine.cart_id
    )
    if by_account:
        return query.where(Cart.user_id == sa.bindparam("user_id"))
    return query.where(Cart.token == sa.bindparam("token"), Cart.user_id.is_(None))


def account_cart_count_column(user_id: sa.ColumnElement[int]) -> sa.ScalarSelect:
    """The header count of the account `user_id` (a column of the caller's statement): read with
    the logged-in user in one statement (`remember_cart_count` takes the value)."""
    return (
        sa.select(sa.func.coalesce(sa.func.sum(CartLine.quantity), 0))
        .join(Cart, Cart.id == CartLine.cart_id)
        .where(Cart.user_id == user_id)
        .scalar_subquery()
    )


def remember_cart_count(count: int | None) -> None:
    """This request's count, read with the user: `header_cart_count` will not read it again."""
    if has_request_context():
        request.environ[_MEMO] = int(count or 0)


def header_cart_count() -> int:
    """This request's cart count for the header (called by base.html; read once per request)."""
    if not has_request_context():
        return 0  # an email or a CLI render: no visitor, no header count
    req = this_request()
    environ = req.environ
    if _MEMO not in environ:
        user = request_user()
        token = req.cookies.get(services.CART_COOKIE)
        if user is None and not token:
            count = 0  # the visitors whose pages may be cached and shared: they have no cart
        else:
            try:
                count = count_cart_items(db.session, user=user, token=token)
            except sa.exc.SQLAlchemyError:
                # An error page rendered while the database is down still renders, without a count.
                db.session.rollback()
                count = 0
        environ[_MEMO] = count
    return environ[_MEMO]


def cart_header_globals() -> dict:
    """Context processor: the count as a function, so pages without the header never query."""
    return {"header_cart_count": header_cart_count}
