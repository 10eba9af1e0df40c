"""A buyer in a country of several zones (the US, Australia…) reads an email's deadline without
converting from Jakarta: WIB with UTC beside, in both parts and both languages; a buyer in a
country of one zone reads their own clock (timezones.buyer_time, the order page's rule)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from marketplace.email.services import render_email
from marketplace.orders.notifications import _context as email_context
from tests.factories import make_product, make_user
from tests.orders.helpers import make_cart, place

#: 03:28 WIB on 9 December is 20:28 UTC on 8 December.
DUE = datetime(2026, 12, 8, 20, 28, tzinfo=UTC)


@pytest.fixture
def app_overrides():
    return {"STRIPE_SECRET_KEY": "sk_test_not_called"}  # card payment offered; nothing talks to Stripe


@pytest.mark.parametrize(
    ("country", "lang", "said"),
    [
        ("US", "en", "9 December 2026 03:28 WIB (20:28 UTC, 8 December)"),
        ("US", "id", "9 Desember 2026 03:28 WIB (20:28 UTC, 8 Desember)"),
        ("AU", "en", "9 December 2026 03:28 WIB (20:28 UTC, 8 December)"),
        ("NL", "en", "8 December 2026, 21:28 (Amsterdam time) · 03:28\u00a0WIB"),
    ],
)
def test_the_confirmations_deadline_abroad(app, session, country, lang, said):
    buyer = make_user(session)
    product = make_product(session, price_minor=150_000, stock=5)
    order = place(
        session, make_cart(session, {product: 1}), buyer=buyer, email=buyer.email, payment_method="stripe"
    )
    order.ship_country, order.lang, order.payment_due_at = country, lang, DUE
    session.commit()
    with app.test_request_context():
        _subject, text, html = render_email("order_confirmation", lang, email_context(order))
    assert said in text and said in html
    assert "<time" not in html  # an email runs no script
