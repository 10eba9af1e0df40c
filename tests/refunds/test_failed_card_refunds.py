"""Card refunds Stripe could not make (`charge.refund.updated` / `refund.failed`, or the reconcile
job's answer): the row fails, the sellers' ledger gets its share back, what it covered can be
refunded again (by card, or by a bank transfer the curator records), the curators' queue shows it
first and the buyer is never told "refunded". And the queue lists card refunds still waiting."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.errors import ValidationError
from marketplace.orders.models import Order, OrderStatus, PaymentMethod
from marketplace.payments.local_stripe import server as harness_server
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.payments.services import start_stripe_checkout
from marketplace.payouts import services as payouts
from marketplace.payouts.models import LedgerEntry, LedgerKind
from marketplace.payouts.presenters import kind_label
from marketplace.refunds.models import Refund, RefundStatus
from marketplace.refunds.presenters import buyer_refunds
from marketplace.refunds.queries import list_order_refunds, refundable_minor
from marketplace.refunds.reconcile import reconcile_card_refunds
from marketplace.refunds.services import create_refund
from marketplace.types import utcnow
from tests.factories import make_user
from tests.payments.helpers import signed_post
from tests.payouts.helpers import entries, log_in
from tests.refunds.helpers import URLS, ask, deliver_refund_webhook, pay_by_card


@pytest.fixture
def desk(session):
    user = make_user(session, email="desk@example.test", name="Desk Kabat", is_curator=True)
    session.commit()
    return user


def _order(session, order_id) -> Order:
    session.expire_all()
    return session.get(Order, order_id)


def _fail(client, stripe_server, refund_id: str) -> str:
    """Stripe fails the refund at the card's bank; its `charge.refund.updated` arrives."""
    stripe_server.fail_refund(refund_id)
    return signed_post(
        client, stripe_server, stripe_server.event_for("charge.refund.updated", refund_id)
    ).json["result"]


def _one_unit(session, order, desk, token: str) -> Refund:
    refund, _created = create_refund(
        session, order, ask(token, quantities={order.lines[0].id: 1}), actor=desk, now=utcnow()
    )
    session.commit()
    return refund


def test_a_pending_refund_stripe_fails_is_undone_and_paid_back_by_bank(
    app, client, session, stripe_server, place_stripe_order, desk
):
    order = place_stripe_order(price=50_000, quantity=2, stock=5)
    payment = pay_by_card(client, session, stripe_server, order)
    seller_id = order.lines[0].seller_id
    refund = _one_unit(session, _order(session, order.id), desk, "tok-one")
    assert payouts.balance(session, seller_id) == 47_500  # 95,000 − 50,000 + 2,500 commission back
    refund_id, stripe_id, order_id = refund.id, refund.stripe_refund_id, order.id

    assert _fail(client, stripe_server, stripe_id) == "refund failed"
    session.expire_all()
    refund = session.get(Refund, refund_id)
    payment = session.get(Payment, payment.id)
    assert refund.status == RefundStatus.FAILED and refund.confirmed_at is not None
    assert (payment.status, payment.refunded_minor) == (PaymentStatus.SUCCEEDED, 0)
    assert refundable_minor(payment, 0) == 100_000  # the whole payment can go back again
    # The sellers' ledger: the refund's entries stay, each with its opposite.
    assert payouts.balance(session, seller_id) == 95_000
    assert entries(session, seller_id, LedgerKind.REFUND) == [-50_000, 50_000]
    assert entries(session, seller_id, LedgerKind.COMMISSION_REVERSAL) == [2_500, -2_500]
    with app.test_request_context():
        labels = [
            kind_label(entry)
            for entry in session.scalars(
                sa.select(LedgerEntry).where(LedgerEntry.refund_id == refund_id).order_by(LedgerEntry.id)
            )
        ]
    assert labels == [
        "Refund",
        "Commission returned",
        "Refund failed: added back",
        "Commission of a failed refund",
    ]
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "refund.failed")).one()
    assert audit.after["failure_reason"] == "expired_or_canceled_card" and audit.target_label == order.number
    # Stripe's other event for the same failure changes nothing more.
    event = stripe_server.event_for("refund.failed", stripe_id)
    assert signed_post(client, stripe_server, event).json["result"] == "no change"
    assert payouts.balance(session, seller_id) == 95_000

    # The buyer is not told it was refunded.
    with app.test_request_context():
        order = _order(session, order_id)
        row = buyer_refunds(order, list_order_refunds(session, order), "en")[0]
    assert not row["summary"].startswith("Refund") and "did not reach your card" in row["summary"]
    assert row["status"].startswith("Not refunded") and row["parts"] == []

    # The curator sees it first in the queue, with what to do.
    curator = log_in(app, "desk@example.test")
    page = curator.get("/curator/refunds").get_data(as_text=True)
    assert page.index("Card refunds that failed") < page.index("Money to give back")
    assert order.number in page and "Try again by card" in page and "Desk Kabat" in page
    assert f"/curator/orders/{order.number}/refund?by=bank#refund-form" in page
    form_page = curator.get(f"/curator/orders/{order.number}/refund?by=bank").get_data(as_text=True)
    assert 'id="method-bank" name="refund_method" value="bank" checked' in form_page

    # Paid back by a bank transfer the curator made: done at once, the ledger takes it again.
    done, created = create_refund(
        session,
        _order(session, order_id),
        ask("tok-bank", quantities={order.lines[0].id: 1}, by_bank=True, bank_reference="BCA 123"),
        actor=desk,
        now=utcnow(),
    )
    session.commit()
    assert created and (done.status, done.method) == (RefundStatus.SUCCEEDED, PaymentMethod.BANK_TRANSFER)
    session.expire_all()
    assert session.get(Payment, payment.id).refunded_minor == 50_000
    assert payouts.balance(session, seller_id) == 47_500
    page = curator.get("/curator/refunds").get_data(as_text=True)
    assert "Card refunds that failed" not in page


