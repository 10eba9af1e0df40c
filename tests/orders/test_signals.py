"""The side effects of an order's state changes run through marketplace.signals: the receivers are
connected in every app, and real services produce the payment rows, payout ledger and emails."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace import signals
from marketplace.email.models import OutboundEmail
from marketplace.orders import services
from marketplace.orders.models import FulfilmentStatus
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.payouts.models import LedgerEntry, LedgerKind
from marketplace.types import utcnow
from tests.factories import make_product, make_user
from tests.orders.helpers import make_cart, place

#: signal name → the receivers (module.function) that must listen to it.
EXPECTED = {
    "order_placed": {
        "marketplace.payments.listeners.open_bank_transfer",
        "marketplace.orders.notifications.order_placed",
    },
    "order_paid": {
        "marketplace.payments.listeners.settle_payment",
        "marketplace.payouts.listeners.enter_sale",
        "marketplace.orders.notifications.payment_received",
    },
    "order_paid_after_cancel": {"marketplace.payments.listeners.settle_payment"},
    "order_cancelled": {"marketplace.payments.listeners.expire_pending_payments"},
    "fulfilment_shipped": {"marketplace.orders.notifications.fulfilment_shipped"},
    "charge_refunded": {"marketplace.refunds.listeners.confirm_refunds"},
    "refund_created": {"marketplace.payouts.listeners.enter_refund"},
    "order_page": {"marketplace.payments.listeners.card_payment_on_order_page"},
    "order_list": {
        "marketplace.payments.listeners.payments_on_order_list",
        "marketplace.reviews.listeners.reviews_on_order_list",
    },
}


def _receivers(signal) -> set[str]:
    return {f"{r.__module__}.{r.__name__}" for r in signal.receivers_for(None)}


def test_every_listener_is_connected_once_the_app_exists(app):
    for name, expected in EXPECTED.items():
        assert _receivers(getattr(signals, name)) >= expected, name


def _emails(session) -> list[str]:
    return list(session.scalars(sa.select(OutboundEmail.template).order_by(OutboundEmail.id)))


def _ledger(session, order) -> dict[LedgerKind, int]:
    rows = session.execute(
        sa.select(LedgerEntry.kind, LedgerEntry.amount_idr).where(LedgerEntry.order_id == order.id)
    ).all()
    return {kind: amount for kind, amount in rows}


def test_placing_paying_and_shipping_an_order_runs_every_listener(app, session):
    product = make_product(session, stock=5, price_minor=50_000)
    curator = make_user(session, email="curator@example.test")
    order = place(session, make_cart(session, {product: 2}), lang="en")
    session.commit()

    # order_placed: the pending bank-transfer payment and the confirmation email.
    payment = session.scalars(sa.select(Payment).where(Payment.order_id == order.id)).one()
    assert payment.status == PaymentStatus.PENDING and payment.amount_minor == order.total_minor
    assert _emails(session) == ["order_confirmation"]
    assert _ledger(session, order) == {}

    # order_paid: the payment succeeds (confirmed by the curator), the sale enters the payout
    # ledger with its commission, and the "payment received" email is queued.
    assert services.mark_order_paid(session, order, actor_id=curator.id, actor_label="curator", now=utcnow())
    session.commit()
    session.refresh(payment)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.confirmed_by_id == curator.id
    ledger = _ledger(session, order)
    assert ledger[LedgerKind.SALE] == 100_000 + order.fulfilments[0].shipping_minor
    assert ledger[LedgerKind.COMMISSION] == -5_000
    assert _emails(session) == ["order_confirmation", "payment_received"]

    # fulfilment_shipped: the "shipped" email with the tracking number.
    fulfilment = order.fulfilments[0]
    assert fulfilment.status == FulfilmentStatus.PROCESSING
    assert services.mark_fulfilment_shipped(
        session, fulfilment, courier="JNE", tracking_number="JNE123", actor_label="seller", now=utcnow()
    )
    session.commit()
    assert _emails(session) == ["order_confirmation", "payment_received", "shipped"]


def test_cancelling_an_unpaid_order_expires_its_pending_payment(app, session):
    product = make_product(session, stock=5)
    order = place(session, make_cart(session, {product: 1}))
    session.commit()
    assert services.cancel_unpaid_order(
        session, order, reason="buyer asked", actor_label="buyer", now=utcnow()
    )
    session.commit()
    payment = session.scalars(sa.select(Payment).where(Payment.order_id == order.id)).one()
    assert payment.status == PaymentStatus.EXPIRED

    # Money arriving afterwards: the order stays cancelled, the payment is recorded as arrived.
    assert not services.mark_order_paid(session, order, actor_label="curator", now=utcnow())
    session.commit()
    session.refresh(payment)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert services.orders_needing_refund(session) == [order]
    assert _ledger(session, order) == {}
