"""Who took each step of a demo order, as the real pages record it: the order's history then reads
as a real one ("Paid (by the district office)", "Shipped (by the shop)", "Delivered (by you)").

The labels are those the real callers write (`OrderEvent.actor_label`): the curators' transfer desk
(payments/transfers.py), Stripe's webhook (payments/webhooks.py), the seller's order page
(dashboard/views.actor_label) and the buyer's "I received it" (orders/views.received).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.demo.data import CURATOR_EMAIL
from marketplace.orders.models import Fulfilment, Order, PaymentMethod
from marketplace.payments.webhooks import ACTOR_LABEL as STRIPE_ACTOR


def payment_confirmed_by(session: Session, order: Order) -> dict:
    """`actor_id`/`actor_label` of the order's payment: Stripe's webhook for a card, the demo
    curator at the transfer desk for a bank transfer."""
    if order.payment_method == PaymentMethod.STRIPE:
        return {"actor_label": STRIPE_ACTOR}
    curator = session.scalar(sa.select(User).where(User.email == CURATOR_EMAIL))
    if curator is None:
        return {"actor_label": "curator"}
    return {"actor_id": curator.id, "actor_label": f"curator {curator.email}"}


def shipped_by(parcel: Fulfilment) -> dict:
    """The shop that sent the parcel (its owner's account, when it has one)."""
    shop = parcel.lines[0].seller_name if parcel.lines else parcel.seller.name
    return {"actor_id": parcel.seller.user_id, "actor_label": f"seller {shop}".strip()[:60]}


def received_by(order: Order) -> dict:
    """The buyer who said "I received it" (a guest through the order's link)."""
    return {"actor_id": order.buyer_id, "actor_label": "buyer"}