def test_a_card_payment_goes_back_by_bank_only_after_stripe_failed(
    client, session, stripe_server, place_stripe_order, desk
):
    order = place_stripe_order(price=50_000, quantity=2, stock=5)
    pay_by_card(client, session, stripe_server, order)
    with pytest.raises(ValidationError, match="goes back to the card"):
        create_refund(
            session,
            _order(session, order.id),
            ask("tok-bank", full=True, by_bank=True, bank_reference="BCA 1"),
            actor=desk,
            now=utcnow(),
        )
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 0


def test_a_refund_stripe_reported_done_then_failed_can_be_refunded_again(
    client, session, stripe_server, place_stripe_order, desk
):
    order = place_stripe_order(price=50_000, quantity=2, stock=5)
    payment = pay_by_card(client, session, stripe_server, order)
    seller_id = order.lines[0].seller_id
    refund, _created = create_refund(
        session, _order(session, order.id), ask("tok-full", full=True), actor=desk, now=utcnow()
    )
    session.commit()
    stripe_id = refund.stripe_refund_id
    assert deliver_refund_webhook(client, stripe_server, payment) == "refunded"
    assert _order(session, order.id).status == OrderStatus.REFUNDED
    assert payouts.balance(session, seller_id) == 0

    assert _fail(client, stripe_server, stripe_id) == "refund failed"
    session.expire_all()
    payment = session.get(Payment, payment.id)
    assert (payment.status, payment.refunded_minor) == (PaymentStatus.SUCCEEDED, 0)
    charge = stripe_server.client().v1.charges.retrieve(
        stripe_server.client().v1.payment_intents.retrieve(payment.payment_intent_id).latest_charge.id
    )
    assert charge.amount_refunded == 0  # as Stripe counts it: a failed refund gave nothing back
    assert payouts.balance(session, seller_id) == 95_000
    # The order is no longer "refunded": it is back to where it was refunded from.
    assert _order(session, order.id).status == OrderStatus.PAID

    # Tried again by card: the lines are refundable again and the ledger takes the share once more.
    again, created = create_refund(
        session, _order(session, order.id), ask("tok-again", full=True), actor=desk, now=utcnow()
    )
    session.commit()
    assert created and again.status == RefundStatus.PENDING and again.amount_minor == 100_000
    assert len(again.lines) == 1 and again.lines[0].quantity == 2
    assert payouts.balance(session, seller_id) == 0


