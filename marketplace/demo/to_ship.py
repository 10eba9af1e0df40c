"""A parcel the demo shop must send, for `seed-demo`: the demo buyer (buyer@demo.test) ordered one
item from the demo seller's shop (seller@demo.test) yesterday and her bank transfer was confirmed
this morning, so the seller's "Orders to ship" has something to pack, print and mark as shipped.
(Every other demo parcel of that shop had already arrived: a newcomer trying the seller's main job
found "Nothing to ship".)

Idempotent: the order has a fixed checkout token. Goes through the order and payment services, as
a real order does, and never takes a product's last units (monitoring.demo.KEEP_ON_SALE); flushes only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.catalogue.models import Product, ProductStatus
from marketplace.demo.actors import payment_confirmed_by
from marketplace.demo.data import BUYER_EMAIL, SELLER_EMAIL
from marketplace.demo.reviews import place_buyer_order
from marketplace.monitoring.demo import KEEP_ON_SALE
from marketplace.orders import services as orders
from marketplace.orders.models import Order
from marketplace.payments.transfers import find_bank_payment
from marketplace.seller.models import Seller

TO_SHIP_ORDER_KEY = "demo-to-ship-order-000001"
#: Placed this long before the seed, and paid this long after being placed: well inside the shop's
#: days to send it, so the demo opens with a parcel due, not late.
PLACED_AGO = timedelta(hours=20)
PAID_AFTER = timedelta(hours=6)


def ensure_parcel_to_ship(session: Session, *, now: datetime) -> int:
    """Place and pay the demo buyer's order from the demo shop unless it exists; returns orders added."""
    if session.scalar(sa.select(Order.id).where(Order.checkout_token == TO_SHIP_ORDER_KEY)) is not None:
        return 0
    buyer = session.scalar(sa.select(User).where(User.email == BUYER_EMAIL))
    shop = session.scalar(
        sa.select(Seller).join(User, User.id == Seller.user_id).where(User.email == SELLER_EMAIL)
    )
    if buyer is None or shop is None:
        return 0
    products = session.scalars(
        sa.select(Product)
        .where(
            Product.seller_id == shop.id,
            Product.status == ProductStatus.ACTIVE,
            Product.stock >= KEEP_ON_SALE + 1,
        )
        .options(selectinload(Product.variants))
        .order_by(Product.price_minor, Product.id)
    ).all()
    # A product without sizes to choose: a cart line of one with several must name its variant.
    product = next((p for p in products if len(p.variants) == 1), None)
    if product is None:
        return 0
    placed_at = now - PLACED_AGO

    def paid(order: Order) -> None:
        payment = find_bank_payment(session, order.id)
        paid_by = payment_confirmed_by(session, order)
        orders.mark_order_paid(session, order, **paid_by, payment=payment, now=placed_at + PAID_AFTER)
        if payment is not None:
            payment.bank_reference = "DEMO-TRF-SHIP-0001"  # what the curator read on the statement

    order = place_buyer_order(
        session, buyer, [product], token=TO_SHIP_ORDER_KEY, placed_at=placed_at, then=paid
    )
    return 0 if order is None else 1
