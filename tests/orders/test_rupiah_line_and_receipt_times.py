"""A buyer abroad reads one story from checkout to receipt: the rupiah line the checkout shows is,
word for word, the receipt's (goods at their rupiah prices, shipping as charged converted back:
orders.amounts), and the receipt's times are where the buyer reads the order page's."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from marketplace.money import Money, convert
from marketplace.orders.amounts import order_total_idr
from marketplace.orders.models import Order
from marketplace.orders.queries import guest_order_token
from marketplace.orders.receipt import present_receipt
from marketplace.refunds.models import Refund, RefundStatus
from marketplace.refunds.receipt import refund_rows
from marketplace.timezones import JAKARTA, buyer_zone, jakarta_time
from tests.factories import make_product
from tests.markets.conftest import make_rate
from tests.orders.helpers import AMSTERDAM_CHECKOUT, fill_cart, quoted_checkout_form, two_parcel_shop

PAID = datetime(2026, 12, 7, 20, 28, tzinfo=UTC)  # 21:28 in Amsterdam, 03:28 WIB on 8 December


@pytest.fixture
def app_overrides():
    return {"STRIPE_SECRET_KEY": "sk_test_not_called"}  # card payment offered; nothing talks to Stripe


def _receipt_url(app, order: Order) -> str:
    with app.app_context():
        token = guest_order_token(order, secret_key=app.config["SECRET_KEY"])
    return f"/orders/{order.number}/receipt?token={token}"


def _rupiah_line(html: str) -> str:
    return re.search(r"(In rupiah: [^<]*|Dalam rupiah: [^<]*)", html).group(1)


@pytest.mark.parametrize("lang", ["en", "id"])
def test_the_checkout_and_the_receipt_say_the_same_rupiah_line(app, client, session, lang):
    bag, _coffee = two_parcel_shop(session)
    scarf = make_product(
        session, title_en="Batik scarf", price_minor=45_000, weight_grams=250, exportable=True
    )
    make_rate(session, "EUR", "17300")
    session.commit()
    client.set_cookie("currency", "EUR")
    client.set_cookie("country", "NL")
    client.set_cookie("lang", lang)
    fill_cart(client, bag, scarf)

    quoted = client.get(
        "/checkout/quote", query_string={"ship_country": "NL", "city": "Amsterdam"}
    ).get_json()
    data = {k: v for k, v in AMSTERDAM_CHECKOUT.items() if k not in ("action", "checkout_token")}
    assert client.post("/checkout", data=quoted_checkout_form(client, data)).status_code == 303
    order = session.scalars(sa.select(Order)).one()
    assert order.currency == "EUR" and len(order.fulfilments) == 2

    # Goods at their rupiah prices, exactly; each parcel's shipping as charged, back at the rate.
    rate = Decimal("17300")
    shipping_back = sum(
        convert(Money(part.shipping_minor, "EUR"), rate, "IDR").minor for part in order.fulfilments
    )
    assert order_total_idr(order) == 125_000 + 45_000 + shipping_back
    # Not the foreign total converted back, whose goods moved by each unit price's rounding.
    assert order_total_idr(order) != convert(Money(order.total_minor, "EUR"), rate, "IDR").minor

    receipt = client.get(_receipt_url(app, order) + f"&lang={lang}").get_data(as_text=True)
    assert quoted["total_idr"] == _rupiah_line(receipt)
    amount = Money(order_total_idr(order), "IDR").format(lang)
    assert amount in quoted["total_idr"] and "1 EUR = " in quoted["total_idr"]
    assert "≈" not in receipt


def _card_order(session, country: str) -> Order:
    """A paid card order to `country`, paid at PAID (rows written as placement and payment would)."""
    from tests.orders.test_order_extras import _two_seller_order

    order = _two_seller_order(session, lang="en")
    order.ship_country, order.paid_at, order.status = country, PAID, "paid"
    session.commit()
    return order


def test_the_receipt_abroad_reads_the_buyers_zone_as_the_order_page_does(app, session):
    order = _card_order(session, "NL")
    with app.test_request_context(), force_locale("en"):
        receipt = present_receipt(order, lang="en")
        rows = refund_rows(
            [Refund(amount_minor=100, currency="IDR", method="stripe", status=RefundStatus.SUCCEEDED,
                    created_at=PAID, confirmed_at=PAID)],
            "en",
            receipt["reader_zone"],
        )  # fmt: skip
    assert receipt["payment"]["status"] == "Paid on 7 December 2026, 21:28 (Amsterdam time)"
    assert rows[0]["when"] == "7 December 2026, 21:28 (Amsterdam time)"
    assert not receipt["local_times"]

    order.ship_country = "ID"
    with app.test_request_context(), force_locale("en"):
        assert present_receipt(order, lang="en")["payment"]["status"] == f"Paid on {jakarta_time(PAID, 'en')}"


def test_the_receipt_in_a_country_of_several_zones_gives_utc_and_the_browsers_zone(app, session):
    order = _card_order(session, "US")
    with app.test_request_context():
        token = guest_order_token(order, secret_key=app.config["SECRET_KEY"])
    html = (
        app.test_client().get(f"/orders/{order.number}/receipt?token={token}&lang=en").get_data(as_text=True)
    )
    assert (
        'Paid on <time datetime="2026-12-07T20:28:00+00:00" data-local="time" data-beside="">'
        "8 December 2026 03:28 WIB (20:28 UTC, 7 December)</time>" in html
    )
    assert re.search(r'<script src="/static/[^"]*local-time[^"]*\.js" defer></script>', html)
    assert PAID.astimezone(JAKARTA).day == 8 and buyer_zone("US").several