def test_the_reconcile_job_fails_a_refund_stripe_says_failed(
    client, session, stripe_server, place_stripe_order, desk
):
    order = place_stripe_order(price=50_000, quantity=2, stock=5)
    pay_by_card(client, session, stripe_server, order)
    seller_id = order.lines[0].seller_id
    refund = _one_unit(session, _order(session, order.id), desk, "tok-one")
    refund_id = refund.id
    stripe_server.fail_refund(refund.stripe_refund_id)  # its webhook is lost
    session.execute(
        sa.update(Refund).where(Refund.id == refund_id).values(created_at=utcnow() - timedelta(minutes=6))
    )
    session.commit()
    result = reconcile_card_refunds(session, client=stripe_server.client(), now=utcnow())
    assert (result.checked, result.settled, result.failed) == (1, 1, 0)
    session.expire_all()
    assert session.get(Refund, refund_id).status == RefundStatus.FAILED
    assert payouts.balance(session, seller_id) == 95_000
    # Nothing is left pending to ask about again.
    assert reconcile_card_refunds(session, client=stripe_server.client(), now=utcnow()).checked == 0


def test_stripes_refund_failing_test_card_fails_its_refund_by_itself(
    client, session, stripe_server, place_stripe_order, desk, monkeypatch
):
    monkeypatch.setattr(harness_server, "REFUND_FAILS_AFTER", 1.0)
    order = place_stripe_order(price=50_000, quantity=2, stock=5)
    payment = start_stripe_checkout(session, order, **URLS)
    session.commit()
    paid = requests.post(
        f"{stripe_server.base_url}/c/pay/{payment.provider_reference}",
        data={"card_number": "4000 0000 0000 5126", "expiry": "12 / 34", "cvc": "123"},
        allow_redirects=False,
        timeout=10,
    )
    assert paid.status_code == 303, paid.text
    event = stripe_server.event_for("checkout.session.completed", payment.provider_reference)
    assert signed_post(client, stripe_server, event).json["result"] == "paid"
    refund = _one_unit(session, _order(session, order.id), desk, "tok-one")
    at_stripe = stripe_server.client().v1.refunds.retrieve(refund.stripe_refund_id)
    assert at_stripe.status == "succeeded" and at_stripe.failure_reason is None  # at first
    updated = None
    for _ in range(80):
        try:
            updated = stripe_server.event_for("charge.refund.updated", refund.stripe_refund_id)
            break
        except LookupError:
            time.sleep(0.1)
    assert updated is not None, "the refund never failed"
    assert updated["data"]["object"]["status"] == "failed"
    assert updated["data"]["object"]["failure_reason"] == "expired_or_canceled_card"
    assert updated["data"]["object"]["failure_balance_transaction"].startswith("txn_")
    assert updated["data"]["previous_attributes"]["status"] == "succeeded"
    assert signed_post(client, stripe_server, updated).json["result"] == "refund failed"


def test_the_queue_lists_card_refunds_waiting_for_stripe_in_bounded_queries(
    app, client, session, stripe_server, place_stripe_order, desk, count_queries
):
    curator = log_in(app, "desk@example.test")
    first = place_stripe_order(price=50_000, quantity=2, stock=5)
    pay_by_card(client, session, stripe_server, first)
    _one_unit(session, _order(session, first.id), desk, "tok-first")
    with count_queries() as one:
        page = curator.get("/curator/refunds").get_data(as_text=True)
    assert "Card refunds waiting for Stripe" in page and first.number in page
    assert "Waiting for Stripe since" in page and "Desk Kabat" in page and "Rp" in page
    for index in range(2):
        other = place_stripe_order(price=40_000, quantity=1, stock=5)
        pay_by_card(client, session, stripe_server, other)
        _one_unit(session, _order(session, other.id), desk, f"tok-{index}")
    with count_queries() as three:
        page = curator.get("/curator/refunds").get_data(as_text=True)
    assert page.count("Waiting for Stripe since") == 3
    assert three.count == one.count
