"""A card refund whose `charge.refunded` never arrives (asked just before the server stopped) is
settled by the job runner's `payments.reconcile` from the refund Stripe returns, counted once with
the webhook if it arrives later; a partial refund stays partial."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from marketplace.orders.models import Order, OrderStatus
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.refunds.models import Refund, RefundStatus
from marketplace.refunds.reconcile import reconcile_card_refunds
from marketplace.refunds.services import create_refund
from marketplace.types import utcnow
from tests.factories import make_user
from tests.refunds.helpers import ask, deliver_refund_webhook, pay_by_card


def _asked_minutes_ago(session, refund_id: int, minutes: int) -> None:
    session.execute(
        sa.update(Refund)
        .where(Refund.id == refund_id)
        .values(created_at=utcnow() - timedelta(minutes=minutes))
    )
    session.commit()


def test_a_refund_whose_webhook_was_lost_is_settled_once(client, session, stripe_server, place_stripe_order):
    desk = make_user(session, email="desk@example.test", is_curator=True)
    order = place_stripe_order(price=50_000, quantity=2, stock=5)
    payment = pay_by_card(client, session, stripe_server, order)
    session.expire_all()
    order = session.get(Order, order.id)
    part, _created = create_refund(
        session, order, ask("tok-part", quantities={order.lines[0].id: 1}), actor=desk, now=utcnow()
    )
    session.commit()
    refund_id, payment_id, order_id = part.id, payment.id, order.id
    # The harness answers the retrieve as Stripe does: a refund object with its charge expanded.
    at_stripe = stripe_server.client().v1.refunds.retrieve(
        part.stripe_refund_id, params={"expand": ["charge"]}
    )
    assert at_stripe.object == "refund" and at_stripe.status == "succeeded" and at_stripe.amount == 5_000_000
    assert at_stripe.payment_intent == payment.payment_intent_id and "reason" in at_stripe
    assert at_stripe.charge.object == "charge" and at_stripe.charge.amount_refunded == 5_000_000

    # Just asked: left to the webhook.
    result = reconcile_card_refunds(session, client=stripe_server.client(), now=utcnow())
    assert (result.checked, result.settled) == (0, 0)
    assert session.get(Refund, refund_id).status == RefundStatus.PENDING

    _asked_minutes_ago(session, refund_id, 6)
    result = reconcile_card_refunds(session, client=stripe_server.client(), now=utcnow())
    assert (result.checked, result.settled, result.failed) == (1, 1, 0)
    session.expire_all()
    assert session.get(Refund, refund_id).status == RefundStatus.SUCCEEDED
    payment = session.get(Payment, payment_id)
    assert payment.refunded_minor == 50_000 and payment.status == PaymentStatus.PARTIALLY_REFUNDED
    assert session.get(Order, order_id).status == OrderStatus.PAID  # half refunded, still paid

    # The webhook, late, changes nothing; nor does the job again (nothing pending).
    assert deliver_refund_webhook(client, stripe_server, payment) == "no change"
    again = reconcile_card_refunds(session, client=stripe_server.client(), now=utcnow())
    assert (again.checked, again.settled) == (0, 0)
    session.expire_all()
    assert session.get(Payment, payment_id).refunded_minor == 50_000


def test_an_unknown_refund_at_stripe_is_left_pending_and_counted_unanswered(
    client, session, stripe_server, place_stripe_order
):
    desk = make_user(session, email="desk@example.test", is_curator=True)
    order = place_stripe_order(price=50_000, quantity=1, stock=5)
    pay_by_card(client, session, stripe_server, order)
    session.expire_all()
    refund, _created = create_refund(
        session, session.get(Order, order.id), ask("tok-gone", full=True), actor=desk, now=utcnow()
    )
    refund.stripe_refund_id = "re_not_at_this_stripe"  # e.g. made against another account
    session.commit()
    _asked_minutes_ago(session, refund.id, 10)
    result = reconcile_card_refunds(session, client=stripe_server.client(), now=utcnow())
    assert (result.checked, result.settled, result.failed) == (1, 0, 1)
    session.expire_all()
    assert session.get(Refund, refund.id).status == RefundStatus.PENDING
