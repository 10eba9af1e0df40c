"""Who may do what: curator-only views and the sellers an account runs."""

from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_login import current_user
from sqlalchemy.orm import Session

from marketplace.extensions import login_manager


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


def user_seller_roles(session: Session, user) -> dict[int, str]:
    """The shops (any status) `user` may run, as {seller id: "seller" | "facilitator"}: one query.

    "seller" for shops the account owns, "facilitator" for shops whose owner (or a curator, for an
    artisan without an account) gave it access that has not been revoked.
    """
    from marketplace.catalogue.models import Seller
    from marketplace.seller.models import SellerFacilitator

    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    facilitated = sa.select(SellerFacilitator.seller_id).where(
        SellerFacilitator.facilitator_id == user.id, SellerFacilitator.revoked_at.is_(None)
    )
    rows = session.execute(
        sa.select(Seller.id, Seller.user_id)
        .where(sa.or_(Seller.user_id == user.id, Seller.id.in_(facilitated)))
        .order_by(Seller.id)
    ).all()
    return {seller_id: "seller" if owner_id == user.id else "facilitator" for seller_id, owner_id in rows}


def user_seller_ids(session: Session, user) -> list[int]:
    """Ids of the sellers (shops, any status) that `user` runs or facilitates; [] for anonymous users."""
    return list(user_seller_roles(session, user))


def is_seller(session: Session, user) -> bool:
    """True when `user` runs at least one shop."""
    return bool(user_seller_ids(session, user))


def seller_required(view):
    """Let in accounts that run a shop; anonymous visitors go to log in, others get 404."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        from marketplace.extensions import db

        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not user_seller_ids(db.session, current_user):
            abort(404)
        return view(*args, **kwargs)

    return wrapper
