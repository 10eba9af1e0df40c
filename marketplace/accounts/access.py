"""Who may do what: curator-only views, the shops an account runs, and the seller-area guard."""

from __future__ import annotations

from functools import cache, wraps
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import abort, g, has_request_context
from flask_login import current_user
from sqlalchemy.orm import Session

from marketplace.accounts.models import ActorRole
from marketplace.extensions import db, login_manager
from marketplace.request_locals import this_request, this_user

#: request.environ key: {seller id: role} of the logged-in user, read with the login (GET pages).
_ROLES_MEMO = "marketplace.login_seller_roles"

if TYPE_CHECKING:
    from marketplace.seller.models import Seller


def request_user():
    """The logged-in account of this request (the object, not Flask-Login's proxy: pages read it
    often), or None for a guest, and outside a request."""
    if not has_request_context():
        return None
    user = this_user()
    return user if getattr(user, "is_authenticated", False) else None


def curator_required(view):
    """Let curators in; send anonymous visitors to log in; answer 404 to everyone else.

    404 rather than 403 so nobody learns which curator pages exist.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_curator:
            abort(404)
        return view(*args, **kwargs)

    return wrapper


def user_seller_roles(session: Session, user) -> dict[int, ActorRole]:
    """The shops (any status) `user` may run, as {seller id: SELLER | FACILITATOR}: one query.

    SELLER for shops the account owns, FACILITATOR for shops whose owner (or a curator, for an
    artisan without an account) gave it access that has not been revoked.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    kept = _read_with_login(user)
    if kept is not None:
        return kept
    rows = session.execute(_user_sellers(), {"user_id": user.id}).all()
    return {
        seller_id: ActorRole.SELLER if owner_id == user.id else ActorRole.FACILITATOR
        for seller_id, owner_id in rows
    }


@cache  # built once, the user bound at execution: read on pages every logged-in visitor opens
def _user_sellers() -> sa.Select:
    # cycle: seller.models imports accounts.models (a shop's owner is a User); accounts sits below.
    from marketplace.seller.models import Seller, SellerFacilitator

    user_id = sa.bindparam("user_id")
    facilitated = sa.select(SellerFacilitator.seller_id).where(
        SellerFacilitator.facilitator_id == user_id, SellerFacilitator.revoked_at.is_(None)
    )
    return (
        sa.select(Seller.id, Seller.user_id)
        .where(sa.or_(Seller.user_id == user_id, Seller.id.in_(facilitated)))
        .order_by(Seller.id)
    )


def account_seller_roles_column(user_id: sa.ColumnElement[int]) -> sa.ScalarSelect:
    """The shops the account `user_id` (a column of the caller's statement) runs, as text "12s,15f"
    (s: owner, f: facilitator; NULL for none): read with the logged-in user in one statement."""
    # cycle: seller.models imports accounts.models (a shop's owner is a User); accounts sits below.
    from marketplace.seller.models import Seller, SellerFacilitator

    # Correlated on the caller's users row two levels up: only an explicit correlate reaches it
    # (auto-correlation stops at the enclosing select, and would read every account's shops).
    facilitated = (
        sa.select(SellerFacilitator.seller_id)
        .where(SellerFacilitator.facilitator_id == user_id, SellerFacilitator.revoked_at.is_(None))
        .correlate_except(SellerFacilitator)
    )
    role = sa.case((Seller.user_id == user_id, "s"), else_="f")
    return (
        sa.select(sa.func.aggregate_strings(sa.cast(Seller.id, sa.String) + role, ","))
        .where(sa.or_(Seller.user_id == user_id, Seller.id.in_(facilitated)))
        .scalar_subquery()
    )


def remember_seller_roles(text: str | None) -> None:
    """This request's shops of the logged-in user, read with the user (`user_seller_roles` uses
    them for that user instead of a statement)."""
    roles = {}
    for item in text.split(",") if text else ():
        roles[int(item[:-1])] = ActorRole.SELLER if item[-1] == "s" else ActorRole.FACILITATOR
    this_request().environ[_ROLES_MEMO] = dict(sorted(roles.items()))


def _read_with_login(user) -> dict[int, ActorRole] | None:
    """The roles read with this request's login, when `user` is that login."""
    if not has_request_context():
        return None
    environ = this_request().environ
    if _ROLES_MEMO not in environ or getattr(this_user(), "id", None) != user.id:
        return None
    return dict(environ[_ROLES_MEMO])


def user_seller_ids(session: Session, user) -> list[int]:
    """Ids of the sellers (shops, any status) that `user` runs or facilitates; [] for anonymous users."""
    return list(user_seller_roles(session, user))


def is_seller(session: Session, user) -> bool:
    """True when `user` runs at least one shop."""
    return bool(user_seller_ids(session, user))


def list_managed_sellers(session: Session, user_id: int) -> list[Seller]:
    """The shops (`Seller` rows) an account owns or facilitates (any status), oldest first: one query."""
    # cycle: seller.models imports accounts.models (a shop's owner is a User); accounts sits below.
    from marketplace.seller.models import Seller, SellerFacilitator

    facilitated = sa.select(SellerFacilitator.seller_id).where(
        SellerFacilitator.facilitator_id == user_id, SellerFacilitator.revoked_at.is_(None)
    )
    return list(
        session.scalars(
            sa.select(Seller)
            .where(sa.or_(Seller.user_id == user_id, Seller.id.in_(facilitated)))
            .order_by(Seller.id)
        )
    )


def seller_area(view):
    """The one guard of seller pages: accounts that run a shop; anonymous → log in; others → 404.

    Sets `g.seller_roles` ({shop id: ActorRole.SELLER (owner) | FACILITATOR}) and `g.seller_ids` for
    the view, and always turns the audit on for the request: every change to those shops' records
    gets an audit row (who, role, before/after; marketplace/audit/tracking.py).
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        # cycle: audit imports accounts (entries name their actor); accounts sits below audit.
        from marketplace.audit import tracking as audit_tracking

        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        # Facilitators reach the shops they were given.
        g.seller_roles = user_seller_roles(db.session, current_user)
        g.seller_ids = list(g.seller_roles)
        if not g.seller_ids:
            abort(404)
        # Every change to the shops' records in this request gets an audit row.
        audit_tracking.start_tracking(db.session, actor=current_user, roles=g.seller_roles)
        try:
            return view(*args, **kwargs)
        finally:
            audit_tracking.stop_tracking(db.session)

    return wrapper
