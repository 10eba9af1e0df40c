"""Stripe's API down or hanging at checkout: the buyer is told, in their language, and can retry.

The order is placed (unpaid, its stock reserved, one ledger row) before Stripe is asked, so either
Stripe answers and the buyer goes to its page, or the buyer lands on the order page with a message
and a "pay by card" button that works once Stripe is back. No payment row is left half made.
"""

from __future__ import annotations

import re
import socket
import time

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import Product
from marketplace.orders.models import Order, OrderStatus
from marketplace.payments.models import Payment
from marketplace.stock.models import StockMovement
from tests.faults.helpers import free_port
from tests.orders.test_views import checkout, setup_shop

UNAVAILABLE_ID = "Pembayaran kartu sedang tidak tersedia. Silakan coba lagi dalam beberapa menit."


@pytest.fixture
def app_overrides(app_overrides, stripe_server):
    # Short, so a hanging Stripe costs this test about a second (production: STRIPE_TIMEOUT_SECONDS=10).
    return {**app_overrides, "STRIPE_TIMEOUT_SECONDS": 0.3}


@pytest.fixture
def hung_stripe():
    """Accepts connections (the kernel's backlog) and never answers, like a Stripe that hangs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def _state(session, product_id: int):
    session.expire_all()
    order = session.scalars(sa.select(Order)).one()
    stock = session.get(Product, product_id).stock
    reserved = session.scalar(
        sa.select(sa.func.sum(StockMovement.quantity_delta)).where(StockMovement.order_id == order.id)
    )
    payments = session.scalar(sa.select(sa.func.count(Payment.id)))
    return order, stock, reserved, payments


def test_stripe_down_then_hanging_then_back(app, client, session, stripe_server, hung_stripe):
    product = setup_shop(session, price_minor=150_000, stock=3)
    client.set_cookie("lang", "id")
    client.post("/cart/add", data={"product_id": product.id, "quantity": "1"})

    # Down: nothing listens. The order waits for payment with its unit held; the buyer is told.
    app.config["STRIPE_API_BASE"] = f"http://127.0.0.1:{free_port()}"
    response, _ = checkout(client, payment_method="stripe")
    assert response.status_code == 303
    order_page = response.headers["Location"]
    assert "/orders/PD-" in order_page
    html = client.get(order_page).get_data(as_text=True)
    assert UNAVAILABLE_ID in html
    pay_by_card = re.search(r'<form method="post" action="(/payments/stripe/start/[^"]+)"', html).group(1)
    guest = {"token": re.search(r'name="token" value="([^"]+)"', html).group(1)}  # the guest's signed link
    order, stock, reserved, payments = _state(session, product.id)
    assert (order.status, stock, reserved, payments) == (OrderStatus.AWAITING_PAYMENT, 2, -1, 0)

    # Hanging: the buyer waits seconds, not the library's 80 s per try, and is told again.
    app.config["STRIPE_API_BASE"] = hung_stripe
    started = time.monotonic()
    retry = client.post(pay_by_card, data=guest)
    assert time.monotonic() - started < 5
    assert retry.status_code == 303 and retry.headers["Location"].endswith(order_page.split("/orders/", 1)[1])
    assert UNAVAILABLE_ID in client.get(order_page).get_data(as_text=True)
    assert _state(session, product.id)[1:] == (2, -1, 0)

    # Back: the same button takes the buyer to Stripe's page; the order and its stock are unchanged.
    app.config["STRIPE_API_BASE"] = stripe_server.base_url
    paid = client.post(pay_by_card, data=guest)
    assert paid.status_code == 303 and paid.headers["Location"].startswith(stripe_server.base_url)
    order, stock, reserved, payments = _state(session, product.id)
    assert (order.status, stock, reserved, payments) == (OrderStatus.AWAITING_PAYMENT, 2, -1, 1)
