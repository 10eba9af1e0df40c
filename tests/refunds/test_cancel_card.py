"""A paid card order cancelled by its buyer: refunded through the (local) Stripe, webhook, ledger."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.orders import cancellation
from marketplace.orders.models import Order, OrderStatus
from marketplace.payouts import services as payouts
from marketplace.refunds.models import BankRefundRequest, Refund, RefundStatus
from marketplace.types import utcnow
from tests.refunds.helpers import deliver_refund_webhook, pay_by_card, stock


def test_buyer_cancels_a_paid_card_order_and_stripe_refunds_it(
    client, session, stripe_server, place_stripe_order
):
    order = place_stripe_order(price=50_000, quantity=2, stock=5)
    payment = pay_by_card(client, session, stripe_server, order)
    product_id, seller_id = order.lines[0].product_id, order.lines[0].seller_id
    assert stock(session, product_id) == 3 and payouts.balance(session, seller_id) == 95_000

    order = session.get(Order, order.id)
    rows = cancellation.cancel_by_buyer(
        session, order, fulfilment_ids=None, actor_id=None, actor_label="guest buyer", now=utcnow()
    )
    session.commit()
    assert rows[0].full and stock(session, product_id) == 5
    refund = session.scalars(sa.select(Refund)).one()
    assert refund.status == RefundStatus.PENDING and refund.amount_minor == 100_000
    assert refund.stripe_refund_id.startswith("re_") and refund.token == f"cancel-{rows[0].id}"
    assert session.scalar(sa.select(sa.func.count()).select_from(BankRefundRequest)) == 0

    assert deliver_refund_webhook(client, stripe_server, payment) == "refunded"
    session.expire_all()
    assert session.get(Refund, refund.id).status == RefundStatus.SUCCEEDED
    assert session.get(Order, order.id).status == OrderStatus.REFUNDED
    assert payouts.balance(session, seller_id) == 0
    assert stock(session, product_id) == 5  # back once, at the cancellation
