"""A `charge.refunded` made before one of our card refunds failed still counts that refund: however
late it arrives (after the failure's own event, or again under a new id), the failed refund is not
counted as given back, the order does not turn refunded, and a refund made again afterwards still
counts. Checked with the charge's `refunds.data` in the event (as the harness and older Stripe API
versions send it) and without it (Stripe's API since 2022-11-15), through real signed webhooks."""

from __future__ import annotations

import time

import sqlalchemy as sa

from marketplace.orders.models import Order, OrderStatus
from marketplace.payments.models import PaymentStatus
from marketplace.refunds.models import Refund, RefundStatus
from marketplace.refunds.services import create_refund
from marketplace.types import utcnow
from tests.payments.helpers import signed_post
from tests.refunds.helpers import ask, charge_id, fail_refund, money_state, pay_by_card


def _refund_all(session, order_id: int, desk, token: str) -> Refund:
    session.expire_all()
    refund, created = create_refund(
        session, session.get(Order, order_id), ask(token, full=True), actor=desk, now=utcnow()
    )
    session.commit()
    assert created and refund.status == RefundStatus.PENDING
    return refund


def test_charge_refunded_arriving_after_the_failure_does_not_count_the_failed_refund(
    client, session, stripe_server, place_stripe_order, desk, as_sent
):
    order = place_stripe_order(price=50_000, quantity=2, stock=5)
    payment = pay_by_card(client, session, stripe_server, order)
    refund = _refund_all(session, order.id, desk, "tok-first")
    # Stripe made charge.refunded as the refund was created; it has not arrived yet.
    stale = stripe_server.event_for("charge.refunded", charge_id(stripe_server, payment))
    assert stale["data"]["object"]["amount_refunded"] == 10_000_000  # Stripe counts rupiah in cents
    assert stale["data"]["object"]["refunded"] is True

    fail_refund(client, stripe_server, refund.stripe_refund_id)
    after_failure = money_state(session, payment.id, order.id, [refund.id])
    assert after_failure == (PaymentStatus.SUCCEEDED, 0, OrderStatus.PAID, [RefundStatus.FAILED])

    # Now the late charge.refunded: it counts the refund that failed, so nothing changes.
    assert signed_post(client, stripe_server, as_sent(stale)).json["result"] == "no change"
    assert money_state(session, payment.id, order.id, [refund.id]) == after_failure

    # The curator refunds it again by card: that refund's charge.refunded counts, as always.
    again = _refund_all(session, order.id, desk, "tok-again")
    fresh = stripe_server.event_for("charge.refunded", charge_id(stripe_server, payment))
    assert fresh["id"] != stale["id"] and fresh["data"]["object"]["amount_refunded"] == 10_000_000
    assert signed_post(client, stripe_server, as_sent(fresh)).json["result"] == "refunded"
    assert money_state(session, payment.id, order.id, [refund.id, again.id]) == (
        PaymentStatus.REFUNDED,
        100_000,
        OrderStatus.REFUNDED,
        [RefundStatus.FAILED, RefundStatus.SUCCEEDED],
    )


def test_charge_refunded_sent_again_after_the_refund_it_reported_failed_changes_nothing(
    client, session, stripe_server, place_stripe_order, desk, as_sent
):
    """Test card 4000 0000 0000 5126: the refund is reported done, then fails; a retry of the
    first report (a new event id, as a resend from Stripe's dashboard has) comes after."""
    order = place_stripe_order(price=50_000, quantity=2, stock=5)
    payment = pay_by_card(client, session, stripe_server, order)
    refund = _refund_all(session, order.id, desk, "tok-first")
    first = stripe_server.event_for("charge.refunded", charge_id(stripe_server, payment))
    assert signed_post(client, stripe_server, as_sent(first)).json["result"] == "refunded"
    assert money_state(session, payment.id, order.id, [refund.id]) == (
        PaymentStatus.REFUNDED,
        100_000,
        OrderStatus.REFUNDED,
        [RefundStatus.SUCCEEDED],
    )

    fail_refund(client, stripe_server, refund.stripe_refund_id)
    after_failure = money_state(session, payment.id, order.id, [refund.id])
    assert after_failure == (PaymentStatus.SUCCEEDED, 0, OrderStatus.PAID, [RefundStatus.FAILED])

    resent = as_sent(first, new_id=first["id"] + "_resent")
    assert signed_post(client, stripe_server, resent).json["result"] == "no change"
    assert money_state(session, payment.id, order.id, [refund.id]) == after_failure
    # Not even the order's history moved.
    session.expire_all()
    events = session.get(Order, order.id).events
    assert [event.to_status for event in events].count(OrderStatus.REFUNDED) == 1


def test_a_partial_refund_that_failed_leaves_the_other_one_counted(
    client, session, stripe_server, place_stripe_order, desk, as_sent
):
    order = place_stripe_order(price=50_000, quantity=2, stock=5)
    payment = pay_by_card(client, session, stripe_server, order)
    line_id = order.lines[0].id
    first, _ = create_refund(session, order, ask("tok-a", quantities={line_id: 1}), actor=desk, now=utcnow())
    session.commit()
    session.expire_all()
    second, _ = create_refund(
        session, session.get(Order, order.id), ask("tok-b", quantities={line_id: 1}), actor=desk, now=utcnow()
    )
    session.commit()
    # Made after both refunds: Stripe counts 100,000; then the first one fails.
    both = stripe_server.event_for("charge.refunded", charge_id(stripe_server, payment))
    assert both["data"]["object"]["amount_refunded"] == 10_000_000  # Stripe counts rupiah in cents
    fail_refund(client, stripe_server, first.stripe_refund_id)

    assert signed_post(client, stripe_server, as_sent(both)).json["result"] == "partially refunded"
    assert money_state(session, payment.id, order.id, [first.id, second.id]) == (
        PaymentStatus.PARTIALLY_REFUNDED,
        50_000,
        OrderStatus.PAID,
        [RefundStatus.FAILED, RefundStatus.SUCCEEDED],
    )
    assert session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 2


def test_a_refund_made_in_stripes_dashboard_after_a_failure_still_counts(
    client, session, stripe_server, place_stripe_order, desk, as_sent
):
    order = place_stripe_order(price=50_000, quantity=2, stock=5)
    payment = pay_by_card(client, session, stripe_server, order)
    line_id = order.lines[0].id
    ours, _ = create_refund(session, order, ask("tok-a", quantities={line_id: 1}), actor=desk, now=utcnow())
    session.commit()
    fail_refund(client, stripe_server, ours.stripe_refund_id)
    time.sleep(1.1)  # Stripe's event times are whole seconds: the next one is made after we heard
    # Someone refunds 30,000 in Stripe's dashboard: no row of ours, and Stripe counts only it.
    stripe_server.client().v1.refunds.create(
        {"payment_intent": payment.payment_intent_id, "amount": 3_000_000}
    )
    made = stripe_server.event_for("charge.refunded", charge_id(stripe_server, payment))
    assert made["data"]["object"]["amount_refunded"] == 3_000_000
    assert signed_post(client, stripe_server, as_sent(made)).json["result"] == "partially refunded"
    assert money_state(session, payment.id, order.id, [ours.id]) == (
        PaymentStatus.PARTIALLY_REFUNDED,
        30_000,
        OrderStatus.PAID,
        [RefundStatus.FAILED],
    )
