"""This request's favourites and recently viewed products: the account's rows or the guest's cookies.

Pages stored in the anonymous page cache are shared by every visitor without a login and without
any cookie but the neutral ones (`marketplace.cache._anonymous_get`). The `favourites` cookie is not
neutral: a guest holding one never gets (or fills) a shared page, so the visitors whose pages may be
shared have no saved hearts (drawn empty, without a query). The `recently_viewed` cookie is neutral
(home, listings and search do not show it, and stay cached for a visitor who looked at products);
the product page, which draws the list, declares `personal=product_page_is_personal`: a visitor
with something to show there gets their own page, never stored and sent `private, no-store`.

A guest's back-in-stock alerts are the same kind of cookie (`stock_alerts`, neutral): signed pairs of
product and alert ids, so the product page of a product it names is that guest's own page, showing
"we will email you" and a "Stop" (one query, only then); every other page stays shared.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import after_this_request, current_app, has_request_context
from itsdangerous import BadSignature, Signer

from marketplace.accounts.access import request_user
from marketplace.extensions import db
from marketplace.favourites import alerts, services
from marketplace.favourites.models import Favourite, StockAlert
from marketplace.request_locals import this_request

#: The product ids this visitor opened, newest first: "12.7.31".
RECENT_COOKIE = "recently_viewed"
MAX_RECENT = 10
#: request.environ key: the favourite ids, read at most once per request.
_MEMO = "marketplace.favourite_ids"
#: request.environ key: whether the login waits for any product to come back (read with it).
_ALERTS_MEMO = "marketplace.login_has_pending_alerts"
#: A guest's waiting back-in-stock alerts, newest first, signed: "<product>-<alert>.<product>-<alert>".
ALERTS_COOKIE = "stock_alerts"
MAX_GUEST_ALERTS = 20
#: Days a guest's browser remembers the alerts it asked for.
ALERTS_COOKIE_DAYS = 180
_ALERTS_COOKIE_SALT = "marketplace.favourites.guest-alerts"
#: request.environ key: the guest's (product id, alert id) pairs, read at most once per request.
_GUEST_ALERTS_MEMO = "marketplace.guest_alerts"


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


def _alerts_signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt=_ALERTS_COOKIE_SALT)


def parse_alerts_cookie(value: str | None) -> list[tuple[int, int]]:
    """(product id, alert id) pairs of a signed `stock_alerts` cookie; [] when absent or forged."""
    if not value:
        return []
    try:
        text = _alerts_signer().unsign(value[:1000]).decode("ascii")
    except (BadSignature, UnicodeDecodeError):
        return []
    pairs: list[tuple[int, int]] = []
    for part in text.split("."):
        product, _, alert = part.partition("-")
        if product.isdigit() and alert.isdigit() and len(pairs) < MAX_GUEST_ALERTS:
            pairs.append((int(product), int(alert)))
    return pairs


def format_alerts_cookie(pairs: list[tuple[int, int]]) -> str:
    return _alerts_signer().sign(".".join(f"{p}-{a}" for p, a in pairs)).decode("ascii")


def guest_alert_pairs() -> list[tuple[int, int]]:
    """This guest's (product id, alert id) pairs from their signed cookie (no query)."""
    if not has_request_context():
        return []
    environ = this_request().environ
    if _GUEST_ALERTS_MEMO not in environ:
        environ[_GUEST_ALERTS_MEMO] = parse_alerts_cookie(this_request().cookies.get(ALERTS_COOKIE))
    return environ[_GUEST_ALERTS_MEMO]


def guest_alert_ids(product_id: int | None = None) -> list[int]:
    """The alert ids the guest's cookie names (for `product_id` only, when given)."""
    return [a for p, a in guest_alert_pairs() if product_id is None or p == product_id]


def page_alert(session, *, product_id: int, user) -> tuple[int, str] | None:
    """(id, address) of the alert this visitor waits on for the sold-out product, for the page's
    "Stop": an account's, read only when its login said it waits on some product; a guest's, read
    only when their signed cookie names this product. No statement for anyone else.

    A guest's cookie naming the product with nothing waiting (sent, or stopped by the email's link)
    is rewritten without it, so their page of it is shared again."""
    if user is not None:
        if not may_have_pending_alert():
            return None
        found_id = alerts.find_pending_alert_id(session, product_id=product_id, user=user)
        return (found_id, user.email) if found_id is not None else None
    named = guest_alert_ids(product_id)
    found = alerts.find_guest_alert(session, product_id=product_id, alert_ids=named)
    if named and found is None:
        pairs = [pair for pair in guest_alert_pairs() if pair[0] != product_id]

        @after_this_request
        def _forget(response):
            set_alerts_cookie(response, pairs, days=ALERTS_COOKIE_DAYS)
            return response

    return found


def set_alerts_cookie(response, pairs: list[tuple[int, int]], *, days: int) -> None:
    """Write (or, when empty, delete) the guest's signed alerts cookie."""
    options = {"httponly": True, "samesite": "Lax", "secure": current_app.config.get("PRODUCTION", False)}
    if pairs:
        value = format_alerts_cookie(pairs[:MAX_GUEST_ALERTS])
        response.set_cookie(ALERTS_COOKIE, value, max_age=days * 24 * 3600, **options)
    else:
        response.delete_cookie(ALERTS_COOKIE, **options)


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


def shows_guest_alert() -> bool:
    """Whether this product page may show the guest's own "we will email you … Stop": their signed
    alerts cookie names the product (read from the request alone, before any cache lookup)."""
    current = (this_request().view_args or {}).get("product_id")
    if current is None or not this_request().cookies.get(ALERTS_COOKIE):
        return False
    return bool(guest_alert_ids(current))


def product_page_is_personal() -> bool:
    """The product page is this visitor's own (rendered, never stored, `private, no-store`) when it
    draws their recently viewed products or their back-in-stock alert for the product."""
    return shows_recently_viewed() or shows_guest_alert()
