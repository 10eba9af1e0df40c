"""Without Stripe keys there is no card payment, and nobody abroad meets a form that cannot succeed.

That is production without `STRIPE_SECRET_KEY`, and development started by hand (`flask run`)
without the local test server: the cart tells a buyer abroad before they fill anything in, the
checkout sends them back to it, and a checkout posted anyway is refused without an order.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.orders.models import Order, PaymentMethod
from marketplace.payments.services import (
    card_payments_available,
    no_payment_method_reason,
    payment_methods_for,
)
from marketplace.shipping.services import ensure_default_shipping_rates
from tests.factories import make_product
from tests.markets.conftest import make_rate

ABROAD = "Orders from abroad are not available yet"
SWITCH = "/cart?country=ID&amp;currency=IDR"

AMSTERDAM = {
    "email": "anna@example.nl", "name": "Anna de Vries", "phone": "+31 20 123 4567",
    "street": "Prinsengracht 263", "line2": "", "district": "", "city": "Amsterdam", "province": "",
    "postal_code": "1016 GV", "country": "NL", "shipping_method": "courier", "payment_method": "stripe",
    "checkout_token": "n" * 24, "action": "place",
}  # fmt: skip


@pytest.fixture
def app_overrides():
    """No Stripe keys at all: `flask run` by hand, or production before Stripe is set up."""
    return {"STRIPE_SECRET_KEY": None, "STRIPE_API_BASE": None, "STRIPE_WEBHOOK_SECRET": None}


@pytest.fixture
def batik(session):
    ensure_default_shipping_rates(session)
    product = make_product(session, title_en="Batik cloth", exportable=True, hs_code="5208.52", stock=5)
    session.commit()
    return product


def buyer_in(client, product, country: str, currency: str | None = None):
    client.set_cookie("country", country)
    if currency:
        client.set_cookie("currency", currency)
    assert client.post("/cart/add", data={"product_id": product.id, "quantity": "1"}).status_code == 303
    return client


def order_count(session) -> int:
    session.expire_all()
    return session.scalar(sa.select(sa.func.count(Order.id)))


def test_one_function_says_whether_cards_can_be_paid():
    assert not card_payments_available({})
    assert not card_payments_available({"STRIPE_SECRET_KEY": None})
    assert card_payments_available({"STRIPE_SECRET_KEY": "sk_live_x", "PRODUCTION": True})
    assert card_payments_available({"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_LOCAL_TEST_MODE": True})
    # The local test server is for development only.
    assert not card_payments_available(
        {"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_LOCAL_TEST_MODE": True, "PRODUCTION": True}
    )
    keys = {"STRIPE_SECRET_KEY": "sk_test_x"}
    assert payment_methods_for({}, country="ID", currency="IDR") == [PaymentMethod.BANK_TRANSFER]
    assert payment_methods_for({}, country="NL", currency="EUR") == []
    assert payment_methods_for({}, country="ID", currency="USD") == []
    assert payment_methods_for(keys, country="NL", currency="EUR") == [PaymentMethod.STRIPE]
    assert payment_methods_for(keys, country="ID", currency="IDR") == [
        PaymentMethod.BANK_TRANSFER,
        PaymentMethod.STRIPE,
    ]


def test_the_reason_is_translated(app):
    with app.test_request_context("/?lang=id"):
        reason = no_payment_method_reason({}, country="NL", currency="EUR")
        assert no_payment_method_reason({}, country="ID", currency="IDR") is None
    assert reason.startswith("Pesanan dari luar negeri belum tersedia")


def test_the_cart_tells_a_buyer_abroad_before_anything_is_filled_in(client, session, batik):
    page = buyer_in(client, batik, "NL").get("/cart")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert ABROAD in html
    assert 'href="/checkout"' not in html  # no button into a form that cannot succeed
    switch = re.search(r'<form method="post" action="/market" class="ship-home">.*?</form>', html, re.S)
    assert switch and 'name="country" value="ID"' in switch.group() and 'value="/cart"' in switch.group()

    # The way on: ship within Indonesia, in rupiah, and check out by bank transfer.
    chosen = client.post("/market", data={"country": "ID", "currency": "IDR", "next": "/cart"})
    assert chosen.status_code == 303 and chosen.headers["Location"].endswith("/cart")
    home = client.get("/cart").get_data(as_text=True)
    assert ABROAD not in home and 'href="/checkout"' in home
    checkout = client.get("/checkout")
    assert checkout.status_code == 200
    assert 'value="bank_transfer"' in checkout.get_data(as_text=True)


def test_the_cart_in_indonesian(client, session, batik):
    client.set_cookie("lang", "id")
    html = buyer_in(client, batik, "NL").get("/cart").get_data(as_text=True)
    assert "Pesanan dari luar negeri belum tersedia" in html and "Kirim di dalam Indonesia" in html


def test_checkout_abroad_sends_the_buyer_back_to_the_cart(client, session, batik):
    buyer_in(client, batik, "NL")
    response = client.get("/checkout")
    assert response.status_code == 303 and response.headers["Location"].endswith("/cart")
    page = client.get("/checkout", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and ABROAD in html
    assert 'class="checkout"' not in html and 'name="payment_method"' not in html


def test_checkout_posted_anyway_is_a_clear_error_and_no_order(client, session, batik):
    buyer_in(client, batik, "NL")
    for payment in ("stripe", "bank_transfer", ""):
        response = client.post("/checkout", data={**AMSTERDAM, "payment_method": payment})
        assert response.status_code == 400, payment
        html = response.get_data(as_text=True)
        assert ABROAD in html and 'id="pay-stripe"' not in html
        assert SWITCH in html
    assert order_count(session) == 0


def test_an_indonesian_address_in_another_currency_is_told_to_switch_to_rupiah(client, session, batik):
    make_rate(session, "USD", "16000")
    session.commit()
    html = buyer_in(client, batik, "ID", "USD").get("/cart").get_data(as_text=True)
    assert "Paying in USD needs a card" in html and 'href="/checkout"' not in html
    assert client.get("/checkout").status_code == 303


def test_at_home_nothing_changes(client, session, batik):
    html = buyer_in(client, batik, "ID").get("/cart").get_data(as_text=True)
    assert ABROAD not in html and 'href="/checkout"' in html
    page = client.get("/checkout").get_data(as_text=True)
    assert 'value="bank_transfer"' in page and 'id="pay-stripe"' not in page


def test_without_card_payments_the_price_note_promises_no_card_charge(client, session):
    from tests.markets.conftest import make_rate

    make_rate(session, "EUR", "17300")
    session.commit()
    page = client.get("/?currency=EUR&country=NL").get_data(as_text=True)
    assert "Prices converted from rupiah at 1 EUR" in page
    assert "Card payments are charged in EUR" not in page
