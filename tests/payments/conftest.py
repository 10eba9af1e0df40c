"""Payments test fixtures: the Stripe harness, Stripe-paid orders placed for real, a live app server."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from marketplace.cart.services import add_to_cart, get_or_create_cart, new_cart_token
from marketplace.orders.services import place_order
from marketplace.payments.local_stripe import StripeHarness, start_stripe_server
from marketplace.shipping.services import ShippingAddress, ensure_default_shipping_rates
from marketplace.types import utcnow
from tests.factories import make_product, make_user
from tests.payments.helpers import LiveServer, stripe_settings
from tests.refunds.helpers import as_sent, desk  # noqa: F401  (the curator and how Stripe sends a charge)


@pytest.fixture(scope="session")
def stripe_server() -> StripeHarness:
    """The local Stripe-compatible server (localstripe + Checkout Sessions), one per test run."""
    return start_stripe_server()


@pytest.fixture
def app_overrides(stripe_server):
    return stripe_settings(stripe_server)


ADDRESS = ShippingAddress(
    name="Ayu Lestari",
    phone="+62 812 3456 7890",
    street="Jl. Raya Kabat 12",
    district="Kabat",
    city="Kabupaten Banyuwangi",
    province="Jawa Timur",
    postal_code="68461",
)


@pytest.fixture
def place_stripe_order(session):
    """`place_stripe_order(price=…, quantity=…, courier=…, buyer=…)`: a real order through the cart
    and `place_order`, paid by Stripe, committed. Returns the Order."""

    def place(
        *,
        price: int = 50_000,
        quantity: int = 2,
        stock: int = 5,
        courier: bool = False,
        buyer=None,
        lang: str = "id",
        window: timedelta = timedelta(hours=24),
        now=None,
    ):
        now = now or utcnow()
        product = make_product(session, price_minor=price, stock=stock)
        if courier:
            ensure_default_shipping_rates(session)
        # Commit the catalogue rows first: their cache bump runs on another connection, and on SQLite
        # a savepoint release (inside get_or_create_cart) fires it while this transaction holds the lock.
        session.commit()
        cart = get_or_create_cart(session, user=buyer, token=None if buyer else new_cart_token())
        add_to_cart(session, cart=cart, product_id=product.id, quantity=quantity)
        order = place_order(
            session,
            cart=cart,
            buyer=buyer,
            email=buyer.email if buyer else "tamu@example.test",
            lang=lang,
            address=ADDRESS if courier else None,
            shipping_method="courier" if courier else "pickup",
            payment_method="stripe",
            checkout_token=secrets.token_hex(16),
            now=now,
            payment_window=window,
        )
        session.commit()
        return order

    return place


@pytest.fixture
def buyer(session):
    user = make_user(session, email="buyer@example.test", name="Buyer")
    session.commit()
    return user


@pytest.fixture
def live_server(app):
    """The app served over real HTTP by werkzeug's threaded server (one thread per request)."""
    with LiveServer(app) as server:
        yield server


@pytest.fixture(autouse=True)
def request_context(request):
    """Services build translated error messages, and the locale is chosen per request."""
    if "app" not in request.fixturenames:
        yield
        return
    with request.getfixturevalue("app").test_request_context("/"):
        yield
