"""The card payment's return and cancel pages: no deadline threat after paying, and the deadline,
where the order really is unpaid, written as every other page writes a time."""

from __future__ import annotations

import re

from marketplace.timezones import jakarta_time
from tests.payments.helpers import guest_token
from tests.payments.test_webhook import completed_event, start

SECONDS = re.compile(r"\d{1,2}[.:]\d{2}[.:]\d{2}")  # "22.00.48", "10:00:30 PM"


def page(client, app, order, path: str, lang: str) -> str:
    url = f"/payments/stripe/{path}?order={order.number}&token={guest_token(app, order)}&lang={lang}"
    response = client.get(url)
    assert response.status_code == 200
    section = re.search(
        r'<section class="payment-return".*?</section>', response.get_data(as_text=True), re.S
    )
    assert section, "no payment-return section"
    return section.group(0)


def test_after_paying_the_page_says_confirming_without_a_deadline(
    app, client, session, stripe_server, place_stripe_order
):
    order = place_stripe_order()
    # Paid by a method that settles later; the webhook has not arrived.
    completed_event(session, stripe_server, order, asynchronous=True)

    english = page(client, app, order, "return", "en")
    assert "confirming your payment" in english
    assert "Pay before" not in english and "cancelled" not in english
    assert jakarta_time(order.payment_due_at, "en") not in english
    indonesian = page(client, app, order, "return", "id")
    assert "Bayar sebelum" not in indonesian and jakarta_time(order.payment_due_at, "id") not in indonesian


def test_left_the_payment_page_shows_the_deadline_as_the_site_writes_times(
    app, client, session, stripe_server, place_stripe_order
):
    order = place_stripe_order()
    start(session, order)  # the buyer went to Stripe's page and came back without paying

    english = page(client, app, order, "cancel", "en")
    assert "You left the card payment page" in english
    # With how long is left, as the transfer panel and the order page say it (never rounded up).
    assert (
        f"Pay before {jakarta_time(order.payment_due_at, 'en')} (in 23 hours), or the order is cancelled"
        in english
    )
    assert jakarta_time(order.payment_due_at, "en").endswith(" WIB") and not SECONDS.search(english)
    indonesian = page(client, app, order, "cancel", "id")
    assert f"Bayar sebelum {jakarta_time(order.payment_due_at, 'id')} (dalam 23 jam)" in indonesian
    assert not SECONDS.search(indonesian)
