"""Shared builders for cart/order tests (plain functions, so any test package can import them)."""

from __future__ import annotations

import secrets

from marketplace.cart.models import Cart, CartLine
from marketplace.orders import services
from marketplace.shipping.services import ShippingAddress, ensure_default_shipping_rates
from marketplace.types import utcnow


def address(**overrides) -> ShippingAddress:
    values = {
        "name": "Siti Rahayu",
        "phone": "0812 3456 7890",
        "street": "Jl. Raya Kabat 12",
        "district": "Kabat",
        "city": "Kabupaten Banyuwangi",
        "province": "Jawa Timur",
        "postal_code": "68461",
    }
    values.update(overrides)
    return ShippingAddress(**values)


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
