"""Helpers for refund tests: pay a card order through the harness, deliver Stripe's webhooks."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.catalogue.models import Product
from marketplace.payments.models import Payment
from marketplace.payments.services import start_stripe_checkout
from marketplace.refunds.services import RefundRequest
from tests.payments.helpers import signed_post

URLS = {"success_url": "http://localhost/ok", "cancel_url": "http://localhost/cancel"}


def pay_by_card(client, session, stripe_server, order) -> Payment:
    """The buyer pays on the (local) Stripe page and the completed webhook arrives."""
    payment = start_stripe_checkout(session, order, **URLS)
    session.commit()
    stripe_server.complete_session(payment.provider_reference)
    event = stripe_server.event_for("checkout.session.completed", payment.provider_reference)
    assert signed_post(client, stripe_server, event).json["result"] == "paid"
    session.expire_all()
    return session.get(Payment, payment.id)


def charge_id(stripe_server, payment: Payment) -> str:
    return stripe_server.client().v1.payment_intents.retrieve(payment.payment_intent_id).latest_charge.id


def deliver_refund_webhook(client, stripe_server, payment: Payment) -> str:
    event = stripe_server.event_for("charge.refunded", charge_id(stripe_server, payment))
    return signed_post(client, stripe_server, event).json["result"]


def stock(session, product_id: int) -> int:
    session.expire_all()
    return session.scalar(sa.select(Product.stock).where(Product.id == product_id))


def ask(token: str, reason: str = "Damaged in transit", **values) -> RefundRequest:
    return RefundRequest(reason=reason, token=token, **values)
