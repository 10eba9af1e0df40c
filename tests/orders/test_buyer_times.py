"""A buyer abroad reads an order's times where they are: in the shipping country's zone when it has
one (WIB kept beside the payment deadline), marked up for the browser's own zone when it has several;
a buyer at home, and the shop, read WIB exactly as before. An unpaid card order says how long is left."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from marketplace.orders.cancel_presenters import cancellation_rows
from marketplace.orders.models import OrderCancellation
from marketplace.orders.notifications import _context as email_context
from marketplace.timezones import (
    JAKARTA,
    BrowserTime,
    buyer_day,
    buyer_time,
    buyer_zone,
    jakarta_time,
    jakarta_time_with_utc,
)
from marketplace.types import utcnow
from tests.factories import make_product, make_user
from tests.login import logged_in_as
from tests.orders.helpers import make_cart, place

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
#: 7 December, evening in Amsterdam (21:00), already 8 December in Kabat (03:00 WIB).
EVENING_IN_AMSTERDAM = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)


@pytest.fixture
def app_overrides():
    return {"STRIPE_SECRET_KEY": "sk_test_not_called"}  # card payment offered; nothing talks to Stripe


@pytest.fixture
def card_order(session):
    """A buyer's unpaid card order, placed on EVENING_IN_AMSTERDAM, due in 23½ hours; `ship_to`
    sets its shipping country (the address itself does not matter to the times)."""
    buyer = make_user(session)
    product = make_product(session, title_en="Pandan bag", price_minor=150_000, stock=5)
    order = place(
        session, make_cart(session, {product: 1}), buyer=buyer, email=buyer.email, payment_method="stripe"
    )
    order.created_at = EVENING_IN_AMSTERDAM
    order.payment_due_at = (utcnow() + timedelta(hours=23, minutes=30)).replace(microsecond=0)
    session.commit()

    def ship_to(country: str):
        order.ship_country = country
        session.commit()
        return order, buyer

    return ship_to


def page(app, buyer, path: str, lang: str = "en") -> str:
    return logged_in_as(app.test_client(), buyer, lang=lang).get(path).get_data(as_text=True)


def amsterdam_deadline(due: datetime) -> str:
    local = due.astimezone(AMSTERDAM)
    return f"{local.day} {local:%B %Y, %H:%M} (Amsterdam time) · {due.astimezone(JAKARTA):%H:%M}\u00a0WIB"


def test_the_zone_comes_from_the_shipping_country():
    assert buyer_zone("ID").zone is None and not buyer_zone("ID").several
    assert buyer_zone("NL").zone == AMSTERDAM
    # Berlin and Büsingen keep the same clock all year: one zone for Germany.
    assert buyer_zone("DE").zone == ZoneInfo("Europe/Berlin")
    for several in ("US", "AU", "CA", "RU", "BR", "MX"):
        assert buyer_zone(several).several and buyer_zone(several).zone is None, several


def test_times_abroad_in_both_languages(app):
    due = datetime(2026, 12, 8, 20, 28, tzinfo=UTC)
    netherlands = buyer_zone("NL")
    with app.test_request_context(), force_locale("en"):
        assert buyer_time(due, "en", netherlands, wib_beside=True) == (
            "8 December 2026, 21:28 (Amsterdam time) · 03:28\u00a0WIB"
        )
        assert buyer_day(EVENING_IN_AMSTERDAM, "en", netherlands) == "7 December 2026"
        assert buyer_time(due, "en") == jakarta_time(due, "en")  # at home: WIB as ever
    with app.test_request_context(), force_locale("id"):
        assert buyer_time(due, "id", netherlands) == "8 Desember 2026, 21:28 (waktu Amsterdam)"
        states = buyer_time(due, "id", buyer_zone("US"), wib_beside=True)
        # WIB with UTC as text (emails, pages without JavaScript); a <time> for the browser's zone.
        assert (
            isinstance(states, BrowserTime)
            and str(states) == "9 Desember 2026 03:28 WIB (20:28 UTC, 8 Desember)"
        )
        assert str(states) == jakarta_time_with_utc(due, "id")
        assert states.__html__() == (
            '<time datetime="2026-12-08T20:28:00+00:00" data-local="time" data-beside="03:28\u00a0WIB">'
            f"{jakarta_time_with_utc(due, 'id')}</time>"
        )
    with app.test_request_context(), force_locale("en"):
        # The same UTC day as Kabat's: no day beside the UTC clock.
        morning = datetime(2026, 12, 8, 3, 28, tzinfo=UTC)
        assert str(buyer_time(morning, "en", buyer_zone("AU"))) == "8 December 2026 10:28 WIB (03:28 UTC)"


def test_order_page_abroad_in_amsterdam_time_with_wib_beside_the_deadline(app, card_order):
    order, buyer = card_order("NL")
    page = logged_in_as(app.test_client(), buyer, lang="en").get(f"/orders/{order.number}")
    html = page.get_data(as_text=True)
    assert "Placed on 7 December 2026, 21:00 (Amsterdam time)" in html
    assert f"before {amsterdam_deadline(order.payment_due_at)} (in 23 hours) on Stripe" in html
    history = re.search(r'<ol class="history">.*?</ol>', html, re.S).group(0)
    assert "(Amsterdam time): Order placed" in history and "WIB" not in history
    assert "local-time.js" not in html  # one zone: nothing for a script to do

    indonesian = logged_in_as(app.test_client(), buyer, lang="id").get(f"/orders/{order.number}")
    text = indonesian.get_data(as_text=True)
    assert "7 Desember 2026, 21:00 (waktu Amsterdam)" in text and "(dalam 23 jam)" in text


def test_order_page_in_a_country_of_several_zones_keeps_wib_for_the_browser_to_rewrite(app, card_order):
    order, buyer = card_order("US")
    html = (
        logged_in_as(app.test_client(), buyer, lang="en")
        .get(f"/orders/{order.number}")
        .get_data(as_text=True)
    )
    due_iso = order.payment_due_at.astimezone(UTC).isoformat(timespec="seconds")
    wib = f"{order.payment_due_at.astimezone(JAKARTA):%H:%M}\u00a0WIB"
    assert (
        f'<time datetime="{due_iso}" data-local="time" data-beside="{wib}">'
        f"{jakarta_time_with_utc(order.payment_due_at, 'en')}</time> (in 23 hours) on Stripe" in html
    )
    assert re.search(r'<script src="/static/[^"]*local-time[^"]*\.js" defer></script>', html)

    listed = logged_in_as(app.test_client(), buyer, lang="en").get("/orders").get_data(as_text=True)
    assert f'Pay by card before <time datetime="{due_iso}"' in listed and "local-time" in listed


def test_at_home_everything_stays_in_wib(app, card_order):
    order, buyer = card_order("ID")
    html = (
        logged_in_as(app.test_client(), buyer, lang="en")
        .get(f"/orders/{order.number}")
        .get_data(as_text=True)
    )
    assert f"Placed on {jakarta_time(EVENING_IN_AMSTERDAM, 'en')}" in html
    assert f"before {jakarta_time(order.payment_due_at, 'en')} (in 23 hours) on Stripe" in html
    assert "data-local" not in html and "local-time" not in html and " time)" not in html
    listed = logged_in_as(app.test_client(), buyer, lang="en").get("/orders").get_data(as_text=True)
    assert "placed 8 December 2026" in listed  # Kabat's day, as before
    assert f"Pay by card before {jakarta_time(order.payment_due_at, 'en')}." in listed


def test_order_list_abroad_uses_the_buyers_day(app, card_order):
    order, buyer = card_order("NL")
    listed = logged_in_as(app.test_client(), buyer, lang="en").get("/orders").get_data(as_text=True)
    assert "placed 7 December 2026" in listed
    assert f"Pay by card before {amsterdam_deadline(order.payment_due_at)}." in listed


def test_the_confirmation_email_gives_the_deadline_in_the_buyers_time_as_plain_text(app, card_order):
    order, _buyer = card_order("NL")
    order.lang = "en"
    with app.test_request_context():
        assert email_context(order)["payment_deadline_text"] == amsterdam_deadline(order.payment_due_at)
    order.ship_country = "US"  # no single zone: WIB with UTC beside, and no markup in an email
    with app.test_request_context():
        text = email_context(order)["payment_deadline_text"]
    assert type(text) is str and text == jakarta_time_with_utc(order.payment_due_at, "en")
    assert text.startswith(jakarta_time(order.payment_due_at, "en")) and " UTC" in text


def test_cancellations_in_the_buyers_time_and_in_wib_for_the_shop(app, card_order):
    order, _buyer = card_order("NL")
    part = order.fulfilments[0]
    # A row as cancel_by_seller writes it (only what the list reads), kept out of the database.
    row = OrderCancellation(
        order_id=order.id, fulfilment_id=part.id, seller_id=part.seller_id, cancelled_by="seller",
        reason="Out of stock", units={}, amount_minor=0, currency=order.currency,
        created_at=EVENING_IN_AMSTERDAM,
    )  # fmt: skip
    with app.test_request_context(), force_locale("en"):
        buyer_rows = cancellation_rows(order, [row], "en")
        shop_rows = cancellation_rows(order, [row], "en", seller_id=part.seller_id)
    assert buyer_rows[0]["when"] == "7 December 2026, 21:00 (Amsterdam time)"
    assert shop_rows[0]["when"] == jakarta_time(EVENING_IN_AMSTERDAM, "en")
