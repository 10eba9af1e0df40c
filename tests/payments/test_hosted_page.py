"""The local Stripe server's payment page, driven over HTTP as a person's browser would drive it.

The order is placed for real, the buyer starts the card payment through the app, and the page at
`/c/pay/<id>` (marketplace/payments/local_stripe/checkout.py) takes the card: a test card that
pays, one that is declined, one that asks for confirmation. The order becomes paid only through
the signed webhook that the server delivers to the app about a second later.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest
import requests

from marketplace.money import Money
from marketplace.orders.models import OrderStatus
from tests.payments.helpers import guest_token, order_status, signed_post, wait_for

FUTURE = "12 / 34"


@pytest.fixture
def webhook_to_app(stripe_server, live_server):
    """The local server delivers its signed events to this test's app, as `make run` registers it."""
    stripe_server.register_webhook(f"{live_server.url}/payments/stripe/webhook")
    yield
    stripe_server.register_webhook("http://127.0.0.1:9/nowhere")


def start_card_payment(app, live_server, order) -> tuple[requests.Session, str]:
    """The buyer's "pay by card" button on the app: returns their browser and the payment page URL."""
    browser = requests.Session()
    started = browser.post(
        f"{live_server.url}/payments/stripe/start/{order.number}",
        data={"token": guest_token(app, order)},
        allow_redirects=False,
        timeout=20,
    )
    assert started.status_code == 303, started.text
    return browser, started.headers["Location"]


def pay(browser, url, number, *, expiry=FUTURE, cvc="123"):
    return browser.post(
        url, data={"card_number": number, "expiry": expiry, "cvc": cvc}, allow_redirects=False, timeout=10
    )


def session_of(stripe_server, url):
    return stripe_server.client().v1.checkout.sessions.retrieve(url.rsplit("/", 1)[1])


def completed_events(stripe_server, url) -> list[dict]:
    session_id = url.rsplit("/", 1)[1]
    return [
        e
        for e in stripe_server.events("checkout.session.completed")
        if e["data"]["object"]["id"] == session_id
    ]


def test_the_page_is_a_test_mode_card_form_with_the_test_cards(
    app, stripe_server, live_server, place_stripe_order
):
    order = place_stripe_order(lang="en", price=50_000, quantity=2)
    browser, url = start_card_payment(app, live_server, order)
    page = browser.get(url, timeout=10)
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Test mode — no real money moves. This page stands in for Stripe Checkout." in text
    assert Money(order.total_minor, order.currency).format("en") in text and "(IDR)" in text
    assert order.number in text
    for number in ("4242 4242 4242 4242", "4000 0000 0000 0002", "4000 0000 0000 3220"):
        assert number in text
    # Every input has its label; the form needs no script; "Cancel and return" leads back to the shop.
    for name in ("card_number", "expiry", "cvc"):
        assert re.search(rf'<label for="{name}">', page.text) and f'id="{name}" name="{name}"' in page.text
    assert "<script" not in page.text
    assert 'name="viewport" content="width=device-width' in page.text
    cancel = re.search(r'<a href="([^"]+)">Cancel and return</a>', page.text)
    assert cancel and html.unescape(cancel.group(1)).startswith(f"{live_server.url}/payments/stripe/cancel?")
    assert browser.get(html.unescape(cancel.group(1)), timeout=10).status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and f"form-action 'self' {live_server.url}" in policy


def test_the_page_speaks_the_language_of_the_order(app, stripe_server, live_server, place_stripe_order):
    order = place_stripe_order(lang="id")
    browser, url = start_card_payment(app, live_server, order)
    text = html.unescape(browser.get(url, timeout=10).text)
    assert 'lang="id"' in text and "Mode uji" in text and "Test mode" not in text


