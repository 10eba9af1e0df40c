"""`flask serve` tells the freshly started local Stripe server about the card payments our database
already holds (the demo's made-up `pi_demo_…` ones, those paid in an earlier run), so a curator can
refund them through the real API and the `charge.refunded` webhook, without any row changing first."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa
import stripe

from marketplace.errors import ValidationError
from marketplace.monitoring.demo import demo_card_payment
from marketplace.orders.lifecycle import mark_order_paid
from marketplace.orders.models import Order, OrderStatus, PaymentMethod
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.payments.services import refund_stripe_payment
from marketplace.refunds.models import Refund, RefundStatus
from marketplace.refunds.services import RefundRequest, create_refund
from marketplace.serve import restore_card_payments
from marketplace.types import utcnow
from tests.factories import make_user
from tests.payments.helpers import db_snapshot, signed_post


def _paid_long_ago(session, order: Order) -> Payment:
    """A succeeded card payment the running Stripe server never saw, as the demo seeds one
    (marketplace/monitoring/demo.py), with an id unique to this test (the harness outlives it)."""
    placed_at = utcnow() - timedelta(days=40)
    payment = demo_card_payment(
        session, order, placed_at=placed_at, reference=f"{order.number}_{secrets.token_hex(4)}"
    )
    mark_order_paid(session, order, actor_label="stripe", payment=payment, now=placed_at + timedelta(hours=2))
    session.commit()
    return payment


def _charge(stripe_server, payment: Payment):
    client = stripe_server.client()
    return client.v1.charges.retrieve(
        client.v1.payment_intents.retrieve(payment.payment_intent_id).latest_charge.id
    )


def test_a_payment_the_server_never_saw_is_refunded_after_serve_tells_it(
    client, session, stripe_server, place_stripe_order
):
    order = place_stripe_order(price=60_000, quantity=2)
    payment = _paid_long_ago(session, order)
    curator = make_user(session, email="desk@example.test", is_curator=True)
    session.commit()
    # What the newcomer's demo did before: the server has never heard of the payment.
    with pytest.raises(ValidationError):
        refund_stripe_payment(session, payment)

    before = db_snapshot(session)
    assert restore_card_payments(session, stripe_server) == 1
    assert restore_card_payments(session, stripe_server) == 0  # known now: left as it is
    assert db_snapshot(session) == before  # no row changed, and no event sent for it
    charge = _charge(stripe_server, payment)
    assert (charge.status, charge.amount, charge.currency, charge.amount_refunded) == (
        "succeeded",
        12_000_000,
        "idr",
        0,
    )
    assert not [
        e
        for e in stripe_server.events()
        if e["data"]["object"]["id"] in (charge.id, payment.payment_intent_id)
    ]

    session.expire_all()
    refund, created = create_refund(
        session,
        session.get(Order, order.id),
        RefundRequest(reason="Damaged in transit", token="tok-restored", full=True),
        actor=curator,
        now=utcnow(),
    )
    session.commit()
    assert created and refund.status == RefundStatus.PENDING
    event = stripe_server.event_for("charge.refunded", charge.id)
    assert signed_post(client, stripe_server, event).json["result"] == "refunded"
    session.expire_all()
    assert session.get(Refund, refund.id).status == RefundStatus.SUCCEEDED
    assert session.get(Payment, payment.id).status == PaymentStatus.REFUNDED
    assert session.get(Order, order.id).status == OrderStatus.REFUNDED


def test_what_was_already_refunded_is_remembered_and_only_the_rest_can_go_back(
    client, session, stripe_server, place_stripe_order
):
    order = place_stripe_order(price=50_000, quantity=2)
    payment = _paid_long_ago(session, order)
    payment.refunded_minor = 30_000
    payment.status = PaymentStatus.PARTIALLY_REFUNDED
    done = place_stripe_order(price=40_000, quantity=1)
    refunded = _paid_long_ago(session, done)
    refunded.refunded_minor = refunded.amount_minor
    refunded.status = PaymentStatus.REFUNDED  # nothing left to refund: not told
    session.commit()

    assert restore_card_payments(session, stripe_server) == 1
    assert _charge(stripe_server, payment).amount_refunded == 3_000_000
    with pytest.raises(stripe.InvalidRequestError):
        stripe_server.client().v1.payment_intents.retrieve(refunded.payment_intent_id)

    refund_stripe_payment(session, payment, amount_minor=70_000)  # the rest
    event = stripe_server.event_for("charge.refunded", _charge(stripe_server, payment).id)
    assert event["data"]["object"]["amount_refunded"] == 10_000_000
    assert signed_post(client, stripe_server, event).json["result"] == "refunded"
    session.expire_all()
    assert (session.get(Payment, payment.id).refunded_minor, session.get(Order, order.id).status) == (
        100_000,
        OrderStatus.REFUNDED,
    )


def test_the_server_refuses_a_known_payment_with_another_amount(session, stripe_server):
    intent = f"pi_demo_{secrets.token_hex(6)}"
    payment = {"payment_intent": intent, "amount": 1_000_000, "currency": "idr"}
    assert stripe_server.restore_payments([payment]) == {"object": "list", "restored": 1, "known": 0}
    assert stripe_server.restore_payments([payment])["known"] == 1
    with pytest.raises(RuntimeError, match="409"):
        stripe_server.restore_payments([{**payment, "amount": 2_000_000}])
    with pytest.raises(RuntimeError, match="400"):
        stripe_server.restore_payments([{**payment, "payment_intent": "ch_nope"}])
    with pytest.raises(RuntimeError, match="400"):
        stripe_server.restore_payments([{**payment, "amount_refunded": 2_000_000}])
    assert session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_money_paid_back_by_bank_is_not_told_to_stripe_as_a_card_refund(
    client, session, stripe_server, place_stripe_order
):
    """Stripe's `amount_refunded` is the card's: half paid back by a bank transfer (after a card
    refund failed) is not in it, and the card refund of the other half later counts in full."""
    order = place_stripe_order(price=50_000, quantity=2)
    payment = _paid_long_ago(session, order)
    payment.refunded_minor = 50_000
    payment.status = PaymentStatus.PARTIALLY_REFUNDED
    session.add(
        Refund(
            order_id=order.id,
            payment_id=payment.id,
            method=PaymentMethod.BANK_TRANSFER,
            status=RefundStatus.SUCCEEDED,
            amount_minor=50_000,
            currency=payment.currency,
            reason="The card refund failed",
            bank_reference="BCA 0042",
            token=f"tok-bank-{secrets.token_hex(4)}",
            confirmed_at=utcnow(),
        )
    )
    session.commit()

    assert restore_card_payments(session, stripe_server) == 1
    assert _charge(stripe_server, payment).amount_refunded == 0

    refund_stripe_payment(session, payment, amount_minor=50_000)  # the rest, to the card
    event = stripe_server.event_for("charge.refunded", _charge(stripe_server, payment).id)
    assert event["data"]["object"]["amount_refunded"] == 5_000_000
    assert signed_post(client, stripe_server, event).json["result"] == "refunded"
    session.expire_all()
    assert (session.get(Payment, payment.id).refunded_minor, session.get(Order, order.id).status) == (
        100_000,
        OrderStatus.REFUNDED,
    )
