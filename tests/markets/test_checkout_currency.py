"""Checkout in the buyer's currency: frozen rate, exact amounts, refusals, and Stripe in EUR."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.cart.models import CartLine
from marketplace.cart.services import add_to_cart, get_or_create_cart, new_cart_token
from marketplace.errors import ValidationError
from marketplace.markets.services import set_rate
from marketplace.money import Money
from marketplace.orders.models import Order, PaymentMethod
from marketplace.orders.services import place_order
from marketplace.payments.models import Payment
from marketplace.shipping.services import ShippingAddress, ensure_default_shipping_rates
from marketplace.types import utcnow
from tests.factories import make_product
from tests.markets.conftest import make_rate
from tests.orders.helpers import CHECKOUT_ADDRESS

# The local Stripe-compatible server, and the settings that point the app at it.
from tests.payments.conftest import app_overrides, stripe_server  # noqa: F401

ADDRESS = CHECKOUT_ADDRESS


@pytest.fixture
def shop(session, product):
    ensure_default_shipping_rates(session)
    session.commit()
    return product


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def shown_total(html: str) -> str:
    match = re.search(r"Total: <strong>([^<]+)</strong>", html)
    assert match, "no total on the checkout page"
    return match.group(1)


def euro_buyer(client, product, quantity: int = 2):
    client.set_cookie("currency", "EUR")
    client.post("/cart/add", data={"product_id": product.id, "quantity": str(quantity)})


def review(client, **overrides):
    """Fill the form and ask for the shipping quote: the page then shows the exact total."""
    page = client.get("/checkout").get_data(as_text=True)
    data = {
        **ADDRESS,
        "email": "buyer@example.test",
        "shipping_method": "courier",
        "payment_method": "stripe",
        "checkout_token": hidden(page, "checkout_token"),
        "fingerprint": hidden(page, "fingerprint"),
        "rate_version": hidden(page, "rate_version"),
        "action": "quote",
    }
    data.update(overrides)
    response = client.post("/checkout", data=data)
    html = response.get_data(as_text=True)
    data["rate_version"] = hidden(html, "rate_version")
    data["quote"] = hidden(html, "quote")  # the total shown: placing the order checks it
    return response, html, data


def order_count(session) -> int:
    return session.scalar(sa.select(sa.func.count(Order.id)))


def test_eur_order_is_charged_exactly_the_total_shown(client, session, rates, shop, stripe_server):  # noqa: F811
    euro_buyer(client, shop)
    response, html, data = review(client)
    assert response.status_code == 200
    assert Money(723, "EUR").format("en") in html and "Charged by card in EUR" in html
    assert 'value="bank_transfer"' not in html  # bank transfer is for rupiah orders only
    total_text = shown_total(html)

    placed = client.post("/checkout", data={**data, "action": "place"})
    assert placed.status_code == 303 and placed.headers["Location"].startswith(stripe_server.base_url)

    order = session.scalars(sa.select(Order)).one()
    assert order.currency == "EUR" and order.exchange_rate == Decimal("17300")
    assert [
        (ln.unit_price_minor, ln.quantity, ln.line_total_minor, ln.unit_price_idr) for ln in order.lines
    ] == [(723, 2, 1_446, 125_000)]
    assert order.total_minor == order.subtotal_minor + order.shipping_minor
    assert order.shipping_minor == sum(f.shipping_minor for f in order.fulfilments)
    assert Money(order.total_minor, "EUR").format("en") == total_text

    payment = session.scalars(sa.select(Payment)).one()
    assert (payment.amount_minor, payment.currency, payment.method) == (
        order.total_minor,
        "EUR",
        PaymentMethod.STRIPE,
    )
    checkout = stripe_server.client().v1.checkout.sessions.retrieve(payment.provider_reference)
    assert checkout.currency == "eur" and checkout.amount_total == order.total_minor  # cents, as shown


def test_a_rate_change_before_placing_shows_the_new_total_first(client, session, rates, shop):
    euro_buyer(client, shop)
    _, html, data = review(client)
    old_total = shown_total(html)
    set_rate(session, currency="EUR", rate=Decimal("16000"), effective_date=utcnow().date(), source="test")
    session.commit()

    response = client.post("/checkout", data={**data, "action": "place"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "The exchange rate changed since you reviewed your order" in html
    assert shown_total(html) != old_total and Money(781, "EUR").format("en") in html  # 125.000 / 16.000
    assert order_count(session) == 0
    assert session.scalar(sa.select(sa.func.count(CartLine.id))) == 1  # the cart is intact

    # Placing again from the new page charges the new amount.
    data["rate_version"] = hidden(html, "rate_version")
    data["checkout_token"] = hidden(html, "checkout_token")
    data["quote"] = hidden(html, "quote")
    client.post("/checkout", data={**data, "action": "place"})
    order = session.scalars(sa.select(Order)).one()
    assert order.exchange_rate == Decimal("16000") and Money(order.total_minor, "EUR").format(
        "en"
    ) == shown_total(html)


def test_a_stale_rate_is_not_charged(client, session, shop):
    make_rate(session, "EUR", "17300", days_ago=30)
    session.commit()
    euro_buyer(client, shop)
    page = client.get("/checkout").get_data(as_text=True)
    assert "Payment in EUR is paused" in page
    _, html, data = review(client)
    response = client.post("/checkout", data={**data, "action": "place"})
    assert response.status_code == 400
    assert "Payment in EUR is paused" in response.get_data(as_text=True)
    assert order_count(session) == 0


def test_bank_transfer_is_refused_outside_rupiah(client, session, rates, shop):
    euro_buyer(client, shop)
    _, _, data = review(client)
    response = client.post("/checkout", data={**data, "payment_method": "bank_transfer", "action": "place"})
    assert response.status_code == 400
    assert "Bank transfer is only for orders paid in rupiah" in response.get_data(as_text=True)
    assert order_count(session) == 0


def _place(session, product, *, currency: str, quantity: int = 1, payment: str = "stripe", expected=None):
    cart = get_or_create_cart(session, user=None, token=new_cart_token())
    add_to_cart(session, cart=cart, product_id=product.id, quantity=quantity)
    return place_order(
        session,
        cart=cart,
        buyer=None,
        email="buyer@example.test",
        lang="en",
        address=None,
        shipping_method="pickup",
        payment_method=payment,
        checkout_token=secrets.token_hex(16),
        now=utcnow(),
        currency=currency,
        expected_rate_version=expected,
    )


def test_a_missing_rate_is_refused_never_guessed(session, shop):
    make_rate(session, "EUR", "17300")
    session.commit()
    with pytest.raises(ValidationError) as raised:
        _place(session, shop, currency="GBP")
    assert "no exchange rate" in raised.value.message
    session.rollback()
    assert order_count(session) == 0


def test_jpy_orders_have_whole_yen_and_respect_the_minimum(session, rates):
    cheap = make_product(session, price_minor=5_000, stock=10)  # ¥47.6 → ¥48, under Stripe's ¥50
    session.commit()
    with pytest.raises(ValidationError) as raised:
        _place(session, cheap, currency="JPY")
    assert "at least ¥50" in raised.value.message
    session.rollback()
    order = _place(session, cheap, currency="JPY", quantity=3)
    session.commit()
    assert (order.currency, order.total_minor, order.lines[0].unit_price_minor) == ("JPY", 144, 48)
    assert Money(order.total_minor, "JPY").to_stripe_amount() == 144
    assert order.exchange_rate == Decimal("105")


NL_ADDRESS = ShippingAddress(
    name="Anna de Vries",
    phone="+31 20 123 4567",
    street="Prinsengracht 263",
    district="",
    city="Amsterdam",
    province="",
    postal_code="1016 GV",
    country="NL",
)


def _place_abroad(session, product, *, currency: str, payment: str):
    cart = get_or_create_cart(session, user=None, token=new_cart_token())
    add_to_cart(session, cart=cart, product_id=product.id, quantity=2)
    return place_order(
        session,
        cart=cart,
        buyer=None,
        email="anna@example.nl",
        lang="en",
        address=NL_ADDRESS,
        shipping_method="courier",
        payment_method=payment,
        checkout_token=secrets.token_hex(16),
        now=utcnow(),
        currency=currency,
    )


def test_an_order_abroad_converts_its_shipping_and_cannot_use_bank_transfer(session, rates, shop):
    with pytest.raises(ValidationError) as raised:
        _place_abroad(session, shop, currency="IDR", payment="bank_transfer")
    assert "Bank transfer is only for orders paid in rupiah" in raised.value.message
    session.rollback()
    order = _place_abroad(session, shop, currency="EUR", payment="stripe")
    session.commit()
    assert order.ship_country == "NL" and order.currency == "EUR" and order.unique_code_minor == 0
    assert order.subtotal_minor == 1_446
    parcel = order.fulfilments[0]
    assert parcel.shipping_minor > 0 and order.shipping_minor == parcel.shipping_minor
    assert order.total_minor == 1_446 + parcel.shipping_minor


def test_the_seller_sees_a_foreign_order_in_rupiah_with_what_the_buyer_paid(app, session, rates, shop):
    from marketplace.dashboard.presenters import fulfilment_detail

    order = _place_abroad(session, shop, currency="EUR", payment="stripe")
    session.commit()
    with app.test_request_context():
        parcel = fulfilment_detail(order.fulfilments[0], "en")
    # 2 × Rp 125,000 earned; the buyer paid 2 × €7.23 at 17,300 rupiah per euro.
    assert parcel["subtotal"] == "Rp\xa0250,000 (€14.46)"
    assert parcel["lines"][0]["unit_price"] == "Rp\xa0125,000 (€7.23)"


def test_the_emails_of_an_order_abroad_add_up_in_its_currency(session, rates, shop):
    """The confirmation and the payment email list the items, the shipping and the total in
    euros: €14.46 of goods never "totals" €36.71 without the shipping between them."""
    from marketplace.email.models import OutboundEmail
    from marketplace.email.services import deliver_pending
    from marketplace.orders.services import mark_order_paid

    order = _place_abroad(session, shop, currency="EUR", payment="stripe")
    session.commit()
    mark_order_paid(session, order, actor_label="stripe", now=utcnow())
    session.commit()
    deliver_pending(session)
    emails = session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)).all()
    assert [e.template for e in emails] == ["order_confirmation", "payment_received"]
    shipping = Money(order.shipping_minor, "EUR")
    for email in emails:
        text = email.body_text
        assert "Kabat robusta coffee × 2: €14.46" in text
        assert f"Shipping: €{shipping.as_decimal()}" in text
        assert f"Total: €{Money(order.total_minor, 'EUR').as_decimal()}" in text
        assert not re.search(r"\bRp\b", text) and "Unique transfer code" not in text


def test_a_rupiah_transfers_emails_name_its_unique_code_so_they_add_up(session, shop):
    from marketplace.email.models import OutboundEmail
    from marketplace.email.services import deliver_pending
    from marketplace.orders.services import mark_order_paid

    order = _place(session, shop, currency="IDR", payment="bank_transfer")
    session.commit()
    mark_order_paid(session, order, actor_label="curator", now=utcnow())
    session.commit()
    deliver_pending(session)
    code = f"Unique transfer code: Rp\xa0{order.unique_code_minor}"
    for email in session.scalars(sa.select(OutboundEmail)):
        assert "Kabat robusta coffee × 1: Rp\xa0125,000" in email.body_text
        assert code in email.body_text and code in email.body_html
        assert f"Total: Rp\xa0{order.total_minor:,}" in email.body_text


def test_the_cart_abroad_estimates_courier_shipping_without_offering_pickup(client, rates, shop):
    """Pickup in the seller's village is for Indonesia: a buyer in the Netherlands is not told of it."""
    client.post("/cart/add", data={"product_id": shop.id, "quantity": "1"})
    home = client.get("/cart?lang=en").get_data(as_text=True)
    assert "depending on the destination, or free pickup in the seller" in home
    abroad = client.get("/cart?country=NL&currency=EUR").get_data(as_text=True)
    estimate = re.search(r'<p class="shipping-estimate">([^<]*)</p>', abroad)
    assert estimate and estimate.group(1).startswith("Shipping estimate: €")
    assert estimate.group(1).endswith("by courier, depending on the destination.")
    assert "pickup" not in abroad.split('<p class="cart-total">')[0]
