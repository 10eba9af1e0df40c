"""Fixtures for the checkout page: a shop with two sellers, card payments on the local Stripe."""

from __future__ import annotations

import pytest

from tests.clients import IsolatedClient
from tests.orders.helpers import hidden_field, two_parcel_shop

# The local Stripe-compatible server, and the settings that point the app at it.
from tests.payments.conftest import app_overrides, stripe_server  # noqa: F401

ADDRESS_NL = {
    "name": "Anna de Vries",
    "phone": "+31 6 1234 5678",
    "street": "Keizersgracht 12",
    "city": "Amsterdam",
    "province": "",
    "postal_code": "1015 CX",
    "country": "NL",
}


@pytest.fixture
def app(app):
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def shop(session):
    return two_parcel_shop(session)


def summary(html: str) -> str:
    """The page's order summary (subtotal, shipping, total, the card line), where a buyer reads money."""
    return html.split('id="summary"', 1)[1].split("</section>", 1)[0]


def review(client, address: dict, *, url: str = "/checkout", **overrides):
    """Open the checkout, fill it and press "Calculate shipping" (no JavaScript): (response, html,
    the form as the page now holds it, ready to place)."""
    page = client.get(url).get_data(as_text=True)
    data = {
        name: hidden_field(page, name)
        for name in ("checkout_token", "fingerprint", "rate_version", "currency", "quote", "quoted_for")
    }
    data.update(
        address, email="buyer@example.test", shipping_method="courier", payment_method="stripe", note=""
    )
    data.update(overrides)
    response = client.post(url, data={**data, "action": "quote"})
    html = response.get_data(as_text=True)
    for name in ("rate_version", "currency", "quote", "quoted_for"):
        data[name] = hidden_field(html, name)
    return response, html, {**data, "action": "place"}
