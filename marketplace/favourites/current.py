"""This request's favourites and recently viewed products: the account's rows or the guest's cookies.

Pages stored in the anonymous page cache are shared by every visitor without a login and without
any cookie but the neutral ones (`marketplace.cache._anonymous_get`): the `favourites` and
`recently_viewed` cookies are not neutral, so a visitor holding either never gets (or fills) a
shared page. Exactly those visitors whose pages may be shared have no favourites and no history:
their hearts are empty and no recently viewed row is drawn, without a query.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user

from marketplace.extensions import db
from marketplace.favourites import services

#: The product ids this visitor opened, newest first: "12.7.31".
RECENT_COOKIE = "recently_viewed"
MAX_RECENT = 10
#: request.environ key: the favourite ids, read at most once per request.
_MEMO = "marketplace.favourite_ids"


def request_user():
    return current_user if getattr(current_user, "is_authenticated", False) else None


def guest_favourite_ids() -> list[int]:
    return services.parse_id_cookie(
        request.cookies.get(services.FAVOURITES_COOKIE), services.MAX_GUEST_FAVOURITES
    )


def recent_ids() -> list[int]:
    return services.parse_id_cookie(request.cookies.get(RECENT_COOKIE), MAX_RECENT)


def request_favourite_ids() -> frozenset[int]:
    """Products this visitor saved: one query for an account, the cookie for a guest, else none."""
    if not has_request_context():
        return frozenset()
    environ = request.environ
    if _MEMO not in environ:
        user = request_user()
        if user is not None:
            environ[_MEMO] = services.favourite_product_ids(db.session, user)
        else:
            environ[_MEMO] = frozenset(guest_favourite_ids())
    return environ[_MEMO]


def set_id_cookie(response, name: str, ids: list[int], *, days: int) -> None:
    """Write (or, when empty, delete) one of our id-list cookies."""
    options = {"httponly": True, "samesite": "Lax", "secure": current_app.config.get("PRODUCTION", False)}
    if ids:
        response.set_cookie(name, services.format_id_cookie(ids), max_age=days * 24 * 3600, **options)
    else:
        response.delete_cookie(name, **options)
