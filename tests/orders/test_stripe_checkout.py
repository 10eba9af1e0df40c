"""Checkout with "card (Stripe)": offered only with a key, hands the order to the payments domain."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.orders.models import Order, OrderStatus
from marketplace.payments.local_stripe import start_stripe_server
from marketplace.payments.models import Payment
from tests.orders.test_views import checkout, setup_shop
from tests.payments.helpers import stripe_settings


@pytest.fixture(scope="module")
def stripe_harness():
    return start_stripe_server()


@pytest.fixture
def app_overrides(stripe_harness):
    return stripe_settings(stripe_harness)


def test_card_payment_redirects_to_stripe_and_order_waits(client, session, stripe_harness):
    product = setup_shop(session, price_minor=150_000)
    client.post("/cart/add", data={"product_id": product.id, "quantity": "1"})
    assert 'value="stripe"' in client.get("/checkout").get_data(as_text=True)
    response, _ = checkout(client, payment_method="stripe")
    assert response.status_code == 303
    assert response.headers["Location"].startswith(stripe_harness.base_url)
    order = session.scalars(sa.select(Order)).one()
    assert order.status == OrderStatus.AWAITING_PAYMENT and order.unique_code_minor == 0
    payment = session.scalars(sa.select(Payment).where(Payment.order_id == order.id)).one()
    assert payment.method == "stripe" and payment.checkout_url == response.headers["Location"]
