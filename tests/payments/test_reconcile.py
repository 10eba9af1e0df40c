"""Card payments whose webhook is late or lost: the job runner's `payments.reconcile` asks Stripe
(the local harness, which delivers no webhook here) and applies what the webhook would have, once;
and "Pay by card" on a session already paid at Stripe starts no second payment."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from marketplace.jobs import runner
from marketplace.jobs.tasks import find_task
from marketplace.orders.models import Order, OrderStatus
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.payments.reconcile import reconcile_card_payments
from marketplace.types import utcnow
from tests.payments.helpers import guest_token, signed_post
from tests.payments.test_webhook import completed_event, count, sales, start


def _began_minutes_ago(session, payment_id: int, minutes: int) -> None:
    session.execute(
        sa.update(Payment)
        .where(Payment.id == payment_id)
        .values(created_at=utcnow() - timedelta(minutes=minutes))
    )
    session.commit()


def test_paid_at_stripe_with_the_webhook_lost_is_settled_by_the_job_once(
    client, session, stripe_server, place_stripe_order
):
    order = place_stripe_order()
    payment, event = completed_event(session, stripe_server, order)  # the buyer paid, closed the tab
    unpaid = place_stripe_order()
    open_payment = start(session, unpaid)  # went to Stripe's page, never paid
    order_id, payment_id, unpaid_id, open_id = order.id, payment.id, unpaid.id, open_payment.id
    _began_minutes_ago(session, payment_id, 2)
    _began_minutes_ago(session, open_id, 10)

    # Two minutes on: left to the webhook, Stripe is not asked yet.
    [run] = runner.run_due((find_task("payments.reconcile"),), force=True)
    assert run.summary == "settled 0 card payment(s) and 0 card refund(s) from Stripe, 0 unanswered"
    assert session.get(Order, order_id).status == OrderStatus.AWAITING_PAYMENT

    _began_minutes_ago(session, payment_id, 6)
    [run] = runner.run_due((find_task("payments.reconcile"),), force=True)
    assert run.summary == "settled 1 card payment(s) and 0 card refund(s) from Stripe, 0 unanswered"
    session.expire_all()
    assert session.get(Order, order_id).status == OrderStatus.PAID
    settled = session.get(Payment, payment_id)
    assert settled.status == PaymentStatus.SUCCEEDED and settled.checkout_url is None
    assert settled.payment_intent_id
    # The open session stays open, its order still waiting for the buyer.
    assert session.get(Payment, open_id).status == PaymentStatus.PENDING
    assert session.get(Order, unpaid_id).status == OrderStatus.AWAITING_PAYMENT

    # The webhook, arriving at last, changes nothing: one sale, one payment.
    assert signed_post(client, stripe_server, event).json["result"] == "no change"
    order = session.get(Order, order_id)
    assert sales(session, order) == 1
    assert count(session, Payment, Payment.order_id == order_id) == 1
    # Nor does the job again.
    again = reconcile_card_payments(session, client=stripe_server.client(), now=utcnow())
    assert again.settled == 0 and again.checked == 1  # the open one, asked again


def test_webhook_first_then_the_job_changes_nothing(client, session, stripe_server, place_stripe_order):
    order = place_stripe_order()
    payment, event = completed_event(session, stripe_server, order)
    assert signed_post(client, stripe_server, event).json["result"] == "paid"
    _began_minutes_ago(session, payment.id, 30)
    result = reconcile_card_payments(session, client=stripe_server.client(), now=utcnow())
    assert (result.checked, result.settled) == (0, 0)  # nothing pending: Stripe is not asked
    assert sales(session, order) == 1


def test_pay_by_card_on_a_session_paid_at_stripe_starts_no_second_payment(
    app, client, session, stripe_server, place_stripe_order
):
    order = place_stripe_order()
    payment, _event = completed_event(session, stripe_server, order)  # webhook still on its way
    token = guest_token(app, order)

    response = client.post(f"/payments/stripe/start/{order.number}?lang=en", data={"token": token})
    assert response.status_code == 303
    assert f"/orders/{order.number}" in response.headers["Location"]  # not to Stripe again
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your card payment had already gone through: nothing more to pay." in page
    session.expire_all()
    assert session.get(Order, order.id).status == OrderStatus.PAID
    assert count(session, Payment, Payment.order_id == order.id) == 1
    assert session.get(Payment, payment.id).status == PaymentStatus.SUCCEEDED
    assert sales(session, order) == 1


def test_pay_by_card_on_a_session_waiting_for_a_delayed_method_says_being_confirmed(
    app, client, session, stripe_server, place_stripe_order
):
    order = place_stripe_order(lang="id")
    completed_event(session, stripe_server, order, asynchronous=True)
    response = client.post(
        f"/payments/stripe/start/{order.number}?lang=id", data={"token": guest_token(app, order)}
    )
    assert response.status_code == 303 and "/orders/" in response.headers["Location"]
    session.expire_all()
    assert session.get(Order, order.id).status == OrderStatus.AWAITING_PAYMENT
    assert count(session, Payment, Payment.order_id == order.id) == 1
    assert session.scalar(sa.select(Payment).where(Payment.order_id == order.id)).checkout_url is None
