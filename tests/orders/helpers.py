"""Shared builders for cart/order tests (plain functions, so any test package can import them)."""

from __future__ import annotations

import re
import secrets

from marketplace.cart.models import Cart, CartLine
from marketplace.orders import services
from marketplace.shipping.services import ShippingAddress, ensure_default_shipping_rates
from marketplace.types import utcnow
from tests.factories import make_product, make_seller, make_village

#: A buyer's address in Banyuwangi as the checkout form sends it.
CHECKOUT_ADDRESS = {
    "name": "Siti Rahayu",
    "phone": "0812 3456 7890",
    "street": "Jl. Raya Kabat 12",
    "district": "Kabat",
    "city": "Kabupaten Banyuwangi",
    "province": "Jawa Timur",
    "postal_code": "68461",
    "country": "ID",
}


def address(**overrides) -> ShippingAddress:
    return ShippingAddress(**{**CHECKOUT_ADDRESS, **overrides})


def make_cart(session, items, *, user=None) -> Cart:
    """A cart holding {product: quantity} (rows written directly, as the cart service would)."""
    if user is not None:
        cart = Cart(user_id=user.id)
    else:
        cart = Cart(token=secrets.token_urlsafe(32))
    session.add(cart)
    session.flush()
    for product, quantity in items.items():
        session.add(CartLine(cart_id=cart.id, product_id=product.id, quantity=quantity))
    session.flush()
    return cart


def place(session, cart, **overrides):
    ensure_default_shipping_rates(session)
    values = {
        "cart": cart,
        "buyer": None,
        "email": "buyer@example.test",
        "lang": "id",
        "address": address(),
        "shipping_method": "courier",
        "payment_method": "bank_transfer",
        "checkout_token": secrets.token_urlsafe(24),
        "now": utcnow(),
    }
    values.update(overrides)
    return services.place_order(session, **values)


#: The checkout form of a guest in Amsterdam paying by card, asking for the shipping quote.
AMSTERDAM_CHECKOUT = {
    "email": "anna@example.test", "shipping_method": "courier", "payment_method": "stripe",
    "name": "Anna de Vries", "phone": "+31 20 123 4567", "street": "Prinsengracht 263",
    "city": "Amsterdam", "postal_code": "1016 GV", "country": "NL", "action": "quote",
    "checkout_token": "t" * 24,
}  # fmt: skip


def hidden_field(html: str, name: str) -> str:
    """The value of the page's hidden field `name` (AssertionError when it has none)."""
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def quoted_checkout_form(client, data: dict) -> dict:
    """The checkout form as a buyer sends it to place the order: the page's hidden fields, `data`
    typed in, and the `quote` the page shows once "Calculate shipping" has priced it (placing the
    order refuses a total the page did not show)."""
    page = client.get("/checkout")
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    form = {name: hidden_field(html, name) for name in ("checkout_token", "fingerprint", "rate_version")}
    form.update(data)
    quoted = client.post("/checkout", data={**form, "action": "quote"}).get_data(as_text=True)
    return {**form, "quote": hidden_field(quoted, "quote"), "action": "place"}


def two_parcel_shop(session):
    """(bag, coffee): an exportable bag and a coffee from sellers in two villages, two parcels, with
    the default shipping rates; committed."""
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
    """One of each product in `client`'s cart, through the cart's form."""
    for product in products:
        assert client.post("/cart/add", data={"product_id": product.id, "quantity": "1"}).status_code == 303
