"""Helpers for refund tests: pay a card order through the harness, deliver Stripe's webhooks."""

from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import Product
from marketplace.orders.models import Order
from marketplace.payments.models import Payment
from marketplace.payments.services import start_stripe_checkout
from marketplace.refunds.models import Refund
from marketplace.refunds.services import RefundRequest, create_refund
from marketplace.types import utcnow
from tests.factories import make_user
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


# -- shared by the failed-refund and refund-sum tests ------------------------------------------


@pytest.fixture
def desk(session):
    """The curator who refunds (import it into a module to use it)."""
    user = make_user(session, email="desk@example.test", name="Desk Kabat", is_curator=True)
    session.commit()
    return user


@pytest.fixture(params=["with refunds.data", "without refunds.data"])
def as_sent(request):
    """How Stripe sends the charge: with its refunds listed, or (newer API versions) without."""

    def shape(event: dict, *, new_id: str | None = None) -> dict:
        event = copy.deepcopy(event)
        if new_id:
            event["id"] = new_id
        charge = event["data"]["object"]
        if request.param == "without refunds.data":
            charge.pop("refunds", None)
        else:
            assert isinstance(charge["refunds"]["data"], list)  # the harness lists them, as Stripe did
        return event

    return shape


def fail_refund(client, stripe_server, stripe_refund_id: str) -> None:
    """Stripe fails the refund and says so by webhook (`charge.refund.updated`)."""
    stripe_server.fail_refund(stripe_refund_id)
    event = stripe_server.event_for("charge.refund.updated", stripe_refund_id)
    assert signed_post(client, stripe_server, event).json["result"] == "refund failed"


def reload_order(session, order_id: int) -> Order:
    session.expire_all()
    return session.get(Order, order_id)


def refund_units(session, order_id: int, desk, token: str, *, units: dict[int, int], **extra) -> Refund:
    """The curator refunds `units` ({line index: units}) of the order (card unless `by_bank`)."""
    order = reload_order(session, order_id)
    quantities = {order.lines[index].id: count for index, count in units.items()}
    refund, created = create_refund(
        session, order, ask(token, quantities=quantities, **extra), actor=desk, now=utcnow()
    )
    session.commit()
    assert created
    return refund


def money_state(session, payment_id: int, order_id: int, refund_ids: list[int]) -> tuple:
    """(payment status, refunded_minor, order status, [refund statuses]) as stored now."""
    session.expire_all()
    payment = session.get(Payment, payment_id)
    return (
        payment.status,
        payment.refunded_minor,
        session.get(Order, order_id).status,
        [session.get(Refund, refund_id).status for refund_id in refund_ids],
    )
