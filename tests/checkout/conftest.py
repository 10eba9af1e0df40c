"""Fixtures for the checkout page: a shop with two sellers, card payments on the local Stripe."""

from __future__ import annotations

import re

import pytest

from marketplace.shipping.services import ensure_default_shipping_rates
from tests.clients import IsolatedClient
from tests.factories import make_product, make_seller, make_village
from tests.payments.conftest import stripe_server  # noqa: F401 - the local Stripe-compatible server

ADDRESS_ID = {
    "name": "Siti Rahayu",
    "phone": "0812 3456 7890",
    "street": "Jl. Raya Kabat 12",
    "district": "Kabat",
    "city": "Kabupaten Banyuwangi",
    "province": "Jawa Timur",
    "postal_code": "68461",
    "country": "ID",
}
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
def app_overrides(stripe_server):  # noqa: F811
    return {
        "STRIPE_SECRET_KEY": stripe_server.api_key,
        "STRIPE_API_BASE": stripe_server.base_url,
        "STRIPE_WEBHOOK_SECRET": stripe_server.webhook_secret,
        "CSP_EXTRA_FORM_ACTION": (stripe_server.base_url,),
    }


@pytest.fixture
def shop(session):
    """A bag (exportable) and a coffee from sellers in two villages: two parcels."""
    ensure_default_shipping_rates(session)
    bag = make_product(
        session,
        seller=make_seller(session, village=make_village(session, name="Tambong")),
        title_en="Pandan bag",
        price_minor=125_000,
        weight_grams=400,
        exportable=True,
    )
    coffee = make_product(session, title_en="Robusta coffee", price_minor=45_000, weight_grams=250)
    session.commit()
    return bag, coffee


def fill_cart(client, *products) -> None:
    for product in products:
        assert client.post("/cart/add", data={"product_id": product.id, "quantity": "1"}).status_code == 303


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def summary(html: str) -> str:
    """The page's order summary (subtotal, shipping, total, the card line), where a buyer reads money."""
    return html.split('id="summary"', 1)[1].split("</section>", 1)[0]


def review(client, address: dict, *, url: str = "/checkout", **overrides):
    """Open the checkout, fill it and press "Calculate shipping" (no JavaScript): (response, html,
    the form as the page now holds it, ready to place)."""
    page = client.get(url).get_data(as_text=True)
    data = {
        name: hidden(page, name)
        for name in ("checkout_token", "fingerprint", "rate_version", "currency", "quote", "quoted_for")
    }
    data.update(
        address, email="buyer@example.test", shipping_method="courier", payment_method="stripe", note=""
    )
    data.update(overrides)
    response = client.post(url, data={**data, "action": "quote"})
    html = response.get_data(as_text=True)
    for name in ("rate_version", "currency", "quote", "quoted_for"):
        data[name] = hidden(html, name)
    return response, html, {**data, "action": "place"}