def test_a_declined_card_shows_the_decline_and_the_session_stays_open(
    app, session, stripe_server, live_server, place_stripe_order
):
    order = place_stripe_order(lang="en")
    browser, url = start_card_payment(app, live_server, order)
    declined = pay(browser, url, "4000 0000 0000 0002")
    assert declined.status_code == 402
    assert 'role="alert">Your card was declined. Try another card.' in declined.text
    assert "4000 0000 0000 0002" in declined.text  # what the buyer typed is still there to correct
    checkout = session_of(stripe_server, url)
    assert (checkout.status, checkout.payment_status) == ("open", "unpaid")
    intent = stripe_server.client().v1.payment_intents.retrieve(checkout.payment_intent)
    assert intent.status == "requires_payment_method"  # Stripe keeps the failed attempt on the intent
    assert completed_events(stripe_server, url) == []
    assert order_status(session, order.id) == OrderStatus.AWAITING_PAYMENT
    # The page still takes another card.
    assert browser.get(url, timeout=10).status_code == 200
    paid = pay(browser, url, "4242424242424242")
    assert paid.status_code == 303
    assert session_of(stripe_server, url).payment_intent == checkout.payment_intent


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"card_number": ""}, "card_number", "Your card number is incomplete."),
        ({"card_number": "4242 4242 4242 4241"}, "card_number", "Your card number is invalid."),
        ({"card_number": "4111 1111 1111 1111"}, "card_number", "use one of the test card numbers"),
        ({"expiry": "01 / 20"}, "expiry", "Your card's expiry date is in the past."),
        ({"expiry": "13 / 30"}, "expiry", "Enter the expiry date as MM / YY."),
        ({"expiry": "next year"}, "expiry", "Enter the expiry date as MM / YY."),
        ({"cvc": "12"}, "cvc", "Enter the 3-digit security code (CVC)."),
        ({"cvc": "abc"}, "cvc", "Enter the 3-digit security code (CVC)."),
    ],
)
def test_card_details_are_checked_field_by_field(
    app, stripe_server, live_server, place_stripe_order, fields, field, message
):
    order = place_stripe_order(lang="en")
    browser, url = start_card_payment(app, live_server, order)
    data = {"card_number": "4242 4242 4242 4242", "expiry": FUTURE, "cvc": "123", **fields}
    refused = browser.post(url, data=data, allow_redirects=False, timeout=10)
    assert refused.status_code == 400
    text = html.unescape(refused.text)
    assert message in text
    assert f'id="{field}" name="{field}"' in refused.text
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true" aria-describedby="{field}-error"', refused.text)
    assert session_of(stripe_server, url).status == "open"


def test_a_future_expiry_in_any_common_form_is_accepted(app, stripe_server, live_server, place_stripe_order):
    for expiry in ("1234", "12/34", "12 / 2034"):
        order = place_stripe_order(lang="en")
        browser, url = start_card_payment(app, live_server, order)
        assert pay(browser, url, "4242-4242-4242-4242", expiry=expiry).status_code == 303, expiry


def test_paying_with_the_test_card_returns_to_the_order_paid_by_the_signed_webhook(
    app, session, stripe_server, live_server, place_stripe_order, webhook_to_app
):
    order = place_stripe_order(lang="en", quantity=1, stock=3)
    browser, url = start_card_payment(app, live_server, order)
    assert browser.get(url, timeout=10).status_code == 200
    paid = pay(browser, url, "4242 4242 4242 4242")
    assert paid.status_code == 303
    back = paid.headers["Location"]
    assert back.startswith(f"{live_server.url}/payments/stripe/return?order={order.number}")
    checkout = session_of(stripe_server, url)
    assert (checkout.status, checkout.payment_status) == ("complete", "paid")
    intent = stripe_server.client().v1.payment_intents.retrieve(checkout.payment_intent)
    assert (intent.status, intent.amount) == ("succeeded", Money(order.total_minor, "IDR").to_stripe_amount())
    assert len(completed_events(stripe_server, url)) == 1

    # Only the webhook, signed and delivered by the local server, marks the order paid.
    wait_for(lambda: order_status(session, order.id) == OrderStatus.PAID)
    page = browser.get(back, timeout=10)
    assert page.status_code == 200 and "Your payment was received" in page.text
    assert 'http-equiv="refresh"' not in page.text

    # A second click on "Pay" lands on the same page, and nothing is charged twice.
    again = pay(browser, url, "4242 4242 4242 4242")
    assert (again.status_code, again.headers["Location"]) == (303, back)
    assert len(completed_events(stripe_server, url)) == 1
    closed = browser.get(url, timeout=10)
    assert closed.status_code == 200 and "This payment is complete." in closed.text


def test_a_card_that_asks_for_confirmation(app, session, stripe_server, live_server, place_stripe_order):
    order = place_stripe_order(lang="en")
    browser, url = start_card_payment(app, live_server, order)
    asked = pay(browser, url, "4000 0000 0000 3220")
    assert (asked.status_code, urlsplit(asked.headers["Location"]).path) == (303, urlsplit(url).path)
    step = browser.get(url, timeout=10)
    assert "Confirm this payment" in step.text and f'action="{urlsplit(url).path}/authenticate"' in step.text

    refused = browser.post(f"{url}/authenticate", data={"outcome": "fail"}, allow_redirects=False, timeout=10)
    assert refused.status_code == 402 and "nothing was charged" in refused.text
    assert session_of(stripe_server, url).status == "open"
    assert completed_events(stripe_server, url) == []

    assert pay(browser, url, "4000000000003220").status_code == 303
    confirmed = browser.post(
        f"{url}/authenticate", data={"outcome": "complete"}, allow_redirects=False, timeout=10
    )
    assert confirmed.status_code == 303
    assert confirmed.headers["Location"].startswith(f"{live_server.url}/payments/stripe/return?")
    assert session_of(stripe_server, url).payment_status == "paid"


