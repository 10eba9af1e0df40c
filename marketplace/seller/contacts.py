"""Who to tell about a shop: the account that owns it and every facilitator running it now."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.seller.models import Seller, SellerFacilitator


def list_shop_contacts(session: Session, seller_ids: list[int]) -> dict[int, list[User]]:
    """{seller id: the owner (first) and the active facilitators, each once, with an email}.

    A shop run by a facilitator for an artisan without an account has no owner: its facilitators
    are its contacts. Two queries whatever the number of shops.
    """
    if not seller_ids:
        return {}
    owners = session.execute(
        sa.select(Seller.id, User)
        .join(User, User.id == Seller.user_id)
        .where(Seller.id.in_(list(seller_ids)))
    ).all()
    helpers = session.execute(
        sa.select(SellerFacilitator.seller_id, User)
        .join(User, User.id == SellerFacilitator.facilitator_id)
        .where(SellerFacilitator.seller_id.in_(list(seller_ids)), SellerFacilitator.revoked_at.is_(None))
        .order_by(SellerFacilitator.id)
    ).all()
    contacts: dict[int, list[User]] = {seller_id: [] for seller_id in seller_ids}
    for seller_id, user in [*owners, *helpers]:
        if user.email and all(known.id != user.id for known in contacts[seller_id]):
            contacts[seller_id].append(user)
    return contacts
