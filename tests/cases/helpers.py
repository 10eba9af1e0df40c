"""Builders for delivery and case tests: a buyer's paid, shipped courier order."""

from __future__ import annotations

from marketplace.orders import services as orders
from marketplace.orders.fulfilment import mark_fulfilment_shipped
from marketplace.shipping.couriers import ensure_default_couriers
from marketplace.types import utcnow
from tests.factories import make_user
from tests.orders.helpers import make_cart, place
from tests.payouts.helpers import make_shop

#: What the report form of a bank-transfer order needs besides the problem: where a refund goes.
ACCOUNT = {"bank_name": "BRI", "account_number": "0123 4567 8901", "account_holder": "Siti Aminah"}


def shipped_order(
    session,
    *,
    now=None,
    buyer=None,
    units: int = 2,
    price: int = 85_000,
    guest_email: str | None = None,
    payment_method: str = "bank_transfer",
):
    """(buyer, seller owner, order, fulfilment): a bank-transfer courier order, paid, shipped by JNE.
    With `guest_email` it is a guest's order (no account: `buyer` is None) placed with that email;
    `payment_method="stripe"`: a card order (marked paid without a Stripe payment row)."""
    now = now or utcnow()
    ensure_default_couriers(session)
    buyer = None if guest_email else buyer or make_user(session, name="Siti")
    owner = make_user(session, name="Ani", locale="en")
    _seller, product = make_shop(session, price=price, owner=owner)
    order = place(
        session,
        make_cart(session, {product: units}, user=buyer),
        buyer=buyer,
        email=guest_email or buyer.email,
        lang="en",
        now=now,
        payment_method=payment_method,
    )
    assert orders.mark_order_paid(session, order, actor_label="test", now=now)
    fulfilment = order.fulfilments[0]
    assert mark_fulfilment_shipped(
        session,
        fulfilment,
        courier="JNE",
        courier_code="jne",
        tracking_number="JN 01/23?x",
        actor_label="seller",
        now=now,
    )
    session.commit()
    return buyer, owner, order, fulfilment