def test_unknown_and_expired_pages(app, stripe_server, live_server, place_stripe_order):
    assert requests.get(f"{stripe_server.base_url}/c/pay/cs_test_nothing", timeout=10).status_code == 404
    posted = requests.post(f"{stripe_server.base_url}/c/pay/cs_test_nothing", data={}, timeout=10)
    assert posted.status_code == 404

    order = place_stripe_order(lang="en")
    browser, url = start_card_payment(app, live_server, order)
    stripe_server.client().v1.checkout.sessions.expire(url.rsplit("/", 1)[1])
    gone = browser.get(url, timeout=10)
    assert gone.status_code == 410 and "This payment page has expired." in gone.text
    assert pay(browser, url, "4242 4242 4242 4242").status_code == 410


# -- the app's return page while the webhook is on its way ------------------------------------------


def test_return_page_refreshes_itself_until_a_delayed_payment_is_settled(
    app, client, session, stripe_server, place_stripe_order
):
    """A card paid at once is applied when the buyer comes back (test_webhook.py); a method that
    settles later (Stripe's "unpaid" completed session) keeps the page confirming, reloading itself."""
    from marketplace.payments.services import start_stripe_checkout

    order = place_stripe_order(lang="en")
    payment = start_stripe_checkout(
        session, order, success_url="http://localhost/ok", cancel_url="http://x/c"
    )
    session.commit()
    stripe_server.complete_session(payment.provider_reference, asynchronous=True)
    token = guest_token(app, order)
    base = f"/payments/stripe/return?order={order.number}&token={token}"

    waiting = client.get(base).get_data(as_text=True)
    assert "confirming your payment" in waiting
    refresh = re.search(r'<meta http-equiv="refresh" content="3; url=([^"]+)">', waiting)
    assert refresh, "the page must reload itself while the payment is being confirmed"
    follow = html.unescape(refresh.group(1))
    assert follow.startswith("/payments/stripe/return?") and "checks=1" in follow and token in follow
    assert 'http-equiv="refresh"' in client.get(follow).get_data(as_text=True)
    # It gives up after a couple of minutes; the "Check again" link stays.
    tired = client.get(base + "&checks=40").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in tired and "Check again" in tired
    assert client.get(base + "&checks=99999999999999999999").status_code == 200
    # Leaving the card page does not reload anything.
    assert 'http-equiv="refresh"' not in client.get(base.replace("return", "cancel")).get_data(as_text=True)

    stripe_server.async_result(payment.provider_reference, "succeeded")
    signed_post(
        client,
        stripe_server,
        stripe_server.event_for("checkout.session.async_payment_succeeded", payment.provider_reference),
    )
    paid = client.get(base).get_data(as_text=True)
    assert "Your payment was received" in paid and 'http-equiv="refresh"' not in paid


# -- with Stripe keys, buyers abroad check out as before ------------------------------------------


def test_with_keys_a_buyer_abroad_is_offered_card_payment(client, session):
    from tests.factories import make_product

    product = make_product(session, exportable=True, stock=3)
    session.commit()
    client.set_cookie("country", "NL")
    client.post("/cart/add", data={"product_id": product.id, "quantity": "1"})
    cart = client.get("/cart").get_data(as_text=True)
    assert "Orders from abroad are not available yet" not in cart and 'href="/checkout"' in cart
    page = client.get("/checkout")
    assert page.status_code == 200 and 'id="pay-stripe"' in page.get_data(as_text=True)


def test_in_local_test_mode_the_order_and_return_pages_say_so(app, client, place_stripe_order):
    """`make run` without keys: nobody is told they pay on Stripe's page when it is the local one."""
    order = place_stripe_order(lang="en")
    token = guest_token(app, order)
    pages = (
        f"/orders/{order.number}?token={token}",
        f"/payments/stripe/cancel?order={order.number}&token={token}",
    )
    for path in pages:
        assert "secure page" in client.get(path).get_data(as_text=True)
    app.config["STRIPE_LOCAL_TEST_MODE"] = True
    for path in pages:
        text = client.get(path).get_data(as_text=True)
        assert "test mode" in text and "secure page" not in text
