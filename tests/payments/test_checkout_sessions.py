"""Creating Stripe Checkout Sessions for orders, against the local Stripe-compatible server."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import stripe

from marketplace.errors import Conflict, ValidationError
from marketplace.orders.models import Fulfilment, Order, OrderLine, OrderStatus, PaymentMethod, ShippingMethod
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.payments.services import PaymentProviderUnavailable, start_stripe_checkout
from marketplace.types import utcnow
from tests.factories import make_product
from tests.payments.helpers import guest_token, log_in

URLS = {
    "success_url": "http://localhost/payments/stripe/return?order=x",
    "cancel_url": "http://localhost/payments/stripe/cancel?order=x",
}


def sessions_for(stripe_server, order_number: str) -> list[dict]:
    listed = stripe_server._get("/v1/checkout/sessions")["data"]
    return [s for s in listed if s["metadata"].get("order_number") == order_number]


def test_session_has_order_lines_and_shipping_in_stripe_idr_units(session, stripe_server, place_stripe_order):
    order = place_stripe_order(price=125_000, quantity=2, courier=True)
    assert order.shipping_minor > 0

    payment = start_stripe_checkout(session, order, **URLS)
    session.commit()

    client = stripe_server.client()
    checkout = client.v1.checkout.sessions.retrieve(payment.provider_reference)
    assert checkout.id.startswith("cs_test_")
    assert checkout.object == "checkout.session"
    assert checkout.status == "open" and checkout.payment_status == "unpaid"
    assert checkout.currency == "idr"
    # Stripe counts IDR with two decimals: Rp 1 = 100.
    assert checkout.amount_total == order.total_minor * 100
    assert checkout.metadata["order_number"] == order.number
    assert checkout.client_reference_id == order.number
    assert checkout.url == payment.checkout_url
    items = client.v1.checkout.sessions.line_items.list(checkout.id).data
    assert [(i.price.unit_amount, i.quantity) for i in items] == [
        (125_000 * 100, 2),
        (order.shipping_minor * 100, 1),
    ]
    assert items[0].description == order.lines[0].title_id
    assert items[1].description == "Ongkos kirim"

    assert payment.method == PaymentMethod.STRIPE
    assert payment.status == PaymentStatus.PENDING
    assert payment.amount_minor == order.total_minor and payment.currency == "IDR"
    # The session ends with the order's 24 h window, less the margin under Stripe's 24 h maximum.
    assert 0 <= int(order.payment_due_at.timestamp()) - checkout.expires_at <= 12 * 60
    assert payment.checkout_expires_at == datetime.fromtimestamp(checkout.expires_at, UTC)


def test_english_order_names_lines_in_english(session, stripe_server, place_stripe_order):
    order = place_stripe_order(lang="en", courier=True)
    payment = start_stripe_checkout(session, order, **URLS)
    items = stripe_server.client().v1.checkout.sessions.line_items.list(payment.provider_reference).data
    assert [i.description for i in items] == [order.lines[0].title_en, "Shipping"]


def _jpy_order(session) -> Order:
    """A JPY order built directly (international checkout comes later): yen have no minor unit."""
    product = make_product(session, price_minor=50_000)
    now = utcnow()
    order = Order(
        number=f"PD-JPY-{secrets.token_hex(3).upper()}",
        email="kenji@example.test",
        lang="en",
        currency="JPY",
        checkout_token=secrets.token_hex(16),
        subtotal_minor=2 * 1_250,
        shipping_minor=3_400,
        total_minor=2 * 1_250 + 3_400,
        payment_method=PaymentMethod.STRIPE,
        payment_due_at=now + timedelta(hours=2),
        shipping_method=ShippingMethod.COURIER,
        ship_country="JP",
    )
    fulfilment = Fulfilment(order=order, seller_id=product.seller_id, shipping_minor=3_400)
    OrderLine(
        order=order,
        fulfilment=fulfilment,
        product_id=product.id,
        seller_id=product.seller_id,
        title_id="Tas anyaman",
        title_en="Woven bag",
        seller_name="KUB Tambong",
        unit_price_minor=1_250,
        quantity=2,
        line_total_minor=2_500,
        weight_grams=400,
    )
    session.add(order)
    session.commit()
    return order


def test_zero_decimal_currency_amounts_are_unchanged(session, stripe_server):
    order = _jpy_order(session)
    payment = start_stripe_checkout(session, order, **URLS)
    client = stripe_server.client()
    checkout = client.v1.checkout.sessions.retrieve(payment.provider_reference)
    assert checkout.currency == "jpy"
    assert checkout.amount_total == 5_900
    items = client.v1.checkout.sessions.line_items.list(checkout.id).data
    assert [(i.price.unit_amount, i.quantity, i.description) for i in items] == [
        (1_250, 2, "Woven bag"),
        (3_400, 1, "Shipping"),
    ]
    # Two hours left on the order: the session ends with it.
    assert abs(checkout.expires_at - int(order.payment_due_at.timestamp())) <= 1


def test_two_calls_make_one_session(session, stripe_server, place_stripe_order):
    order = place_stripe_order()
    first = start_stripe_checkout(session, order, **URLS)
    session.commit()
    second = start_stripe_checkout(session, order, **URLS)
    session.commit()
    assert second.id == first.id
    assert len(sessions_for(stripe_server, order.number)) == 1
    assert session.scalar(sa.select(sa.func.count(Payment.id))) == 1


def test_same_idempotency_key_gives_the_same_session_at_stripe(session, stripe_server, place_stripe_order):
    """A double click that reaches Stripe twice (no Payment stored yet) still makes one session."""
    order = place_stripe_order()
    first = start_stripe_checkout(session, order, **URLS)
    session.rollback()  # as if the first request had not committed yet
    second = start_stripe_checkout(session, order, **URLS)
    session.commit()
    assert second.provider_reference == first.provider_reference
    assert len(sessions_for(stripe_server, order.number)) == 1


def test_double_click_through_the_start_route(app, client, session, stripe_server, place_stripe_order):
    order = place_stripe_order()
    token = guest_token(app, order)
    responses = [
        client.post(f"/payments/stripe/start/{order.number}", data={"token": token}) for _ in range(2)
    ]
    assert [r.status_code for r in responses] == [303, 303]
    assert responses[0].headers["Location"] == responses[1].headers["Location"]
    assert responses[0].headers["Location"].startswith(stripe_server.base_url + "/c/pay/cs_test_")
    assert len(sessions_for(stripe_server, order.number)) == 1
    # The hosted page can be the target of our form: CSP form-action allows the Stripe host.
    assert stripe_server.base_url in responses[0].headers["Content-Security-Policy"]


def test_concurrent_starts_make_one_session_and_one_payment(
    app, stripe_server, place_stripe_order, live_server
):
    import requests

    order = place_stripe_order()
    token = guest_token(app, order)
    results = []

    def click():
        response = requests.post(
            f"{live_server.url}/payments/stripe/start/{order.number}",
            data={"token": token},
            allow_redirects=False,
            timeout=20,
        )
        results.append((response.status_code, response.headers.get("Location")))

    threads = [threading.Thread(target=click) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {status for status, _ in results} == {303}
    assert len({location for _, location in results}) == 1
    assert len(sessions_for(stripe_server, order.number)) == 1
    from marketplace.extensions import db

    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 1


def test_start_route_access(app, client, session, stripe_server, place_stripe_order, buyer):
    guest_order = place_stripe_order()
    assert client.post(f"/payments/stripe/start/{guest_order.number}").status_code == 404
    assert (
        client.post(f"/payments/stripe/start/{guest_order.number}", data={"token": "forged"}).status_code
        == 404
    )
    assert (
        client.post(
            "/payments/stripe/start/PD-NOPE", data={"token": guest_token(app, guest_order)}
        ).status_code
        == 404
    )

    own_order = place_stripe_order(buyer=buyer)
    assert client.post(f"/payments/stripe/start/{own_order.number}").status_code == 404  # not logged in
    log_in(client, buyer)
    assert client.post(f"/payments/stripe/start/{own_order.number}").status_code == 303
    # A logged-in buyer cannot pay (or see) someone else's order without its link.
    assert client.post(f"/payments/stripe/start/{guest_order.number}").status_code == 404
    assert client.get(f"/payments/stripe/start/{own_order.number}").status_code == 405


def test_below_stripe_minimum_is_refused_before_the_order(session, stripe_server, place_stripe_order):
    # The buyer learns it at checkout, before any order, reservation or Stripe session exists.
    with pytest.raises(ValidationError) as raised:
        place_stripe_order(price=4_000, quantity=1)
    assert "10.000" in raised.value.message
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Order.id))) == 0
    assert session.scalar(sa.select(sa.func.count(Payment.id))) == 0


def _shrink_to(session, order, total_minor: int):
    """An order placed before the minimum applied (or edited by hand) whose total is too small."""
    order.total_minor = total_minor
    order.subtotal_minor = total_minor
    session.commit()
    return order


def test_below_stripe_minimum_is_a_clear_error(session, stripe_server, place_stripe_order):
    order = _shrink_to(session, place_stripe_order(price=50_000, quantity=1), 4_000)
    with pytest.raises(ValidationError) as raised:
        start_stripe_checkout(session, order, **URLS)
    assert "10.000" in raised.value.message
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Payment.id))) == 0
    assert sessions_for(stripe_server, order.number) == []


def test_below_minimum_through_the_route_shows_the_message(
    app, client, session, stripe_server, place_stripe_order
):
    order = _shrink_to(session, place_stripe_order(price=50_000, quantity=1), 4_000)
    response = client.post(f"/payments/stripe/start/{order.number}", data={"token": guest_token(app, order)})
    assert response.status_code == 400
    assert "10.000" in response.get_data(as_text=True)


def test_expiry_is_clamped_to_what_stripe_accepts(session, stripe_server, place_stripe_order):
    now = utcnow()
    long_window = place_stripe_order(window=timedelta(hours=72), now=now)
    short_window = place_stripe_order(window=timedelta(minutes=10), now=now)
    long_payment = start_stripe_checkout(session, long_window, now=now, **URLS)
    short_payment = start_stripe_checkout(session, short_window, now=now, **URLS)
    # Clamped inward to a 10-minute step, so repeated clicks send identical parameters.
    assert (
        timedelta(hours=23, minutes=49)
        <= long_payment.checkout_expires_at - now
        <= timedelta(hours=23, minutes=59)
    )
    assert timedelta(minutes=31) <= short_payment.checkout_expires_at - now <= timedelta(minutes=41)
    assert long_payment.checkout_expires_at.timestamp() % 600 == 0
    assert short_payment.checkout_expires_at.timestamp() % 600 == 0


def test_orders_that_cannot_be_paid_by_card(session, stripe_server, place_stripe_order):
    order = place_stripe_order()
    session.execute(
        sa.update(Order).where(Order.id == order.id).values(payment_method=PaymentMethod.BANK_TRANSFER)
    )
    session.commit()
    with pytest.raises(ValidationError):
        start_stripe_checkout(session, order, **URLS)

    cancelled = place_stripe_order()
    session.execute(sa.update(Order).where(Order.id == cancelled.id).values(status=OrderStatus.CANCELLED))
    session.commit()
    with pytest.raises(Conflict):
        start_stripe_checkout(session, cancelled, **URLS)

    overdue = place_stripe_order(window=timedelta(minutes=10))
    with pytest.raises(Conflict):
        start_stripe_checkout(session, overdue, now=utcnow() + timedelta(minutes=11), **URLS)


def test_stripe_unreachable_is_a_503_not_a_crash(session, place_stripe_order):
    order = place_stripe_order()
    dead = stripe.StripeClient(
        "sk_test_x", base_addresses={"api": "http://127.0.0.1:9"}, max_network_retries=0
    )
    with pytest.raises(PaymentProviderUnavailable) as raised:
        start_stripe_checkout(session, order, client=dead, **URLS)
    assert raised.value.status == 503
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Payment.id))) == 0


def test_card_payment_not_offered_without_a_key(app, client, place_stripe_order):
    order = place_stripe_order()
    app.config["STRIPE_SECRET_KEY"] = None
    response = client.post(f"/payments/stripe/start/{order.number}", data={"token": guest_token(app, order)})
    assert response.status_code == 404
